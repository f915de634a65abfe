"""Simulated courses as an engine ``EpisodeBatch`` (benchmarks and accuracy studies).

``batch_from_courses`` converts the arrays of ``attune.simulation.trajectories.Courses``
(attendance, PHQ-9, GAD-7, alliance, rupture, resolved, stopping) into the engine's shape;
``simulate_batch`` generates N episodes with known truth and converts them in one call.

Three things the trajectory generator does not produce are filled in here, vectorised and
clearly synthetic (they only give the detectors realistic work; no clinical claim):

* ``modality_mix``: one mix per episode, switched once (to a different mix) between sessions
  6 and 9 in 40 % of stuck episodes (non-responders, deteriorators, unrepaired ruptures), as
  ``attune.simulation.practice`` does for the demo practice;
* ``phq9_item9``: 0 at every PHQ-9 check-in, except a few check-ins with PHQ-9 >= 12 in the
  same stuck archetypes (``item9_rate``; one in five of those answers 2);
* ``critical_text``: feedback whose rupture answer was "a little" or "yes" or whose stopping
  answer was not "no" (the client voiced a difficulty);
* ``talked_through`` and the fit check-in answers (``fit_answers``), drawn from a separate
  random stream so that every other array is exactly what it was before they existed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from attune.engine.batch import ATTENDED, EpisodeBatch
from attune.simulation.trajectories import (
    ARCHETYPE_MIX,
    ARCHETYPES,
    DETERIORATOR,
    EARLY_DROPOUT,
    MIN_SESSIONS,
    NON_RESPONDER,
    RUPTURE_REPAIRED,
    RUPTURE_UNREPAIRED,
    Courses,
    generate_courses,
)

__all__ = ["FIT_AT_SESSION", "batch_from_courses", "later_answers", "simulate_batch", "stuck"]

#: The attended session after which the simulated fit check-in is answered.
FIT_AT_SESSION = 3

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

N_MIXES = 8


def stuck(archetype: NDArray[np.int8]) -> BoolArray:
    """Archetypes whose therapist would plausibly change modality."""
    a = np.asarray(archetype)
    out: BoolArray = (a == NON_RESPONDER) | (a == DETERIORATOR) | (a == RUPTURE_UNREPAIRED)
    return out


def _nan_codes(codes: NDArray[np.int8]) -> FloatArray:
    out: FloatArray = np.where(codes < 0, np.nan, codes.astype(np.float64))
    return out


def batch_from_courses(
    courses: Courses,
    *,
    episode_ids: IntArray | None = None,
    modality_mix: IntArray | None = None,
    phq9_item9: FloatArray | None = None,
    critical_text: BoolArray | None = None,
    days_between: float = 7.0,
) -> EpisodeBatch:
    """The engine's view of simulated courses (one row per episode, one column per session).

    Missing codes (``NONE``) become NaN; sessions are ``days_between`` days apart; an episode
    is ``ended`` unless it has a future scheduled session. ``modality_mix`` defaults to mix 0
    at every session, ``phq9_item9`` to 0 at every PHQ-9 check-in, ``critical_text`` to the
    rupture / stopping answers (module docstring).
    """
    att = courses.attendance.astype(np.int64)
    n, t = att.shape
    inside = att >= 0
    cols = np.arange(t)
    phq9 = np.asarray(courses.phq9[:, :t], dtype=np.float64)
    rupture = _nan_codes(courses.rupture)
    stopping = _nan_codes(courses.stopping)
    if critical_text is None:
        with np.errstate(invalid="ignore"):
            critical_text = (rupture >= 1) | (stopping >= 1)
    if phq9_item9 is None:
        phq9_item9 = np.where(np.isnan(phq9), np.nan, 0.0)
    if modality_mix is None:
        modality_mix = np.where(inside, 0, -1).astype(np.int64)
    alliance = np.where(courses.alliance < 0, np.nan, courses.alliance.astype(np.float64))
    return EpisodeBatch(
        episode_ids=np.arange(n, dtype=np.int64) if episode_ids is None
        else np.asarray(episode_ids, dtype=np.int64),
        session_number=np.where(inside, cols[None, :] + 1, 0).astype(np.int64),
        attendance=att,
        days=np.where(inside, days_between * cols[None, :], np.nan),
        phq9=phq9,
        gad7=np.asarray(courses.gad7[:, :t], dtype=np.float64),
        phq9_item9=np.asarray(phq9_item9, dtype=np.float64),
        alliance=alliance,
        rupture=rupture,
        resolved=_nan_codes(courses.resolved),
        stopping=stopping,
        critical_text=np.asarray(critical_text, dtype=bool),
        modality_mix=np.asarray(modality_mix, dtype=np.int64),
        ended=courses.n_past >= courses.n_sessions,
    )  # fmt: skip


def simulate_batch(
    n_episodes: int,
    max_sessions: int = 20,
    seed: int = 0,
    item9_rate: float = 0.05,
    alliance: str = "default",
) -> tuple[EpisodeBatch, Courses]:
    """``n_episodes`` simulated episodes of up to ``max_sessions`` sessions, with their truth.

    ``alliance="ceiling"`` draws session feedback that crowds at the top of the scale, as real
    alliance ratings do (``attune.simulation.trajectories.ALLIANCE_STYLES``); the default keeps
    today's ratings, the yardstick of the published figures.

    Lengths follow ``simulate_phq9_courses``: archetypes by ``ARCHETYPE_MIX``; 60 % run the
    full ``max_sessions``, the rest end earlier but not before their archetype shows; early
    dropouts have 2-5 sessions. ``Courses.outcome`` is the true outcome at the end.
    """
    if n_episodes < 1:
        raise ValueError("n_episodes must be at least 1")
    if max_sessions < 2:
        raise ValueError("max_sessions must be at least 2")
    rng = np.random.default_rng(seed)
    n = n_episodes
    arch = rng.choice(len(ARCHETYPES), size=n, p=np.array(ARCHETYPE_MIX)).astype(np.int8)
    minimum = np.minimum(np.array(MIN_SESSIONS, dtype=np.int64)[arch], max_sessions)
    shorter = minimum + np.floor(rng.random(n) * (max_sessions - minimum + 1)).astype(np.int64)
    length = np.where(rng.random(n) < 0.6, max_sessions, shorter)
    dropout = 2 + np.floor(rng.random(n) * 4).astype(np.int64)
    length = np.where(arch == EARLY_DROPOUT, np.minimum(dropout, max_sessions), length)
    courses = generate_courses(rng, arch, length, process=True, alliance=alliance)

    t = courses.attendance.shape[1]
    cols = np.arange(t)[None, :]
    inside = courses.attendance >= 0
    base = rng.integers(0, N_MIXES, n)
    other = (base + rng.integers(1, N_MIXES, n)) % N_MIXES
    switch_at = rng.integers(5, 9, n)  # column 5-8 = session 6-9
    switches = stuck(arch) & (length >= 8) & (rng.random(n) < 0.4)
    mix = np.where(switches[:, None] & (cols >= switch_at[:, None]), other[:, None], base[:, None])
    mix = np.where(inside, mix, -1).astype(np.int64)

    phq9 = courses.phq9[:, :t]
    with np.errstate(invalid="ignore"):
        risky = stuck(arch)[:, None] & (phq9 >= 12) & (rng.random((n, t)) < item9_rate)
    item9 = np.where(np.isnan(phq9), np.nan, 0.0)
    item9 = np.where(risky, np.where(rng.random((n, t)) < 0.2, 2.0, 1.0), item9)
    batch = batch_from_courses(courses, modality_mix=mix, phq9_item9=item9)
    later_answers(batch, courses, np.random.default_rng([seed, 9]))
    return batch, courses


def later_answers(batch: EpisodeBatch, courses: Courses, rng: np.random.Generator) -> None:
    """Fill ``talked_through`` and the fit check-in answers of a simulated batch (in place).

    * talked through (session feedback version 2): asked at the first feedback after a
      reported tension that was not mostly/completely resolved in its session; a repaired
      rupture is "yes" 70 % / "partly" 30 %, an unrepaired one "no" 60 % / "partly" 40 %, any
      other tension "yes" 60 % / "partly" 30 % / "no" 10 %.
    * fit check-in after the 3rd attended session: the client answers in 80 %, the therapist in
      90 % of episodes. Both ratings follow the client's own mean session feedback so far (per
      domain) plus noise — no other knowledge of the archetype: client = that mean + N(0, 0.8);
      therapist = that mean - 0.7 + N(0, 1.0) (therapists rate the alliance lower than
      clients and agree only moderately, Tryon, Blackwell & Hammel 2007); rounded to 0-10.
      "Is this the right match?": "no" at 4 or less, "not sure" at 5-6, else "yes".
    """
    n, t = batch.attendance.shape
    arch = courses.archetype[:, None]
    attended = batch.attended
    feedback = attended & np.isfinite(batch.rupture)
    unresolved_tension = (np.nan_to_num(batch.rupture, nan=0) >= 1) & ~(
        np.nan_to_num(batch.resolved, nan=-1) >= 2
    )
    pending = np.zeros(n, dtype=bool)
    u = rng.random((n, t))
    repaired_answer = np.where(u < 0.7, 2.0, 1.0)
    unrepaired_answer = np.where(u < 0.6, 0.0, 1.0)
    other_answer = np.select([u < 0.6, u < 0.9], [2.0, 1.0], 0.0)
    answer = np.where(
        arch == RUPTURE_REPAIRED,
        repaired_answer,
        np.where(arch == RUPTURE_UNREPAIRED, unrepaired_answer, other_answer),
    )
    for j in range(t):
        asked = pending & feedback[:, j]
        batch.talked_through[asked, j] = answer[asked, j]
        pending = (pending & ~asked) | unresolved_tension[:, j]

    seen = np.cumsum(attended, axis=1)
    at = attended & (seen == FIT_AT_SESSION)
    reached = at.any(axis=1)
    col = np.argmax(at, axis=1)
    upto = np.arange(t)[None, :] <= col[:, None]
    ratings = np.where((feedback & upto)[:, :, None], batch.alliance, np.nan)
    rated: BoolArray = np.asarray(np.isfinite(ratings).all(axis=2), dtype=np.bool_)
    sums = np.where(rated[:, :, None], ratings, 0.0).sum(axis=(1, 2))
    counts = rated.sum(axis=1) * 4
    mean = np.where(counts > 0, sums / np.maximum(counts, 1), 8.0)
    client = np.clip(np.rint(mean + rng.normal(0.0, 0.8, n)), 0, 10)
    therapist = np.clip(np.rint(mean - 0.7 + rng.normal(0.0, 1.0, n)), 0, 10)
    rows = np.flatnonzero(reached)
    for values, rating_field, match_field, share in (
        (client, batch.fit_client, batch.fit_client_match, 0.8),
        (therapist, batch.fit_therapist, batch.fit_therapist_match, 0.9),
    ):
        match = np.where(values <= 4, 0.0, np.where(values <= 6, 1.0, 2.0))
        answers = rows[rng.random(rows.size) < share]
        rating_field[answers, col[answers]] = values[answers]
        match_field[answers, col[answers]] = match[answers]
    assert (batch.attendance[reached, col[reached]] == ATTENDED).all()
