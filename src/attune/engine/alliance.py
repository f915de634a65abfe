"""Session-alliance signals: low alliance, ruptures, repairs, unrepaired and repeated ruptures.

The alliance is measured by the Attune Session Feedback after each attended session: four 0-10
domains (bond, goals & topics, approach, overall; total 0-40), the rupture item ("Was there a
moment you felt misunderstood, uneasy or disconnected?" no / a little / yes), how much it was
resolved by the end of the session, and "Have you been thinking about stopping therapy?".

Only **attended sessions with complete feedback** (all four domains answered) count as alliance
measurements (:func:`measured`). Ratings are compared with the client's *own* earlier ratings,
because people use the scale differently; a person-relative drop is the V-pattern idea of Stiles
et al. (2004) and Strauss et al. (2006).

Sources (``/work/shared/reference/clinical-science.md``):

* Low alliance (total <= 36 of 40, or any domain below 9): SRS conventions, §3.5.
* Rupture as a person-relative drop (V-pattern): Stiles et al. (2004), *J Couns Psychol*
  51:81-92; Strauss et al. (2006), *J Consult Clin Psychol*; thresholds of 1 or 2 SD (§3.3, the
  platform rule there is an engineering proposal, not a published standard).
* Rupture and resolution reported by the client after the session (PSQ): Muran et al. (2009),
  *Psychotherapy* 46:233-248 (§3.2).
* Repair vs unrepaired ruptures and outcome, r = .29 (11 studies, 1,314 patients): Eubanks,
  Muran & Safran (2018), *Psychotherapy* 55:508-519 (§3.4).
* Unrepaired ruptures predict worse outcome (ruptures in 46 %, beta = .45): McLaughlin et al.
  (2014), *J Consult Clin Psychol* 82:112-121 (§3.3); repeated ruptures as a sign the therapy is
  not working: the product's source article on co-created therapy.

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from attune.engine.batch import (
    DOMAINS,
    NONE,
    RESOLVED,
    RUPTURE,
    BoolArray,
    EpisodeBatch,
    FloatArray,
    IntArray,
)
from attune.engine.signals import (
    ACKNOWLEDGE_PROGRESS,
    INVITE_FEEDBACK,
    REPAIR_CONVERSATION,
    REVIEW_IN_SUPERVISION,
    TALK_ABOUT_FIT,
    WARM_REFERRAL,
    Signal,
)

__all__ = [
    "DEFAULT_LOW_ALLIANCE",
    "DEFAULT_RUPTURE",
    "LowAllianceConfig",
    "RuptureConfig",
    "RuptureCourse",
    "answer_code",
    "detect_low_alliance",
    "detect_repairs",
    "detect_repeated_ruptures",
    "detect_ruptures",
    "is_low_alliance",
    "latest_column",
    "measured",
    "measured_totals",
    "pack_cells",
    "plain_number",
    "rupture_course",
    "ruptures",
]

#: Tolerance for comparisons of computed means and SDs with thresholds (boundary cases fire).
EPS = 1e-9

LOW_ALLIANCE_SOURCE = "SRS conventions (total ≤ 36 or any item below 9), clinical-science.md §3.5"
RUPTURE_SOURCE = (
    "Stiles et al. 2004; Strauss et al. 2006 (person-relative V-pattern); Muran et al. 2009 "
    "(client-reported rupture); Eubanks, Muran & Safran 2018 — clinical-science.md §3.2-3.4"
)
REPAIR_SOURCE = (
    "Eubanks, Muran & Safran 2018 (repair vs unrepaired ruptures, r = .29); Stiles et al. 2004; "
    "Muran et al. 2009 — clinical-science.md §3.3-3.4"
)
REPEATED_SOURCE = (
    "The product's source article on co-created therapy (repeated empathic failures); "
    "McLaughlin et al. 2014 (unrepaired ruptures predict worse outcome); Eubanks, Muran & "
    "Safran 2018 — clinical-science.md §3.3-3.4"
)


# --------------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LowAllianceConfig:
    """When session feedback counts as low.

    Defaults: a total at or below ``total_at_or_below = 36`` of 40, or any domain below
    ``domain_below = 9`` of 10 — the SRS conventions (clinical-science.md §3.5), as in the
    ``low`` rule of ``session-feedback-1.json``.
    """

    total_at_or_below: float = 36.0
    domain_below: float = 9.0


@dataclass(frozen=True)
class RuptureConfig:
    """Rupture, repair and repeated-rupture thresholds.

    Defaults and their sources (clinical-science.md §3.2-3.4):

    * ``baseline_sessions = 3``: the baseline is the mean of the previous 3 measured totals
      (the platform rule of §3.3 proposes 2-3).
    * ``z = 1.0``: a rupture is a total at or below baseline - z·SD; 1 SD is the sensitive,
      2 SD the specific threshold of the V-pattern studies (Stiles 2004, Strauss 2006; §3.3).
    * ``sd_floor = 3.0`` and ``min_history = 2``: the SD is the client's own SD over all
      earlier measured totals, never taken below 3 points; a drop needs at least 2 earlier
      measurements (short histories give unstable SDs; §3.3 "fall back when history is short").
      3 points rather than 2: on simulated caseloads a 2-point floor flagged 76 % of improvers
      at least once; 3 points flags 54 %, close to the 46-50 % of cases with ruptures in
      McLaughlin et al. 2014 and Stevens et al. 2007, and still finds every simulated rupture.
    * ``tension_at_least = 1``: the client-reported trigger is "a little" (1) or "yes" (2) on
      the rupture item (PSQ-type self-report, Muran 2009; §3.2).
    * ``repair_window = 3`` and ``repair_sd = 0.5``: repaired when one of the next 3 measured
      totals returns to at least baseline - 0.5·SD (set 0 for "back to baseline"), or the
      client says the moment was resolved ``resolved_at_least = 2`` ("mostly") or more by the
      end of the session (§3.3; Eubanks, Muran & Safran 2018).
    * ``repeated_unrepaired = 2``, ``repeated_ruptures = 3``, ``repeated_window = 8``: repeated
      ruptures are 2 unrepaired ruptures, or 3 ruptures within 8 attended sessions (product
      rule; McLaughlin 2014).
    """

    baseline_sessions: int = 3
    z: float = 1.0
    sd_floor: float = 3.0
    min_history: int = 2
    tension_at_least: int = 1
    repair_window: int = 3
    repair_sd: float = 0.5
    resolved_at_least: int = 2
    repeated_unrepaired: int = 2
    repeated_ruptures: int = 3
    repeated_window: int = 8


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


def is_low_alliance(
    alliance: FloatArray, config: LowAllianceConfig = DEFAULT_LOW_ALLIANCE
) -> tuple[BoolArray, BoolArray, BoolArray]:
    """For alliance ratings of shape (..., 4): (low, total low, some domain low).

    Missing ratings (NaN) are never low.
    """
    total = alliance.sum(axis=-1)
    total_low = np.asarray(np.isfinite(total) & (total <= config.total_at_or_below + EPS))
    domain_low = np.asarray(
        np.isfinite(total) & (np.nan_to_num(alliance, nan=np.inf) < config.domain_below).any(-1)
    )
    return np.asarray(total_low | domain_low), total_low, domain_low


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


def _domains(alliance_row: FloatArray) -> dict[str, float | None]:
    return {name: plain_number(float(v)) for name, v in zip(DOMAINS, alliance_row, strict=True)}


# --------------------------------------------------------------------------------------------
# low alliance
# --------------------------------------------------------------------------------------------


def detect_low_alliance(
    batch: EpisodeBatch, config: LowAllianceConfig = DEFAULT_LOW_ALLIANCE
) -> list[Signal]:
    """ "low_alliance" (yellow) when the **latest** session feedback is low.

    Rule: at the latest measured session (attended, all four domains answered) the total is at
    or below 36 of 40, or any domain is below 9 (SRS conventions, clinical-science.md §3.5;
    ``LowAllianceConfig``). Key ``low_alliance:s<N>`` (N = that session's number).
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    has, last = latest_column(measured(batch))
    rows = np.arange(batch.size)
    latest = batch.alliance[rows, last]
    low, total_low, domain_low = is_low_alliance(latest, config)
    found: list[Signal] = []
    for i in np.flatnonzero(has & low).tolist():
        j = int(last[i])
        number = int(batch.session_number[i, j])
        ratings = latest[i]
        total = float(ratings.sum())
        low_domains = [d for d, v in zip(DOMAINS, ratings, strict=True) if v < config.domain_below]
        reasons: list[str] = []
        if total_low[i]:
            reasons.append(
                f"the total is {_fmt(total)} of 40 (at or below {_fmt(config.total_at_or_below)})"
            )
        if domain_low[i]:
            listed = ", ".join(f"{d} {_fmt(float(ratings[DOMAINS.index(d)]))}" for d in low_domains)
            reasons.append(f"some domains are below {_fmt(config.domain_below)} ({listed})")
        found.append(
            Signal(
                episode_id=int(batch.episode_ids[i]),
                kind="low_alliance",
                severity="yellow",
                session_number=number,
                key=f"low_alliance:s{number}",
                title="Session feedback is lower than usual for a good working relationship",
                explanation=(
                    f"In the latest session feedback (session {number}) "
                    + " and ".join(reasons)
                    + ". By the conventions of session rating scales, a total at or below "
                    f"{_fmt(config.total_at_or_below)} or any domain below "
                    f"{_fmt(config.domain_below)} is worth talking about with the client: it "
                    "often means something in the session did not quite fit for them."
                ),
                evidence={
                    "session": number,
                    "total": plain_number(total),
                    "domains": _domains(ratings),
                    "low_domains": low_domains,
                    "total_low": bool(total_low[i]),
                    "domain_low": bool(domain_low[i]),
                    "total_at_or_below": plain_number(config.total_at_or_below),
                    "domain_below": plain_number(config.domain_below),
                },
                source=LOW_ALLIANCE_SOURCE,
                actions=(INVITE_FEEDBACK, TALK_ABOUT_FIT),
            )
        )
    return found


# --------------------------------------------------------------------------------------------
# ruptures and repairs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RuptureCourse:
    """Session-by-session rupture and repair status of a batch; all arrays are (n, t).

    ``drop`` and ``tension`` are the two triggers, ``rupture`` their union. ``baseline`` is the
    mean of the previous ``baseline_sessions`` measured totals, ``sd`` the (floored) SD used,
    ``own_sd`` the client's own SD before flooring (NaN with fewer than 2 earlier totals),
    ``history`` the number of earlier measured sessions, ``threshold`` = baseline - z·SD where
    a drop can be judged. ``repaired_at`` / ``unrepaired_at`` hold, for each rupture cell, the
    column where it was repaired / judged unrepaired (-1 otherwise; both -1 = still open).
    ``repaired_by_client`` marks repairs the client confirmed ("mostly"/"completely").
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
    repair_reference: FloatArray
    repaired_at: IntArray
    repaired_by_client: BoolArray
    unrepaired_at: IntArray


def rupture_course(batch: EpisodeBatch, config: RuptureConfig = DEFAULT_RUPTURE) -> RuptureCourse:
    """Ruptures and their repair for every session of every episode, vectorised.

    Rupture at session j (Stiles et al. 2004; Strauss et al. 2006; Muran et al. 2009):

    * **drop**: j is measured, there are at least ``min_history`` earlier measured sessions,
      and total_j <= baseline_j - z·SD_j, where baseline_j is the mean of the previous
      ``baseline_sessions`` measured totals and SD_j = max(within-person SD of all earlier
      measured totals, ``sd_floor``); or
    * **tension**: j was attended and the client answered the rupture item "a little" or "yes".

    Repair (Eubanks, Muran & Safran 2018; clinical-science.md §3.3): the client said the
    moment was resolved "mostly"/"completely" by the end of session j, or one of the next
    ``repair_window`` measured totals is >= baseline_j - repair_sd·SD_j (with no earlier
    measurement, the rupture session's own total stands in for the baseline). Unrepaired: the
    ``repair_window`` measured sessions after j have passed without either.
    """
    n, t = batch.attendance.shape
    cols = np.arange(t)[None, :]
    is_measured = measured(batch)
    total = np.asarray(np.where(is_measured, batch.alliance_total, np.nan), dtype=np.float64)
    order, count, packed = pack_cells(is_measured, total)

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
    drop = judged & (np.nan_to_num(total, nan=np.inf) <= threshold + EPS)

    reported = np.nan_to_num(batch.rupture, nan=-1.0)
    tension = batch.attended & (reported >= config.tension_at_least)
    rupture = np.asarray(drop | tension)

    # repair: the client's word at the session, or a later measured total back near baseline
    resolved = np.nan_to_num(batch.resolved, nan=-1.0)
    by_client = tension & (resolved >= config.resolved_at_least)
    reference = np.where(used > 0, baseline, total) - config.repair_sd * sd
    repaired_at = np.where(rupture & by_client, np.broadcast_to(cols, (n, t)), -1).astype(np.int64)
    for d in range(config.repair_window):
        q = upto + d  # packed index of the (d+1)-th measured session after j
        later = _take(packed, q)
        back = rupture & (repaired_at < 0) & (q < count[:, None])
        back &= np.nan_to_num(later, nan=-np.inf) >= reference - EPS
        repaired_at = np.where(
            back, _take(order.astype(np.float64), q).astype(np.int64), repaired_at
        )
    window_end = upto + config.repair_window - 1
    closed = (window_end < count[:, None]) & (config.repair_window > 0)
    unrepaired = rupture & (repaired_at < 0) & closed
    end_col = _take(order.astype(np.float64), window_end)
    unrepaired_at = np.where(unrepaired, np.nan_to_num(end_col, nan=-1.0), -1).astype(np.int64)
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
        repair_reference=np.asarray(reference, dtype=np.float64),
        repaired_at=repaired_at,
        repaired_by_client=np.asarray(rupture & by_client),
        unrepaired_at=unrepaired_at,
    )


def ruptures(batch: EpisodeBatch, config: RuptureConfig = DEFAULT_RUPTURE) -> BoolArray:
    """(n, t): True at sessions with a rupture (a person-relative drop or client-reported
    tension). The rule is :func:`rupture_course`'s (Stiles 2004; Strauss 2006; Muran 2009)."""
    return rupture_course(batch, config).rupture


def answer_code(codes: tuple[str, ...], value: float) -> str | None:
    """The answer code of a choice value (e.g. 2 -> "yes" in ``RUPTURE``), None if missing."""
    if not math.isfinite(value) or not 0 <= int(value) < len(codes):
        return None
    return codes[int(value)]


def _rupture_evidence(
    batch: EpisodeBatch, course: RuptureCourse, config: RuptureConfig, i: int, j: int
) -> dict[str, object]:
    triggers = [
        name for name, on in (("drop", course.drop[i, j]), ("tension", course.tension[i, j])) if on
    ]
    return {
        "session": int(batch.session_number[i, j]),
        "triggers": triggers,
        "total": plain_number(course.total[i, j]),
        "baseline": plain_number(course.baseline[i, j]) if course.history[i, j] > 0 else None,
        "baseline_sessions": int(min(course.history[i, j], config.baseline_sessions)),
        "sd": plain_number(course.sd[i, j]),
        "own_sd": plain_number(course.own_sd[i, j]),
        "sd_floor": plain_number(config.sd_floor),
        "z": plain_number(config.z),
        "threshold": plain_number(course.threshold[i, j]),
        "earlier_measurements": int(course.history[i, j]),
        "client_reported": answer_code(RUPTURE, float(batch.rupture[i, j])),
        "resolved": answer_code(RESOLVED, float(batch.resolved[i, j])),
    }


def detect_ruptures(batch: EpisodeBatch, config: RuptureConfig = DEFAULT_RUPTURE) -> list[Signal]:
    """ "rupture" (yellow) at every session with a rupture; key ``rupture:s<N>``.

    Rule (:func:`rupture_course`): the session total is at or below the client's own baseline
    (mean of the previous 3 measured totals) minus 1 SD (own SD, at least 2 points, needs 2
    earlier measurements), or the client reported a moment of feeling misunderstood, uneasy or
    disconnected ("a little"/"yes"). Sources: Stiles et al. 2004; Strauss et al. 2006; Muran et
    al. 2009; Eubanks, Muran & Safran 2018 (clinical-science.md §3.2-3.4).
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    course = rupture_course(batch, config)
    found: list[Signal] = []
    for i, j in np.argwhere(course.rupture).tolist():
        number = int(batch.session_number[i, j])
        ev = _rupture_evidence(batch, course, config, i, j)
        parts: list[str] = []
        if course.drop[i, j]:
            parts.append(
                f"the session feedback total ({_fmt(course.total[i, j])} of 40) fell to or "
                f"below the client's own recent level ({_fmt(course.baseline[i, j])}, the mean "
                f"of their previous {ev['baseline_sessions']} ratings) minus {_fmt(config.z)} × "
                f"their usual variation ({_fmt(course.sd[i, j])} points): "
                f"{_fmt(course.threshold[i, j])}"
            )
        if course.tension[i, j]:
            said = (answer_code(RUPTURE, float(batch.rupture[i, j])) or "").replace("_", " ")
            parts.append(
                f'the client answered "{said}" to "Was there a moment you felt misunderstood, '
                'uneasy or disconnected?"'
            )
        found.append(
            Signal(
                episode_id=int(batch.episode_ids[i]),
                kind="rupture",
                severity="yellow",
                session_number=number,
                key=f"rupture:s{number}",
                title="Possible rupture in the working relationship",
                explanation=(
                    f"In session {number} " + "; and ".join(parts) + ". This can mark a rupture: "
                    "a strain in the collaboration or the bond between client and therapist. "
                    "Ruptures are common; talked about openly and repaired, they tend to go with "
                    "better outcomes."
                ),
                evidence=ev,
                source=RUPTURE_SOURCE,
                actions=(REPAIR_CONVERSATION, INVITE_FEEDBACK),
            )
        )
    return found


def detect_repairs(batch: EpisodeBatch, config: RuptureConfig = DEFAULT_RUPTURE) -> list[Signal]:
    """ "repair" (info) and "unrepaired_rupture" (red) for each rupture whose window has closed.

    Rule (:func:`rupture_course`): repaired when, within the next 3 measured sessions, the
    total returns to at least baseline - 0.5·SD, or the client said the moment was resolved
    "mostly"/"completely"; unrepaired when 3 measured sessions pass without either. A rupture
    still inside its window yields neither. Keys ``repair:s<N>`` / ``unrepaired_rupture:s<N>``
    with N the rupture session; ``session_number`` is the session where it was decided.
    Sources: Eubanks, Muran & Safran 2018 (r = .29); Stiles et al. 2004; Muran et al. 2009.
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    course = rupture_course(batch, config)
    found: list[Signal] = []
    decided = (course.repaired_at >= 0) | (course.unrepaired_at >= 0)
    for i, j in np.argwhere(course.rupture & decided).tolist():
        number = int(batch.session_number[i, j])
        ev = _rupture_evidence(batch, course, config, i, j)
        ev["rupture_session"] = number
        ev["repair_reference"] = plain_number(course.repair_reference[i, j])
        ev["repair_window"] = config.repair_window
        if course.repaired_at[i, j] >= 0:
            r = int(course.repaired_at[i, j])
            at = int(batch.session_number[i, r])
            client = bool(course.repaired_by_client[i, j])
            ev["repair_session"] = at
            ev["repaired_by"] = "client" if client else "ratings"
            ev["repair_total"] = plain_number(course.total[i, r])
            how = (
                f'the client said it was resolved "{ev["resolved"]}" by the end of the session'
                if client
                else f"the session feedback came back to {_fmt(course.total[i, r])} of 40 in "
                f"session {at}, at or above {_fmt(course.repair_reference[i, j])} (the earlier "
                f"level minus {_fmt(config.repair_sd)} × the usual variation)"
            )
            found.append(
                Signal(
                    episode_id=int(batch.episode_ids[i]),
                    kind="repair",
                    severity="info",
                    session_number=at,
                    key=f"repair:s{number}",
                    title=f"The rupture of session {number} looks repaired",
                    explanation=(
                        f"After the possible rupture in session {number}, {how}. Repairing "
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
            at = int(batch.session_number[i, u])
            later = course.total[i, j + 1 : u + 1]
            ev["judged_at_session"] = at
            ev["later_totals"] = [plain_number(v) for v in later[np.isfinite(later)]]
            found.append(
                Signal(
                    episode_id=int(batch.episode_ids[i]),
                    kind="unrepaired_rupture",
                    severity="red",
                    session_number=at,
                    key=f"unrepaired_rupture:s{number}",
                    title=f"The rupture of session {number} has not been repaired",
                    explanation=(
                        f"Since the possible rupture in session {number}, "
                        f"{config.repair_window} rated sessions have passed and the session "
                        f"feedback has not come back to {_fmt(course.repair_reference[i, j])} of "
                        "40, nor has the client said it was resolved. Unrepaired ruptures go with "
                        "poorer outcomes and with dropping out; naming the moment and your part in "
                        "it usually helps."
                    ),
                    evidence=ev,
                    source=REPAIR_SOURCE,
                    actions=(REPAIR_CONVERSATION, INVITE_FEEDBACK, REVIEW_IN_SUPERVISION),
                )
            )
    return found


def detect_repeated_ruptures(
    batch: EpisodeBatch, config: RuptureConfig = DEFAULT_RUPTURE
) -> list[Signal]:
    """ "repeated_ruptures" (red), key ``repeated_ruptures``, once per episode.

    Rule: at least 2 unrepaired ruptures, or at least 3 ruptures within the last 8 attended
    sessions (``RuptureConfig``). Fires at the first session where this held, so later data
    leave it unchanged. Sources: the product's source article (repeated empathic failures mean
    the therapy is not working); McLaughlin et al. 2014; Eubanks, Muran & Safran 2018.
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    n, t = batch.attendance.shape
    course = rupture_course(batch, config)
    rows = np.broadcast_to(np.arange(n)[:, None], (n, t))
    judged = np.zeros((n, t), dtype=np.int64)
    cells = course.unrepaired_at >= 0
    np.add.at(judged, (rows[cells], course.unrepaired_at[cells]), 1)
    unrepaired_by = np.cumsum(judged, axis=1)

    attended = batch.attended
    seen = np.cumsum(attended, axis=1).astype(np.int64)
    _, _, packed = pack_cells(attended, course.rupture.astype(np.float64))
    ra = np.concatenate([np.zeros((n, 1)), np.cumsum(np.nan_to_num(packed), axis=1)], axis=1)
    start = np.maximum(seen - config.repeated_window, 0)
    recent = _take(ra, seen) - _take(ra, start)

    by_unrepaired = unrepaired_by >= config.repeated_unrepaired
    by_count = recent >= config.repeated_ruptures - EPS
    cond = (by_unrepaired | by_count) & (batch.attendance != NONE)
    found: list[Signal] = []
    has, first = np.asarray(cond.any(axis=1)), np.argmax(cond, axis=1)
    for i in np.flatnonzero(has).tolist():
        c = int(first[i])
        number = int(batch.session_number[i, c])
        att_cols = np.flatnonzero(attended[i, : c + 1])[-config.repeated_window :]
        in_window = [int(batch.session_number[i, k]) for k in att_cols if course.rupture[i, k]]
        unrep = [
            int(batch.session_number[i, k])
            for k in np.flatnonzero(cells[i])
            if 0 <= course.unrepaired_at[i, k] <= c
        ]
        triggers = [
            name
            for name, on in (("unrepaired", by_unrepaired[i, c]), ("frequent", by_count[i, c]))
            if on
        ]
        found.append(
            Signal(
                episode_id=int(batch.episode_ids[i]),
                kind="repeated_ruptures",
                severity="red",
                session_number=number,
                key="repeated_ruptures",
                title="Repeated ruptures: time to talk together about the fit",
                explanation=(
                    f"By session {number} there were {len(unrep)} unrepaired rupture(s)"
                    + (f" (sessions {', '.join(map(str, unrep))})" if unrep else "")
                    + f" and {len(in_window)} rupture(s) in the last {len(att_cols)} attended "
                    "sessions"
                    + (f" (sessions {', '.join(map(str, in_window))})" if in_window else "")
                    + f". The rule fires at {config.repeated_unrepaired} unrepaired ruptures or "
                    f"{config.repeated_ruptures} ruptures within {config.repeated_window} "
                    "sessions. Repeated strains that are not repaired suggest the therapy is not "
                    "working as it is: talk openly together about the fit and what the client "
                    "needs. The client can be encouraged to say so too — saying that it is not "
                    "working is welcome, not a complaint — and, if the fit does not improve, a "
                    "warm referral to a colleague is a respectful option."
                ),
                evidence={
                    "session": number,
                    "triggers": triggers,
                    "unrepaired_sessions": unrep,
                    "unrepaired": len(unrep),
                    "rupture_sessions_in_window": in_window,
                    "ruptures_in_window": len(in_window),
                    "window_sessions": config.repeated_window,
                    "unrepaired_at_least": config.repeated_unrepaired,
                    "ruptures_at_least": config.repeated_ruptures,
                },
                source=REPEATED_SOURCE,
                actions=(TALK_ABOUT_FIT, INVITE_FEEDBACK, WARM_REFERRAL, REVIEW_IN_SUPERVISION),
            )
        )
    return found
