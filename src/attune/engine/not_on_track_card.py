"""The one "not on track" card: a run of off-track measurements, with every reason listed.

In the spirit of the OQ clinical support tools (Whipple et al. 2003; Lambert et al. 2018), a
client whose progress worries us gets ONE card that lists why, instead of one alert per rule.
At every measurement after the intake (a PHQ-9 or GAD-7 score) the episode is *off track* when
any of these reasons holds:

========================  ========  =========================================================
reason                    severity  rule (defaults in ``NotOnTrackCardConfig``)
========================  ========  =========================================================
outside the expected      yellow /  PHQ-9 or GAD-7 above the upper limit of the 80 % / 95 %
band (PHQ-9, GAD-7)       red       tolerance band of its expected-recovery curve (Finch,
                                    Lambert & Schaalje 2001; ``attune.engine.not_on_track``)
no response yet           yellow    from the 8th attended session: at caseness at intake and
                                    still now (PHQ-9 >= 10 or GAD-7 >= 8) without a reliable
                                    improvement (PHQ-9 down >= 6 or GAD-7 down >= 4) and
                                    without a partial response (down >= 25 % of the intake
                                    score; Nierenberg & DeCecco 2001) —
                                    Saunders et al. 2019 (late responders improve from about
                                    session 6, so not before 6-8); NHS Talking Therapies
                                    caseness and reliable change
reliable deterioration    red       PHQ-9 up >= 6 or GAD-7 up >= 4 from the first score
                                    (Jacobson & Truax 1991; NHS Talking Therapies)
review the approach       yellow    off the band at >= 2 consecutive measurements after
                                    session 6 under one modality mix
                                    (``attune.engine.modality_review``; Lutz et al. 2019)
sudden loss               yellow    a sudden rise of the PHQ-9 (Tang & DeRubeis 1999 criteria,
                                    ``attune.engine.sudden_gains``), at the post-loss score
========================  ========  =========================================================

**No toggling.** A run starts at the first off-track measurement and ends only after
``exit_after`` (2) consecutive on-track measurements (hysteresis: one measurement back inside
the band is within measurement error of the limit). The card's key is
``not_on_track:from-s<N>`` with N the session where its run started, so one run is one alert;
a later run is a new alert. The card is shown while its run lasts (``current=True``); its
severity is the highest of the reasons seen during the run, its reasons are listed with the
latest numbers, and its actions are de-duplicated.

The separate kinds ``reliable_deterioration``, ``modality_review`` and ``sudden_loss`` are
reasons of this card now, not alerts of their own: they fired together with "not on track"
for the same clients (issue 9: one card per concern). The building blocks stay in their
modules (reports and research use them).

Sources: Finch, Lambert & Schaalje (2001); Whipple et al. (2003); Lambert, Whipple &
Kleinstäuber (2018); Saunders et al. (2019); Jacobson & Truax (1991); Tang & DeRubeis (1999);
Lutz et al. (2019) — full references in docs/sources.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from attune.engine.alliance import latest_column, one_decimal_texts
from attune.engine.batch import ATTENDED, BoolArray, EpisodeBatch, FloatArray, IntArray
from attune.engine.modality_review import ModalityReviewConfig, _runs
from attune.engine.not_on_track import Assessment, NotOnTrackConfig, assess
from attune.engine.numbers import rounded
from attune.engine.recovery import (
    Dose,
    Measure,
    RecoveryCurves,
    ReferenceConfig,
    reference_curves,
)
from attune.engine.signals import (
    INVITE_FEEDBACK,
    REVIEW_IN_SUPERVISION,
    REVIEW_MODALITY,
    Severity,
    Signal,
)
from attune.engine.sudden_gains import (
    PHQ9_SUDDEN_CHANGES,
    SuddenChange,
    SuddenGainConfig,
    identify_sudden_changes,
    measured_sessions,
)

__all__ = [
    "DEFAULT_CARD",
    "REASONS",
    "SOURCE",
    "CardRuns",
    "NotOnTrackCardConfig",
    "card_runs",
    "detect_not_on_track_card",
]

SOURCE = (
    "Finch, Lambert & Schaalje (2001), Clin Psychol Psychother 8:231-242 (expected-recovery "
    "curves); Whipple et al. (2003), J Couns Psychol 50:59-68 and Lambert, Whipple & "
    "Kleinstäuber (2018), Psychotherapy 55:520-537 (feedback with clinical support tools); "
    "Saunders et al. (2019), J Affect Disord 249:327-335 (late responders, session 6); "
    "Nierenberg & DeCecco (2001), J Clin Psychiatry 62(suppl 16):5-9 (partial response); "
    "Jacobson & Truax (1991), J Consult Clin Psychol 59:12-19 (reliable change); Tang & "
    "DeRubeis (1999), J Consult Clin Psychol 67:894-904 (sudden losses)."
)

#: Reasons in the order they are listed on the card, with their plain label.
REASONS: tuple[tuple[str, str], ...] = (
    ("deterioration", "Reliable deterioration"),
    ("phq9_band", "PHQ-9 outside the expected band"),
    ("gad7_band", "GAD-7 outside the expected band"),
    ("non_response", "No reliable improvement yet"),
    ("review_approach", "Review the approach"),
    ("sudden_loss", "Sudden loss"),
)
_RANK = {"yellow": 1, "red": 2}


@dataclass(frozen=True)
class NotOnTrackCardConfig:
    """Thresholds of the card (module docstring for the rules and sources).

    ``yellow_level`` / ``red_level``: the tolerance bands of the expected-recovery curves
    (0.80 / 0.95; Finch, Lambert & Schaalje 2001; ``attune.engine.not_on_track``), for PHQ-9
    and, with ``gad7_curve``, GAD-7. ``non_response_from`` 8: attended sessions before "no
    reliable improvement yet" can be said — the end of the 6-8 window, because Saunders et al.
    (2019) found a depression class that changed little until about session 6 and improved
    rapidly after. Caseness 10 / 8 and reliable change 6 / 4: NHS Talking Therapies (PHQ-9 /
    GAD-7). ``partial_response`` 0.25: a client down by a quarter of the intake score on either
    measure is partly responding, not "not responding" (the conventional non-response /
    partial-response boundary, Nierenberg & DeCecco 2001). ``after_session`` /
    ``consecutive``: the modality-review reason (Lutz et al.
    2019). ``enter_after`` 2: consecutive off-track measurements that start a run when no
    reason is red (a red reason starts it at once); ``exit_after`` 2: consecutive on-track
    measurements that end it (hysteresis: one score across the limit is within measurement
    error of it).
    """

    measure: Measure = "phq9"
    yellow_level: float = 0.80
    red_level: float = 0.95
    dose: Dose = "attended"
    gad7_curve: bool = True
    gad7_only_at_caseness: bool = True
    non_response_from: int = 8
    phq9_caseness: float = 10.0
    gad7_caseness: float = 8.0
    phq9_reliable_change: float = 6.0
    gad7_reliable_change: float = 4.0
    partial_response: float = 0.25
    after_session: int = 6
    consecutive: int = 2
    enter_after: int = 2
    exit_after: int = 2

    def __post_init__(self) -> None:
        if self.exit_after < 1 or self.enter_after < 1:
            raise ValueError("enter_after and exit_after must be at least 1")
        NotOnTrackConfig(self.measure, self.yellow_level, self.red_level)  # checks the levels

    @property
    def band(self) -> NotOnTrackConfig:
        """The band rule of the card's main measure."""
        return NotOnTrackConfig(self.measure, self.yellow_level, self.red_level, self.dose)

    @property
    def review(self) -> ModalityReviewConfig:
        return ModalityReviewConfig(self.after_session, self.consecutive, self.band)


