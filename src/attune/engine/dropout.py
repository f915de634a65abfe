"""Dropout risk: an explainable points model over attendance, alliance, progress and the
client's own words.

About one client in five ends therapy early (19.7 %, Swift & Greenberg 2012), most often in the
first sessions. Machine-learning models predict dropout somewhat better than regression
(Bennemann et al. 2022) but cannot explain themselves; Attune uses a transparent sum of points
whose every contributor is a warning sign a therapist can talk about with the client:

=========================  ======  ==========================================================
contributor                points  rule (defaults in ``DropoutConfig``)
=========================  ======  ==========================================================
no_shows                   2 each  no-shows among the last 6 recorded sessions
late_cancellations         1 each  late cancellations among the last 6 recorded sessions
alliance_decline           2       latest session-feedback total >= 4 below the mean of the
                                   first three (earlier) totals
low_early_alliance         3       in the first 3 attended sessions, the session-feedback
                                   totals so far average 30 of 40 or less (a weak early
                                   alliance)
early_phase                1       at most 4 attended sessions so far
not_on_track               2       the not-on-track module says so (``off_track`` input)
long_gap                   2       more than 21 days since the last attended session, episode
                                   still active
thinking_of_stopping       3 / 4   "sometimes" / "yes" to "Have you been thinking about
                                   stopping therapy?" at the latest answer
=========================  ======  ==========================================================

4 points or more → yellow, 6 or more → red, and only with at least one *sign of leaving* among
the contributors (``DIRECT_SIGNS``: the client's "thinking of stopping", no-shows, late
cancellations, a long gap, a weak early alliance). Not being on track and a falling alliance
add points but never raise the warning on their own: each already has its own card, and the
same advice on two cards for one concern is noise (issue 9: one card per concern).

A weak early alliance with the early phase (3 + 1) is enough for a yellow warning *while the
client still attends*: most early dropouts leave after one to three sessions (Swift & Greenberg
2012), before missed sessions or a long gap can show, and a weaker alliance is the best-
replicated predictor of dropout (Sharf, Primavera & Diener 2010, d = 0.55). The threshold (30 of
40, a mean of 7.5 per domain) is set below where clients usually rate — alliance ratings crowd
near the top of any scale (Tryon, Blackwell & Hammel 2007) — and is clinical judgement, to be
calibrated on a practice's own ratings.

The weights are clinical judgement, ordered by the evidence: the client's own words and missed
sessions weigh most (confrontation markers predict dropout, d = .74, Eubanks et al. 2019; lower
rupture resolution predicts leaving, Muran et al. 2009), then a falling alliance, not being on
track and long gaps, then the early phase (the base rate is highest there, Swift & Greenberg
2012). They are configuration, to be calibrated on a practice's own data.

Sources (full references in docs/sources.md): Swift & Greenberg (2012), *J Consult Clin
Psychol* 80:547-559; Sharf, Primavera & Diener (2010), *Psychotherapy* 47:637-645; Tryon,
Blackwell & Hammel (2007), *Psychother Res* 17:629-642; Bennemann et al. (2022), *Br J
Psychiatry*; Eubanks et al. (2019), *Psychother Res*; Muran et al. (2009), *Psychotherapy*
46:233-248.

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attune.engine.alliance import (
    EPS,
    answer_code,
    latest_column,
    measured,
    one_decimal_texts,
    pack_cells,
    plain_numbers,
)
from attune.engine.batch import (
    LATE_CANCELLED,
    NO_SHOW,
    NONE,
    SCHEDULED,
    STOPPING,
    BoolArray,
    EpisodeBatch,
    FloatArray,
    IntArray,
)
from attune.engine.signals import (
    INVITE_FEEDBACK,
    REVIEW_IN_SUPERVISION,
    TALK_ABOUT_FIT,
    Severity,
    Signal,
)

__all__ = [
    "CONTRIBUTORS",
    "DEFAULT_DROPOUT",
    "DIRECT_SIGNS",
    "DropoutConfig",
    "DropoutRisk",
    "detect_dropout_risk",
    "dropout_risk",
]

DROPOUT_SOURCE = (
    "Swift & Greenberg (2012), J Consult Clin Psychol 80:547-559 (dropout 19.7 %, most often "
    "early); Sharf, Primavera & Diener (2010), Psychotherapy 47:637-645 (a weaker alliance "
    "predicts dropout, d = 0.55); Bennemann et al. (2022), Br J Psychiatry (dropout prediction); "
    "Eubanks et al. (2019), Psychother Res (confrontation markers predict dropout, d = .74); "
    "Muran et al. (2009), Psychotherapy 46:233-248."
)

#: Plain labels of the contributors (evidence).
CONTRIBUTOR_LABELS: dict[str, str] = {
    "thinking_of_stopping": "Thinking of stopping",
    "no_shows": "No-shows",
    "late_cancellations": "Late cancellations",
    "alliance_decline": "Falling session feedback",
    "low_early_alliance": "Low early session feedback",
    "not_on_track": "Not on track",
    "long_gap": "Long gap",
    "early_phase": "Early phase",
}

#: Contributors that are signs of leaving in the client's own behaviour or words; the warning
#: needs at least one of them (``DropoutConfig.needs_sign_of_leaving``).
DIRECT_SIGNS: tuple[str, ...] = (
    "thinking_of_stopping",
    "no_shows",
    "late_cancellations",
    "low_early_alliance",
    "long_gap",
)

#: The contributors, in the order they are shown.
CONTRIBUTORS: tuple[str, ...] = (
    "thinking_of_stopping",
    "no_shows",
    "late_cancellations",
    "alliance_decline",
    "low_early_alliance",
    "not_on_track",
    "long_gap",
    "early_phase",
)


@dataclass(frozen=True)
class DropoutConfig:
    """Weights and thresholds of the dropout-risk points (see the module docstring's table).

    Sources for what counts: Swift & Greenberg 2012 (early phase, base rate 19.7 %); Eubanks
    et al. 2019 and Muran et al. 2009 (alliance strain and thoughts of leaving); Bennemann et
    al. 2022 (attendance and progress as predictors). The weights themselves are clinical
    judgement, not fitted values.
    """

    recent_sessions: int = 6
    no_show_points: int = 2
    late_cancellation_points: int = 1
    decline_by: float = 4.0
    decline_first: int = 3
    decline_points: int = 2
    early_sessions: int = 4
    early_points: int = 1
    low_early_total: float = 30.0
    low_early_sessions: int = 3
    low_early_points: int = 3
    off_track_points: int = 2
    gap_days: float = 21.0
    gap_points: int = 2
    stopping_sometimes_points: int = 3
    stopping_yes_points: int = 4
    yellow_at: int = 4
    red_at: int = 6
    needs_sign_of_leaving: bool = True


DEFAULT_DROPOUT = DropoutConfig()


@dataclass(frozen=True, eq=False)
class DropoutRisk:
    """Dropout-risk points of each episode (all arrays have one entry per episode).

    ``contributors`` maps each name in :data:`CONTRIBUTORS` to its points; ``values`` to the
    number behind it (a count, points of decline, days, the stopping answer 0-2; NaN when it
    could not be computed). ``column`` is the latest recorded session (-1 when none).
    """

    points: IntArray
    contributors: dict[str, IntArray]
    values: dict[str, FloatArray]
    column: IntArray

    @property
    def sign_of_leaving(self) -> BoolArray:
        """At least one of :data:`DIRECT_SIGNS` added points."""
        return np.asarray(np.any([self.contributors[name] > 0 for name in DIRECT_SIGNS], axis=0))


def _off_track_now(batch: EpisodeBatch, off_track: BoolArray | None) -> BoolArray:
    n = batch.size
    if off_track is None:
        return np.zeros(n, dtype=bool)
    flags = np.asarray(off_track, dtype=bool)
    if flags.shape == (n,):
        return flags
    if flags.shape != batch.attendance.shape:
        raise ValueError(
            f"off_track has shape {flags.shape}, expected {(n,)} or {batch.attendance.shape}"
        )
    scored = np.isfinite(batch.phq9) | np.isfinite(batch.gad7)
    has, col = latest_column(np.asarray(scored))
    return np.asarray(has & flags[np.arange(n), col])


def dropout_risk(
    batch: EpisodeBatch,
    config: DropoutConfig = DEFAULT_DROPOUT,
    off_track: BoolArray | None = None,
    as_of: FloatArray | None = None,
) -> DropoutRisk:
    """Points and contributors of the dropout-risk model for every episode, vectorised.

    ``off_track``: the not-on-track module's flags, either (n,) for "now" or (n, t) per session
    (then the value at the latest outcome measurement counts). ``as_of``: days since each
    episode's start at the time of evaluation (n,); without it, the gap runs to the latest
    recorded session. Rules and weights: module docstring and ``DropoutConfig`` (Swift &
    Greenberg 2012; Bennemann et al. 2022; Eubanks et al. 2019; Muran et al. 2009).
    """
    n, t = batch.attendance.shape
    rows = np.arange(n)
    att = batch.attendance
    recorded = (att != NONE) & (att != SCHEDULED)
    upto = np.cumsum(recorded, axis=1)
    recent = recorded & (upto > recorded.sum(axis=1, keepdims=True) - config.recent_sessions)
    no_shows = (recent & (att == NO_SHOW)).sum(axis=1)
    late = (recent & (att == LATE_CANCELLED)).sum(axis=1)

    is_measured = measured(batch)
    _, count, packed = pack_cells(is_measured, batch.alliance_total)
    first_k = np.clip(np.minimum(count - 1, config.decline_first), 0, None)
    cs = np.concatenate([np.zeros((n, 1)), np.cumsum(np.nan_to_num(packed), axis=1)], axis=1)
    early_mean = np.where(first_k > 0, cs[rows, first_k] / np.maximum(first_k, 1), np.nan)
    latest_total = packed[rows, np.maximum(count - 1, 0)] if t else np.full(n, np.nan)
    decline = np.where(count >= 2, early_mean - latest_total, np.nan)
    declining = np.nan_to_num(decline, nan=-np.inf) >= config.decline_by - EPS

    attended_count = batch.attended.sum(axis=1)
    early = attended_count <= config.early_sessions

    off = _off_track_now(batch, off_track)
    # the mean of the ratings so far (all early while the phase lasts): one low rating among
    # good ones is noise, a low start is not
    mean_so_far = np.where(count >= 1, cs[rows, count] / np.maximum(count, 1), np.nan)
    first_sessions = attended_count <= config.low_early_sessions
    low_early = first_sessions & (
        np.nan_to_num(mean_so_far, nan=np.inf) <= config.low_early_total + EPS
    )

    has_att, last_att = latest_column(batch.attended)
    has_rec, last_rec = latest_column(np.asarray(recorded))
    has_any, last_any = latest_column(np.asarray(att != NONE))
    if as_of is not None:
        reference = np.asarray(as_of, dtype=np.float64).reshape(n)
    else:
        reference = (
            np.where(has_rec, batch.days[rows, last_rec], np.nan) if t else np.full(n, np.nan)
        )
    last_day = np.where(has_att, batch.days[rows, last_att], np.nan) if t else np.full(n, np.nan)
    gap = reference - last_day
    long_gap = has_att & ~batch.ended & (np.nan_to_num(gap, nan=-np.inf) > config.gap_days + EPS)

    answered = batch.attended & np.isfinite(batch.stopping)
    has_answer, answer_col = latest_column(np.asarray(answered))
    answer = (
        np.where(has_answer, batch.stopping[rows, answer_col], np.nan) if t else np.full(n, np.nan)
    )
    stop_points = np.select(
        [answer >= 2, answer >= 1],
        [config.stopping_yes_points, config.stopping_sometimes_points],
        default=0,
    )

    contributors: dict[str, IntArray] = {
        "thinking_of_stopping": stop_points.astype(np.int64),
        "no_shows": (config.no_show_points * no_shows).astype(np.int64),
        "late_cancellations": (config.late_cancellation_points * late).astype(np.int64),
        "alliance_decline": np.where(declining, config.decline_points, 0).astype(np.int64),
        "low_early_alliance": np.where(low_early, config.low_early_points, 0).astype(np.int64),
        "not_on_track": np.where(off, config.off_track_points, 0).astype(np.int64),
        "long_gap": np.where(long_gap, config.gap_points, 0).astype(np.int64),
        "early_phase": np.where(early, config.early_points, 0).astype(np.int64),
    }
    values: dict[str, FloatArray] = {
        "thinking_of_stopping": np.asarray(answer, dtype=np.float64),
        "no_shows": no_shows.astype(np.float64),
        "late_cancellations": late.astype(np.float64),
        "alliance_decline": np.asarray(decline, dtype=np.float64),
        "low_early_alliance": np.asarray(mean_so_far, dtype=np.float64),
        "not_on_track": off.astype(np.float64),
        "long_gap": np.where(has_att, gap, np.nan).astype(np.float64),
        "early_phase": attended_count.astype(np.float64),
    }
    points = np.zeros(n, dtype=np.int64)
    for name in CONTRIBUTORS:
        points += contributors[name]
    column = np.where(has_rec, last_rec, np.where(has_any, last_any, -1)).astype(np.int64)
    return DropoutRisk(points=points, contributors=contributors, values=values, column=column)


def _describe(name: str, value: float, text: str, config: DropoutConfig) -> str:
    """The contributor in words; ``text`` is ``value`` with one decimal at most (4.3, 30)."""
    if name == "thinking_of_stopping":
        code = answer_code(STOPPING, value) or ""
        return f'the client answered "{code}" to "Have you been thinking about stopping therapy?"'
    if name == "no_shows":
        return f"{text} no-show(s) in the last {config.recent_sessions} sessions"
    if name == "late_cancellations":
        return f"{text} late cancellation(s) in the last {config.recent_sessions} sessions"
    if name == "alliance_decline":
        return f"the latest session feedback is {text} points below the mean of the first ratings"
    if name == "low_early_alliance":
        return f"session feedback so far averages {text} of 40, low for the first sessions"
    if name == "not_on_track":
        return "progress is not on track"
    if name == "long_gap":
        return f"{text} days since the last attended session"
    return f"an early phase of therapy ({text} attended session(s))"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def detect_dropout_risk(
    batch: EpisodeBatch,
    config: DropoutConfig = DEFAULT_DROPOUT,
    off_track: BoolArray | None = None,
    as_of: FloatArray | None = None,
) -> list[Signal]:
    """ "dropout_risk", key ``dropout_risk``: yellow at >= 4 points, red at >= 6, with at least
    one sign of leaving (:data:`DIRECT_SIGNS`) unless ``config.needs_sign_of_leaving`` is off.

    Rule: :func:`dropout_risk` (the module docstring lists contributors and weights).
    ``session_number`` is the latest recorded session. Evidence lists every contributor that
    added points, with its points and the number behind it. Sources: Swift & Greenberg 2012;
    Bennemann et al. 2022; Eubanks et al. 2019; Muran et al. 2009.
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    risk = dropout_risk(batch, config, off_track, as_of)
    fire = risk.points >= config.yellow_at
    if config.needs_sign_of_leaving:
        fire &= risk.sign_of_leaving
    rows = np.flatnonzero(fire)
    col = risk.column[rows]
    numbers = np.where(col >= 0, batch.session_number[rows, np.maximum(col, 0)], 0).tolist()
    # each contributor's points, value, value as evidence and value as text, for every row
    parts = [
        (
            name,
            risk.contributors[name][rows].tolist(),
            values.tolist(),
            plain_numbers(values, 1),
            one_decimal_texts(values),
        )
        for name in CONTRIBUTORS
        for values in (risk.values[name][rows],)
    ]
    found: list[Signal] = []
    for k, (episode_id, points, number) in enumerate(
        zip(batch.episode_ids[rows].tolist(), risk.points[rows].tolist(), numbers, strict=True)
    ):
        severity: Severity = "red" if points >= config.red_at else "yellow"
        listed = []
        words = []
        for name, contributed, value, evidence_value, text in parts:
            p = contributed[k]
            if p == 0:
                continue
            listed.append(
                {
                    "contributor": name,
                    "label": CONTRIBUTOR_LABELS[name],
                    "points": p,
                    "value": evidence_value[k],
                }
            )
            words.append(f"{_describe(name, value[k], text[k], config)} (+{p})")
        found.append(
            Signal(
                episode_id=episode_id,
                kind="dropout_risk",
                severity=severity,
                session_number=number,
                key="dropout_risk",
                title="This client may be thinking of ending therapy early",
                explanation=(
                    f"Dropout-risk points: {points} (yellow from {config.yellow_at}, red from "
                    f"{config.red_at}). " + _sentence("; ".join(words)) + ". About one "
                    "client in five ends therapy early, most often in the first sessions. These "
                    "are warning signs to talk about together — what is and isn't working, and "
                    "what the client needs — not a prediction about this person."
                ),
                evidence={
                    "session": number,
                    "points": points,
                    "yellow_at": config.yellow_at,
                    "red_at": config.red_at,
                    "contributors": listed,
                },
                source=DROPOUT_SOURCE,
                actions=(INVITE_FEEDBACK, TALK_ABOUT_FIT)
                + ((REVIEW_IN_SUPERVISION,) if severity == "red" else ()),
            )
        )
    return found
