"""Safety alerts reach people outside the app: the treating therapist at once, the practice's
duty contact when nobody has acknowledged the alert in time.

Every e-mail goes through django-post-office's outbox (a database table): it is queued in the
transaction that opens the alert, so a mail server that is down delays the notice and never
loses it; ``attune notify`` sends the queue, retries failures and escalates. The e-mails carry
no clinical content — no name, no answer, no score — only a link to sign in (NHS and GDPR
practice: e-mail is not a safe place for health data).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from post_office import mail
from post_office.models import STATUS, Email

from attune import conf, outbox
from attune.accounts.models import Role, User
from attune.alerts.models import Alert, AlertKind, AlertStatus
from attune.notifications.models import NoticeKind, SafetyNotification

log = logging.getLogger(__name__)

THERAPIST_SUBJECT = "Attune: a client needs your attention"
ESCALATION_SUBJECT = "Attune: a safety alert has not been acknowledged"


def _sign_in_link(alert: Alert) -> str:
    """The sign-in page, then the episode by its id: nothing else identifies the client."""
    episode = reverse("workspace:episode", args=[alert.episode_id])
    return f"{settings.ATTUNE_SITE_URL.rstrip('/')}{reverse('login')}?next={episode}"


def therapist_message(alert: Alert) -> str:
    return (
        "A client needs your attention — please sign in to Attune.\n\n"
        f"{_sign_in_link(alert)}\n\n"
        "This e-mail says nothing more on purpose: e-mail is not a safe place for clinical "
        "information. Everything you need is in Attune once you sign in.\n\n"
        "If you cannot look at this today, please tell your practice's duty contact.\n"
    )


def escalation_message(alert: Alert) -> str:
    hours = conf.safety_escalate_after(alert.severity).total_seconds() / 3600
    return (
        "A client needs attention and the alert has not been acknowledged in Attune within "
        f"{hours:g} hours. Please sign in and make sure someone follows it up today.\n\n"
        f"{_sign_in_link(alert)}\n\n"
        "This e-mail says nothing more on purpose: e-mail is not a safe place for clinical "
        "information.\n"
    )


def _queue(alert: Alert, kind: str, recipients: list[str], subject: str, message: str) -> bool:
    """Record the notice and queue its e-mail, once per alert and kind. Runs inside the
    caller's transaction (a savepoint, so a concurrent twin only loses the race)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            notice = SafetyNotification.objects.create(
                alert=alert, kind=kind, recipients=recipients, queued_at=now
            )
            if recipients:
                notice.email = mail.send(
                    recipients=recipients, subject=subject, message=message, priority="high"
                )
                notice.save(update_fields=["email"])
    except IntegrityError:
        return False  # told already
    log.info("safety notice queued alert=%s kind=%s", alert.pk, kind)
    return True


def queue_therapist_notification(alert: Alert) -> bool:
    """Queue the therapist's e-mail for a new safety alert (once per alert). Call it in the
    transaction that opens the alert. A therapist without an address is escalated at once."""
    if SafetyNotification.objects.filter(alert=alert, kind=NoticeKind.THERAPIST).exists():
        return False
    therapist = alert.episode.therapist
    recipients = [therapist.email] if therapist.email else []
    queued = _queue(
        alert, NoticeKind.THERAPIST, recipients, THERAPIST_SUBJECT, therapist_message(alert)
    )
    if queued and not recipients:
        log.warning("therapist has no e-mail address alert=%s: escalating now", alert.pk)
        _escalate(alert)
    return queued


def duty_contacts(alert: Alert) -> list[str]:
    """ATTUNE_DUTY_CONTACT_EMAIL (one or more, comma-separated), else the practice's
    administrators, else every administrator."""
    configured = [a.strip() for a in settings.ATTUNE_DUTY_CONTACT_EMAIL.split(",") if a.strip()]
    if configured:
        return configured
    admins = User.objects.filter(role=Role.PRACTICE_ADMIN, is_active=True).exclude(email="")
    own = admins.filter(practice_id=alert.episode.client.practice_id)
    return sorted(set((own if own.exists() else admins).values_list("email", flat=True)))


def _escalate(alert: Alert) -> bool:
    recipients = duty_contacts(alert)
    if not recipients:
        log.error("no duty contact to escalate alert=%s: set ATTUNE_DUTY_CONTACT_EMAIL", alert.pk)
        return False
    return _queue(
        alert, NoticeKind.ESCALATION, recipients, ESCALATION_SUBJECT, escalation_message(alert)
    )


def due_for_escalation(now: datetime) -> list[Alert]:
    """Open safety alerts nobody has acknowledged within their time, not yet escalated."""
    candidates = (
        Alert.objects.filter(kind=AlertKind.SAFETY, status=AlertStatus.OPEN)
        .exclude(safety_notifications__kind=NoticeKind.ESCALATION)
        .select_related("episode__client")
        .order_by("opened_at", "pk")
    )
    return [a for a in candidates if a.opened_at + conf.safety_escalate_after(a.severity) <= now]


def escalate_due(now: datetime | None = None) -> list[Alert]:
    """Tell the duty contact about every alert due; each alert is escalated once."""
    now = now or timezone.now()
    escalated = []
    for alert in due_for_escalation(now):
        with transaction.atomic():
            if _escalate(alert):
                escalated.append(alert)
    return escalated


@dataclass(frozen=True)
class NotifyRun:
    escalated: int
    sent: int
    failed: int
    requeued: int
    waiting: int  # safety e-mails still in the outbox (queued or waiting for a retry)
    given_up: int  # safety e-mails the outbox stopped retrying (see --retry-failed)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def retry_failed() -> int:
    """Put safety e-mails the outbox gave up on back in the queue."""
    ids = SafetyNotification.objects.exclude(email=None).values_list("email_id", flat=True)
    requeued: int = Email.objects.filter(pk__in=list(ids), status=STATUS.failed).update(
        status=STATUS.requeued, number_of_retries=0, scheduled_time=timezone.now()
    )
    return requeued


def run(now: datetime | None = None) -> NotifyRun:
    """What ``attune notify`` does: escalate what is due, then send the outbox."""
    escalated = escalate_due(now)
    sent, failed, requeued = mail.send_queued()
    outbox.forget_sent()
    ids = list(SafetyNotification.objects.exclude(email=None).values_list("email_id", flat=True))
    safety_mail = Email.objects.filter(pk__in=ids)
    return NotifyRun(
        escalated=len(escalated),
        sent=sent,
        failed=failed,
        requeued=requeued,
        waiting=safety_mail.filter(status__in=[STATUS.queued, STATUS.requeued]).count(),
        given_up=safety_mail.filter(status=STATUS.failed).count(),
    )
