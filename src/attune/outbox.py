"""One way to send Attune's everyday e-mail (invitations, receipts, handovers): through
django-post-office's outbox, so a mail server that is down never breaks a page and nothing is
lost.

The e-mail is tried at once; if the server refuses it, it goes back in the queue and the next
``attune notify`` (run every few minutes by cron) sends it. Safety notices have their own,
stricter path in :mod:`attune.alerts.notices`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from post_office import mail
from post_office.models import STATUS, Email
from post_office.settings import get_retry_timedelta

log = logging.getLogger(__name__)


def send(recipients: Sequence[str], subject: str, message: str) -> Email:
    """Send now if the mail server answers; otherwise keep it queued for ``attune notify``.

    Never raises for a delivery failure: the caller's page goes on and says the e-mail is on
    its way. Log lines carry the outbox id only, never an address or the text.
    """
    email = mail.send(
        recipients=list(recipients),
        sender=settings.DEFAULT_FROM_EMAIL,
        subject=subject,
        message=message,
        priority="now",
    )
    if email.status == STATUS.failed:
        email.status = STATUS.requeued
        email.scheduled_time = timezone.now() + get_retry_timedelta()
        email.save(update_fields=["status", "scheduled_time"])
        log.warning("mail server refused e-mail %s: kept in the outbox", email.pk)
    elif email.status == STATUS.sent:
        forget_sent(Email.objects.filter(pk=email.pk))
    return email


def forget_sent(emails: QuerySet[Email] | None = None) -> int:
    """Blank the text of e-mails already delivered. An invitation or a consultation's private
    link is a working secret until used: the outbox keeps it only while it still has to be
    sent, so the database and its backups do not hold it afterwards. Who, when, subject and
    status stay (the delivery log)."""
    return (
        (Email.objects.all() if emails is None else emails)
        .filter(status=STATUS.sent)
        .exclude(message="", html_message="")
        .update(message="", html_message="")
    )