DEFAULT_CARD = NotOnTrackCardConfig()


@dataclass(frozen=True, eq=False)
class CardRuns:
    """Every reason at every cell, and the runs. (n, t) arrays unless noted.

    ``reasons[name]`` is the reason's severity rank at each judged measurement (0 none,
    1 yellow, 2 red); ``off`` any reason; ``run_start`` the column where the run active at
    each cell started (-1 outside a run).
    """

    phq9: Assessment
    gad7: Assessment | None
    judged: BoolArray
    reasons: dict[str, IntArray]
    off: BoolArray
    run_start: IntArray
    phq9_first: FloatArray  # (n,)
    gad7_first: FloatArray  # (n,)
    phq9_now: FloatArray  # forward-filled latest score
    gad7_now: FloatArray
    attended: IntArray  # attended sessions so far


def _forward_fill(values: FloatArray) -> FloatArray:
    n, t = values.shape
    cols = np.broadcast_to(np.arange(t), (n, t))
    last = np.maximum.accumulate(np.where(np.isfinite(values), cols, -1), axis=1)
    filled = np.take_along_axis(values, np.maximum(last, 0), axis=1)
    return np.asarray(np.where(last >= 0, filled, np.nan), dtype=np.float64)


def _first(values: FloatArray) -> FloatArray:
    n, t = values.shape
    has = np.isfinite(values)
    col = np.argmax(has, axis=1)
    return np.asarray(np.where(has.any(axis=1), values[np.arange(n), col], np.nan))


