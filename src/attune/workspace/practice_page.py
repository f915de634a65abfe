"""The practice administrator's morning page: what is waiting and how the practice is doing.

Every read is scoped to one practice and built to a fixed number of queries, however many
therapists, clients, sessions or episodes it has. Nothing here reads an answer, a note or an
intake text: forms are counted as given or not, consultations by their age. Outcomes come from
the outcome figures (``attune.outcomes``, the one home of the NHS Talking Therapies measures and
their small-number suppression). Times are in the practice's
time zone (``settings.TIME_ZONE``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from post_office.models import STATUS, Email

from attune.accounts.models import Role, User
from attune.care.models import Attendance, Episode, EpisodeStatus, Session
from attune.care.queries import with_active_clients
from attune.clientportal.models import DeletionRequest, DeletionStatus
from attune.matching.models import ConsultationRequest
from attune.measures.models import Phase, Response
from attune.practice.models import TherapistProfile
from attune.reminders.models import DeliveryStatus, LinkPhase, ReminderDelivery

if TYPE_CHECKING:
    from attune.care.queries import TherapistWithCaseload as PracticeTherapist

#: "The last 4 weeks" of form completion and failed reminders.
RECENT = timedelta(days=28)
#: How many failed reminders are listed by name (all are counted).
FAILED_LISTED = 20


def waited(since: datetime, now: datetime) -> str:
    """How long something has waited, as a person says it: "3 hours", "5 days"."""
    hours = max(int((now - since).total_seconds() // 3600), 0)
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"


def percent(part: int, whole: int) -> int | None:
    """A whole percentage, halves rounded up as people do (5 of 40 is 13 %, not 12 %)."""
    return math.floor(100 * part / whole + 0.5) if whole else None


# --------------------------------------------------------------------------- therapists


def _therapists(practice_id: int) -> dict[int, PracticeTherapist]:
    """The practice's therapists by user id, with their active caseload: one query."""
    profiles = with_active_clients(TherapistProfile.objects.filter(practice_id=practice_id))
    return {p.user_id: p for p in profiles}


# --------------------------------------------------------------------------- form completion


@dataclass(frozen=True)
class FormsRow:
    """Check-ins and feedback given for the sessions attended in the last 4 weeks."""

    name: str
    sessions: int = 0
    check_ins: int = 0
    feedback: int = 0
    failed_reminders: int = 0

    @property
    def check_in_rate(self) -> int | None:
        return percent(self.check_ins, self.sessions)

    @property
    def feedback_rate(self) -> int | None:
        return percent(self.feedback, self.sessions)


@dataclass(frozen=True)
class FailedReminder:
    """A reminder e-mail that did not go out, and none went out for that form since."""

    delivery_id: int
    client_name: str
    client_user_id: int
    form: str
    failed_at: datetime  # local time
    error_kind: str


@dataclass(frozen=True)
class FormCompletion:
    since: datetime  # local time
    therapists: list[FormsRow]
    total: FormsRow
    failed: list[FailedReminder]
    failed_total: int
    #: Everyday e-mail (invitations, receipts, notices) waiting for the next ``attune notify``.
    outbox_requeued: int
    #: Everyday e-mail that gave up after every retry, in the last 4 weeks.
    outbox_failed: int


def _answered(phase: str) -> Exists:
    return Exists(
        Response.objects.filter(
            session=OuterRef("pk"), phase=phase, respondent=OuterRef("episode__client__user")
        )
    )


def _failed_reminders(practice_id: int, since: datetime) -> QuerySet[ReminderDelivery]:
    """Failed reminder deliveries with no later delivery of the same form that got through."""
    got_through_later = ReminderDelivery.objects.filter(
        episode=OuterRef("episode"),
        phase=OuterRef("phase"),
        status=DeliveryStatus.SENT,
        created_at__gt=OuterRef("created_at"),
    ).filter(Q(session=OuterRef("session")) | Q(phase=LinkPhase.EXIT))
    return ReminderDelivery.objects.filter(
        episode__client__practice_id=practice_id,
        status=DeliveryStatus.FAILED,
        created_at__gte=since,
    ).exclude(Exists(got_through_later))


