"""The printable progress report of one episode: a one-document summary for the record,
supervision or a review with the client.

What it holds: who, when and the status; the goals set together with the client's latest
ratings; PHQ-9 and GAD-7 first / latest / change with the NHS Talking Therapies outcome; the
scores by session; a summary of the session feedback (the alliance); the alerts and the
actions recorded on them. What it never holds: private process notes, progress notes or the
free text written on an alert. It reads no note at all.

It opens with the outcome chart (a static SVG, ``report_chart``) and comes in three versions,
chosen by ``?for=``: the therapist's own record (the default, with the alert summary), one for
the client and one for a colleague or GP. The last two leave out every alert (kinds, levels,
actions), the safety chips and the rules' literature, and say the progress in plain words.
Each opening is one audit event ("export") naming the version, never its content.

Same permission as the episode page (the treating therapist and her supervisor), and a fixed
number of queries however many sessions the episode has.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean
from typing import TYPE_CHECKING, TypedDict, cast

from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.alerts.models import Alert, AlertEvent, AlertEventKind, AlertKind, AlertStatus
from attune.audit.services import record
from attune.care.engine_adapter import engine_config, thinking_of_stopping_codes
from attune.care.models import Attendance, Episode, Goal, Session
from attune.care.queries import episodes_visible_to
from attune.engine import batch as eb
from attune.engine.outcomes import (
    DETERIORATED,
    IMPROVED,
    RECOVERED,
    TalkingTherapiesConfig,
    classify_change,
    talking_therapies_outcomes,
)
from attune.measures.models import Phase, Response
from attune.workspace.charts import outcome_series
from attune.workspace.report_chart import outcome_chart

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Code(TypedDict):
        code: str

    #: A response with its instrument's code, as ``episode_for_report`` reads it.
    ReportResponse = WithAnnotations[Response, _Code]

    class _ReportResponses(TypedDict):
        report_responses: list[ReportResponse]

    #: The episode ``episode_for_report`` reads: its responses in ``report_responses``.
    ReportEpisode = WithAnnotations[Episode, _ReportResponses]

    class _Scores(TypedDict, total=False):
        """What a session's responses give its ``SessionRow`` (``session_rows``)."""

        phq9: int | None
        phq9_safety: str
        gad7: int | None
        feedback: int | None
        rupture: bool


MEASURES = (("phq9", "PHQ-9"), ("gad7", "GAD-7"))
MEANING = {"phq9": "depression", "gad7": "anxiety"}

#: The report's versions: ``?for=`` value → what the page calls it.
THERAPIST, CLIENT, COLLEAGUE = "therapist", "client", "colleague"
AUDIENCES = {
    THERAPIST: "My record",
    CLIENT: "For the client",
    COLLEAGUE: "For a colleague or GP",
}
_ALIASES = {"": THERAPIST, "gp": COLLEAGUE}
DOMAINS = (("bond", "Bond"), ("goals", "Goals & topics"), ("approach", "Approach"))
_DOMAINS_ALL = (*DOMAINS, ("overall", "Overall"))


def _codes_from(codes: tuple[str, ...], at_least: int) -> frozenset[str]:
    """The answer codes at or above the engine's threshold (e.g. "a little" or "yes")."""
    return frozenset(codes[at_least:])


def _rupture_reported() -> frozenset[str]:
    return _codes_from(eb.RUPTURE, engine_config().rupture.tension_at_least)


def _resolved() -> frozenset[str]:
    return _codes_from(eb.RESOLVED, engine_config().rupture.resolved_at_least)


# --------------------------------------------------------------------------- reading


def episode_for_report(episodes: QuerySet[Episode], pk: int) -> ReportEpisode:
    """The episode with everything the report shows: eight queries however long it is."""
    episode = (
        episodes.select_related("client__user", "therapist")
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.prefetch_related("ratings")),
            Prefetch(
                "sessions",
                queryset=Session.objects.order_by("number").prefetch_related(
                    "modalities",
                    # For the chart, read as the episode page's chart reads them.
                    Prefetch(
                        "responses",
                        queryset=Response.objects.select_related(
                            "instrument_version__instrument"
                        ).order_by("instrument_version__instrument__code"),
                    ),
                ),
            ),
            Prefetch(
                "responses",
                # The instrument's code only: the definition files are not needed here.
                queryset=Response.objects.filter(session__isnull=False)
                .annotate(code=F("instrument_version__instrument__code"))
                .defer("scores")
                .order_by("submitted_at", "pk"),
                to_attr="report_responses",
            ),
            Prefetch(
                "alerts",
                queryset=Alert.objects.order_by("opened_at", "pk").prefetch_related(
                    Prefetch("events", queryset=AlertEvent.objects.select_related("actor"))
                ),
            ),
        )
        .get(pk=pk)
    )
    # The prefetch's to_attr and annotation are not in the queryset's type.
    return cast("ReportEpisode", episode)