def card_runs(
    batch: EpisodeBatch,
    curves: RecoveryCurves | None = None,
    config: NotOnTrackCardConfig = DEFAULT_CARD,
    gad7_curves: RecoveryCurves | None = None,
    sudden_loss: SuddenGainConfig = PHQ9_SUDDEN_CHANGES,
    sudden_losses: Sequence[SuddenChange] | None = None,
) -> CardRuns:
    """Judge every measurement for every reason and follow the runs with hysteresis.

    ``sudden_losses``: the sudden losses of ``batch`` when the caller has them already
    (``identify_sudden_changes`` of ``measured_sessions(batch)`` with ``sudden_loss``).
    """
    n, t = batch.attendance.shape
    phq = assess(batch, curves, config.band)
    gad: Assessment | None = None
    if config.gad7_curve and config.measure == "phq9":
        gad_cfg = NotOnTrackConfig("gad7", config.yellow_level, config.red_level, config.dose)
        used = gad7_curves or reference_curves(ReferenceConfig(measure="gad7"))
        gad = assess(batch, used, gad_cfg)

    measured = np.isfinite(batch.phq9) | np.isfinite(batch.gad7)
    cols = np.arange(t)[None, :]
    first_col = np.where(measured.any(axis=1), np.argmax(measured, axis=1), t)
    judged = measured & (cols > first_col[:, None])

    p_first, g_first = _first(batch.phq9), _first(batch.gad7)
    p_now, g_now = _forward_fill(batch.phq9), _forward_fill(batch.gad7)
    attended = np.cumsum(batch.attendance == ATTENDED, axis=1).astype(np.int64)
    with np.errstate(invalid="ignore"):
        p_rise = p_now - p_first[:, None]
        g_rise = g_now - g_first[:, None]
        deterioration = (p_rise >= config.phq9_reliable_change - 1e-9) | (
            g_rise >= config.gad7_reliable_change - 1e-9
        )
        improved = (p_rise <= -config.phq9_reliable_change + 1e-9) | (
            g_rise <= -config.gad7_reliable_change + 1e-9
        )
        # a partial response: down by at least a quarter of the intake score, on either measure
        partial = ((-p_rise > 0) & (-p_rise >= config.partial_response * p_first[:, None])) | (
            (-g_rise > 0) & (-g_rise >= config.partial_response * g_first[:, None])
        )
        case_start = (p_first >= config.phq9_caseness) | (g_first >= config.gad7_caseness)
        case_now = (p_now >= config.phq9_caseness) | (g_now >= config.gad7_caseness)
    with np.errstate(invalid="ignore"):
        gad_case = (g_first >= config.gad7_caseness) | (not config.gad7_only_at_caseness)
    non_response = (
        (attended >= config.non_response_from)
        & case_start[:, None]
        & case_now
        & ~improved
        & ~partial
    )
    stalled = _runs(batch, phq.status, phq.trajectory.measured, config.review)
    review = stalled >= config.consecutive

    loss = np.zeros((n, t), dtype=bool)
    values, sessions = measured_sessions(batch)
    if sudden_losses is None:
        sudden_losses = identify_sudden_changes(values, sudden_loss, losses=True)
    if sudden_losses:
        # each loss is marked at the first column of its post-loss session
        person = np.array([e.person for e in sudden_losses], dtype=np.int64)
        post = np.array([e.post_column for e in sudden_losses], dtype=np.int64)
        same = batch.session_number[person] == sessions[person, post][:, None]
        found = same.any(axis=1)
        loss[person[found], np.argmax(same, axis=1)[found]] = True

    zero = np.zeros((n, t), dtype=np.int64)
    reasons: dict[str, IntArray] = {
        "deterioration": np.where(judged & deterioration, 2, 0).astype(np.int64),
        "phq9_band": np.where(judged, phq.status, 0).astype(np.int64),
        "gad7_band": zero
        if gad is None
        else np.where(judged & gad_case[:, None], gad.status, 0).astype(np.int64),
        "non_response": np.where(judged & non_response, 1, 0).astype(np.int64),
        "review_approach": np.where(judged & review, 1, 0).astype(np.int64),
        "sudden_loss": np.where(judged & loss, 1, 0).astype(np.int64),
    }
    # A sudden loss needs scores after it (Tang & DeRubeis' criterion 3), so it can appear and
    # vanish as sessions are added: it is listed on a card whose run it falls in, but never
    # starts or extends a run, so a run's key never moves.
    worst = np.zeros((n, t), dtype=np.int64)
    for name, level in reasons.items():
        if name != "sudden_loss":
            worst = np.maximum(worst, level)
    off = worst > 0

    in_run = np.zeros(n, dtype=bool)
    calm = np.zeros(n, dtype=np.int64)
    streak = np.zeros(n, dtype=np.int64)  # consecutive off measurements before a run
    streak_start = np.full(n, -1, dtype=np.int64)
    start = np.full(n, -1, dtype=np.int64)
    run_start = np.full((n, t), -1, dtype=np.int64)
    for j in range(t):
        m = judged[:, j]
        o = off[:, j]
        # outside a run: a red reason starts one at once, yellow ones after enter_after in a row
        streak_start = np.where(o & ~in_run & (streak == 0), j, streak_start)
        streak = np.where(o & ~in_run, streak + 1, np.where(m, 0, streak))
        begins = ~in_run & o & ((worst[:, j] >= 2) | (streak >= config.enter_after))
        start = np.where(begins, streak_start, start)
        streak = np.where(begins, 0, streak)
        in_run = in_run | begins
        calm = np.where(o, 0, np.where(m & in_run, calm + 1, calm))
        ended = in_run & (calm >= config.exit_after)
        in_run = in_run & ~ended
        calm = np.where(ended, 0, calm)
        run_start[:, j] = np.where(in_run, start, -1)
    return CardRuns(
        phq9=phq,
        gad7=gad,
        judged=judged,
        reasons=reasons,
        off=off,
        run_start=run_start,
        phq9_first=p_first,
        gad7_first=g_first,
        phq9_now=p_now,
        gad7_now=g_now,
        attended=attended,
    )


