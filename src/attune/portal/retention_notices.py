"""The e-mails that told clients a deletion decision hold their address until delivered; once
the mail server has taken them, ``attune purge`` deletes them (the request keeps what it said)."""

from __future__ import annotations

from post_office.models import STATUS, Email

from attune.clientportal.models import DeletionRequest, DeletionStatus


def delivered_notices() -> list[int]:
    """Outbox ids of delivered notices of carried-out requests."""
    return list(
        Email.objects.filter(
            pk__in=DeletionRequest.objects.filter(
                status=DeletionStatus.DONE, notice_email__isnull=False
            ).values("notice_email_id"),
            status=STATUS.sent,
        ).values_list("pk", flat=True)
    )


def delete_delivered_notices() -> int:
    ids = delivered_notices()
    if not ids:
        return 0
    # The request's link is set to NULL by the foreign key (SET_NULL).
    # post_office is untyped (its names are Any); QuerySet.delete() gives (total, per model).
    per_model: dict[str, int] = Email.objects.filter(pk__in=ids).delete()[1]
    return per_model.get("post_office.Email", 0)