# --------------------------------------------------------------------------- the summary


@dataclass(frozen=True)
class SessionRow:
    session: Session
    phq9: int | None = None
    phq9_safety: str = ""
    gad7: int | None = None
    feedback: int | None = None
    rupture: bool = False
    modalities: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeasureChange:
    code: str
    name: str
    first: int | None
    first_session: int | None
    latest: int | None
    latest_session: int | None
    count: int
    reliable_change: float
    caseness: float

    @property
    def change(self) -> int | None:
        if self.count < 2 or self.first is None or self.latest is None:
            return None
        return self.latest - self.first

    @property
    def verdict(self) -> str:
        """The engine's reliable-change rule on the first and latest score, with the
        threshold of the engine's configuration (``measure_changes``)."""
        if self.change is None or self.first is None or self.latest is None:
            return "needs two scores"
        category = int(
            classify_change(
                self.first, self.latest, higher_is_better=False, rc_points=self.reliable_change
            )
        )
        if category in (IMPROVED, RECOVERED):
            return "reliably better"
        if category == DETERIORATED:
            return "reliably worse"
        return "no reliable change"


@dataclass(frozen=True)
class Outcome:
    label: str
    explanation: str
    tone: str  # good, bad, neutral: a class for the stylesheet
    caseness_start: bool | None = None
    caseness_end: bool | None = None


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    actions: list[AlertEvent]
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class Alliance:
    ratings: int = 0
    mean: float | None = None
    first: int | None = None
    latest: int | None = None
    lowest: int | None = None
    lowest_session: int | None = None
    domains: list[tuple[str, float]] = field(default_factory=list)
    ruptures_reported: int = 0
    ruptures_resolved: int = 0
    thinking_of_stopping: int = 0
    alert_counts: dict[str, int] = field(default_factory=dict)


def session_rows(episode: ReportEpisode, now: datetime) -> list[SessionRow]:
    """One row per past session (and any later one that already has answers)."""
    by_session: dict[int, list[ReportResponse]] = defaultdict(list)
    for response in episode.report_responses:
        by_session[response.session_id].append(response)  # type: ignore[index]  # session_id is set: the prefetch asks for session__isnull=False
    rows = []
    reported = _rupture_reported()
    for session in episode.sessions.all():
        responses = by_session.get(session.pk, [])
        if session.scheduled_at > now and not responses:
            continue
        values: _Scores = {}
        for response in responses:  # oldest first: a later answer replaces an earlier one
            if response.code == "phq9":
                values["phq9"] = response.score
                values["phq9_safety"] = response.safety_level
            elif response.code == "gad7":
                values["gad7"] = response.score
            elif response.code == "session_feedback" and response.phase == Phase.FEEDBACK:
                values["feedback"] = response.score
                values["rupture"] = response.answers.get("rupture") in reported
        rows.append(
            SessionRow(
                session=session,
                modalities=tuple(m.name for m in session.modalities.all()),
                **values,
            )
        )
    return rows


def measure_changes(
    rows: Sequence[SessionRow], config: TalkingTherapiesConfig
) -> list[MeasureChange]:
    changes = []
    for code, name in MEASURES:
        scored = [
            (r.session.number, getattr(r, code)) for r in rows if getattr(r, code) is not None
        ]
        first = scored[0] if scored else (None, None)
        latest = scored[-1] if len(scored) > 1 else (None, None)
        changes.append(
            MeasureChange(
                code=code,
                name=name,
                first=first[1],
                first_session=first[0],
                latest=latest[1],
                latest_session=latest[0],
                count=len(scored),
                reliable_change=getattr(config, f"{code}_reliable_change"),
                caseness=getattr(config, f"{code}_caseness"),
            )
        )
    return changes