def _details(
    name: str, cr: CardRuns, batch: EpisodeBatch, rows: IntArray, cols: IntArray
) -> list[tuple[str, dict[str, object]]]:
    """The reason's plain sentence and its numbers at each cell (rows[k], cols[k]), in bulk."""
    if rows.size == 0:
        return []
    cell = (rows, cols)
    sessions = batch.session_number[cell].tolist()
    out: list[tuple[str, dict[str, object]]] = []
    if name in ("phq9_band", "gad7_band"):
        a = cr.phq9 if name == "phq9_band" else cr.gad7
        assert a is not None
        label = a.curves.spec.label
        red = a.status[cell] == 2
        upper = np.where(red, a.red_upper[cell], a.yellow_upper[cell])
        score = a.trajectory.scores[cell]
        expected = a.expected[cell]
        intake = a.trajectory.intake[rows]
        for session, is_red, *numbers_and_texts in zip(
            sessions,
            red.tolist(),
            *(rounded(v, 1).tolist() for v in (score, intake, expected, upper)),
            *(one_decimal_texts(v) for v in (score, intake, expected, upper)),
            strict=True,
        ):
            score_1, intake_1, expected_1, upper_1, score_t, intake_t, expected_t, upper_t = (
                numbers_and_texts
            )
            level = a.config.red_level if is_red else a.config.yellow_level
            text = (
                f"{label} {score_t} at session {session} (intake {intake_t}): the expected "
                f"course is about {expected_t} by now, and {score_t} is above {upper_t}, "
                f"the upper limit of its {level * 100:g} % band."
            )
            numbers: dict[str, object] = {
                "measure": label,
                "session": session,
                "score": score_1,
                "intake": intake_1,
                "expected": expected_1,
                "upper_limit": upper_1,
                "band": f"{level * 100:g} %",
            }
            out.append((text, numbers))
        return out
    if name in ("deterioration", "non_response"):
        p_first, p_now = cr.phq9_first[rows], cr.phq9_now[cell]
        g_first, g_now = cr.gad7_first[rows], cr.gad7_now[cell]
        measures = [
            (
                label,
                key,
                (np.isfinite(first) & np.isfinite(now)).tolist(),
                one_decimal_texts(first),
                one_decimal_texts(now),
                rounded(first, 1).tolist(),
                rounded(now, 1).tolist(),
            )
            for label, key, first, now in (
                ("PHQ-9", "phq9", p_first, p_now),
                ("GAD-7", "gad7", g_first, g_now),
            )
        ]
        for k, (session, attended) in enumerate(
            zip(sessions, cr.attended[cell].tolist(), strict=True)
        ):
            parts = []
            numbers = {"session": session}
            for label, key, both, first_t, now_t, first_1, now_1 in measures:
                if both[k]:
                    parts.append(f"{label} {first_t[k]} → {now_t[k]}")
                    numbers[f"{key}_first"] = first_1[k]
                    numbers[f"{key}_now"] = now_1[k]
            scores = ", ".join(parts)
            if name == "deterioration":
                text = (
                    f"{scores} by session {session}: worse than at the start by more than the "
                    "questionnaires' measurement error (6 PHQ-9 or 4 GAD-7 points)."
                )
            else:
                text = (
                    f"{scores} after {attended} attended sessions: still in the "
                    "clinical range without a reliable improvement (6 PHQ-9 or 4 GAD-7 points)."
                )
                numbers["attended_sessions"] = attended
            out.append((text, numbers))
        return out
    if name == "review_approach":
        for session in sessions:
            text = (
                f"Above the expected band at two measurements in a row after session 6 (latest "
                f"session {session}) with the same combination of approaches."
            )
            out.append((text, {"session": session}))
        return out
    phq9 = batch.phq9[cell]
    for session, text_score, score in zip(
        sessions, one_decimal_texts(phq9), rounded(phq9, 1).tolist(), strict=True
    ):
        text = f"The PHQ-9 rose suddenly to {text_score} by session {session} and stayed up."
        out.append((text, {"session": session, "score": score}))
    return out


