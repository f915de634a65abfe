"""The practice administrator handles clients' deletion requests here. Messages, ending
requests and answers are clinical content and are not registered.

The request itself is read-only in the admin: the decision (carry out or decline) is made on
its own page (``portal.deletion_views.decide``, ``portal.erasure``), which erases, keeps, tells
the client and records what was done, all at once."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from attune.accounts.admin import ReadOnlyAdmin
from attune.accounts.models import Role
from attune.clientportal.models import DeletionRequest, DeletionStatus
from attune.portal.deletion_views import decide
from attune.portal.erasure import KEPT_WORDS
from attune.portal.retention import RETENTION_SOURCE, retention_years


def _handles_requests(request: HttpRequest) -> bool:
    """The practice administrator handles deletion requests (of their own practice)."""
    user = request.user
    return bool(
        user.is_active
        and user.is_staff
        and user.role == Role.PRACTICE_ADMIN
        and user.practice_id is not None
    )


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    """Read only: clients ask in the portal, a request is decided on the decision page, never
    edited by hand, and stays the record of what was asked and decided."""

    list_display = ("__str__", "client", "requested_at", "status", "handled_by", "handled_at")
    list_filter = ("status",)
    fields = (
        "client",
        "requested_at",
        "status",
        "decision",
        "note",
        "kept_summary",
        "kept_until",
        "handled_by",
        "handled_at",
    )
    readonly_fields = fields
    list_select_related = ("client__user", "handled_by")

    def get_urls(self) -> list[URLPattern]:
        # Not wrapped in admin_view: the page answers 404 to anyone but the administrator of
        # the client's practice, rather than sending them to the admin's sign-in.
        return [
            path("<id:request_id>/decide/", decide, name="portal_deletionrequest_decide"),
            *super().get_urls(),
        ]

    @admin.display(description="Decision")
    def decision(self, obj: DeletionRequest) -> str:
        url = reverse("admin:portal_deletionrequest_decide", args=[obj.pk])
        if obj.status == DeletionStatus.REQUESTED:
            return format_html(
                '<a class="button" href="{}">Decide: carry out or decline</a> '
                "(records are kept {} years after the end of treatment: {})",
                url,
                retention_years(),
                RETENTION_SOURCE,
            )
        return format_html('<a href="{}">What was decided</a>', url)

    @admin.display(description="Kept (by law)")
    def kept_summary(self, obj: DeletionRequest) -> str:
        if not obj.kept:
            return "—"
        return "; ".join(
            f"{KEPT_WORDS.get(k.get('kind', ''), k.get('kind', ''))} until {k.get('until')}"
            for k in obj.kept
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeletionRequest]:
        requests = super().get_queryset(request)
        user = request.user
        if not user.is_authenticated or not _handles_requests(request):
            return requests.none()
        return requests.filter(client__practice_id=user.practice_id)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _handles_requests(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _handles_requests(request)
