"""Vectorised generation of symptom courses, attendance and session feedback by archetype.

One batch call generates every episode at once (rows = episodes, columns = sessions), so the same
code serves the demo practice (about 75 episodes) and benchmarks (100,000+ episodes).

Symptom model (PHQ-9 total, 0-27; GAD-7 follows it):

* a latent mean path per archetype, log-session shaped for responders (Finch, Lambert &
  Schaalje 2001: score ~ intake + b * log(session)), flat for non-responders, a saturating rise
  for deteriorators, and a step of 9.5-12.5 points for sudden gains (Tang & DeRubeis 1999);
* plus AR(1) "life" fluctuation (part of the latent truth), plus bounded measurement error on the
  observed, rounded total.

Archetype guarantees (checked, and noisy draws are re-drawn until they hold; a noise-free path
that satisfies them by construction is the last resort):

* deteriorator: latent total >= intake + 6 at the last session and at the planned end
  (when the episode has at least 5 sessions);
* as_if: latent within +-5 of intake throughout, observed never 6 or more below the first score;
* sudden_gain: Tang & DeRubeis criteria 1-3 between two consecutive observed sessions,
  with 3 observed sessions on each side, and no reversal;
* rupture_repaired: the alliance total at the rupture session is >= 3 below the mean of the
  earlier totals, and back within 1 point of that mean 1-3 sessions later;
* rupture_unrepaired: two such drops, and no recovery after the first one;
* as_if: every alliance rating after the first session is 10.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Int8Array = NDArray[np.int8]
Int16Array = NDArray[np.int16]
BoolArray = NDArray[np.bool_]

ARCHETYPES: tuple[str, ...] = (
    "improver",
    "slow_responder",
    "non_responder",
    "deteriorator",
    "rupture_repaired",
    "rupture_unrepaired",
    "as_if",
    "early_dropout",
    "no_show_pattern",
    "sudden_gain",
)
(
    IMPROVER,
    SLOW_RESPONDER,
    NON_RESPONDER,
    DETERIORATOR,
    RUPTURE_REPAIRED,
    RUPTURE_UNREPAIRED,
    AS_IF,
    EARLY_DROPOUT,
    NO_SHOW_PATTERN,
    SUDDEN_GAIN,
) = range(len(ARCHETYPES))

#: Share of each archetype in a routine-care caseload (order of ARCHETYPES).
ARCHETYPE_MIX: tuple[float, ...] = (0.28, 0.14, 0.10, 0.06, 0.10, 0.06, 0.06, 0.09, 0.06, 0.05)

#: Fewest past sessions at which an archetype shows its defining pattern.
MIN_SESSIONS: tuple[int, ...] = (3, 6, 5, 6, 7, 8, 7, 2, 6, 8)

ATTENDANCE: tuple[str, ...] = ("attended", "cancelled", "late_cancelled", "no_show", "scheduled")
ATTENDED, CANCELLED, LATE_CANCELLED, NO_SHOW, SCHEDULED = range(len(ATTENDANCE))
NONE = -1  # "no value" code in the int8 arrays

DOMAINS: tuple[str, ...] = ("bond", "goals", "approach", "overall")
RUPTURE: tuple[str, ...] = ("no", "a_little", "yes")
RESOLVED: tuple[str, ...] = ("not_at_all", "partly", "mostly", "completely")
STOPPING: tuple[str, ...] = ("no", "sometimes", "yes")
OUTCOMES: tuple[str, ...] = ("recovered", "improved", "unchanged", "deteriorated", "dropped_out")
RECOVERED, IMPROVED, UNCHANGED, DETERIORATED, DROPPED_OUT = range(len(OUTCOMES))

PHQ9_MAX = 27
GAD7_MAX = 21
RELIABLE_CHANGE_PHQ9 = 6.0
CASENESS_PHQ9 = 10.0
SUDDEN_GAIN_MIN = 7.0
TANG_DERUBEIS_T = 2.776445  # qt(0.975, 4): 3 sessions on each side

_MAX_REDRAWS = 60


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Courses:
    """A batch of generated episodes. Rows are episodes, columns sessions (0-based).

    ``n_sessions`` counts session rows including a trailing future ``scheduled`` session when
    ``future`` is set. Latent totals are defined for ``horizon.max()`` columns (the planned
    course), everything else for ``n_sessions.max()`` columns; cells past a row's end hold NaN or
    ``NONE``.
    """

    archetype: Int8Array  # (n,)
    n_sessions: IntArray  # (n,)
    n_past: IntArray  # (n,)
    horizon: IntArray  # (n,) planned number of sessions (>= n_sessions)
    attendance: Int8Array  # (n, T) codes into ATTENDANCE, NONE past the end
    true_phq9: FloatArray  # (n, H) latent totals over the planned course
    phq9: FloatArray  # (n, T) observed totals, NaN when not completed
    true_gad7: FloatArray  # (n, H)
    gad7: FloatArray  # (n, T)
    gain_index: IntArray  # (n,) column of the first post-gain session, -1 if none
    rupture_index: IntArray  # (n, 2) columns of the (first, second) rupture, -1 if none
    repair_index: IntArray  # (n,) column where a repaired rupture is back to baseline, -1
    feedback: BoolArray  # (n, T) post-session feedback given
    alliance: Int8Array  # (n, T, 4) 0..10 per DOMAINS, NONE without feedback
    rupture: Int8Array  # (n, T) codes into RUPTURE, NONE without feedback
    resolved: Int8Array  # (n, T) codes into RESOLVED, NONE when no rupture
    stopping: Int8Array  # (n, T) codes into STOPPING, NONE when not asked / no feedback
    outcome: Int8Array  # (n,) codes into OUTCOMES at the planned end


@dataclass(frozen=True, eq=False)
class SimulatedCourses:
    """PHQ-9 courses for benchmarks and accuracy studies (``simulate_phq9_courses``).

    All 2-D arrays are (n_episodes, max_sessions); column j is session j + 1.
    """

    observed: FloatArray  # observed PHQ-9 totals; NaN when missing or after the end
    true: FloatArray  # latent PHQ-9 totals; NaN after the end
    archetype: Int8Array  # codes into ARCHETYPES
    intake: FloatArray  # latent intake total (= true[:, 0])
    n_sessions: Int16Array  # sessions in the episode (scheduled ones, attended or not)
    attendance: Int8Array  # codes into ATTENDANCE; NONE after the end
    gad7_observed: FloatArray
    gad7_true: FloatArray
    gain_session: Int16Array  # 1-based number of the first post-gain session; 0 if none
    outcome: Int8Array  # codes into OUTCOMES (latent first vs last session)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> FloatArray:
    out: FloatArray = rng.uniform(lo, hi, int(n))
    return out


def _int_between(rng: np.random.Generator, lo: IntArray, hi: IntArray) -> IntArray:
    """One integer per row, uniform on [lo, hi] (hi clipped up to lo)."""
    hi = np.maximum(hi, lo)
    span = (hi - lo + 1).astype(np.float64)
    return lo + np.floor(rng.random(lo.shape[0]) * span).astype(np.int64)


def _window(cols: IntArray, start: IntArray, stop: IntArray, valid: BoolArray) -> BoolArray:
    """(n, T) mask of columns in [start, stop] for valid rows."""
    mask: BoolArray = (
        (cols[None, :] >= start[:, None]) & (cols[None, :] <= stop[:, None]) & valid[:, None]
    )
    return mask


def _ar1(rng: np.random.Generator, n: int, t: int, sd: FloatArray, rho: float) -> FloatArray:
    """AR(1) deviations starting at 0 in column 0, stationary SD ``sd`` per row."""
    out = np.zeros((n, t))
    if t <= 1:
        return out
    shocks = rng.standard_normal((n, t)) * (sd * np.sqrt(1.0 - rho * rho))[:, None]
    for j in range(1, t):
        out[:, j] = rho * out[:, j - 1] + shocks[:, j]
    return out


def _rows_take(a: FloatArray, col: IntArray) -> FloatArray:
    """a[i, col[i]] with col clipped into range."""
    c = np.clip(col, 0, a.shape[1] - 1)
    taken: FloatArray = a[np.arange(a.shape[0]), c]
    return taken


def classify_outcome(start: FloatArray, end: FloatArray) -> Int8Array:
    """Jacobson-Truax / NHS Talking Therapies categories on PHQ-9 totals (RC 6, caseness 10)."""
    change = end - start
    out = np.full(start.shape, UNCHANGED, dtype=np.int8)
    improved = change <= -RELIABLE_CHANGE_PHQ9
    out[improved] = IMPROVED
    out[improved & (start >= CASENESS_PHQ9) & (end < CASENESS_PHQ9)] = RECOVERED
    out[change >= RELIABLE_CHANGE_PHQ9] = DETERIORATED
    return out


def sample_intake(rng: np.random.Generator, archetype: Int8Array) -> FloatArray:
    """Latent intake PHQ-9: mostly 10-22, about 15 % sub-clinical (6-9)."""
    n = archetype.shape[0]
    clinical = np.clip(rng.normal(15.5, 3.8, n), 10.0, 22.5)
    sub = rng.uniform(6.0, 9.9, n)
    x0: FloatArray = np.where(rng.random(n) < 0.85, clinical, sub).astype(np.float64)
    # room to worsen reliably; room for a sudden gain of 7+ that is >= 25 % of the score
    x0 = np.where(archetype == DETERIORATOR, np.minimum(x0, _uniform(rng, 10.0, 15.5, n)), x0)
    x0 = np.where(archetype == SUDDEN_GAIN, np.maximum(x0, _uniform(rng, 14.0, 19.0, n)), x0)
    return np.round(x0, 2)


# --------------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------------


def _mean_paths(
    rng: np.random.Generator, arch: Int8Array, x0: FloatArray, gain: IntArray, h: int
) -> FloatArray:
    """Noise-free latent PHQ-9 path per row over h columns (column 0 == intake)."""
    n = arch.shape[0]
    t = np.arange(1, h + 1, dtype=np.float64)[None, :]  # session number
    logt = np.log(t)
    xc = x0[:, None]
    floor = _uniform(rng, 1.5, 5.0, n)[:, None]
    floor = np.minimum(floor, xc)

    r_imp = np.where(arch == RUPTURE_REPAIRED, _uniform(rng, 0.40, 0.75, n), 0.0)
    r_imp = np.where(arch == IMPROVER, _uniform(rng, 0.45, 0.80, n), r_imp)
    b_imp = (r_imp * x0 / np.log(12.0))[:, None]
    improver = np.maximum(xc - b_imp * logt, floor)

    t0 = _uniform(rng, 4.0, 8.0, n)[:, None]
    r_slow = _uniform(rng, 0.30, 0.55, n)[:, None]
    b_slow = r_slow * xc / np.log(20.0 / t0)
    slow = np.maximum(xc - 0.3 * logt - b_slow * np.log(np.maximum(1.0, t / t0)), floor)

    s_flat = _uniform(rng, -0.8, 0.8, n)
    s_flat = np.where(arch == RUPTURE_UNREPAIRED, _uniform(rng, -0.6, 1.3, n), s_flat)
    s_flat = np.where(arch == EARLY_DROPOUT, _uniform(rng, -1.5, 0.5, n), s_flat)
    flat = xc + s_flat[:, None] * logt

    g_det = _uniform(rng, 8.0, 10.5, n)[:, None]
    t_det = _uniform(rng, 4.0, 6.0, n)[:, None]
    deteriorate = xc + g_det * np.minimum(1.0, logt / np.log(t_det))

    s_asif = _uniform(rng, -1.2, 1.0, n)[:, None]
    as_if = xc + s_asif * np.minimum(1.0, (t - 1.0) / 10.0)

    r_ns = _uniform(rng, 0.0, 0.3, n)[:, None]
    no_show = xc - r_ns * xc * logt / np.log(20.0)

    drop = _uniform(rng, 9.5, 12.5, n)[:, None]
    g = np.maximum(gain, 1)[:, None].astype(np.float64)  # column of first post-gain session
    col = t - 1.0
    pre = xc - 0.4 * logt
    post = xc - 0.4 * np.log(g) - drop - 0.5 * np.log(np.maximum(1.0, col - g + 1.0))
    sudden = np.where(col < g, pre, np.maximum(post, 0.5))

    a = arch[:, None]
    path = np.select(
        [
            (a == IMPROVER) | (a == RUPTURE_REPAIRED),
            a == SLOW_RESPONDER,
            a == DETERIORATOR,
            a == AS_IF,
            a == NO_SHOW_PATTERN,
            a == SUDDEN_GAIN,
        ],
        [improver, slow, deteriorate, as_if, no_show, sudden],
        default=flat,
    )
    path[:, 0] = x0
    result: FloatArray = np.clip(path, 0.0, PHQ9_MAX)
    return result


def _draw_phq9(
    rng: np.random.Generator, arch: Int8Array, mean: FloatArray, t: int, noisy: bool
) -> tuple[FloatArray, FloatArray]:
    """Latent (n, H) and un-masked observed (n, T) totals for the given rows."""
    n, h = mean.shape
    wobble_sd = np.select([arch == AS_IF, arch == SUDDEN_GAIN], [0.5, 0.8], default=1.0)
    error_sd = np.where(arch == AS_IF, 0.6, 1.0)[:, None]
    if noisy:
        latent = np.clip(mean + _ar1(rng, n, h, wobble_sd, 0.5), 0.0, PHQ9_MAX)
        error = np.clip(rng.standard_normal((n, t)), -2.0, 2.0) * error_sd
    else:
        latent = mean.copy()
        error = np.zeros((n, t))
    observed = np.rint(np.clip(latent[:, :t] + error, 0.0, PHQ9_MAX))
    return latent, observed


def _phq9_ok(
    arch: Int8Array,
    latent: FloatArray,
    observed: FloatArray,
    present: BoolArray,
    n_sessions: IntArray,
    horizon: IntArray,
    gain: IntArray,
) -> BoolArray:
    """Rows whose draw satisfies their archetype guarantee."""
    n, h = latent.shape
    t = observed.shape[1]
    x0 = latent[:, 0]
    ok = np.ones(n, dtype=bool)

    det = (arch == DETERIORATOR) & (n_sessions >= 5)
    if det.any():
        end = _rows_take(latent, n_sessions - 1)
        planned = _rows_take(latent, horizon - 1)
        ok &= ~det | ((end - x0 >= RELIABLE_CHANGE_PHQ9) & (planned - x0 >= RELIABLE_CHANGE_PHQ9))

    asif = arch == AS_IF
    if asif.any():
        inside = np.arange(h)[None, :] < horizon[:, None]
        dev = np.where(inside, np.abs(latent - x0[:, None]), 0.0).max(axis=1)
        obs = np.where(present, observed, np.nan)
        first = np.where(present[:, 0], observed[:, 0], np.nan)
        with np.errstate(invalid="ignore"):
            drop = np.nan_to_num(first[:, None] - obs, nan=-np.inf).max(axis=1)
        ok &= ~asif | ((dev < 5.0) & (drop < RELIABLE_CHANGE_PHQ9))

    sg = (arch == SUDDEN_GAIN) & (gain >= 3)
    if sg.any():
        rows = np.arange(n)
        g = np.clip(gain, 3, t - 3)
        pre = np.stack([observed[rows, g - k] for k in (3, 2, 1)], axis=1)
        post = np.stack([observed[rows, g + k] for k in (0, 1, 2)], axis=1)
        delta = pre[:, 2] - post[:, 0]
        pooled = np.sqrt((pre.var(axis=1, ddof=1) + post.var(axis=1, ddof=1)) / 2.0)
        crit3 = pre.mean(axis=1) - post.mean(axis=1) > TANG_DERUBEIS_T * pooled
        latent_delta = latent[rows, g - 1] - latent[rows, g]
        after = np.arange(h)[None, :] >= g[:, None]
        inside = np.arange(h)[None, :] < horizon[:, None]
        post_max = np.where(after & inside, latent, -np.inf).max(axis=1)
        no_reversal = post_max <= latent[rows, g - 1] - 0.5 * latent_delta
        cond = (
            (delta >= SUDDEN_GAIN_MIN)
            & (delta >= 0.25 * pre[:, 2])
            & crit3
            & (latent_delta >= SUDDEN_GAIN_MIN)
            & no_reversal
        )
        ok &= ~sg | cond
    return ok


def _attendance(
    rng: np.random.Generator,
    arch: Int8Array,
    n_past: IntArray,
    future: BoolArray,
    t: int,
) -> Int8Array:
    n = arch.shape[0]
    cols = np.arange(t)[None, :]
    a = arch[:, None]
    p_att = np.full((n, t), 0.89)
    p_att = np.where(a == NON_RESPONDER, 0.86, p_att)
    p_att = np.where(a == RUPTURE_UNREPAIRED, 0.84, p_att)
    p_att = np.where(a == NO_SHOW_PATTERN, np.maximum(0.45, 0.74 - 0.02 * cols), p_att)
    # of the rest: cancelled / late_cancelled / no_show
    split = np.where(
        ((a == NO_SHOW_PATTERN) | (a == RUPTURE_UNREPAIRED))[:, :, None],
        np.array([0.2, 0.4, 0.4])[None, None, :],
        np.array([0.55, 0.25, 0.20])[None, None, :],
    )
    u = rng.random((n, t))
    v = rng.random((n, t))
    cum = np.cumsum(split, axis=-1)
    missed = (v[..., None] > cum).sum(axis=-1) + 1  # 1..3
    missed = np.minimum(missed, NO_SHOW)
    att = np.where(u < p_att, ATTENDED, missed).astype(np.int8)
    att[:, 0] = ATTENDED
    att[a.ravel() == AS_IF] = ATTENDED

    # early dropouts: 1-3 attended sessions, then no-shows (the last one sometimes cancelled)
    drop = arch == EARLY_DROPOUT
    if drop.any():
        k = _int_between(rng, np.ones(n, np.int64), np.clip(n_past - 1, 1, 3))
        tail = (cols >= k[:, None]) & drop[:, None]
        att = np.where(tail, np.int8(NO_SHOW), att)
        att = np.where((cols < k[:, None]) & drop[:, None], np.int8(ATTENDED), att)
        last_cancel = drop & (rng.random(n) < 0.3) & (n_past > k + 1)
        att = np.where(
            last_cancel[:, None] & (cols == (n_past - 1)[:, None]), np.int8(CANCELLED), att
        )

    att = np.where(cols >= n_past[:, None], np.int8(NONE), att)
    att = np.where(future[:, None] & (cols == n_past[:, None]), np.int8(SCHEDULED), att)
    result: Int8Array = att.astype(np.int8)
    return result


def generate_courses(
    rng: np.random.Generator,
    archetype: Int8Array,
    n_sessions: IntArray,
    *,
    future: BoolArray | None = None,
    horizon: IntArray | None = None,
    forced_attendance: Int8Array | None = None,
    forced_checkin: Int8Array | None = None,
    forced_feedback: Int8Array | None = None,
    intake: FloatArray | None = None,
    process: bool = True,
    alliance: str = "default",
) -> Courses:
    """Generate a batch of episodes.

    ``n_sessions``: session rows per episode (including the future one when ``future``).
    ``horizon``: planned number of sessions for the outcome (defaults to ``n_sessions``).
    ``forced_*``: (n, T) int8 overrides, ``NONE`` = leave alone; attendance takes an
    ATTENDANCE code, check-in/feedback 0 (absent) or 1 (present).
    ``intake``: latent intake PHQ-9 per row (NaN = sample one).
    ``process``: also generate alliance, rupture and stopping answers (the practice needs
    them; the PHQ-9 benchmark path does not).
    ``alliance``: how clients use the session-feedback scale — ``"default"`` (the yardstick:
    person means around 8.75 of 10 per domain) or ``"ceiling"`` (ratings crowd at the top of
    the scale as in routine care; see :data:`ALLIANCE_STYLES`).
    """
    if alliance not in ALLIANCE_STYLES:
        raise ValueError(f"alliance must be one of {sorted(ALLIANCE_STYLES)}")
    arch = np.asarray(archetype, dtype=np.int8)
    n = arch.shape[0]
    n_sessions = np.asarray(n_sessions, dtype=np.int64)
    if n == 0:
        raise ValueError("at least one episode is needed")
    if (n_sessions < 1).any():
        raise ValueError("every episode needs at least one session")
    fut = np.zeros(n, dtype=bool) if future is None else np.asarray(future, dtype=bool)
    n_past = n_sessions - fut.astype(np.int64)
    if (n_past < 1).any():
        raise ValueError("every episode needs at least one past session")
    hor = n_sessions.copy() if horizon is None else np.maximum(horizon, n_sessions)
    t = int(n_sessions.max())
    h = int(hor.max())
    cols = np.arange(t)

    # ---- events, placed within the past sessions --------------------------------------
    no_event = np.full(n, -1, dtype=np.int64)
    sg_ok = (arch == SUDDEN_GAIN) & (n_past >= 6)
    gain = np.where(sg_ok, _int_between(rng, np.full(n, 3), np.minimum(6, n_past - 3)), no_event)

    rr_ok = (arch == RUPTURE_REPAIRED) & (n_past >= 6)
    r_rep = _int_between(rng, np.full(n, 3), np.minimum(7, n_past - 3))
    k_rep = _int_between(rng, np.ones(n, np.int64), np.clip(n_past - 2 - r_rep, 1, 3))
    r_rep = np.where(rr_ok, r_rep, no_event)
    repair = np.where(rr_ok, r_rep + k_rep, no_event)

    ru_ok = (arch == RUPTURE_UNREPAIRED) & (n_past >= 7)
    r1 = _int_between(rng, np.full(n, 3), np.minimum(5, n_past - 4))
    r2 = r1 + _int_between(rng, np.full(n, 2), np.clip(n_past - 2 - r1, 2, 4))
    r1 = np.where(ru_ok, r1, no_event)
    r2 = np.where(ru_ok, r2, no_event)
    first_rupture = np.where(rr_ok, r_rep, r1)
    rupture_index = np.stack([first_rupture, r2], axis=1)

    # sessions that must be attended with data for the pattern to be observable
    key_window = (
        _window(cols, gain - 3, gain + 2, sg_ok)
        | _window(cols, r_rep - 3, repair, rr_ok)
        | _window(cols, r1 - 3, r2 + 1, ru_ok)
    ) & (cols[None, :] < n_past[:, None])

    # ---- attendance, check-ins, feedback -------------------------------------------------
    att = _attendance(rng, arch, n_past, fut, t)
    att = np.where(key_window, np.int8(ATTENDED), att)
    past = cols[None, :] < n_past[:, None]
    if forced_attendance is not None:
        fa = np.asarray(forced_attendance, dtype=np.int8)[:, :t]
        att = np.where((fa != NONE) & past, fa, att)
    attended = att == ATTENDED

    checkin = attended & (
        rng.random((n, t)) < np.where(arch == NO_SHOW_PATTERN, 0.85, 0.91)[:, None]
    )
    checkin |= attended & ((cols[None, :] == 0) | (arch == AS_IF)[:, None] | key_window)
    if forced_checkin is not None:
        fc = np.asarray(forced_checkin, dtype=np.int8)[:, :t]
        checkin = np.where(fc == NONE, checkin, (fc == 1) & attended)
    gad_present = checkin & ((rng.random((n, t)) > 0.04) | (cols[None, :] == 0))

    fb_p = np.where(arch == NO_SHOW_PATTERN, 0.78, 0.9)[:, None]
    feedback = attended & (rng.random((n, t)) < fb_p)
    feedback |= attended & ((arch == AS_IF)[:, None] | key_window)
    if forced_feedback is not None:
        ff = np.asarray(forced_feedback, dtype=np.int8)[:, :t]
        feedback = np.where(ff == NONE, feedback, (ff == 1) & attended)

    # ---- PHQ-9 ---------------------------------------------------------------------------
    x0 = sample_intake(rng, arch)
    if intake is not None:
        given = np.asarray(intake, dtype=np.float64)
        x0 = np.where(np.isnan(given), x0, np.clip(given, 0.0, PHQ9_MAX))
    mean = _mean_paths(rng, arch, x0, gain, h)
    latent, observed = _draw_phq9(rng, arch, mean, t, noisy=True)
    bad = ~_phq9_ok(arch, latent, observed, checkin, n_sessions, hor, gain)
    for attempt in range(_MAX_REDRAWS + 1):
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        lat, obs = _draw_phq9(rng, arch[idx], mean[idx], t, noisy=attempt < _MAX_REDRAWS)
        latent[idx] = lat
        observed[idx] = obs
        bad[idx] = ~_phq9_ok(
            arch[idx], lat, obs, checkin[idx], n_sessions[idx], hor[idx], gain[idx]
        )
    phq9 = np.where(checkin, observed, np.nan)

    # ---- GAD-7: shares most of the PHQ-9 change ------------------------------------------
    g0 = np.clip(0.72 * x0 + rng.normal(0.0, 2.5, n), 1.0, GAD7_MAX)
    k = _uniform(rng, 0.5, 0.85, n)
    gad_latent = g0[:, None] + k[:, None] * (latent - x0[:, None])
    gad_latent = np.clip(gad_latent + _ar1(rng, n, h, np.full(n, 0.8), 0.5), 0.0, GAD7_MAX)
    gad_latent[:, 0] = g0
    gad_err = np.clip(rng.standard_normal((n, t)), -2.0, 2.0) * 0.9
    gad7 = np.where(gad_present, np.rint(np.clip(gad_latent[:, :t] + gad_err, 0, GAD7_MAX)), np.nan)

    # ---- outcome at the planned end -------------------------------------------------------
    outcome = classify_outcome(latent[:, 0], _rows_take(latent, hor - 1))
    outcome[arch == EARLY_DROPOUT] = DROPPED_OUT

    # ---- alliance and the rupture / stopping answers --------------------------------------
    if process:
        ratings, rupture, resolved, stopping = _process(
            rng, arch, feedback, n_past, r_rep, repair, r1, r2, ALLIANCE_STYLES[alliance]
        )
    else:
        ratings = np.full((n, t, len(DOMAINS)), NONE, dtype=np.int8)
        rupture = np.full((n, t), NONE, dtype=np.int8)
        resolved = rupture.copy()
        stopping = rupture.copy()

    return Courses(
        archetype=arch,
        n_sessions=n_sessions,
        n_past=n_past,
        horizon=hor,
        attendance=att.astype(np.int8),
        true_phq9=latent,
        phq9=phq9,
        true_gad7=gad_latent,
        gad7=gad7,
        gain_index=gain,
        rupture_index=rupture_index,
        repair_index=repair,
        feedback=feedback,
        alliance=ratings,
        rupture=rupture,
        resolved=resolved,
        stopping=stopping,
        outcome=outcome,
    )


# --------------------------------------------------------------------------------------------
# alliance ("session feedback") and the rupture / stopping items
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllianceStyle:
    """How a simulated caseload uses the 0-10 session-feedback scale.

    ``mean``/``sd``/``low``/``high``: the person's usual rating per domain (normal, clipped);
    ``dropout_*`` the same for early dropouts; ``domain_sd``, ``session_sd``, ``item_sd``: the
    person's domain offsets, session-to-session and item noise (before rounding and clipping
    to 0-10). Values above 10 are clipped, so a mean near 10 piles ratings up at the ceiling.
    """

    mean: float
    sd: float
    low: float
    high: float
    dropout_mean: float
    dropout_sd: float
    dropout_low: float
    dropout_high: float
    domain_sd: float
    session_sd: float
    item_sd: float


#: ``default``: the yardstick of every published figure (person means 8.75 ± 0.65 per domain).
#: ``ceiling``: ratings crowd at the top as in routine care — SRS/WAI item means about 8.5-9
#: of 10 with large ceiling effects that grow over sessions and a small within-client spread
#: (Duncan et al. 2003; Meier & Feeley 2022; clinical-science.md §3.5). Person means are drawn
#: around 9.3 before clipping: about half of all domain ratings are 10, the observed mean is
#: about 9.1 per domain (total ≈ 36) and a client's total varies by about 1.2 points (SD) from
#: session to session (default: 8.7, 29 % at 10, 1.7 points).
ALLIANCE_STYLES: dict[str, AllianceStyle] = {
    "default": AllianceStyle(8.75, 0.65, 6.8, 9.9, 7.6, 0.7, 5.5, 9.0, 0.3, 0.3, 0.4),
    "ceiling": AllianceStyle(9.3, 0.9, 6.5, 10.6, 8.2, 0.9, 5.5, 9.8, 0.25, 0.2, 0.25),
}


def _alliance_draw(
    rng: np.random.Generator,
    level: FloatArray,
    arch: Int8Array,
    noisy: bool,
    style: AllianceStyle = ALLIANCE_STYLES["default"],
) -> FloatArray:
    """Ratings (n, T, 4) as floats 0..10 from a per-session level (n, T)."""
    n, t = level.shape
    if noisy:
        domain = rng.normal(0.0, style.domain_sd, (n, 1, len(DOMAINS)))
        session = rng.normal(0.0, style.session_sd, (n, t, 1))
        item = rng.normal(0.0, style.item_sd, (n, t, len(DOMAINS)))
        raw = level[:, :, None] + domain + session + item
    else:
        raw = np.repeat(level[:, :, None], len(DOMAINS), axis=2)
    ratings = np.clip(np.rint(raw), 0.0, 10.0)
    asif = arch == AS_IF
    if asif.any():
        first = np.where(rng.random((n, len(DOMAINS))) < 0.3, 9.0, 10.0)
        ratings[asif] = 10.0
        ratings[asif, 0, :] = first[asif]
    result: FloatArray = ratings
    return result


def _mean_between(totals: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """Row-wise mean of the non-missing totals in columns [lo, hi)."""
    cols = np.arange(totals.shape[1])[None, :]
    inside = (cols >= lo[:, None]) & (cols < hi[:, None]) & ~np.isnan(totals)
    count = inside.sum(axis=1)
    sums = np.where(inside, totals, 0.0).sum(axis=1)
    mean: FloatArray = np.where(count > 0, sums / np.maximum(count, 1), np.nan)
    return mean


def _alliance_ok(
    totals: FloatArray, r_rep: IntArray, repair: IntArray, r1: IntArray, r2: IntArray,
    n_past: IntArray,
) -> BoolArray:  # fmt: skip
    """A drop is >= 3 below both the mean of all earlier totals and of the previous three."""
    n, t = totals.shape
    rows = np.arange(n)
    zero = np.zeros(n, dtype=np.int64)
    ok = np.ones(n, dtype=bool)
    rr = r_rep >= 0
    if rr.any():
        base = _mean_between(totals, zero, r_rep)
        base3 = _mean_between(totals, r_rep - 3, r_rep)
        at = totals[rows, np.clip(r_rep, 0, t - 1)]
        back = totals[rows, np.clip(repair, 0, t - 1)]
        cond = (at <= np.minimum(base, base3) - 3.0) & (back >= base - 1.0)
        ok &= ~rr | cond
    ru = r1 >= 0
    if ru.any():
        base1 = _mean_between(totals, zero, r1)
        base1_3 = _mean_between(totals, r1 - 3, r1)
        at1 = totals[rows, np.clip(r1, 0, t - 1)]
        base2 = _mean_between(totals, r2 - 3, r2)
        at2 = totals[rows, np.clip(r2, 0, t - 1)]
        cols = np.arange(t)[None, :]
        later = (cols > r1[:, None]) & (cols < n_past[:, None]) & ~np.isnan(totals)
        stays = np.where(later, totals, -1.0).max(axis=1)
        cond = (
            (at1 <= np.minimum(base1, base1_3) - 3.0)
            & (at2 <= base2 - 3.0)
            & (stays <= base1 - 3.0)
        )
        ok &= ~ru | cond
    return ok


def _process(
    rng: np.random.Generator,
    arch: Int8Array,
    feedback: BoolArray,
    n_past: IntArray,
    r_rep: IntArray,
    repair: IntArray,
    r1: IntArray,
    r2: IntArray,
    style: AllianceStyle = ALLIANCE_STYLES["default"],
) -> tuple[Int8Array, Int8Array, Int8Array, Int8Array]:
    n, t = feedback.shape
    cols = np.arange(t)[None, :]
    a = arch[:, None]
    c = cols.astype(np.float64)

    # person-specific baseline near the ceiling
    mu = np.clip(rng.normal(style.mean, style.sd, n), style.low, style.high)
    dropout_mu = rng.normal(style.dropout_mean, style.dropout_sd, n)
    mu = np.where(
        arch == EARLY_DROPOUT, np.clip(dropout_mu, style.dropout_low, style.dropout_high), mu
    )
    level = np.repeat(mu[:, None], t, axis=1)
    grows = (a == IMPROVER) | (a == SLOW_RESPONDER) | (a == SUDDEN_GAIN) | (a == RUPTURE_REPAIRED)
    level = level + np.where(grows, 0.35 * np.minimum(1.0, c / 6.0), 0.0)
    level = level - np.where(a == NON_RESPONDER, np.minimum(1.8, 0.07 * c), 0.0)
    level = level - np.where(a == NO_SHOW_PATTERN, np.minimum(3.0, 0.11 * c), 0.0)
    level = level - np.where(a == DETERIORATOR, np.minimum(1.5, 0.05 * c), 0.0)
    level = level - np.where(a == RUPTURE_UNREPAIRED, np.minimum(1.0, 0.03 * c), 0.0)

    # small, self-reported tensions now and then (always resolved)
    minor = (rng.random((n, t)) < 0.03) & (a != AS_IF) & (cols > 0)
    level = level - 0.5 * minor

    # repaired rupture: V shape back to baseline within 1-3 sessions (small post-repair boost)
    rr = (r_rep >= 0)[:, None]
    depth = _uniform(rng, 2.0, 3.0, n)[:, None]
    k = (repair - r_rep)[:, None]
    since = cols - r_rep[:, None]
    v_shape = np.where(since == 0, -depth, 0.0)
    partial = (since > 0) & (since < k)
    v_shape = np.where(partial, -depth * (1.0 - since / np.maximum(k, 1)) * 0.6, v_shape)
    v_shape = np.where(since >= k, 0.2, v_shape)
    level = level + np.where(rr, v_shape, 0.0)

    # unrepaired ruptures: two drops that stay low
    ru = (r1 >= 0)[:, None]
    d1 = _uniform(rng, 2.0, 2.8, n)[:, None]
    d2 = _uniform(rng, 2.2, 3.2, n)[:, None]
    steps = np.where(cols == r1[:, None], -d1, 0.0)
    steps = np.where((cols > r1[:, None]) & (cols < r2[:, None]), -1.6, steps)
    steps = np.where(cols == r2[:, None], -1.6 - d2, steps)
    steps = np.where(cols > r2[:, None], -2.4, steps)
    level = level + np.where(ru, steps, 0.0)

    ratings = _alliance_draw(rng, level, arch, noisy=True, style=style)
    totals = np.where(feedback, ratings.sum(axis=2), np.nan)
    bad = ~_alliance_ok(totals, r_rep, repair, r1, r2, n_past)
    for attempt in range(_MAX_REDRAWS + 1):
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        redraw = _alliance_draw(
            rng, level[idx], arch[idx], noisy=attempt < _MAX_REDRAWS, style=style
        )
        ratings[idx] = redraw
        tot = np.where(feedback[idx], redraw.sum(axis=2), np.nan)
        totals[idx] = tot
        bad[idx] = ~_alliance_ok(tot, r_rep[idx], repair[idx], r1[idx], r2[idx], n_past[idx])
    alliance = np.where(feedback[:, :, None], ratings, NONE).astype(np.int8)

    # ---- rupture self-report ------------------------------------------------------------
    u = rng.random((n, t))
    rupture = np.zeros((n, t), dtype=np.int8)
    rupture = np.where(minor, np.int8(1), rupture)
    resolved = np.where(minor, np.where(u < 0.5, 2, 3), NONE).astype(np.int8)

    drift = ((a == NON_RESPONDER) | (a == NO_SHOW_PATTERN)) & (cols > 4) & (u < 0.08)
    rupture = np.where(drift, np.int8(1), rupture)
    resolved = np.where(drift, np.where(u < 0.04, 1, 2), resolved).astype(np.int8)

    v = rng.random((n, t))
    at_rep = rr & (since == 0)
    rupture = np.where(at_rep, np.where(v < 0.7, 2, 1), rupture).astype(np.int8)
    resolved = np.where(at_rep, np.where(v < 0.35, 3, 2), resolved).astype(np.int8)
    echo = rr & partial & (v < 0.5)
    rupture = np.where(echo, np.int8(1), rupture)
    resolved = np.where(echo, np.where(v < 0.25, 3, 2), resolved).astype(np.int8)

    at_unrep = ru & ((cols == r1[:, None]) | (cols == r2[:, None]))
    rupture = np.where(at_unrep, np.where(v < 0.6, 2, 1), rupture).astype(np.int8)
    resolved = np.where(at_unrep, np.where(v < 0.5, 0, 1), resolved).astype(np.int8)
    lingering = ru & (cols > r1[:, None]) & ~at_unrep & (v < 0.35)
    rupture = np.where(lingering, np.int8(1), rupture)
    resolved = np.where(lingering, np.where(v < 0.15, 0, 1), resolved).astype(np.int8)

    # once the alliance is broken, nothing feels resolved any more
    after_first = ru & (cols >= r1[:, None]) & (rupture > 0)
    resolved = np.where(after_first, np.minimum(resolved, 1), resolved).astype(np.int8)
    rupture = np.where(a == AS_IF, np.int8(0), rupture)
    resolved = np.where((rupture == 0) | ~feedback, np.int8(NONE), resolved)
    rupture = np.where(feedback, rupture, np.int8(NONE))

    # ---- "are you thinking of stopping?" -------------------------------------------------
    w = rng.random((n, t))
    stopping = np.where(rng.random((n, t)) < 0.08, NONE, 0).astype(np.int8)
    late_unrep = ru & (cols >= r2[:, None])
    mid_unrep = ru & (cols > r1[:, None]) & (cols < r2[:, None])
    stopping = np.where(late_unrep, np.select([w < 0.3, w < 0.8], [2, 1], 0), stopping)
    stopping = np.where(mid_unrep & (w < 0.2), 1, stopping)
    stopping = np.where((a == NO_SHOW_PATTERN) & (cols >= 5) & (w < 0.3), 1, stopping)
    stopping = np.where((a == NON_RESPONDER) & (cols >= 8) & (w < 0.15), 1, stopping)
    stopping = np.where((a == DETERIORATOR) & (cols >= 4) & (w < 0.15), 1, stopping)
    stopping = np.where((a == EARLY_DROPOUT) & (cols >= 1) & (w < 0.4), 1, stopping)
    stopping = np.where(a == AS_IF, 0, stopping)
    stopping = np.where((cols == 0) | ~feedback, NONE, stopping).astype(np.int8)
    return alliance, rupture, resolved, stopping


# --------------------------------------------------------------------------------------------
# the benchmark path
# --------------------------------------------------------------------------------------------


def simulate_phq9_courses(
    n_episodes: int, max_sessions: int = 20, seed: int = 0
) -> SimulatedCourses:
    """Simulate ``n_episodes`` PHQ-9 courses with known truth, vectorised.

    Archetypes follow ``ARCHETYPE_MIX``. About 60 % of the episodes run the full
    ``max_sessions``; the rest end earlier (but not before the archetype shows its pattern).
    Early dropouts have 1-3 attended sessions and one or two no-shows.
    """
    if n_episodes < 1:
        raise ValueError("n_episodes must be at least 1")
    if max_sessions < 2:
        raise ValueError("max_sessions must be at least 2")
    rng = np.random.default_rng(seed)
    arch = rng.choice(len(ARCHETYPES), size=n_episodes, p=np.array(ARCHETYPE_MIX)).astype(np.int8)
    minimum = np.minimum(np.array(MIN_SESSIONS, dtype=np.int64)[arch], max_sessions)
    shorter = _int_between(rng, minimum, np.full(n_episodes, max_sessions))
    length = np.where(rng.random(n_episodes) < 0.6, max_sessions, shorter)
    dropout_len = _int_between(rng, np.full(n_episodes, 2), np.full(n_episodes, 5))
    length = np.where(arch == EARLY_DROPOUT, np.minimum(dropout_len, max_sessions), length)

    c = generate_courses(rng, arch, length, process=False)
    t = max_sessions
    inside = np.arange(t)[None, :] < length[:, None]

    def widen(a: FloatArray) -> FloatArray:
        out = np.full((n_episodes, t), np.nan)
        w = min(t, a.shape[1])
        out[:, :w] = a[:, :w]
        return np.where(inside, out, np.nan)

    attendance = np.full((n_episodes, t), NONE, dtype=np.int8)
    attendance[:, : c.attendance.shape[1]] = c.attendance
    return SimulatedCourses(
        observed=widen(c.phq9),
        true=widen(c.true_phq9),
        archetype=arch,
        intake=c.true_phq9[:, 0].copy(),
        n_sessions=length.astype(np.int16),
        attendance=attendance,
        gad7_observed=widen(c.gad7),
        gad7_true=widen(c.true_gad7),
        gain_session=(c.gain_index + 1).astype(np.int16),
        outcome=c.outcome,
    )
