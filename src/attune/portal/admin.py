"""The practice administrator handles clients' deletion requests here. Messages, ending
requests and answers are clinical content and are not registered."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from attune.accounts.models import Role
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.portal.models import DeletionRequest, DeletionStatus

RETENTION_HELP = (
    "How to handle a deletion request: health records must be kept for "
    f"{getattr(settings, 'ATTUNE_RETENTION_YEARS', 10)} years after the therapy ended "
    "(ATTUNE_RETENTION_YEARS; in Germany § 630f BGB and the professional codes). Within that "
    "time, delete what is not part of the record (e.g. the client's private drafts, an "
    "episode that never started) and decline the rest, saying in the note what is kept and "
    "until when. After it, delete. The client reads the note on their data page. Private "
    "process notes are the therapist's own and follow the therapist's retention duty."
)


def _handles_requests(request: HttpRequest) -> bool:
    """The practice administrator (and a superuser) handles deletion requests."""
    user = request.user
    return bool(
        user.is_active and user.is_staff and (user.is_superuser or user.role == Role.PRACTICE_ADMIN)
    )


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin):
    list_display = ("__str__", "client", "requested_at", "status", "handled_by", "handled_at")
    list_filter = ("status",)
    readonly_fields = ("client", "requested_at", "handled_by", "handled_at")
    fieldsets = (
        (None, {"fields": ("client", "requested_at")}),
        ("Decision", {"fields": ("status", "note", "handled_by", "handled_at"),
                      "description": RETENTION_HELP}),
    )  # fmt: skip

    list_select_related = ("client__user", "handled_by")

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeletionRequest]:
        requests = super().get_queryset(request)
        if request.user.is_superuser:
            return requests
        if request.user.practice_id is None:
            return requests.none()
        return requests.filter(client__practice_id=request.user.practice_id)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _handles_requests(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _handles_requests(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _handles_requests(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # clients ask in the portal

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the request is the record of what was asked and decided

    def save_model(
        self, request: HttpRequest, obj: DeletionRequest, form: Any, change: bool
    ) -> None:
        if "status" in form.changed_data and obj.status != DeletionStatus.REQUESTED:
            obj.handled_by = request.user
            obj.handled_at = timezone.now()
        super().save_model(request, obj, form, change)
        audit(request.user, AuditAction.UPDATE, obj)