def _nan(value: int | None) -> float:
    return float("nan") if value is None else float(value)


def talking_therapies_outcome(
    changes: Sequence[MeasureChange], config: TalkingTherapiesConfig
) -> Outcome:
    """The NHS Talking Therapies outcome of the first and latest scores (engine rules)."""
    phq9, gad7 = (next(c for c in changes if c.code == code) for code, _ in MEASURES)
    result = talking_therapies_outcomes(
        [_nan(phq9.first)],
        [_nan(phq9.latest)],
        [_nan(gad7.first)],
        [_nan(gad7.latest)],
        config,
    )
    if not result.paired[0]:
        return Outcome(
            "Not yet assessable",
            "The outcome needs a first and a later PHQ-9 or GAD-7 score.",
            "neutral",
        )
    start, end = bool(result.caseness_start[0]), bool(result.caseness_end[0])
    if result.reliable_deterioration[0]:
        label, tone = "Reliable deterioration", "bad"
        text = "A score rose by at least its reliable change."
    elif result.reliable_recovery[0]:
        label, tone = "Reliable recovery", "good"
        text = "Above the clinical cut-off at the start, below it now, and reliably improved."
    elif result.reliable_improvement[0]:
        label, tone = "Reliable improvement", "good"
        text = (
            "Reliably improved, still above the clinical cut-off."
            if start
            else "Reliably improved; below the clinical cut-off from the start, so recovery "
            "does not apply."
        )
    elif result.recovery[0]:
        label, tone = "Recovery without reliable improvement", "neutral"
        text = "Below the clinical cut-off now, but the change is within measurement error."
    else:
        label, tone = "No reliable change", "neutral"
        text = "The change is within measurement error."
    return Outcome(label, text, tone, caseness_start=start, caseness_end=end)


def alliance_summary(rows: Sequence[SessionRow], episode: ReportEpisode) -> Alliance:
    feedback = [
        r
        for r in episode.report_responses
        if r.code == "session_feedback" and r.phase == Phase.FEEDBACK and r.score is not None
    ]
    numbers = {r.session.pk: r.session.number for r in rows}
    rated = [r for r in feedback if r.session_id in numbers]
    alert_counts = Counter(a.kind for a in episode.alerts.all())
    counts = {
        "rupture": alert_counts[AlertKind.RUPTURE],
        "repair": alert_counts[AlertKind.REPAIR],
        "unrepaired": alert_counts[AlertKind.UNREPAIRED_RUPTURE],
    }
    if not rated:
        return Alliance(alert_counts=counts)
    lowest = min(rated, key=lambda r: (r.score, r.submitted_at))
    domains = []
    for code, label in _DOMAINS_ALL:
        values = [r.answers.get(code) for r in rated]
        numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if numeric:
            domains.append((label, round(fmean(numeric), 1)))
    reported = [r for r in rated if r.answers.get("rupture") in _rupture_reported()]
    resolved, stopping = _resolved(), thinking_of_stopping_codes()
    return Alliance(
        ratings=len(rated),
        mean=round(fmean(r.score for r in rated), 1),  # type: ignore[misc]  # rated: each has a score (feedback)
        first=rated[0].score,
        latest=rated[-1].score,
        lowest=lowest.score,
        lowest_session=numbers[lowest.session_id],  # type: ignore[index]  # rated: each has a session in numbers
        domains=domains,
        ruptures_reported=len(reported),
        ruptures_resolved=sum(r.answers.get("rupture_resolved") in resolved for r in reported),
        thinking_of_stopping=sum(r.answers.get("stopping") in stopping for r in rated),
        alert_counts=counts,
    )


_SEEN = frozenset({AlertEventKind.ACKNOWLEDGED, AlertEventKind.ACTION_RECORDED})


def alert_rows(episode: Episode) -> list[AlertRow]:
    """The alerts (not the notes), oldest first, with when they were first seen and acted on.
    Recording an action is acknowledging it too."""
    rows = []
    for alert in episode.alerts.all():
        if alert.status == AlertStatus.NOTE:
            continue
        events = list(alert.events.all())
        acknowledged = next((e.at for e in events if e.kind in _SEEN), None)
        actions = [e for e in events if e.kind == AlertEventKind.ACTION_RECORDED]
        rows.append(AlertRow(alert=alert, actions=actions, acknowledged_at=acknowledged))
    return rows


