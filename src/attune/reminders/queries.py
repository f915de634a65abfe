"""The therapist's list of forms her clients have not completed, with the reminder status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from attune.accounts.models import Role, User
from attune.care.form_windows import form_is_open, sessions_with_open_forms
from attune.care.models import Attendance, EpisodeStatus, Session
from attune.care.queries import episodes_visible_to
from attune.measures.models import Response
from attune.reminders.models import LinkPhase, ReminderDelivery
from attune.reminders.services import latest_deliveries


@dataclass(frozen=True)
class NotCompleted:
    session: Session
    phase: str
    delivery: ReminderDelivery | None
    open: bool

    @property
    def can_resend(self) -> bool:
        return self.open and self.delivery is not None

    @property
    def can_send_now(self) -> bool:
        """Open, and no reminder was ever sent for it (issue 10: "Send now")."""
        return self.open and self.delivery is None


def not_completed(therapist: User, now: datetime) -> list[NotCompleted]:
    """Check-ins and feedback of her active clients' recent and coming sessions that were not
    answered, newest first. Only her own clients (``episodes_visible_to``), a fixed number of
    queries whatever the number of sessions."""
    if therapist.role != Role.THERAPIST:
        return []
    earliest, latest = sessions_with_open_forms(now)
    sessions = list(
        Session.objects.filter(
            episode__in=episodes_visible_to(therapist).filter(status=EpisodeStatus.ACTIVE),
            scheduled_at__gte=earliest,
            scheduled_at__lte=latest,
            attendance__in=[Attendance.SCHEDULED, Attendance.ATTENDED],
        )
        .select_related("episode__client__user", "episode__therapist")
        .order_by("-scheduled_at", "-pk")
    )
    answered = set(
        Response.objects.filter(
            session__in=sessions, phase__in=[LinkPhase.CHECK_IN, LinkPhase.FEEDBACK]
        ).values_list("session_id", "phase", "respondent_id")
    )
    rows: list[tuple[Session, str]] = []
    for session in sessions:
        client_id = session.episode.client.user_id
        started = session.scheduled_at <= now
        if started and (session.pk, LinkPhase.FEEDBACK, client_id) not in answered:
            rows.append((session, LinkPhase.FEEDBACK))
        if (session.pk, LinkPhase.CHECK_IN, client_id) not in answered:
            rows.append((session, LinkPhase.CHECK_IN))
    deliveries = latest_deliveries((s.pk, p) for s, p in rows)
    return [
        NotCompleted(
            session=session,
            phase=phase,
            delivery=deliveries.get((session.pk, phase)),
            open=form_is_open(session, phase, now),
        )
        for session, phase in rows
    ]