def form_completion(
    practice_id: int, now: datetime, therapists: dict[int, PracticeTherapist]
) -> FormCompletion:
    """Per therapist and overall: of the sessions attended in the last 4 weeks, how many had
    the client's check-in before and feedback after; the failed reminders. Four queries."""
    since = now - RECENT
    sessions = {
        row["episode__therapist_id"]: row
        for row in Session.objects.filter(
            episode__client__practice_id=practice_id,
            attendance=Attendance.ATTENDED,
            scheduled_at__gte=since,
            scheduled_at__lte=now,
        )
        .values("episode__therapist_id")
        .annotate(
            sessions=Count("pk"),
            check_ins=Count("pk", filter=_answered(Phase.CHECK_IN)),
            feedback=Count("pk", filter=_answered(Phase.FEEDBACK)),
        )
        .order_by()
    }
    failed = _failed_reminders(practice_id, since)
    failed_by = dict(
        failed.values("episode__therapist_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("episode__therapist_id", "n")
    )
    rows = []
    for user_id, profile in therapists.items():
        counts: Mapping[str, Any] = sessions.get(user_id, {})
        rows.append(
            FormsRow(
                name=profile.user.display_name,
                sessions=counts.get("sessions", 0),
                check_ins=counts.get("check_ins", 0),
                feedback=counts.get("feedback", 0),
                failed_reminders=failed_by.get(user_id, 0),
            )
        )
    total = FormsRow(
        name="The whole practice",
        sessions=sum(r["sessions"] for r in sessions.values()),
        check_ins=sum(r["check_ins"] for r in sessions.values()),
        feedback=sum(r["feedback"] for r in sessions.values()),
        failed_reminders=sum(failed_by.values()),
    )
    listed = [
        FailedReminder(
            delivery_id=d.pk,
            client_name=d.episode.client.display_name,
            client_user_id=d.episode.client.user_id,
            form=LinkPhase(d.phase).label,
            failed_at=timezone.localtime(d.created_at),
            error_kind=d.error_kind,
        )
        for d in failed.select_related("episode__client__user").order_by("-created_at", "-pk")[
            :FAILED_LISTED
        ]
    ]
    outbox = Email.objects.aggregate(
        requeued=Count("pk", filter=Q(status=STATUS.requeued)),
        failed=Count("pk", filter=Q(status=STATUS.failed, last_updated__gte=since)),
    )
    return FormCompletion(
        since=timezone.localtime(since),
        therapists=rows,
        total=total,
        failed=listed,
        failed_total=total.failed_reminders,
        outbox_requeued=outbox["requeued"],
        outbox_failed=outbox["failed"],
    )


# --------------------------------------------------------------------------- waiting


@dataclass(frozen=True)
class ConsultationsWaiting:
    """A therapist's consultation requests nobody has answered yet."""

    therapist_id: int
    name: str
    count: int
    oldest_at: datetime  # local time
    oldest_waited: str


def consultations_waiting(
    practice_id: int, now: datetime, therapists: dict[int, PracticeTherapist]
) -> list[ConsultationsWaiting]:
    """Per therapist, the requests waiting for her answer (new, or the person replied — the same
    flag as her navigation count) and how long the oldest has been open; the longest wait
    first. One query; never the person's name or what they wrote."""
    rows = (
        ConsultationRequest.objects.filter(
            therapist__therapist_profile__practice_id=practice_id,
            waiting_for_therapist=True,
        )
        .values("therapist_id")
        .annotate(count=Count("pk"), oldest=Min("created_at"))
        .order_by("oldest", "therapist_id")
    )
    return [
        ConsultationsWaiting(
            therapist_id=row["therapist_id"],
            name=therapists[row["therapist_id"]].user.display_name
            if row["therapist_id"] in therapists
            else "A former therapist",
            count=row["count"],
            oldest_at=timezone.localtime(row["oldest"]),
            oldest_waited=waited(row["oldest"], now),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class DeletionWaiting:
    request_id: int
    client_name: str
    requested_at: datetime  # local time
    waited: str


def deletion_requests(practice_id: int, now: datetime) -> list[DeletionWaiting]:
    """Clients' requests to delete their data not yet decided, the oldest first. One query.
    They are handled in the Django admin (``portal.admin.DeletionRequestAdmin``)."""
    found = (
        DeletionRequest.objects.filter(
            client__practice_id=practice_id, status=DeletionStatus.REQUESTED
        )
        .select_related("client__user")
        .order_by("requested_at", "pk")
    )
    return [
        DeletionWaiting(
            request_id=d.pk,
            client_name=d.client.display_name,
            requested_at=timezone.localtime(d.requested_at),
            waited=waited(d.requested_at, now),
        )
        for d in found
    ]


# --------------------------------------------------------------------------- capacity


@dataclass(frozen=True)
class Capacity:
    therapist_id: int
    name: str
    active_clients: int
    accepting: bool
    published: bool
    consultations_waiting: int


def capacity(
    therapists: dict[int, PracticeTherapist], waiting: list[ConsultationsWaiting]
) -> list[Capacity]:
    """Per therapist: active caseload, whether she takes new clients, requests waiting.
    No query of its own."""
    by_therapist = {w.therapist_id: w.count for w in waiting}
    return [
        Capacity(
            therapist_id=user_id,
            name=profile.user.display_name,
            active_clients=profile.active_clients,
            accepting=profile.accepting_new_clients,
            published=profile.published,
            consultations_waiting=by_therapist.get(user_id, 0),
        )
        for user_id, profile in therapists.items()
    ]


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class Overview:
    clients: int
    therapists: int
    supervisors: int
    active_episodes: int
    sessions: int


def overview(practice_id: int) -> Overview:
    """The practice at a glance: two queries."""
    roles = dict(
        User.objects.filter(practice_id=practice_id, is_active=True)
        .values("role")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("role", "n")
    )
    episodes = Episode.objects.filter(client__practice_id=practice_id).aggregate(
        active=Count("pk", filter=Q(status=EpisodeStatus.ACTIVE), distinct=True),
        sessions=Count("sessions"),
    )
    return Overview(
        clients=roles.get(Role.CLIENT, 0),
        therapists=roles.get(Role.THERAPIST, 0),
        supervisors=roles.get(Role.SUPERVISOR, 0),
        active_episodes=episodes["active"],
        sessions=episodes["sessions"],
    )


@dataclass(frozen=True)
class PracticePage:
    now: datetime  # local time
    time_zone: str
    deletions: list[DeletionWaiting]
    consultations: list[ConsultationsWaiting]
    forms: FormCompletion
    capacity: list[Capacity]
    overview: Overview
    recent_days: int = field(default=RECENT.days)

    @property
    def consultations_total(self) -> int:
        return sum(c.count for c in self.consultations)


def practice_page(practice_id: int, now: datetime) -> PracticePage:
    """Everything on the practice page, in a fixed number of queries (twelve)."""
    therapists = _therapists(practice_id)
    waiting = consultations_waiting(practice_id, now, therapists)
    return PracticePage(
        now=timezone.localtime(now),
        time_zone=str(settings.TIME_ZONE),
        deletions=deletion_requests(practice_id, now),
        consultations=waiting,
        forms=form_completion(practice_id, now, therapists),
        capacity=capacity(therapists, waiting),
        overview=overview(practice_id),
    )
