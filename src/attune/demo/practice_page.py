"""Demo rows for the practice administrator's page: what a real morning would show.

Two reminder e-mails that bounced, one client's deletion request and three consultation requests
nobody has answered yet. Chosen by id from the simulated practice, so a reload gives the same.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from attune.accounts.models import User
from attune.care.models import Attendance, Episode, EpisodeStatus, Session
from attune.clientportal.models import DeletionRequest
from attune.matching.models import ConsultationRequest
from attune.reminders.models import DeliveryStatus, LinkPhase, ReminderDelivery
from attune.reminders.services import create_link

#: (therapist login, days waiting) of the unanswered consultation requests.
_CONSULTATIONS = (
    ("therapist@example.org", 6),
    ("therapist@example.org", 1),
    ("colleague@example.org", 3),
)


def _morning(today: date, days_ago: int) -> datetime:
    day = today - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(9, 30)))


def _ago(days: int) -> datetime:
    """Whole days and two hours ago: the page says "N days" whatever the hour it is read."""
    return timezone.now() - timedelta(days=days, hours=2)


def add_practice_page_rows(today: date) -> None:
    for email in ("therapist@example.org", "colleague@example.org"):
        _failed_reminder(User.objects.get(email=email), today)
    # A client of the colleague (not the demo client, whose portal stays as it is).
    episode = (
        Episode.objects.filter(therapist__email="colleague@example.org")
        .exclude(status=EpisodeStatus.ACTIVE)
        .order_by("pk")
        .first()
    )
    if episode is not None:
        DeletionRequest.objects.create(client=episode.client, requested_at=_ago(4))
    for number, (email, days) in enumerate(_CONSULTATIONS, start=1):
        request = ConsultationRequest.objects.create(
            therapist=User.objects.get(email=email),
            name=f"Prospective client {number}",
            email=f"prospective{number}@example.org",
            proposed_times=[_morning(today, -3).isoformat(), _morning(today, -4).isoformat()],
        )
        # created_at is set on insert (auto_now_add): backdate it to how long it has waited.
        ConsultationRequest.objects.filter(pk=request.pk).update(created_at=_ago(days))


def _failed_reminder(therapist: User, today: date) -> None:
    """The feedback reminder of the therapist's latest attended session in the last two weeks
    bounced (an old address)."""
    session = (
        Session.objects.filter(
            episode__therapist=therapist,
            episode__status=EpisodeStatus.ACTIVE,
            attendance=Attendance.ATTENDED,
            scheduled_at__gte=_morning(today, 14),
        )
        .select_related("episode__client__user")
        .order_by("-scheduled_at", "pk")
        .first()
    )
    if session is None:
        return
    sent_at = session.scheduled_at + timedelta(hours=2)
    link, _token = create_link(
        episode=session.episode, session=session, phase=LinkPhase.FEEDBACK, now=sent_at
    )
    ReminderDelivery.objects.create(
        link=link,
        episode=session.episode,
        session=session,
        phase=LinkPhase.FEEDBACK,
        to_address=session.episode.client.user.email,
        created_at=sent_at,
        status=DeliveryStatus.FAILED,
        error_kind="SMTPRecipientsRefused",
    )
