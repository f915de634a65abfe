"""What the ending form shows before the therapist ends a therapy: the client's own request to
end (and their reason), and the outcome in short — first and last PHQ-9 and GAD-7, reliable
change and recovery.

The verdicts are the engine's: reliable change per questionnaire through
``attune.care.engine_adapter`` (the thresholds the alerts and charts use), caseness and recovery
through the engine's NHS Talking Therapies rule (``engine.outcomes.talking_therapies_outcomes``)
with the same configuration. Nothing is compared here. Two queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from attune.care.engine_adapter import (
    MEASURES,
    Direction,
    caseness,
    engine_config,
    reliable_change,
    reliable_change_points,
)
from attune.care.models import Episode
from attune.clientportal.models import EndingRequest
from attune.clientportal.queries import open_ending_request
from attune.engine.outcomes import TalkingTherapiesOutcomes, talking_therapies_outcomes
from attune.measures.models import Phase, Response

MEASURE_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7"}
NAN = float("nan")

#: How a reliable-change verdict reads on the form.
CHANGE_WORDS: dict[Direction | None, str] = {
    "improvement": "improved",
    "deterioration": "deteriorated",
    None: "no reliable change",
}


@dataclass(frozen=True)
class MeasureOutcome:
    code: str
    name: str
    first: int
    first_session: int | None
    last: int | None  # None: only one score
    last_session: int | None
    caseness: float  # the clinical cut-off, for the words
    points: float  # the smallest reliable change, for the words
    reliable: Direction | None
    case_start: bool
    case_end: bool | None

    @property
    def change(self) -> int | None:
        return None if self.last is None else self.last - self.first

    @property
    def verdict(self) -> str:
        return "needs a second score" if self.last is None else CHANGE_WORDS[self.reliable]

    @property
    def recovered(self) -> bool:
        """From above the clinical cut-off to below it."""
        return self.case_start and self.case_end is False


@dataclass(frozen=True)
class Overall:
    """The NHS Talking Therapies outcome over both questionnaires."""

    change: str  # "improved", "deteriorated", "no reliable change"
    case_start: bool
    recovered: bool

    @property
    def recovery(self) -> str:
        if not self.case_start:
            return "below the clinical cut-off from the start: recovery does not apply"
        return "recovered" if self.recovered else "not recovered"


@dataclass(frozen=True)
class EndingSummary:
    request: EndingRequest | None  # the client's open request for an ending conversation
    exit_response: Response | None  # exit feedback the client gave while asking
    measures: list[MeasureOutcome]
    overall: Overall | None  # None until a questionnaire has a first and a last score


def _first_and_last(episode: Episode) -> dict[str, list[tuple[int, int | None]]]:
    rows = (
        Response.objects.filter(
            episode=episode,
            phase=Phase.CHECK_IN,
            instrument_version__instrument__code__in=MEASURES,
            score__isnull=False,
        )
        .order_by("submitted_at", "pk")
        .values_list("instrument_version__instrument__code", "score", "session__number")
    )
    scores: dict[str, list[tuple[int, int | None]]] = {code: [] for code in MEASURES}
    for code, score, number in rows:
        scores[code].append((int(score), number))  # type: ignore[arg-type]  # score__isnull=False
    return scores


def _engine(scores: dict[str, tuple[float, float]]) -> TalkingTherapiesOutcomes:
    phq9 = scores.get("phq9", (NAN, NAN))
    gad7 = scores.get("gad7", (NAN, NAN))
    config = engine_config().reliable_change
    return talking_therapies_outcomes([phq9[0]], [phq9[1]], [gad7[0]], [gad7[1]], config)


def _measure(code: str, scored: list[tuple[int, int | None]]) -> MeasureOutcome:
    first, first_session = scored[0]
    last, last_session = scored[-1] if len(scored) > 1 else (None, None)
    alone = _engine({code: (float(first), NAN if last is None else float(last))})
    # The engine's caseness of this questionnaire alone; at the start it needs a pair, so a
    # single score is judged as a pair with itself.
    start = _engine({code: (float(first), float(first))})
    return MeasureOutcome(
        code=code,
        name=MEASURE_NAMES.get(code, code),
        first=first,
        first_session=first_session,
        last=last,
        last_session=last_session,
        caseness=caseness(code) or 0.0,
        points=reliable_change_points(code) or 0.0,
        reliable=reliable_change(code, first, last) if last is not None else None,
        case_start=bool(start.caseness_start[0]),
        case_end=bool(alone.caseness_end[0]) if last is not None else None,
    )


def ending_summary(episode: Episode) -> EndingSummary:
    scores = _first_and_last(episode)
    measures = [_measure(code, scored) for code, scored in scores.items() if scored]
    paired = {m.code: (float(m.first), float(m.last)) for m in measures if m.last is not None}
    overall = None
    if paired:
        result = _engine(paired)
        if result.reliable_deterioration[0]:
            change = CHANGE_WORDS["deterioration"]
        elif result.reliable_improvement[0]:
            change = CHANGE_WORDS["improvement"]
        else:
            change = CHANGE_WORDS[None]
        overall = Overall(
            change=change,
            case_start=bool(result.caseness_start[0]),
            recovered=bool(result.recovery[0]),
        )
    request = open_ending_request(episode)
    exit_response = None
    if request is not None:
        exit_response = Response.objects.filter(
            episode=episode, phase=Phase.EXIT, respondent_id=episode.client.user_id
        ).first()
    return EndingSummary(
        request=request, exit_response=exit_response, measures=measures, overall=overall
    )