def detect_not_on_track_card(
    batch: EpisodeBatch,
    curves: RecoveryCurves | None = None,
    config: NotOnTrackCardConfig = DEFAULT_CARD,
    gad7_curves: RecoveryCurves | None = None,
    runs: CardRuns | None = None,
    sudden_loss: SuddenGainConfig = PHQ9_SUDDEN_CHANGES,
) -> list[Signal]:
    """One ``not_on_track`` signal per episode whose run is still going at its latest column.

    Key ``not_on_track:from-s<N>`` (the session where the run started); severity the highest
    reason seen in the run; evidence ``reasons: [{reason, detail, ...numbers}]`` with each
    reason's latest occurrence in the run. Rules and sources: module docstring.
    """
    n, t = batch.attendance.shape
    if n == 0 or t == 0:
        return []
    cr = runs if runs is not None else card_runs(batch, curves, config, gad7_curves, sudden_loss)
    fired = np.flatnonzero(cr.run_start[:, -1] >= 0)
    if fired.size == 0:
        return []
    start = cr.run_start[fired, -1]
    in_current = np.arange(t)[None, :] >= start[:, None]
    # per reason: whether it held in the current run, its highest level there, and the details
    # at its latest occurrence — for every fired episode at once
    reasons = []
    for name, label in REASONS:
        level_at = np.where(in_current, cr.reasons[name][fired], 0)
        held, last = latest_column(level_at > 0)
        at = np.flatnonzero(held)
        details = iter(_details(name, cr, batch, fired[at], last[at]))
        reasons.append((label, held.tolist(), level_at.max(axis=1).tolist(), details))
    has_judged, last_judged = latest_column(cr.judged[fired])
    last = np.where(has_judged, last_judged, start)
    curve = cr.phq9.curves.name
    out: list[Signal] = []
    for k, (episode_id, start_session, latest_session) in enumerate(
        zip(
            batch.episode_ids[fired].tolist(),
            batch.session_number[fired, start].tolist(),
            batch.session_number[fired, last].tolist(),
            strict=True,
        )
    ):
        listed: list[dict[str, object]] = []
        worst = 0
        for label, held_list, levels, details in reasons:
            if not held_list[k]:
                continue
            level = levels[k]
            worst = max(worst, level)
            text, numbers = next(details)
            listed.append(
                {
                    "reason": label,
                    "detail": text,
                    "severity": "red" if level == 2 else "yellow",
                    **numbers,
                }
            )
        severity: Severity = "red" if worst == 2 else "yellow"
        names = {str(r["reason"]) for r in listed}
        actions = [INVITE_FEEDBACK]
        if names & {"Review the approach", "No reliable improvement yet", "Reliable deterioration"}:
            actions.append(REVIEW_MODALITY)
        if severity == "red":
            actions.append(REVIEW_IN_SUPERVISION)
        title = (
            "Not on track: at risk of ending without benefit"
            if severity == "red"
            else "Not on track: less progress than expected"
        )
        explanation = (
            f"Since session {start_session}: "
            + " ".join(str(r["detail"]) for r in listed)
            + (
                " Clients this far off course often end therapy without benefit unless "
                "something changes."
                if severity == "red"
                else " Talk together about what helps and what doesn't."
            )
        )
        out.append(
            Signal(
                episode_id=episode_id,
                kind="not_on_track",
                severity=severity,
                session_number=start_session,
                key=f"not_on_track:from-s{start_session}",
                title=title,
                explanation=explanation,
                evidence={
                    "since_session": start_session,
                    "latest_session": latest_session,
                    "curve": curve,
                    "reasons": listed,
                },
                source=SOURCE,
                actions=tuple(dict.fromkeys(actions)),
            )
        )
    return out
