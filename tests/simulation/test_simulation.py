"""Tests for attune.simulation (pure Python + numpy, no Django)."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import UTC, date, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.simulation import (
    ARCHETYPES,
    MODALITIES,
    OUTCOMES,
    PROBLEM_AREAS,
    SimEpisode,
    SimFeedback,
    SimPractice,
    SimSession,
    simulate_phq9_courses,
    simulate_practice,
    text,
)
from attune.simulation.practice import WINDOW_DAYS

TODAY = date(2026, 11, 26)  # a Thursday
FIXED_EMAILS = {
    "therapist": "therapist@example.org",
    "colleague": "colleague@example.org",
    "client": "client@example.org",
    "supervisor": "supervisor@example.org",
    "admin": "admin@example.org",
}
CRITICAL_WORDS = re.compile(
    r"\b(not|no|never|nothing|didn't|don't|weren't|wasn't|isn't|felt|rushed|judged|pointless|"
    r"lectured|interrupted|misunderstood|cold|failing|annoyed|stop|wrong|unhelpful)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def sim() -> SimPractice:
    return simulate_practice(TODAY)


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def total(fb: SimFeedback) -> int:
    return fb.bond + fb.goals + fb.approach + fb.overall


def feedback_series(ep: SimEpisode) -> list[tuple[int, SimFeedback]]:
    return [(s.number, s.feedback) for s in ep.sessions if s.feedback is not None]


def observed_phq9(ep: SimEpisode) -> list[int]:
    return [sum(s.phq9) for s in ep.sessions if s.phq9 is not None]


def past(ep: SimEpisode) -> list[SimSession]:
    return [s for s in ep.sessions if s.attendance != "scheduled"]


def by_archetype(p: SimPractice, archetype: str) -> list[SimEpisode]:
    return [e for e in p.episodes if e.archetype == archetype]


def check_valid(p: SimPractice) -> None:
    """Ranges, vocabularies, dates and structure; used for the default and for any seed."""
    today = p.today
    earliest = today - timedelta(days=WINDOW_DAYS)
    therapists = {t.person.key: t for t in p.therapists}
    clients = {c.key for c in p.clients}
    for ep in p.episodes:
        assert ep.archetype in ARCHETYPES
        assert ep.status in ("active", "ended_planned", "ended_early", "transferred")
        assert ep.true_outcome in OUTCOMES
        assert ep.client_key in clients and ep.therapist_key in therapists
        assert set(ep.problem_areas) <= set(PROBLEM_AREAS) and ep.problem_areas
        assert 1 <= len(ep.goals) <= 3
        assert [s.number for s in ep.sessions] == list(range(1, len(ep.sessions) + 1))
        assert len(ep.true_phq9) == len(ep.sessions)
        assert all(0.0 <= x <= 27.0 for x in ep.true_phq9)
        assert ep.started_on == ep.sessions[0].scheduled_at.date()
        assert ep.sessions[0].attendance == "attended"
        mix = set(therapists[ep.therapist_key].modalities)
        for s in ep.sessions:
            at = s.scheduled_at
            assert at.tzinfo is UTC
            assert (
                at.weekday() < 5
                and at.hour >= 8
                and at + timedelta(minutes=50) <= at.replace(hour=19, minute=0)
            )
            if s.attendance == "scheduled":
                assert 1 <= (at.date() - today).days <= 6
            else:
                assert earliest <= at.date() < today
            assert s.attendance in (
                "attended",
                "cancelled",
                "late_cancelled",
                "no_show",
                "scheduled",
            )
            if s.attendance != "attended":
                assert s.modalities == () and s.phq9 is None and s.gad7 is None
                assert s.feedback is None and s.progress_note == ""
                continue
            assert s.modalities and set(s.modalities) <= mix
            assert s.progress_note and s.progress_note.count(". ") <= 3
            if s.phq9 is not None:
                assert len(s.phq9) == 9 and all(0 <= v <= 3 for v in s.phq9)
            if s.gad7 is not None:
                assert len(s.gad7) == 7 and all(0 <= v <= 3 for v in s.gad7)
            fb = s.feedback
            if fb is not None:
                assert all(0 <= v <= 10 for v in (fb.bond, fb.goals, fb.approach, fb.overall))
                assert fb.rupture in ("no", "a_little", "yes")
                if fb.rupture == "no":
                    assert fb.rupture_resolved is None
                else:
                    assert fb.rupture_resolved in ("not_at_all", "partly", "mostly", "completely")
                assert fb.stopping in (None, "no", "sometimes", "yes")
                assert fb.comment == "" or fb.comment in text.ALL_COMMENTS
        scheduled = [s for s in ep.sessions if s.attendance == "scheduled"]
        if ep.status == "active":
            assert ep.ended_on is None
            assert len(scheduled) == 1 and scheduled[0] is ep.sessions[-1]
        else:
            assert not scheduled
            assert ep.ended_on is not None
            assert ep.sessions[-1].scheduled_at.date() <= ep.ended_on < today
    # no therapist is double-booked
    slots = Counter((e.therapist_key, s.scheduled_at) for e in p.episodes for s in e.sessions)
    assert max(slots.values()) == 1


def check_archetypes(p: SimPractice) -> None:
    """The defining pattern of every archetype holds in every episode of it."""
    for ep in by_archetype(p, "deteriorator"):
        assert ep.true_phq9[-1] - ep.true_phq9[0] >= 6
        assert ep.true_outcome == "deteriorated"

    for ep in by_archetype(p, "as_if"):
        series = feedback_series(ep)
        run = best = 0
        for _, fb in series:
            run = run + 1 if (fb.bond, fb.goals, fb.approach, fb.overall) == (10,) * 4 else 0
            best = max(best, run)
        assert best >= 4
        assert all(fb.rupture == "no" for _, fb in series)
        assert all(fb.comment == "" or fb.comment in text.BLAND_COMMENTS for _, fb in series)
        scores = observed_phq9(ep)
        assert len(past(ep)) >= 7
        assert max(scores[0] - x for x in scores) < 6  # no reliable improvement

    for ep in by_archetype(p, "rupture_repaired"):
        series = feedback_series(ep)
        found = False
        for k in range(3, len(series)):
            number, fb = series[k]
            baseline = float(np.mean([total(f) for _, f in series[:k]]))
            recent = float(np.mean([total(f) for _, f in series[k - 3 : k]]))
            if fb.rupture == "no" or total(fb) > min(baseline, recent) - 3:
                continue
            assert fb.rupture_resolved in ("mostly", "completely")
            later = [total(f) for n, f in series[k + 1 :] if n - number <= 3]
            if later and max(later) >= baseline - 1:
                found = True
                break
        assert found, ep.key

    for ep in by_archetype(p, "rupture_unrepaired"):
        series = feedback_series(ep)
        drops = []
        for k in range(2, len(series)):
            number, fb = series[k]
            baseline = float(np.mean([total(f) for _, f in series[max(0, k - 3) : k]]))
            unresolved = fb.rupture_resolved in ("not_at_all", "partly")
            if total(fb) <= baseline - 3 and unresolved:
                drops.append(k)
        assert len(drops) >= 2, ep.key
        first = drops[0]
        base1 = float(np.mean([total(f) for _, f in series[:first]]))
        assert all(total(f) <= base1 - 3 for _, f in series[first:])  # stays low

    for ep in by_archetype(p, "sudden_gain"):
        scores = observed_phq9(ep)
        assert any(a - b >= 7 for a, b in zip(scores, scores[1:], strict=False)), ep.key

    for ep in by_archetype(p, "early_dropout"):
        attended = [s for s in ep.sessions if s.attendance == "attended"]
        assert 1 <= len(attended) <= 3
        assert ep.sessions[-1].attendance in ("no_show", "cancelled")
        assert ep.status == "ended_early" and ep.true_outcome == "dropped_out"


# ------------------------------------------------------------------------------------------
# the default practice
# ------------------------------------------------------------------------------------------


def test_deterministic(sim: SimPractice) -> None:
    assert simulate_practice(TODAY) == sim
    other = simulate_practice(TODAY, seed=7)
    assert other != sim
    assert [e.true_phq9 for e in other.episodes] != [e.true_phq9 for e in sim.episodes]


def test_sizes(sim: SimPractice) -> None:
    sessions = [s for e in sim.episodes for s in e.sessions]
    assert len(sim.clients) == 72
    assert len(sessions) >= 900
    assert len(sim.therapists) >= 6
    loads = Counter(e.therapist_key for e in sim.episodes)
    assert set(loads) == {t.person.key for t in sim.therapists}
    assert all(8 <= n <= 16 for n in loads.values()), loads
    mine = {e.archetype for e in sim.episodes if e.therapist_key == "therapist"}
    assert mine == set(ARCHETYPES)
    statuses = Counter(e.status for e in sim.episodes)
    assert statuses["active"] > len(sim.episodes) / 2
    assert statuses["ended_planned"] and statuses["ended_early"] and statuses["transferred"]
    # every client has an episode; a transferred client continues with another therapist
    assert {e.client_key for e in sim.episodes} == {c.key for c in sim.clients}
    for ep in sim.episodes:
        if ep.status == "transferred":
            nxt = [
                e
                for e in sim.episodes
                if e.client_key == ep.client_key and e.started_on > ep.started_on
            ]
            assert nxt and nxt[0].therapist_key != ep.therapist_key


def test_people(sim: SimPractice) -> None:
    people = (
        [t.person for t in sim.therapists]
        + list(sim.supervisors)
        + list(sim.admins)
        + list(sim.clients)
    )
    by_key = {p.key: p for p in people}
    for key, email in FIXED_EMAILS.items():
        assert by_key[key].email == email
    emails = [p.email for p in people]
    assert len(emails) == len(set(emails))
    assert len({p.key for p in people}) == len(people)
    for person in people:
        if person.key not in FIXED_EMAILS:
            assert re.fullmatch(r"[a-z]+\.[a-z-]+@example\.org", person.email), person.email

    therapists = {t.person.key: t for t in sim.therapists}
    adler = therapists["therapist"]
    assert set(adler.modalities) == {
        "contemporary-psychoanalysis",
        "emdr",
        "somatic-experiencing",
        "clinical-hypnosis",
    }
    assert (adler.person.first_name, adler.person.last_name) == ("Miriam", "Adler")
    assert set(therapists["colleague"].modalities) == {"cbt", "act"}
    supervised = [t.person.key for t in sim.therapists if t.supervisor_key == "supervisor"]
    assert {"therapist", "colleague"} <= set(supervised) and len(supervised) >= 3
    supervisor_keys = {s.key for s in sim.supervisors}
    assert all(t.supervisor_key in supervisor_keys for t in sim.therapists)

    mixes = [frozenset(t.modalities) for t in sim.therapists]
    assert len(set(mixes)) == len(mixes)
    for t in sim.therapists:
        assert set(t.modalities) <= set(MODALITIES)
        assert set(t.problem_areas) <= set(PROBLEM_AREAS)
        assert t.gender in ("woman", "man", "non-binary")
        assert t.languages and all(re.fullmatch(r"[a-z]{2}", code) for code in t.languages)
        assert t.formats and set(t.formats) <= {"in_person", "online"}
        assert 0 < t.fee_min <= t.fee_max
        assert 2 <= len(t.how_i_work.split("\n\n")) <= 4
        assert " I " in f" {t.how_i_work} "


def test_ranges_and_structure(sim: SimPractice) -> None:
    check_valid(sim)


def test_archetype_truths(sim: SimPractice) -> None:
    check_archetypes(sim)


def test_realistic_distributions(sim: SimPractice) -> None:
    intakes = [observed_phq9(e)[0] for e in sim.episodes]
    clinical = sum(10 <= x <= 22 for x in intakes) / len(intakes)
    assert clinical >= 0.7
    assert any(6 <= x <= 9 for x in intakes)
    ratings = [
        v
        for e in sim.episodes
        for _, fb in feedback_series(e)
        for v in (fb.bond, fb.goals, fb.approach, fb.overall)
    ]
    assert sum(v >= 8 for v in ratings) / len(ratings) >= 0.7  # ceiling effects
    attended = [s for e in sim.episodes for s in e.sessions if s.attendance == "attended"]
    missing_fb = sum(s.feedback is None for s in attended) / len(attended)
    assert 0.04 <= missing_fb <= 0.2
    # GAD-7 follows PHQ-9
    pairs = [(sum(s.phq9), sum(s.gad7)) for s in attended if s.phq9 and s.gad7]
    assert np.corrcoef(np.array(pairs).T)[0, 1] > 0.5

    def missed(e: SimEpisode) -> float:
        ps = past(e)
        return sum(s.attendance in ("no_show", "late_cancelled") for s in ps) / len(ps)

    pattern = [missed(e) for e in by_archetype(sim, "no_show_pattern")]
    others = [missed(e) for e in by_archetype(sim, "improver")]
    assert np.mean(pattern) > 2 * np.mean(others)

    declining = []
    for archetype in ("non_responder", "no_show_pattern"):
        for e in by_archetype(sim, archetype):
            totals = [total(fb) for _, fb in feedback_series(e)]
            if len(totals) >= 6:
                declining.append(np.mean(totals[-3:]) < np.mean(totals[:3]))
    assert declining and np.mean(declining) >= 0.6


def test_modalities(sim: SimPractice) -> None:
    adler_sessions = [s for e in sim.episodes if e.therapist_key == "therapist" for s in e.sessions]
    assert any(len(s.modalities) >= 2 for s in adler_sessions)  # combines modalities
    switched = 0
    for e in by_archetype(sim, "non_responder"):
        cores = [frozenset(s.modalities) for s in e.sessions if s.modalities]
        used_early = set().union(*cores[:4]) if cores else set()
        if any(not (c & used_early) for c in cores[4:]):
            switched += 1
    assert switched >= 1


def test_item9(sim: SimPractice) -> None:
    items = [s.phq9[8] for e in sim.episodes for s in e.sessions if s.phq9 is not None]
    assert sum(v == 0 for v in items) / len(items) >= 0.95
    assert max(items) >= 2
    endorsing = {e.key for e in sim.episodes for s in e.sessions if s.phq9 and s.phq9[8] > 0}
    assert 1 <= len(endorsing) <= 10
    recent = []
    for e in sim.episodes:
        if e.therapist_key != "therapist" or e.status != "active":
            continue
        checked = [s for s in e.sessions if s.phq9 is not None]
        last = checked[-1]
        if 1 <= last.phq9[8] <= 2 and (TODAY - last.scheduled_at.date()).days <= 14:
            recent.append(e)
            assert "item 9" in last.progress_note
    assert recent


def test_client_episode(sim: SimPractice) -> None:
    (ep,) = [e for e in sim.episodes if e.client_key == "client"]
    assert ep.therapist_key == "therapist"
    assert ep.archetype == "rupture_repaired" and ep.status == "active"
    attended = [s for s in ep.sessions if s.attendance == "attended"]
    assert len(attended) >= 8
    last = attended[-1]
    assert last is ep.sessions[-2]
    assert last.feedback is None  # the feedback form is open
    assert last.phq9 is not None and last.gad7 is not None
    nxt = ep.sessions[-1]
    assert nxt.attendance == "scheduled" and nxt.phq9 is None and nxt.gad7 is None
    assert 1 <= (nxt.scheduled_at.date() - TODAY).days <= 2
    assert all(s.phq9[8] == 0 for s in ep.sessions if s.phq9 is not None)
    assert observed_phq9(ep)[0] >= 10  # a clinical starting point for the demo


def test_client_next_session_from_a_friday() -> None:
    friday = date(2026, 11, 27)
    p = simulate_practice(friday)
    (ep,) = [e for e in p.episodes if e.client_key == "client"]
    nxt = ep.sessions[-1].scheduled_at.date()
    assert nxt.weekday() == 0 and (nxt - friday).days == 3  # the nearest weekday


def test_free_text(sim: SimPractice) -> None:
    assert len(text.ALL_COMMENTS) >= 30
    assert len(text.CRITICAL_COMMENTS) >= 8
    assert sum(len(g) for g in text.GOALS.values()) >= 20
    assert set(text.GOALS) == set(PROBLEM_AREAS)
    assert set(text.MODALITY_NOTES) == set(MODALITIES)
    for comment in text.BLAND_COMMENTS:
        assert not CRITICAL_WORDS.search(comment), comment
    assert all(CRITICAL_WORDS.search(c) for c in text.CRITICAL_COMMENTS)
    comments = [fb.comment for e in sim.episodes for _, fb in feedback_series(e)]
    assert any(c in text.CRITICAL_COMMENTS for c in comments)
    assert 0.1 <= sum(bool(c) for c in comments) / len(comments) <= 0.6
    unrepaired = by_archetype(sim, "rupture_unrepaired")
    assert any(
        fb.comment in text.CRITICAL_COMMENTS for e in unrepaired for _, fb in feedback_series(e)
    )
    assert any(
        fb.stopping in ("sometimes", "yes") for e in unrepaired for _, fb in feedback_series(e)
    )
    goals = {g for gs in text.GOALS.values() for g in gs} | set(text.GOALS["trauma"])
    assert all(set(e.goals) <= goals for e in sim.episodes)


def test_bad_size() -> None:
    with pytest.raises(ValueError):
        simulate_practice(TODAY, n_clients=5)


# ------------------------------------------------------------------------------------------
# any seed / any day
# ------------------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    today=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
)
def test_any_seed_is_valid(seed: int, today: date) -> None:
    p = simulate_practice(today, seed=seed)
    check_valid(p)
    check_archetypes(p)
    assert {e.archetype for e in p.episodes if e.therapist_key == "therapist"} == set(ARCHETYPES)
    assert sum(len(e.sessions) for e in p.episodes) >= 900


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), n=st.integers(20, 150))
def test_other_sizes(seed: int, n: int) -> None:
    p = simulate_practice(TODAY, seed=seed, n_clients=n)
    assert len(p.clients) == n
    check_valid(p)
    check_archetypes(p)


# ------------------------------------------------------------------------------------------
# the vectorised benchmark path
# ------------------------------------------------------------------------------------------


def test_phq9_courses_large_and_deterministic() -> None:
    start = time.perf_counter()
    c = simulate_phq9_courses(100_000)
    elapsed = time.perf_counter() - start
    print(f"simulate_phq9_courses(100_000): {elapsed:.2f} s")
    assert elapsed < 15
    n, t = 100_000, 20
    assert c.observed.shape == (n, t) and c.observed.dtype == np.float64
    assert c.true.shape == (n, t) and c.gad7_observed.shape == (n, t)
    assert c.archetype.shape == (n,) and c.intake.shape == (n,)
    assert set(np.unique(c.archetype)) == set(range(len(ARCHETYPES)))
    np.testing.assert_array_equal(c.intake, c.true[:, 0])

    again = simulate_phq9_courses(100_000)
    for name in ("observed", "true", "archetype", "intake", "n_sessions", "attendance"):
        np.testing.assert_array_equal(getattr(c, name), getattr(again, name))
    other = simulate_phq9_courses(1_000, seed=1)
    assert not np.array_equal(c.observed[:1_000], other.observed, equal_nan=True)

    obs = c.observed[~np.isnan(c.observed)]
    assert obs.min() >= 0 and obs.max() <= 27 and np.all(obs == np.round(obs))
    after_end = np.arange(t)[None, :] >= c.n_sessions[:, None]
    assert np.isnan(c.observed[after_end]).all() and np.isnan(c.true[after_end]).all()
    assert not np.isnan(c.true[~after_end]).any()
    assert not np.isnan(c.observed[:, 0]).any()  # intake always measured
    missing = np.isnan(c.observed[~after_end]).mean()
    assert 0.05 < missing < 0.3

    # archetype truths, vectorised
    det = (c.archetype == ARCHETYPES.index("deteriorator")) & (c.n_sessions >= 5)
    last = c.true[np.arange(n), c.n_sessions - 1]
    assert (last[det] - c.intake[det] >= 6).all()
    sg = c.archetype == ARCHETYPES.index("sudden_gain")
    g = c.gain_session[sg].astype(int) - 1
    rows = np.flatnonzero(sg)
    assert (g >= 3).all()
    assert (c.observed[rows, g - 1] - c.observed[rows, g] >= 7).all()
    drop = c.archetype == ARCHETYPES.index("early_dropout")
    assert ((~np.isnan(c.observed[drop])).sum(axis=1) <= 3).all()
    assert (c.outcome[drop] == OUTCOMES.index("dropped_out")).all()
    imp = c.archetype == ARCHETYPES.index("improver")
    full = imp & (c.n_sessions == t)
    assert np.mean(c.true[full, -1] <= c.intake[full] - 6) > 0.7


def test_phq9_courses_small() -> None:
    c = simulate_phq9_courses(50, max_sessions=6, seed=3)
    assert c.observed.shape == (50, 6)
    assert (c.n_sessions <= 6).all()
    with pytest.raises(ValueError):
        simulate_phq9_courses(0)


def test_timings(sim: SimPractice) -> None:
    start = time.perf_counter()
    simulate_practice(date(2026, 11, 26))
    elapsed = time.perf_counter() - start
    print(f"simulate_practice(2026-11-26): {elapsed:.3f} s")
    assert elapsed < 10
