"""Session-alliance signals: low alliance, ruptures, repairs, unrepaired and repeated ruptures.

The alliance is measured by the Attune Session Feedback after each attended session: four 0-10
domains (bond, goals & topics, approach, overall; total 0-40), the rupture item ("Was there a
moment you felt misunderstood, uneasy or disconnected?" no / a little / yes), how much it was
resolved by the end of the session, "Have you been thinking about stopping therapy?" and (from
version 2) "If you told us about a difficult moment before: has it been talked through?".

Only **attended sessions with complete feedback** (all four domains answered) count as alliance
measurements (:func:`measured`). Ratings are compared with the client's *own* earlier ratings,
because people use the scale differently and alliance ratings crowd at the top of the scale
(Meier & Feeley 2022); a person-relative drop is the V-pattern idea of Stiles et al. (2004) and
Strauss et al. (2006).

Sources (the literature is listed in docs/sources.md, "Alliance, rupture, repair and fit"):

* Low alliance — thresholds derived for this instrument, not the SRS cut-offs: a persistently
  low level (Flückiger et al. 2018 for the alliance-outcome link; Meier & Feeley 2022 and
  Duncan et al. 2003 for the ceiling of session ratings) or a reliable fall from the client's
  own first ratings (Jacobson & Truax 1991, reliable change).
* Rupture as a person-relative drop (V-pattern): Stiles et al. (2004), *J Couns Psychol*
  51:81-92; Strauss et al. (2006), *J Consult Clin Psychol* 74:337-345; thresholds of 1 SD
  (sensitive) or 2 SD (specific).
* Rupture and resolution reported by the client after the session (PSQ): Muran et al. (2009),
  *Psychotherapy* 46:233-248.
* Repair vs unrepaired ruptures and outcome, r = .29 (11 studies, 1,314 patients): Eubanks,
  Muran & Safran (2018), *Psychotherapy* 55:508-519.
* Unrepaired ruptures predict worse outcome (ruptures in 46 %, beta = .45): McLaughlin et al.
  (2014), *J Consult Clin Psychol* 82:112-121; repeated unrepaired ruptures as a sign the
  therapy is not working: Safran, Muran & Eubanks-Carter (2011).

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from attune.engine.batch import (
    DOMAINS,
    RESOLVED,
    RUPTURE,
    TALKED_THROUGH,
    BoolArray,
    EpisodeBatch,
    FloatArray,
    IntArray,
)
from attune.engine.numbers import rounded
from attune.engine.signals import (
    ACKNOWLEDGE_PROGRESS,
    INVITE_FEEDBACK,
    REPAIR_CONVERSATION,
    REVIEW_IN_SUPERVISION,
    TALK_ABOUT_FIT,
    WARM_REFERRAL,
    Severity,
    Signal,
)

__all__ = [
    "DEFAULT_LOW_ALLIANCE",
    "DEFAULT_RUPTURE",
    "LowAllianceConfig",
    "LowAllianceRun",
    "RuptureConfig",
    "RuptureCourse",
    "answer_code",
    "answer_codes",
    "detect_low_alliance",
    "detect_repairs",
    "detect_repeated_ruptures",
    "detect_ruptures",
    "fmt_numbers",
    "latest_column",
    "low_alliance_runs",
    "measured",
    "measured_totals",
    "one_decimal_texts",
    "own_baseline",
    "pack_cells",
    "plain_number",
    "plain_numbers",
    "rupture_course",
    "ruptures",
]

#: Tolerance for comparisons of computed means and SDs with thresholds (boundary cases fire).
EPS = 1e-9

LOW_ALLIANCE_SOURCE = (
    "Flückiger et al. 2018 (alliance and outcome, r = .28); Duncan et al. 2003 and Meier & "
    "Feeley 2022 (session ratings crowd at the top of the scale); Jacobson & Truax 1991 "
    "(reliable change) — thresholds derived for the Attune Session Feedback"
)
RUPTURE_SOURCE = (
    "Stiles et al. 2004; Strauss et al. 2006 (person-relative V-pattern); Muran et al. 2009 "
    "(client-reported rupture and resolution); Eubanks, Muran & Safran 2018"
)
REPAIR_SOURCE = (
    "Eubanks, Muran & Safran 2018 (repair vs unrepaired ruptures, r = .29); Stiles et al. 2004; "
    "Muran et al. 2009"
)
REPEATED_SOURCE = (
    "McLaughlin et al. 2014 (unrepaired ruptures predict worse outcome); Eubanks, Muran & "
    "Safran 2018; Safran, Muran & Eubanks-Carter 2011"
)


# --------------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LowAllianceConfig:
    """When the session feedback counts as persistently low (one state per episode).

    Derived for the Attune Session Feedback (four 0-10 domains, total 0-40), not taken from
    the SRS (docs/engine.md, "Low alliance", shows the derivation):

    * ``low_total_at_or_below = 28``: a mean of 7 per domain, two SDs below the usual total.
      Session alliance ratings crowd at the top (SRS item means about 8.5-9 with strong
      ceiling effects: Duncan et al. 2003; Meier & Feeley 2022), so 36 of 40 — the SRS
      cut-off — is an ordinary rating here (half of all sessions of the ceiling simulator are
      at or below it). With a usual total of about 36 (9 per domain) and an SD of about 4
      between sessions of different clients, 36 - 2 × 4 = 28 marks the lowest 5-8 % of
      sessions on both simulated rating styles (docs/engine.md).
    * ``baseline_sessions = 3``: the client's own baseline is the mean of the first 3 rated
      sessions (the early alliance; Strauss et al. 2006).
    * ``fall_z = 1.96``, ``sd_floor = 2.0``: a fall from the baseline counts when a total is at
      least 1.96 · √(1 + 1/3) · SD below it (a reliable-change amount, Jacobson & Truax 1991,
      for one rating against a mean of 3), with SD = the client's own SD of the baseline
      ratings, never below 2 points (a client's session-to-session SD is 1-2 points) — at
      least 4.5 points.
    * ``persist_sessions = 2``: low (either way) at 2 consecutive rated sessions; one low
      session is a possible rupture, not a state.
    * ``clear_sessions = 2``, ``clear_margin = 2.0``: the state ends only after 2 consecutive
      rated sessions at least 2 points above both thresholds (hysteresis: no toggling).
    """

    low_total_at_or_below: float = 28.0
    baseline_sessions: int = 3
    fall_z: float = 1.96
    sd_floor: float = 2.0
    persist_sessions: int = 2
    clear_sessions: int = 2
    clear_margin: float = 2.0


@dataclass(frozen=True)
class RuptureConfig:
    """Rupture, repair and repeated-rupture thresholds.

    * ``baseline_sessions = 3``: the baseline is the mean of the previous 3 measured totals
      (2-3 in the V-pattern studies).
    * ``z = 1.0``: a rupture is a total at or below baseline - z·SD; 1 SD is the sensitive
      threshold of the V-pattern studies (Stiles 2004, Strauss 2006).
    * ``large_z = 2.0``: a drop of at least 2 SD (the specific threshold) is large.
    * ``sd_floor = 3.0`` and ``min_history = 2``: the SD is the client's own SD over all
      earlier measured totals, never below 3 points; a drop needs at least 2 earlier ratings.
    * ``tension_at_least = 1``: the client's "a little" (1) or "yes" (2) on the rupture item
      (PSQ-type self-report, Muran 2009).
    * ``resolved_at_least = 2``: "mostly" or "completely" resolved by the end of the session.
    * ``repair_window = 3`` and ``repair_sd = 0.5``: repaired when one of the next 3 rated
      sessions is back to at least baseline - 0.5·SD, or the client confirms at a later
      session that the moment was talked through (``confirmed_at_least = 2``, "yes");
      unrepaired when the 3 rated sessions pass without either (Eubanks, Muran & Safran 2018).
    * ``repeated_unrepaired = 2``: repeated ruptures are 2 distinct unrepaired ruptures
      (McLaughlin et al. 2014).
    * ``alert_when_carried_on = False``: a rupture that carries on into the next rated session
      stays a marker; it *persists* in the sense that matters once the repair window passes,
      and then it is the unrepaired-rupture alert. One low session after another is within
      measurement noise for many clients: on the alert-burden benchmark (5,000 episodes,
      current simulator, seed 1) alerting on it gave the rupture alert a PPV of 0.88 and 30.1 %
      of improving clients an alert of some kind; without it, PPV 0.99 and 27.4 %, with every
      carried-on rupture still alerted as unrepaired if it is not repaired in time.
    """

    baseline_sessions: int = 3
    z: float = 1.0
    large_z: float = 2.0
    sd_floor: float = 3.0
    min_history: int = 2
    tension_at_least: int = 1
    resolved_at_least: int = 2
    repair_window: int = 3
    repair_sd: float = 0.5
    confirmed_at_least: int = 2
    repeated_unrepaired: int = 2
    alert_when_carried_on: bool = False


DEFAULT_LOW_ALLIANCE = LowAllianceConfig()
DEFAULT_RUPTURE = RuptureConfig()


# --------------------------------------------------------------------------------------------
# shared helpers (also used by as_if, fit and dropout)
# --------------------------------------------------------------------------------------------


def measured(batch: EpisodeBatch) -> BoolArray:
    """(n, t): attended sessions whose feedback has all four domains — the alliance measurements."""
    complete = np.isfinite(batch.alliance).all(axis=2)
    return np.asarray(batch.attended & complete)


def measured_totals(batch: EpisodeBatch) -> FloatArray:
    """(n, t): the alliance total (0-40) at measured sessions, NaN elsewhere."""
    return np.asarray(np.where(measured(batch), batch.alliance_total, np.nan), dtype=np.float64)


def latest_column(mask: BoolArray) -> tuple[BoolArray, IntArray]:
    """Per row: whether ``mask`` has any True cell, and the column of the last one (0 if none)."""
    n, t = mask.shape
    has = np.asarray(mask.any(axis=1))
    if t == 0:
        return has, np.zeros(n, dtype=np.int64)
    last = (t - 1 - np.argmax(mask[:, ::-1], axis=1)).astype(np.int64)
    return has, np.asarray(np.where(has, last, 0), dtype=np.int64)


def pack_cells(mask: BoolArray, values: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Left-align the cells of ``mask`` per row: (column of the m-th cell, count, m-th value)."""
    n, t = mask.shape
    order = np.argsort(~mask, axis=1, kind="stable").astype(np.int64)
    count = mask.sum(axis=1).astype(np.int64)
    packed = np.take_along_axis(values, order, axis=1)
    valid = np.arange(t)[None, :] < count[:, None]
    return order, count, np.asarray(np.where(valid, packed, np.nan), dtype=np.float64)


def _take(values: FloatArray | IntArray, index: IntArray) -> FloatArray:
    """Row-wise gather ``values[i, index[i, j]]`` (index clipped into range)."""
    width = values.shape[1]
    if width == 0:
        return np.full(index.shape, np.nan)
    safe = np.clip(index, 0, width - 1)
    return np.asarray(np.take_along_axis(values, safe, axis=1), dtype=np.float64)


def plain_number(value: float, digits: int = 2) -> float | None:
    """A plain float for evidence (rounded), or None when missing."""
    value = float(value)
    if not math.isfinite(value):
        return None
    rounded = round(value, digits)
    return float(int(rounded)) if rounded == int(rounded) else rounded


def _fmt(value: float) -> str:
    number = plain_number(value, 1)
    if number is None:
        return "—"
    return f"{number:g}"


def plain_numbers(values: FloatArray | IntArray, digits: int = 2) -> list[float | None]:
    """:func:`plain_number` of every value, vectorised (the same numbers)."""
    r = (
        rounded(np.asarray(values, dtype=np.float64).ravel(), digits) + 0.0
    )  # + 0.0 turns -0.0 into 0.0, as int() does
    finite = np.isfinite(r)
    return [v if ok else None for v, ok in zip(r.tolist(), finite.tolist(), strict=True)]


def fmt_numbers(values: FloatArray | IntArray) -> list[str]:
    """Every value as the signals' texts write it (one decimal at most, "—" if missing)."""
    return ["—" if number is None else f"{number:g}" for number in plain_numbers(values, 1)]


def one_decimal_texts(values: FloatArray | IntArray) -> list[str]:
    """Every (finite) value with one decimal at most, "14" or "14.5", as the signals write
    scores (``str(int(r)) if r == int(r) else f"{r:.1f}"`` with ``r = round(x, 1)``)."""
    r = rounded(np.asarray(values, dtype=np.float64).ravel(), 1)
    whole = (np.isfinite(r) & (r == np.trunc(r))).tolist()
    return [str(int(v)) if w else f"{v:.1f}" for v, w in zip(r.tolist(), whole, strict=True)]


def _domains(alliance_row: FloatArray) -> dict[str, float | None]:
    return {name: plain_number(float(v)) for name, v in zip(DOMAINS, alliance_row, strict=True)}


# --------------------------------------------------------------------------------------------
# low alliance: one state per episode
# --------------------------------------------------------------------------------------------


def own_baseline(
    batch: EpisodeBatch, config: LowAllianceConfig = DEFAULT_LOW_ALLIANCE
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per episode: the mean of the first ``baseline_sessions`` rated totals, the fall that
    counts as reliable (1.96 · √(1 + 1/k) · max(own SD, floor); Jacobson & Truax 1991) and the
    client's own SD of those ratings (NaN until there are k ratings)."""
    _, count, packed = pack_cells(measured(batch), batch.alliance_total)
    return _baseline(count, packed, config)


def _baseline(
    count: IntArray, packed: FloatArray, config: LowAllianceConfig
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`own_baseline` from the packed ratings (:func:`pack_cells`) already at hand."""
    k = max(config.baseline_sessions, 1)
    n = count.shape[0]
    first = packed[:, :k] if packed.shape[1] >= k else np.full((n, k), np.nan)
    have = count >= k
    safe = np.where(have[:, None], first, 0.0)
    base = np.where(have, safe.mean(axis=1), np.nan)
    own_sd = np.where(have, safe.std(axis=1, ddof=1) if k > 1 else 0.0, np.nan)
    sd = np.fmax(own_sd, config.sd_floor)
    fall_by = config.fall_z * math.sqrt(1.0 + 1.0 / k) * sd
    return (
        np.asarray(base, dtype=np.float64),
        np.asarray(np.where(have, fall_by, np.nan), dtype=np.float64),
        np.asarray(own_sd, dtype=np.float64),
    )


@dataclass(frozen=True)
class LowAllianceRun:
    """One spell of low alliance: its first low session, the session where it became a state
    (persistence reached), the session where it ended (-1 while ongoing) — all as columns."""

    row: int
    start: int
    fired: int
    ended: int
    by_level: bool
    by_fall: bool


def low_alliance_runs(
    batch: EpisodeBatch, config: LowAllianceConfig = DEFAULT_LOW_ALLIANCE
) -> list[LowAllianceRun]:
    """The spells of low alliance of every episode, in order (see :class:`LowAllianceConfig`).

    A rated session is low when its total is at or below ``low_total_at_or_below`` or, after
    the baseline sessions, at least the reliable fall below the client's own baseline. A spell
    starts at the first of ``persist_sessions`` consecutive low rated sessions and ends after
    ``clear_sessions`` consecutive rated sessions that are clear of both thresholds by
    ``clear_margin`` (hysteresis). Sessions without complete feedback are skipped.
    """
    return _low_alliance(batch, config)[0]


def _low_alliance(
    batch: EpisodeBatch, config: LowAllianceConfig
) -> tuple[list[LowAllianceRun], FloatArray, FloatArray, FloatArray]:
    """:func:`low_alliance_runs` and the :func:`own_baseline` they were judged against (base,
    reliable fall, own SD), computed once."""
    n, t = batch.attendance.shape
    is_measured = measured(batch)
    order, count, packed = pack_cells(is_measured, batch.alliance_total)
    base, fall_by, own_sd = _baseline(count, packed, config)
    if n == 0 or t == 0:
        return [], base, fall_by, own_sd
    pos = np.arange(t)[None, :]
    inside = pos < count[:, None]
    after_base = inside & (pos >= config.baseline_sessions) & np.isfinite(base)[:, None]
    value = np.nan_to_num(packed, nan=np.inf)
    fall_line = np.nan_to_num(base - fall_by, nan=-np.inf)[:, None]
    level_low = inside & (value <= config.low_total_at_or_below + EPS)
    fallen = after_base & (value <= fall_line + EPS)
    low = level_low | fallen
    clear = (
        inside
        & (value > config.low_total_at_or_below + config.clear_margin - EPS)
        & ~(after_base & (value < fall_line + config.clear_margin - EPS))
    )

    on = np.zeros(n, dtype=bool)
    run_low = np.zeros(n, dtype=np.int64)
    run_clear = np.zeros(n, dtype=np.int64)
    start = np.zeros(n, dtype=np.int64)
    by_level = np.zeros(n, dtype=bool)
    by_fall = np.zeros(n, dtype=bool)
    current: dict[int, LowAllianceRun] = {}
    runs: list[LowAllianceRun] = []
    for p in range(t):
        off = ~on
        run_low = np.where(off & low[:, p], run_low + 1, np.where(off, 0, run_low))
        start = np.where(off & low[:, p] & (run_low == 1), p, start)
        by_level = np.where(off & (run_low == 1), False, by_level) | (off & level_low[:, p])
        by_fall = np.where(off & (run_low == 1), False, by_fall) | (off & fallen[:, p])
        fire = off & (run_low >= config.persist_sessions)
        for i in np.flatnonzero(fire).tolist():
            current[i] = LowAllianceRun(
                i, int(order[i, start[i]]), int(order[i, p]), -1, bool(by_level[i]),
                bool(by_fall[i]),
            )  # fmt: skip
        was_on = on & ~fire
        run_clear = np.where(was_on & clear[:, p], run_clear + 1, np.where(was_on, 0, run_clear))
        end = was_on & (run_clear >= config.clear_sessions)
        for i in np.flatnonzero(end).tolist():
            run = current.pop(i)
            runs.append(
                LowAllianceRun(i, run.start, run.fired, int(order[i, p]), run.by_level, run.by_fall)
            )
        on = (on | fire) & ~end
        run_low = np.where(end, 0, run_low)
        run_clear = np.where(end | fire, 0, run_clear)
    runs.extend(current.values())
    runs.sort(key=lambda r: (r.row, r.start))
    return runs, base, fall_by, own_sd


def detect_low_alliance(
    batch: EpisodeBatch, config: LowAllianceConfig = DEFAULT_LOW_ALLIANCE
) -> list[Signal]:
    """ "low_alliance": one state per spell of low session feedback, key
    ``low_alliance:from-s<N>`` (N = the spell's first low session).

    Rule (:func:`low_alliance_runs`, ``LowAllianceConfig``): at 2 consecutive rated sessions the
    total is at or below 28 of 40, or at least a reliable fall (≥ 4.5 points) below the mean of
    the client's first 3 ratings. Yellow while the spell lasts; a note ("info") once 2
    consecutive rated sessions are clear of both thresholds by 2 points. The signal keeps the
    session where the state began, so later sessions of the same spell update it and never
    open another. Sources: Flückiger et al. 2018; Duncan et al. 2003; Meier & Feeley 2022;
    Jacobson & Truax 1991 (docs/engine.md derives the thresholds).
    """
    runs, base, fall_by, own_sd = _low_alliance(batch, config)
    if not runs:
        return []
    rows = np.array([run.row for run in runs], dtype=np.int64)
    t = batch.columns
    totals = plain_numbers(batch.alliance_total[rows])  # row by row, t values each
    measured_rows = measured(batch)[rows].tolist()
    numbers = batch.session_number[rows].tolist()
    low_at = plain_number(config.low_total_at_or_below)
    low_text = _fmt(config.low_total_at_or_below)
    found: list[Signal] = []
    for k, (run, episode_id, base_n, sd_n, fall_n, base_t, fall_t) in enumerate(
        zip(
            runs,
            batch.episode_ids[rows].tolist(),
            plain_numbers(base[rows]),
            plain_numbers(own_sd[rows]),
            plain_numbers(fall_by[rows]),
            fmt_numbers(base[rows]),
            fmt_numbers(fall_by[rows]),
            strict=True,
        )
    ):
        row_numbers, row_measured = numbers[k], measured_rows[k]
        first = row_numbers[run.start]
        fired = row_numbers[run.fired]
        cols = [c for c in range(run.start, run.fired + 1) if row_measured[c]]
        shown = [totals[k * t + c] for c in cols]
        sessions = [row_numbers[c] for c in cols]
        ongoing = run.ended < 0
        reasons: list[str] = []
        if run.by_level:
            reasons.append(
                f"the totals were at or below {low_text} of 40 "
                "(a mean of 7 per question, where most sessions are rated 9 or 10)"
            )
        if run.by_fall:
            reasons.append(
                f"the totals fell at least {fall_t} points below this client's own "
                f"first ratings (mean {base_t})"
            )
        ev: dict[str, object] = {
            "from_session": first,
            "session": fired,
            "sessions": sessions,
            "totals": shown,
            "low_total_at_or_below": low_at,
            "own_baseline": base_n,
            "own_sd": sd_n,
            "reliable_fall": fall_n,
            "by_level": run.by_level,
            "by_fall": run.by_fall,
            "ongoing": ongoing,
        }
        if not ongoing:
            ev["back_to_usual_at_session"] = row_numbers[run.ended]
        text = (
            f"Since session {first} the session feedback has been low at "
            f"{len(cols)} rated sessions in a row ({', '.join(_fmt(float(v or 0)) for v in shown)}"
            " of 40): " + " and ".join(reasons) + ". A persistently low working relationship "
            "goes with poorer outcomes; it is worth asking the client what does not fit."
        )
        if not ongoing:
            text += (
                f" Since session {ev['back_to_usual_at_session']} the ratings are back to this "
                "client's usual level."
            )
        found.append(
            Signal(
                episode_id=episode_id,
                kind="low_alliance",
                severity="yellow" if ongoing else "info",
                session_number=fired,
                key=f"low_alliance:from-s{first}",
                title=(
                    "The session feedback has stayed low"
                    if ongoing
                    else "The session feedback was low for a while and has recovered"
                ),
                explanation=text,
                evidence=ev,
                source=LOW_ALLIANCE_SOURCE,
                actions=(INVITE_FEEDBACK, TALK_ABOUT_FIT),
            )
        )
    return found


# --------------------------------------------------------------------------------------------
# ruptures and repairs
# --------------------------------------------------------------------------------------------

#: How a rupture was repaired (``RuptureCourse.repaired_how``).
REPAIRED_BY_RATINGS, RESOLVED_IN_SESSION, CONFIRMED_LATER = 1, 2, 3


@dataclass(frozen=True, eq=False)
class RuptureCourse:
    """Session-by-session rupture and repair status of a batch; all arrays are (n, t).

    ``drop`` and ``tension`` are the two triggers; ``rupture`` marks the session where a
    distinct rupture began (a trigger while an earlier rupture is still open is the same
    rupture: ``continued``). ``baseline`` is the mean of the previous ``baseline_sessions``
    measured totals, ``sd`` the (floored) SD used, ``own_sd`` the client's own SD before
    flooring, ``history`` the number of earlier measured sessions, ``threshold`` =
    baseline - z·SD where a drop can be judged. At a rupture's first session: ``large`` (a drop
    of at least ``large_z`` SD), ``unresolved`` (the client said "not at all"/"partly"
    resolved), ``persists`` (the next rated session was still a trigger or at/below the
    threshold), ``repaired_at`` / ``unrepaired_at`` (the column where it was repaired / judged
    unrepaired, -1 otherwise; both -1 = still open) and ``repaired_how`` (1 ratings back,
    2 resolved in the session, 3 confirmed at a later session).
    """

    total: FloatArray
    baseline: FloatArray
    sd: FloatArray
    own_sd: FloatArray
    history: IntArray
    threshold: FloatArray
    drop: BoolArray
    tension: BoolArray
    rupture: BoolArray
    continued: BoolArray
    large: BoolArray
    unresolved: BoolArray
    persists: BoolArray
    alert_when_carried_on: bool
    repair_reference: FloatArray
    repaired_at: IntArray
    repaired_how: IntArray
    unrepaired_at: IntArray

    @property
    def repaired_by_client(self) -> BoolArray:
        return np.asarray(self.repaired_how >= RESOLVED_IN_SESSION)

    @property
    def alert(self) -> BoolArray:
        """Rupture cells that are worth an alert now: unresolved or large (or carried on into
        the next rated session, when so configured), and not (yet) repaired."""
        worth = self.unresolved | self.large
        if self.alert_when_carried_on:
            worth = worth | self.persists
        return np.asarray(self.rupture & worth & (self.repaired_at < 0))


def rupture_course(batch: EpisodeBatch, config: RuptureConfig = DEFAULT_RUPTURE) -> RuptureCourse:
    """Ruptures and their repair for every session of every episode.

    Trigger at session j (Stiles et al. 2004; Strauss et al. 2006; Muran et al. 2009):

    * **drop**: j is measured, there are at least ``min_history`` earlier measured sessions,
      and total_j <= baseline_j - z·SD_j, where baseline_j is the mean of the previous
      ``baseline_sessions`` measured totals and SD_j = max(within-person SD of all earlier
      measured totals, ``sd_floor``); or
    * **tension**: j was attended and the client answered the rupture item "a little" or "yes".

    A trigger opens a rupture unless one is still open: a sustained drop is one rupture. It is
    repaired (Eubanks, Muran & Safran 2018) at once when the client says the moment was
    resolved "mostly"/"completely" by the end of the session; later when a rated session
    within ``repair_window`` is back to >= baseline_j - repair_sd·SD_j (with no earlier
    measurement, the rupture session's own total stands in for the baseline) or when the client
    confirms it was talked through. Unrepaired: the ``repair_window`` rated sessions after j
    have passed without either; a later confirmation still repairs the latest unrepaired one.
    """
    n, t = batch.attendance.shape
    is_measured = measured(batch)
    total = np.asarray(np.where(is_measured, batch.alliance_total, np.nan), dtype=np.float64)
    _, _, packed = pack_cells(is_measured, total)

    # centre each row on its first measured total so the running sums stay small and exact
    offset = np.nan_to_num(packed[:, :1]) if t else np.zeros((n, 1))
    filled = np.nan_to_num(packed - offset)
    zeros = np.zeros((n, 1))
    cs1 = np.concatenate([zeros, np.cumsum(filled, axis=1)], axis=1)
    cs2 = np.concatenate([zeros, np.cumsum(filled**2, axis=1)], axis=1)
    upto = np.cumsum(is_measured, axis=1).astype(np.int64)  # measured at or before j
    prev = (upto - is_measured).astype(np.int64)  # measured strictly before j
    lo = np.maximum(prev - config.baseline_sessions, 0)
    used = prev - lo
    s1 = _take(cs1, prev)
    s2 = _take(cs2, prev)
    s1_lo = _take(cs1, lo)
    baseline = np.where(used > 0, (s1 - s1_lo) / np.maximum(used, 1) + offset, np.nan)
    var = (s2 - s1**2 / np.maximum(prev, 1)) / np.maximum(prev - 1, 1)
    sd_own = np.sqrt(np.maximum(var, 0.0))
    sd = np.where(prev >= 2, np.fmax(sd_own, config.sd_floor), config.sd_floor)
    sd = np.asarray(sd, dtype=np.float64)
    judged = is_measured & (prev >= max(config.min_history, 1))
    threshold = np.where(judged, baseline - config.z * sd, np.nan)
    value = np.nan_to_num(total, nan=np.inf)
    drop = judged & (value <= threshold + EPS)
    large = drop & (value <= baseline - config.large_z * sd + EPS)

    attended = batch.attended
    reported = np.nan_to_num(batch.rupture, nan=-1.0)
    tension = attended & (reported >= config.tension_at_least)
    trigger = drop | tension
    resolved = np.nan_to_num(batch.resolved, nan=-1.0)
    said_resolved = tension & (resolved >= config.resolved_at_least)
    said_unresolved = tension & (resolved >= 0) & (resolved < config.resolved_at_least)
    reference = np.where(used > 0, baseline, total) - config.repair_sd * sd
    confirmed = attended & (
        np.nan_to_num(batch.talked_through, nan=-1.0) >= config.confirmed_at_least
    )

    rupture = np.zeros((n, t), dtype=bool)
    continued = np.zeros((n, t), dtype=bool)
    persists = np.zeros((n, t), dtype=bool)
    repaired_at = np.full((n, t), -1, dtype=np.int64)
    repaired_how = np.zeros((n, t), dtype=np.int64)
    unrepaired_at = np.full((n, t), -1, dtype=np.int64)
    # Only episodes with a trigger ever open a rupture; the session-by-session walk runs over
    # them alone, on column-major copies (one contiguous row per session).
    rows = np.flatnonzero(trigger.any(axis=1))
    k = rows.size

    def by_session(a: BoolArray | FloatArray) -> NDArray[Any]:
        return np.ascontiguousarray(a[rows].T)

    measured_j, value_j, trigger_j = by_session(is_measured), by_session(value), by_session(trigger)
    confirmed_j, tension_j = by_session(confirmed), by_session(tension)
    said_resolved_j, reference_j = by_session(said_resolved), by_session(reference)
    line_j = by_session(np.nan_to_num(threshold, nan=-np.inf))
    rupture_j = np.zeros((t, k), dtype=bool)
    continued_j = np.zeros((t, k), dtype=bool)
    open_col = np.full(k, -1, dtype=np.int64)
    open_ref = np.full(k, np.nan)
    open_line = np.full(k, -np.inf)
    seen = np.zeros(k, dtype=np.int64)
    last_unrepaired = np.full(k, -1, dtype=np.int64)
    for j in range(t):
        was_open = open_col >= 0
        m = measured_j[j]
        advance = was_open & m
        seen = np.where(advance, seen + 1, seen)
        back = advance & (value_j[j] >= open_ref - EPS)
        confirm = was_open & confirmed_j[j]
        repaired = back | confirm
        first_after = advance & (seen == 1) & ~repaired
        still = first_after & (trigger_j[j] | (value_j[j] <= open_line + EPS))
        persists[rows[still], open_col[still]] = True
        continued_j[j] = was_open & trigger_j[j] & ~repaired
        repaired_at[rows[repaired], open_col[repaired]] = j
        how = np.where(back, REPAIRED_BY_RATINGS, CONFIRMED_LATER)
        repaired_how[rows[repaired], open_col[repaired]] = how[repaired]
        over = advance & ~repaired & (seen >= config.repair_window)
        unrepaired_at[rows[over], open_col[over]] = j
        last_unrepaired = np.where(over, open_col, last_unrepaired)
        late = ~was_open & confirmed_j[j] & (last_unrepaired >= 0)
        repaired_at[rows[late], last_unrepaired[late]] = j
        repaired_how[rows[late], last_unrepaired[late]] = CONFIRMED_LATER
        unrepaired_at[rows[late], last_unrepaired[late]] = -1
        last_unrepaired = np.where(late, -1, last_unrepaired)
        open_col = np.where(repaired | over, -1, open_col)

        # a trigger opens a rupture unless one is still open; in the session that repairs the
        # open one, only a newly reported tension opens another (low ratings there belong to
        # the old one)
        new = (trigger_j[j] & ~was_open) | (tension_j[j] & repaired)
        rupture_j[j] = new
        in_session = new & said_resolved_j[j]
        repaired_at[rows[in_session], j] = j
        repaired_how[rows[in_session], j] = RESOLVED_IN_SESSION
        opened = new & ~in_session
        open_col = np.where(opened, j, open_col)
        open_ref = np.where(opened, reference_j[j], open_ref)
        open_line = np.where(opened, line_j[j], open_line)
        seen = np.where(opened, 0, seen)
    rupture[rows] = rupture_j.T
    continued[rows] = continued_j.T

    return RuptureCourse(
        total=total,
        baseline=np.asarray(baseline, dtype=np.float64),
        sd=sd,
        own_sd=np.asarray(np.where(prev >= 2, sd_own, np.nan), dtype=np.float64),
        history=prev,
        threshold=np.asarray(threshold, dtype=np.float64),
        drop=np.asarray(drop),
        tension=np.asarray(tension),
        rupture=rupture,
        continued=continued,
        large=np.asarray(rupture & large),
        unresolved=np.asarray(rupture & said_unresolved),
        persists=persists,
        alert_when_carried_on=config.alert_when_carried_on,
        repair_reference=np.asarray(reference, dtype=np.float64),
        repaired_at=repaired_at,
        repaired_how=repaired_how,
        unrepaired_at=unrepaired_at,
    )


def ruptures(batch: EpisodeBatch, config: RuptureConfig = DEFAULT_RUPTURE) -> BoolArray:
    """(n, t): True where a distinct rupture began (a person-relative drop or client-reported
    tension, not inside an open rupture). The rule is :func:`rupture_course`'s (Stiles 2004;
    Strauss 2006; Muran 2009)."""
    return rupture_course(batch, config).rupture


def answer_code(codes: tuple[str, ...], value: float) -> str | None:
    """The answer code of a choice value (e.g. 2 -> "yes" in ``RUPTURE``), None if missing."""
    if not math.isfinite(value) or not 0 <= int(value) < len(codes):
        return None
    return codes[int(value)]


def answer_codes(codes: tuple[str, ...], values: FloatArray) -> list[str | None]:
    """:func:`answer_code` of every value, in bulk (the same answers, faster)."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    whole = np.trunc(np.where(np.isfinite(flat), flat, -1.0))  # int() truncates toward zero
    ok = (whole >= 0) & (whole < len(codes))
    index = np.where(ok, whole, 0).astype(np.int64).tolist()
    return [codes[k] if good else None for k, good in zip(index, ok.tolist(), strict=True)]


def _rupture_evidences(
    batch: EpisodeBatch,
    course: RuptureCourse,
    config: RuptureConfig,
    rows: IntArray,
    cols: IntArray,
) -> list[dict[str, object]]:
    """The evidence of the ruptures at cells (rows[k], cols[k]), gathered in bulk."""
    cell = (rows, cols)
    history = course.history[cell]
    baseline = plain_numbers(course.baseline[cell])
    sd_floor, z = plain_number(config.sd_floor), plain_number(config.z)
    return [
        {
            "session": session,
            "triggers": (["drop", "tension"] if tension else ["drop"])
            if drop
            else (["tension"] if tension else []),
            "total": total,
            "baseline": base if earlier > 0 else None,
            "baseline_sessions": used,
            "sd": sd,
            "own_sd": own_sd,
            "sd_floor": sd_floor,
            "z": z,
            "threshold": threshold,
            "earlier_measurements": earlier,
            "client_reported": reported,
            "resolved": resolved,
            "large": large,
            "unresolved": unresolved,
            "persists": persists,
        }
        for (
            session, drop, tension, total, base, earlier, used, sd, own_sd, threshold, reported,
            resolved, large, unresolved, persists,
        ) in zip(
            batch.session_number[cell].tolist(),
            course.drop[cell].tolist(),
            course.tension[cell].tolist(),
            plain_numbers(course.total[cell]),
            baseline,
            history.tolist(),
            np.minimum(history, config.baseline_sessions).astype(np.int64).tolist(),
            plain_numbers(course.sd[cell]),
            plain_numbers(course.own_sd[cell]),
            plain_numbers(course.threshold[cell]),
            answer_codes(RUPTURE, batch.rupture[cell]),
            answer_codes(RESOLVED, batch.resolved[cell]),
            course.large[cell].tolist(),
            course.unresolved[cell].tolist(),
            course.persists[cell].tolist(),
            strict=True,
        )
    ]  # fmt: skip


def _words(code: object) -> str:
    """An answer code as the words a client would read ("not_at_all" → "not at all")."""
    return str(code or "").replace("_", " ")


def detect_ruptures(
    batch: EpisodeBatch,
    config: RuptureConfig = DEFAULT_RUPTURE,
    course: RuptureCourse | None = None,
) -> list[Signal]:
    """ "rupture" at the first session of each distinct rupture; key ``rupture:s<N>``.

    Rule (:func:`rupture_course`): the session total is at or below the client's own baseline
    (mean of the previous 3 rated totals) minus 1 SD (own SD, at least 3 points, needs 2
    earlier ratings), or the client reported a moment of feeling misunderstood, uneasy or
    disconnected; while a rupture is open, further low sessions belong to it. Severity: a
    marker on the timeline ("info") unless the client said it was not (or only partly)
    resolved or the drop is large (2 SD) — then "yellow" until it is repaired. A rupture that
    persists past the repair window is the "unrepaired_rupture" alert
    (``RuptureConfig.alert_when_carried_on`` also alerts when it merely carries on into the
    next rated session). Sources: Stiles et al. 2004; Strauss et al. 2006; Muran et
    al. 2009; Eubanks, Muran & Safran 2018. ``course``: :func:`rupture_course` of ``batch``
    when the caller has it already (``evaluate`` shares one with the repair detectors).
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    course = course if course is not None else rupture_course(batch, config)
    rows, cols = np.nonzero(course.rupture)
    cell = (rows, cols)
    evidence = _rupture_evidences(batch, course, config, rows, cols)
    z, large_z = _fmt(config.z), _fmt(config.large_z)
    carried_on = config.alert_when_carried_on
    found: list[Signal] = []
    for (
        ev, episode_id, number, drop, tension, unresolved, large, persists, alert, how,
        repaired, total, baseline, sd, threshold,
    ) in zip(
        evidence,
        batch.episode_ids[rows].tolist(),
        batch.session_number[cell].tolist(),
        course.drop[cell].tolist(),
        course.tension[cell].tolist(),
        course.unresolved[cell].tolist(),
        course.large[cell].tolist(),
        course.persists[cell].tolist(),
        course.alert[cell].tolist(),
        course.repaired_how[cell].tolist(),
        (course.repaired_at[cell] >= 0).tolist(),
        fmt_numbers(course.total[cell]),
        fmt_numbers(course.baseline[cell]),
        fmt_numbers(course.sd[cell]),
        fmt_numbers(course.threshold[cell]),
        strict=True,
    ):  # fmt: skip
        parts: list[str] = []
        if drop:
            parts.append(
                f"the session feedback total ({total} of 40) fell to or "
                f"below the client's own recent level ({baseline}, the mean "
                f"of their previous {ev['baseline_sessions']} ratings) minus {z} × "
                f"their usual variation ({sd} points): "
                f"{threshold}"
            )
        if tension:
            said = _words(ev["client_reported"])
            parts.append(
                f'the client answered "{said}" to "Was there a moment you felt misunderstood, '
                'uneasy or disconnected?"'
            )
        why: list[str] = []
        if unresolved:
            why.append(f'the client said it was resolved "{_words(ev["resolved"])}" by the end')
        if large:
            why.append(f"the drop is large (at least {large_z} × the usual variation)")
        if persists and carried_on:
            why.append("it carried on into the next rated session")
        if alert:
            status = " It is worth an early conversation because " + " and ".join(why) + "."
        elif how == RESOLVED_IN_SESSION:
            status = (
                f' The client said it was resolved "{_words(ev["resolved"])}" by the end of the '
                "session."
            )
        elif repaired:
            status = " It has since been repaired."
        else:
            status = " For now it is a marker on the timeline."
        severity: Severity = "yellow" if alert else "info"
        found.append(
            Signal(
                episode_id=episode_id,
                kind="rupture",
                severity=severity,
                session_number=number,
                key=f"rupture:s{number}",
                title="Possible rupture in the working relationship",
                explanation=(
                    f"In session {number} " + "; and ".join(parts) + ". This can mark a rupture: "
                    "a strain in the collaboration or the bond between client and therapist. "
                    "Ruptures are common; talked about openly and repaired, they tend to go with "
                    "better outcomes." + status
                ),
                evidence=ev,
                source=RUPTURE_SOURCE,
                actions=(REPAIR_CONVERSATION, INVITE_FEEDBACK),
            )
        )
    return found


def detect_repairs(
    batch: EpisodeBatch,
    config: RuptureConfig = DEFAULT_RUPTURE,
    course: RuptureCourse | None = None,
) -> list[Signal]:
    """ "repair" (info, good news) and "unrepaired_rupture" (red) for each decided rupture.

    Rule (:func:`rupture_course`): repaired when, within the next 3 rated sessions, the total
    returns to at least baseline - 0.5·SD, or the client confirms at a later session that the
    moment was talked through; unrepaired when 3 rated sessions pass without either. A tension
    resolved within its own session is told by the rupture note itself (no separate repair).
    Keys ``repair:s<N>`` / ``unrepaired_rupture:s<N>`` with N the rupture session;
    ``session_number`` is the session where it was decided. Sources: Eubanks, Muran & Safran
    2018 (r = .29); Stiles et al. 2004; Muran et al. 2009. ``course``: as for
    :func:`detect_ruptures`.
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    course = course if course is not None else rupture_course(batch, config)
    found: list[Signal] = []
    later = (course.repaired_at >= 0) & (course.repaired_how != RESOLVED_IN_SESSION)
    decided = later | (course.unrepaired_at >= 0)
    rows, cols = np.nonzero(course.rupture & decided)
    cell = (rows, cols)
    evidence = _rupture_evidences(batch, course, config, rows, cols)
    repaired_at = course.repaired_at[cell]
    # the column where each was decided: repaired there, or judged unrepaired there
    where = (
        rows,
        np.maximum(np.where(repaired_at >= 0, repaired_at, course.unrepaired_at[cell]), 0),
    )
    repair_sd = _fmt(config.repair_sd)
    for (
        ev, i, j, episode_id, number, is_repaired, how, at, reference, reference_text,
        total_at, total_text, talked,
    ) in zip(
        evidence,
        rows.tolist(),
        cols.tolist(),
        batch.episode_ids[rows].tolist(),
        batch.session_number[cell].tolist(),
        (repaired_at >= 0).tolist(),
        course.repaired_how[cell].tolist(),
        batch.session_number[where].tolist(),
        plain_numbers(course.repair_reference[cell]),
        fmt_numbers(course.repair_reference[cell]),
        plain_numbers(course.total[where]),
        fmt_numbers(course.total[where]),
        answer_codes(TALKED_THROUGH, batch.talked_through[where]),
        strict=True,
    ):  # fmt: skip
        ev["rupture_session"] = number
        ev["repair_reference"] = reference
        ev["repair_window"] = config.repair_window
        if is_repaired:
            by_client = how == CONFIRMED_LATER
            ev["repair_session"] = at
            ev["repaired_by"] = "client" if by_client else "ratings"
            ev["repair_total"] = total_at
            said = (
                f"in session {at} the client said the difficult moment has been talked through "
                f'("{talked}")'
                if by_client
                else f"the session feedback came back to {total_text} of 40 in "
                f"session {at}, at or above {reference_text} (the earlier "
                f"level minus {repair_sd} × the usual variation)"
            )
            found.append(
                Signal(
                    episode_id=episode_id,
                    kind="repair",
                    severity="info",
                    session_number=at,
                    key=f"repair:s{number}",
                    title=f"The rupture of session {number} looks repaired",
                    explanation=(
                        f"After the possible rupture in session {number}, {said}. Repairing "
                        "ruptures is one of the strongest process links to good outcomes; it is "
                        "worth checking with the client that it feels resolved for them too."
                    ),
                    evidence=ev,
                    source=REPAIR_SOURCE,
                    actions=(ACKNOWLEDGE_PROGRESS, INVITE_FEEDBACK),
                )
            )
        else:
            u = int(course.unrepaired_at[i, j])
            after = course.total[i, j + 1 : u + 1]
            ev["judged_at_session"] = at
            ev["later_totals"] = [plain_number(v) for v in after[np.isfinite(after)]]
            found.append(
                Signal(
                    episode_id=episode_id,
                    kind="unrepaired_rupture",
                    severity="red",
                    session_number=at,
                    key=f"unrepaired_rupture:s{number}",
                    title=f"The rupture of session {number} has not been repaired",
                    explanation=(
                        f"Since the possible rupture in session {number}, "
                        f"{config.repair_window} rated sessions have passed and the session "
                        f"feedback has not come back to {reference_text} of "
                        "40, nor has the client said it was talked through. Unrepaired ruptures "
                        "go with poorer outcomes and with dropping out; naming the moment and "
                        "your part in it usually helps."
                    ),
                    evidence=ev,
                    source=REPAIR_SOURCE,
                    actions=(REPAIR_CONVERSATION, INVITE_FEEDBACK, REVIEW_IN_SUPERVISION),
                )
            )
    return found


def detect_repeated_ruptures(
    batch: EpisodeBatch,
    config: RuptureConfig = DEFAULT_RUPTURE,
    course: RuptureCourse | None = None,
) -> list[Signal]:
    """ "repeated_ruptures" (red), key ``repeated_ruptures``, once per episode.

    Rule: at least ``repeated_unrepaired`` (2) distinct ruptures judged unrepaired (a sustained
    drop is one rupture; repaired ones — by the ratings or by the client's word — never count).
    Fires at the session where the second was judged unrepaired. Sources: McLaughlin et al.
    2014; Eubanks, Muran & Safran 2018; Safran, Muran & Eubanks-Carter 2011. ``course``: as
    for :func:`detect_ruptures`.
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    course = course if course is not None else rupture_course(batch, config)
    unrepaired = course.unrepaired_at >= 0
    found: list[Signal] = []
    for i in np.flatnonzero(unrepaired.sum(axis=1) >= config.repeated_unrepaired).tolist():
        cells = np.flatnonzero(unrepaired[i])
        judged = sorted(int(course.unrepaired_at[i, k]) for k in cells)
        c = judged[config.repeated_unrepaired - 1]
        number = int(batch.session_number[i, c])
        unrep = [int(batch.session_number[i, k]) for k in cells if course.unrepaired_at[i, k] <= c]
        found.append(
            Signal(
                episode_id=int(batch.episode_ids[i]),
                kind="repeated_ruptures",
                severity="red",
                session_number=number,
                key="repeated_ruptures",
                title="Repeated ruptures: time to talk together about the fit",
                explanation=(
                    f"By session {number} {len(unrep)} separate ruptures (sessions "
                    f"{', '.join(map(str, unrep))}) have not been repaired: the session feedback "
                    "did not come back and the client did not say they were talked through. "
                    "Repeated strains that are not repaired suggest the therapy is not working "
                    "as it is: talk openly together about the fit and what the client needs. "
                    "Saying that it is not working is welcome, not a complaint — and, if the fit "
                    "does not improve, a warm referral to a colleague is a respectful option."
                ),
                evidence={
                    "session": number,
                    "unrepaired_sessions": unrep,
                    "unrepaired": len(unrep),
                    "unrepaired_at_least": config.repeated_unrepaired,
                },
                source=REPEATED_SOURCE,
                actions=(TALK_ABOUT_FIT, INVITE_FEEDBACK, WARM_REFERRAL, REVIEW_IN_SUPERVISION),
            )
        )
    return found