_PLAIN_VERDICT = {
    "reliably better": "an improvement larger than the questionnaire's measurement error",
    "reliably worse": "a worsening larger than the questionnaire's measurement error",
    "no reliable change": "a change within the questionnaire's measurement error",
}


def plain_progress(changes: Sequence[MeasureChange], outcome: Outcome) -> list[str]:
    """The outcome in sentences a client or a GP reads without the rules: each measure's
    first and latest score, the engine's verdict in words, and where the latest score stands
    against the clinical cut-off (the engine's caseness)."""
    lines = []
    for m in changes:
        if m.first is None:
            continue
        name = f"{m.name} ({MEANING[m.code]})"
        if m.change is None or m.latest is None:
            lines.append(
                f"{name} was {m.first} at session {m.first_session}; "
                "a second score is needed to see a change."
            )
            continue
        standing = (
            "at or above the clinical cut-off"
            if m.latest >= m.caseness
            else "below the clinical cut-off"
        )
        lines.append(
            f"{name} went from {m.first} at session {m.first_session} to {m.latest} at "
            f"session {m.latest_session}: {_PLAIN_VERDICT[m.verdict]}; now {standing} "
            f"({m.caseness:g})."
        )
    lines.append(f"Overall: {outcome.label}. {outcome.explanation}")
    return lines


def audience_of(request: HttpRequest) -> str | None:
    """The version asked for by ``?for=``; None for an unknown one."""
    asked = request.GET.get("for", "").strip().lower()
    asked = _ALIASES.get(asked, asked)
    return asked if asked in AUDIENCES else None


def report_context(
    episode: ReportEpisode, now: datetime, audience: str = THERAPIST
) -> dict[str, object]:
    config = engine_config().reliable_change
    rows = session_rows(episode, now)
    changes = measure_changes(rows, config)
    outcome = talking_therapies_outcome(changes, config)
    numbers = [r.session.number for r in rows]
    chart = outcome_chart(
        outcome_series([r.session for r in rows]),
        numbers,
        # The expected band is the therapist's tool; for the client it would read as a verdict.
        show_band=audience != CLIENT,
    )
    internals = audience == THERAPIST
    attended = sum(r.session.attendance == Attendance.ATTENDED for r in rows)
    goals = []
    for goal in episode.goals.all():
        ratings = list(goal.ratings.all())
        goals.append(
            {
                "goal": goal,
                "first": ratings[0] if len(ratings) > 1 else None,
                "latest": ratings[-1] if ratings else None,
            }
        )
    return {
        "episode": episode,
        "goals": goals,
        "session_rows": rows,
        "attended": attended,
        "missed": sum(
            r.session.attendance in (Attendance.NO_SHOW, Attendance.LATE_CANCELLED) for r in rows
        ),
        "changes": changes,
        "outcome": outcome,
        "tt_config": config,
        "alliance": alliance_summary(rows, episode),
        # Alerts (their kinds, levels, actions and titles) only in the therapist's own record.
        "alert_rows": alert_rows(episode) if internals else [],
        "alert_notes": (
            [a for a in episode.alerts.all() if a.status == AlertStatus.NOTE] if internals else []
        ),
        "prepared_on": timezone.localdate(now),
        "audience": audience,
        "audiences": AUDIENCES,
        "internals": internals,
        "chart": chart,
        "plain_progress": [] if internals else plain_progress(changes, outcome),
    }


# --------------------------------------------------------------------------- the view


@login_required
def progress_report(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    if not request.user.has_perm("care.use_workspace"):
        raise PermissionDenied
    try:
        episode = episode_for_report(episodes_visible_to(request.user), episode_id)
    except Episode.DoesNotExist:
        raise Http404 from None
    if not request.user.has_perm("care.view_episode", episode):
        raise PermissionDenied
    audience = audience_of(request)
    if audience is None:
        raise Http404("No such version of the report.")
    context = report_context(episode, timezone.now(), audience)
    # A report leaves the system: one event per opening, naming the version only.
    record(request.user, "export", episode, episode=episode, detail=f"for={audience}")
    return render(request, "workspace/report.html", context)
