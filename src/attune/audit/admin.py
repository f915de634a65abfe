"""The audit trail in the Django admin: a read-only list of who did what, and when.

Practice administrators see the events of people in their own practice. An event has no
clinical content, and nothing here links to the records themselves."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from attune.accounts.admin import ReadOnlyAdmin
from attune.accounts.models import Role
from attune.audit.models import AuditEvent


def _may_read_trail(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.role == Role.PRACTICE_ADMIN)
    )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "episode_id", "detail"]
    list_filter = ["action", "object_type"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    search_fields = ["actor__email", "actor__last_name"]
    readonly_fields = ("at", "actor", "action", "object_type", "object_id", "episode_id", "detail")
    fields = readonly_fields
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        events = super().get_queryset(request)
        user = request.user
        if user.is_superuser:
            return events
        if not user.is_authenticated or user.practice_id is None:
            return events.none()
        return events.filter(actor__practice_id=user.practice_id)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_read_trail(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _may_read_trail(request)
