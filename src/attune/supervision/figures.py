"""Figures about a supervisee's work, for the supervision conversation — support, not ranking.

Each figure comes with what it is out of and the case mix it depends on (how many clients, how
many started in the severe range): a therapist who takes on the most severe clients will show
fewer improvements, and that says nothing about her skill. Four queries for any number of
supervisees (active episodes, recent sessions, recent alerts, ended episodes).

* **check-in completion** — attended sessions in the last ``figures_days`` with the client's
  check-in (PHQ-9 or GAD-7 before the session);
* **alert response time** — the median time from an alert opening to its first
  acknowledgement or recorded action, over alerts opened in the last ``figures_days`` (notes of
  good news are never counted: nothing to respond to);
* **not on track** — active clients with an open "not on track" or "reliable deterioration"
  alert;
* **reliable improvement / deterioration** — episodes ended in the last ``ended_months``, first
  against last PHQ-9, the engine's rule (``attune.care.engine_adapter.reliable_change``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, Min, OuterRef, Q, Subquery
from django.utils import timezone

from attune.alerts.models import OPEN_STATUSES, Alert, AlertEventKind, AlertKind, Severity
from attune.care.engine_adapter import reliable_change
from attune.care.models import Attendance, Episode, EpisodeStatus, Session
from attune.measures.models import Phase, Response
from attune.supervision.thresholds import thresholds

_NOT_ON_TRACK = (AlertKind.NOT_ON_TRACK, "reliable_deterioration")


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``, shown as "3 of 12 (25 %)"; "none yet" when there is no whole."""

    part: int
    whole: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.part / self.whole) if self.whole else None

    def __str__(self) -> str:
        if not self.whole:
            return "none yet"
        return f"{self.part} of {self.whole} ({self.percent} %)"


@dataclass(frozen=True)
class SuperviseeFigures:
    therapist_id: int
    active_clients: int
    #: Active clients whose first PHQ-9 was in the severe range, of those with one.
    severe_start: Share
    check_ins: Share
    #: Median hours to the first acknowledgement or action; None without any response yet.
    response_hours: float | None
    responded: int
    waiting: int
    not_on_track: Share
    improved: Share
    deteriorated: Share

    @property
    def response_time(self) -> str:
        if self.response_hours is None:
            return "none yet"
        if self.response_hours < 48:
            return f"{self.response_hours:.0f} hours"
        return f"{self.response_hours / 24:.1f} days"


def _first_phq9(direction: str) -> Subquery:
    order = ("submitted_at", "pk") if direction == "first" else ("-submitted_at", "-pk")
    return Subquery(
        Response.objects.filter(
            episode=OuterRef("pk"),
            instrument_version__instrument__code="phq9",
            score__isnull=False,
        )
        .order_by(*order)
        .values("score")[:1]
    )


def supervisee_figures(
    therapist_ids: Iterable[int], now: datetime | None = None
) -> dict[int, SuperviseeFigures]:
    now = now or timezone.now()
    ids = list(therapist_ids)
    if not ids:
        return {}
    rules = thresholds()
    since = now - timedelta(days=rules.figures_days)

    active: dict[int, list[tuple[int | None, bool]]] = defaultdict(list)
    for therapist_id, first, off_track in (
        Episode.objects.filter(therapist_id__in=ids, status=EpisodeStatus.ACTIVE)
        .annotate(
            first_phq9=_first_phq9("first"),
            off_track=Exists(
                Alert.objects.filter(
                    episode=OuterRef("pk"), kind__in=_NOT_ON_TRACK, status__in=OPEN_STATUSES
                )
            ),
        )
        .values_list("therapist_id", "first_phq9", "off_track")
    ):
        active[therapist_id].append((first, off_track))

    check_ins: dict[int, list[bool]] = defaultdict(list)
    for therapist_id, done in (
        Session.objects.filter(
            episode__therapist_id__in=ids,
            attendance=Attendance.ATTENDED,
            scheduled_at__gte=since,
            scheduled_at__lte=now,
        )
        .annotate(
            done=Exists(Response.objects.filter(session=OuterRef("pk"), phase=Phase.CHECK_IN))
        )
        .values_list("episode__therapist_id", "done")
    ):
        check_ins[therapist_id].append(done)

    responses: dict[int, list[timedelta | None]] = defaultdict(list)
    follow_up = Q(events__kind__in=(AlertEventKind.ACKNOWLEDGED, AlertEventKind.ACTION_RECORDED))
    for therapist_id, opened, first in (
        Alert.objects.filter(episode__therapist_id__in=ids, opened_at__gte=since)
        .exclude(severity=Severity.INFO)
        .annotate(first=Min("events__at", filter=follow_up))
        .values_list("episode__therapist_id", "opened_at", "first")
    ):
        responses[therapist_id].append(None if first is None else first - opened)

    ended: dict[int, list[str | None]] = defaultdict(list)
    ended_since = (now - timedelta(days=round(rules.ended_months * 30.44))).date()
    for therapist_id, first, last in (
        Episode.objects.filter(therapist_id__in=ids, ended_on__gte=ended_since)
        .exclude(status=EpisodeStatus.ACTIVE)
        .annotate(first_phq9=_first_phq9("first"), last_phq9=_first_phq9("last"))
        .values_list("therapist_id", "first_phq9", "last_phq9")
    ):
        ended[therapist_id].append(reliable_change("phq9", first, last))

    out = {}
    for pk in ids:
        episodes = active[pk]
        starts = [first for first, _ in episodes if first is not None]
        times = [t for t in responses[pk] if t is not None]
        changes = ended[pk]
        out[pk] = SuperviseeFigures(
            therapist_id=pk,
            active_clients=len(episodes),
            severe_start=Share(sum(s >= rules.severe_phq9_at_least for s in starts), len(starts)),
            check_ins=Share(sum(check_ins[pk]), len(check_ins[pk])),
            response_hours=statistics.median(t.total_seconds() / 3600 for t in times)
            if times
            else None,
            responded=len(times),
            waiting=len(responses[pk]) - len(times),
            not_on_track=Share(sum(off for _, off in episodes), len(episodes)),
            improved=Share(changes.count("improvement"), len(changes)),
            deteriorated=Share(changes.count("deterioration"), len(changes)),
        )
    return out
