"""Tests for attune.engine.alliance: low alliance, ruptures, repairs, repeated ruptures.

Worked examples follow the rules in /work/shared/reference/clinical-science.md §3.3-3.5 and
PRODUCT.md ("Clinical signals"). The hypothesis strategy ``episodes`` is shared by the other
engine signal tests.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.engine.alliance import (
    LowAllianceConfig,
    RuptureConfig,
    detect_low_alliance,
    detect_repairs,
    detect_repeated_ruptures,
    detect_ruptures,
    measured,
    rupture_course,
    ruptures,
)
from attune.engine.batch import (
    ATTENDANCE,
    MATCH,
    RESOLVED,
    RUPTURE,
    STOPPING,
    TALKED_THROUGH,
    EpisodeBatch,
    empty_batch,
    episode,
    stack,
)
from attune.engine.signals import KINDS, REPAIR_CONVERSATION, TALK_ABOUT_FIT, WARM_REFERRAL, Signal

Detector = Callable[[EpisodeBatch], list[Signal]]
ALLIANCE_DETECTORS: tuple[Detector, ...] = (
    detect_low_alliance,
    detect_ruptures,
    detect_repairs,
    detect_repeated_ruptures,
)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------------
# helpers shared with the other signal tests
# --------------------------------------------------------------------------------------------


def domains(total: int) -> list[float]:
    """Four 0-10 domain ratings summing to ``total`` (as even as possible)."""
    q, r = divmod(total, 4)
    return [float(q + (1 if k < r else 0)) for k in range(4)]


def rated(totals: Sequence[int | None], **kwargs: Any) -> EpisodeBatch:
    """An episode of attended sessions with these alliance totals (None = no feedback)."""
    attendance = kwargs.pop("attendance", ["attended"] * len(totals))
    return episode(
        attendance=attendance,
        alliance=[None if x is None else domains(x) for x in totals],
        **kwargs,
    )


def by_kind(signals: list[Signal], kind: str) -> list[Signal]:
    return [s for s in signals if s.kind == kind]


def keys(signals: list[Signal]) -> list[str]:
    return [s.key for s in signals]


def check_signal(signal: Signal) -> None:
    """Every signal: known kind, plain-JSON evidence without NaN, words, source, actions."""
    assert signal.kind in KINDS
    json.dumps(dict(signal.evidence), allow_nan=False)
    assert signal.explanation and signal.source and signal.title
    assert signal.actions
    assert isinstance(signal.episode_id, int) and isinstance(signal.session_number, int)


def prefix(batch: EpisodeBatch, columns: int) -> EpisodeBatch:
    """The same episodes as they stood after their first ``columns`` session columns (every
    per-session field is cut, whenever it was added to the batch)."""
    n, t = batch.attendance.shape
    values: dict[str, Any] = {}
    for f in dataclasses.fields(batch):
        a = getattr(batch, f.name)
        cut = a.ndim >= 2 and a.shape[:2] == (n, t)
        values[f.name] = a[:, :columns] if cut else a
    return EpisodeBatch(**values)


_ATTENDANCE = ["attended"] * 5 + [a for a in ATTENDANCE if a != "attended"]
_RATING = st.one_of(st.integers(0, 10).map(float), st.just(math.nan))
_SCORE = st.one_of(st.none(), st.integers(0, 27).map(float), st.just(math.nan))
_FIT = st.none() | st.integers(0, 10).map(float)
#: The strategy of each per-session field, built once: a strategy made anew in every draw is
#: validated anew by Hypothesis, which took most of this file's time (the same strategies).
_CELLS = {
    "attendance": st.sampled_from(_ATTENDANCE),
    "rupture": st.none() | st.sampled_from(RUPTURE),
    "resolved": st.none() | st.sampled_from(RESOLVED),
    "stopping": st.none() | st.sampled_from(STOPPING),
    "talked_through": st.none() | st.sampled_from(TALKED_THROUGH),
    "fit_client": _FIT,
    "fit_client_match": st.none() | st.sampled_from(MATCH),
    "fit_therapist": _FIT,
    "fit_therapist_match": st.none() | st.sampled_from(MATCH),
    "critical_text": st.booleans(),
    "phq9": _SCORE,
    "gad7": _SCORE,
    "item9": st.none() | st.integers(0, 3).map(float),
}
_ALLIANCE = {
    nan: st.none()
    | st.lists(_RATING if nan else st.integers(0, 10).map(float), min_size=4, max_size=4)
    for nan in (True, False)
}
_GAP = st.integers(1, 40)


@functools.cache
def _sessions(cell: st.SearchStrategy[Any], t: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(cell, min_size=t, max_size=t)


@st.composite
def episodes(
    draw: st.DrawFn,
    episode_id: int = 0,
    min_sessions: int = 1,
    max_sessions: int = 12,
    nan: bool = True,
) -> EpisodeBatch:
    """A random episode: any attendance, ratings with NaN, codes, scores and gaps."""
    t = draw(st.integers(min_sessions, max_sessions))

    def per_session(strategy: st.SearchStrategy[Any]) -> list[Any]:
        return draw(_sessions(strategy, t))

    gaps = per_session(_GAP)
    return episode(
        attendance=per_session(_CELLS["attendance"]),
        alliance=per_session(_ALLIANCE[nan]),
        rupture=per_session(_CELLS["rupture"]),
        resolved=per_session(_CELLS["resolved"]),
        stopping=per_session(_CELLS["stopping"]),
        talked_through=per_session(_CELLS["talked_through"]),
        fit_client=per_session(_CELLS["fit_client"]),
        fit_client_match=per_session(_CELLS["fit_client_match"]),
        fit_therapist=per_session(_CELLS["fit_therapist"]),
        fit_therapist_match=per_session(_CELLS["fit_therapist_match"]),
        critical_text=per_session(_CELLS["critical_text"]),
        phq9=per_session(_CELLS["phq9"]),
        gad7=per_session(_CELLS["gad7"]),
        item9=per_session(_CELLS["item9"]),
        days=list(np.cumsum(gaps) - gaps[0]),
        episode_id=episode_id,
        ended=draw(st.booleans()),
    )


@st.composite
def practices(draw: st.DrawFn, max_rows: int = 4) -> list[EpisodeBatch]:
    """One to ``max_rows`` random episodes with distinct ids."""
    n = draw(st.integers(1, max_rows))
    return [draw(episodes(episode_id=100 + i)) for i in range(n)]


def assert_batch_equals_rows(detector: Detector, rows: list[EpisodeBatch]) -> None:
    together = detector(stack(rows))
    one_by_one = [s for row in rows for s in detector(row)]
    order = lambda s: (s.episode_id, s.key)  # noqa: E731
    assert sorted(together, key=order) == sorted(one_by_one, key=order)


# --------------------------------------------------------------------------------------------
# low alliance
# --------------------------------------------------------------------------------------------


def test_low_alliance_needs_two_consecutive_low_sessions() -> None:
    # 28 of 40 is at the cut-off (derived for this instrument, not the SRS 36)
    assert detect_low_alliance(rated([40, 38, 28])) == []  # one low session is not a state
    (signal,) = detect_low_alliance(rated([40, 38, 28, 28]))
    assert signal.kind == "low_alliance" and signal.severity == "yellow"
    assert signal.key == "low_alliance:from-s3" and signal.session_number == 4
    ev = signal.evidence
    assert ev["from_session"] == 3 and ev["sessions"] == [3, 4] and ev["totals"] == [28, 28]
    assert ev["by_level"] is True and ev["by_fall"] is False and ev["ongoing"] is True
    assert TALK_ABOUT_FIT in signal.actions
    check_signal(signal)


def test_low_alliance_boundary_and_the_srs_cut_off_no_longer_fires() -> None:
    assert detect_low_alliance(rated([29, 29, 29])) == []
    assert detect_low_alliance(rated([36, 36, 36, 36])) == []  # SRS "low", ordinary here
    assert (
        detect_low_alliance(episode(attendance=["attended"] * 2, alliance=[[10, 10, 10, 8]] * 2))
        == []
    )
    assert keys(detect_low_alliance(rated([28, 28]))) == ["low_alliance:from-s1"]


def test_low_alliance_on_a_reliable_fall_from_the_clients_own_baseline() -> None:
    # baseline mean(40, 40, 40) = 40, own SD 0 -> floor 2; fall 1.96 x sqrt(4/3) x 2 = 4.53
    (signal,) = detect_low_alliance(rated([40, 40, 40, 35, 35]))
    ev = signal.evidence
    assert signal.key == "low_alliance:from-s4" and signal.session_number == 5
    assert ev["by_fall"] is True and ev["by_level"] is False
    assert ev["own_baseline"] == 40 and ev["reliable_fall"] == pytest.approx(4.53)
    assert detect_low_alliance(rated([40, 40, 40, 36, 36])) == []
    # a larger own SD widens the fall that counts: 34, 38, 40 (SD 3.06) -> 7.06
    assert detect_low_alliance(rated([34, 38, 40, 32, 32])) == []


def test_low_alliance_is_one_state_and_does_not_toggle() -> None:
    # 33 is above 28 and 30 (28 + 2) but not clear of the fall line (40 - 4.53) + 2 = 37.47
    batch = rated([40, 40, 40, 28, 28, 33, 28, 33, 28])
    (signal,) = detect_low_alliance(batch)
    assert signal.key == "low_alliance:from-s4" and signal.severity == "yellow"
    # one clear session is not enough; two are: the state ends and becomes a note
    assert detect_low_alliance(rated([40, 40, 40, 28, 28, 40, 28]))[0].severity == "yellow"
    (ended,) = detect_low_alliance(rated([40, 40, 40, 28, 28, 40, 40]))
    assert ended.severity == "info" and ended.evidence["back_to_usual_at_session"] == 7
    assert ended.key == signal.key and ended.session_number == 5
    # a later spell is a new state with its own key
    later = detect_low_alliance(rated([40, 40, 40, 28, 28, 40, 40, 28, 28]))
    assert keys(later) == ["low_alliance:from-s4", "low_alliance:from-s8"]


def test_low_alliance_keeps_its_key_and_session_as_sessions_are_added() -> None:
    short = detect_low_alliance(rated([28, 28]))
    longer = detect_low_alliance(rated([28, 28, 26, 27, 28]))
    assert [(s.key, s.session_number) for s in short] == [(s.key, s.session_number) for s in longer]


def test_low_alliance_skips_sessions_without_feedback_and_missed_sessions() -> None:
    batch = rated(
        [28, None, 40, 28],
        attendance=["attended", "attended", "no_show", "attended"],
    )
    # rated sessions: s1 (28), s4 (28): consecutive rated sessions; the no-show's 40 is ignored
    (signal,) = detect_low_alliance(batch)
    assert signal.key == "low_alliance:from-s1" and signal.session_number == 4


def test_low_alliance_thresholds_are_configuration() -> None:
    config = LowAllianceConfig(low_total_at_or_below=34, persist_sessions=3)
    assert detect_low_alliance(rated([34, 34]), config) == []
    assert keys(detect_low_alliance(rated([34, 34, 34]), config)) == ["low_alliance:from-s1"]


# --------------------------------------------------------------------------------------------
# ruptures
# --------------------------------------------------------------------------------------------


def test_rupture_drop_at_the_boundary_uses_the_sd_floor() -> None:
    # baseline 38 (mean of 38, 38, 38), own SD 0 -> floor 3, threshold 38 - 1 x 3 = 35
    (signal,) = detect_ruptures(rated([38, 38, 38, 35]))
    assert signal.kind == "rupture" and signal.severity == "info"  # a marker, not an alert
    assert signal.key == "rupture:s4" and signal.session_number == 4
    assert "marker on the timeline" in signal.explanation
    ev = signal.evidence
    assert ev["triggers"] == ["drop"]
    assert (ev["total"], ev["baseline"], ev["sd"], ev["threshold"]) == (35, 38, 3, 35)
    assert ev["own_sd"] == 0 and ev["earlier_measurements"] == 3
    assert REPAIR_CONVERSATION in signal.actions
    check_signal(signal)
    assert detect_ruptures(rated([38, 38, 38, 36])) == []


def test_rupture_uses_the_clients_own_sd_when_it_is_larger() -> None:
    # previous 30, 36, 38: mean 34.67, SD 4.16 -> threshold 30.5
    (signal,) = detect_ruptures(rated([30, 36, 38, 30]))
    assert signal.evidence["baseline"] == pytest.approx(34.67)
    assert signal.evidence["sd"] == pytest.approx(4.16)
    assert signal.evidence["threshold"] == pytest.approx(30.5)
    assert detect_ruptures(rated([30, 36, 38, 31])) == []


def test_rupture_baseline_is_the_previous_three_and_sd_all_earlier_totals() -> None:
    # baseline mean(40, 40, 40) = 40; SD over 20, 40, 40, 40 = 10 -> threshold 30
    course = rupture_course(rated([20, 40, 40, 40, 31]))
    assert course.baseline[0, 4] == pytest.approx(40.0)
    assert course.sd[0, 4] == pytest.approx(10.0)
    assert not course.rupture[0, 4]
    assert not course.rupture[0, 1:].any()  # a rise is never a rupture


def test_rupture_needs_two_earlier_measurements() -> None:
    assert detect_ruptures(rated([40, 20])) == []
    assert keys(detect_ruptures(rated([40, 40, 20]))) == ["rupture:s3"]


def test_rupture_skips_sessions_without_feedback_and_missed_sessions() -> None:
    batch = rated(
        [38, None, 38, 30, 38, 34],
        attendance=["attended", "attended", "attended", "no_show", "attended", "attended"],
    )
    # measured totals: 38 (s1), 38 (s3), 38 (s5), 34 (s6); the no-show's ratings are ignored
    assert keys(detect_ruptures(batch)) == ["rupture:s6"]
    assert detect_ruptures(batch)[0].evidence["baseline"] == 38


def test_rupture_reported_by_the_client_is_a_rupture_without_a_drop() -> None:
    for answer in ("a_little", "yes"):
        batch = rated([38, 38], rupture=["no", answer], resolved=[None, "partly"])
        (signal,) = detect_ruptures(batch)
        assert signal.evidence["triggers"] == ["tension"]
        assert signal.evidence["client_reported"] == answer
        assert signal.evidence["resolved"] == "partly"
        assert "misunderstood" in signal.explanation
    assert detect_ruptures(rated([38, 38], rupture=["no", "no"])) == []


def test_rupture_with_both_triggers_names_both() -> None:
    (signal,) = detect_ruptures(rated([38, 38, 38, 30], rupture=[None, None, None, "yes"]))
    assert signal.evidence["triggers"] == ["drop", "tension"]


def test_a_rupture_is_an_alert_when_large_unresolved_or_past_its_repair_window() -> None:
    # large: at least 2 SD below the baseline (38 - 2 x 3 = 32)
    (large,) = detect_ruptures(rated([38, 38, 38, 32]))
    assert large.severity == "yellow" and large.evidence["large"] is True
    assert detect_ruptures(rated([38, 38, 38, 33]))[0].severity == "info"
    # unresolved: the client said "not at all" or "partly"
    for answer, severity in (("not_at_all", "yellow"), ("partly", "yellow"), ("mostly", "info")):
        batch = rated([38, 38], rupture=["no", "a_little"], resolved=[None, answer])
        (signal,) = detect_ruptures(batch)
        assert signal.severity == severity, answer
    # carried on into the next rated session: still a marker, unless the practice asks
    carried_on = rated([38, 38, 38, 35, 35])
    (marker,) = detect_ruptures(carried_on)
    assert marker.severity == "info" and marker.evidence["persists"] is True
    assert "carried on" not in marker.explanation
    asked = RuptureConfig(alert_when_carried_on=True)
    (persisting,) = detect_ruptures(carried_on, asked)
    assert persisting.severity == "yellow" and "carried on" in persisting.explanation
    # persisting past the repair window (3 rated sessions): the unrepaired-rupture alert
    assert detect_repairs(carried_on) == []
    (unrepaired,) = detect_repairs(rated([38, 38, 38, 35, 35, 35, 35]))
    assert unrepaired.key == "unrepaired_rupture:s4" and unrepaired.severity != "info"


def test_a_sustained_drop_is_one_rupture() -> None:
    batch = rated([38, 38, 38, 30, 30, 29, 30, 30])
    assert keys(detect_ruptures(batch)) == ["rupture:s4"]
    course = rupture_course(batch)
    assert course.continued[0, 4]  # s5 is again a drop, inside the open rupture
    assert keys(detect_repairs(batch)) == ["unrepaired_rupture:s4"]
    assert detect_repeated_ruptures(batch) == []


def test_a_tension_resolved_in_the_same_session_is_a_note() -> None:
    batch = rated([38, 38], rupture=["no", "yes"], resolved=[None, "completely"])
    (signal,) = detect_ruptures(batch)
    assert signal.severity == "info"
    assert 'resolved "completely" by the end of the session' in signal.explanation
    assert detect_repairs(batch) == []  # the note tells it; no second note


def test_rupture_z_is_configuration() -> None:
    strict = RuptureConfig(z=2.0, sd_floor=2.0)  # threshold 38 - 2 x 2 = 34
    assert detect_ruptures(rated([38, 38, 38, 35]), strict) == []
    assert keys(detect_ruptures(rated([38, 38, 38, 34]), strict)) == ["rupture:s4"]


def test_ruptures_matrix_matches_the_signals() -> None:
    batch = rated([38, 38, 38, 34, 38, 38, 30])
    matrix = ruptures(batch)
    assert matrix.shape == (1, 7) and matrix.dtype == np.bool_
    assert np.flatnonzero(matrix[0]).tolist() == [3, 6]
    assert keys(detect_ruptures(batch)) == ["rupture:s4", "rupture:s7"]


# --------------------------------------------------------------------------------------------
# repair and unrepaired
# --------------------------------------------------------------------------------------------


def test_repair_when_the_total_returns_near_baseline_within_three_sessions() -> None:
    # rupture s4 (baseline 38, SD 2): repaired at >= 38 - 0.5 x 2 = 37, reached at s6
    signals = detect_repairs(rated([38, 38, 38, 34, 36, 37]), RuptureConfig(sd_floor=2.0))
    (signal,) = signals
    assert signal.kind == "repair" and signal.severity == "info"
    assert signal.key == "repair:s4" and signal.session_number == 6
    assert signal.evidence["repaired_by"] == "ratings"
    assert signal.evidence["repair_reference"] == 37
    assert signal.evidence["repair_session"] == 6 and signal.evidence["repair_total"] == 37
    check_signal(signal)


def test_resolved_by_the_client_at_the_rupture_session() -> None:
    for answer in ("mostly", "completely"):
        batch = rated(
            [38, 38, 38, 30], rupture=[None, None, None, "yes"], resolved=[None] * 3 + [answer]
        )
        (signal,) = detect_ruptures(batch)
        assert signal.severity == "info" and signal.evidence["resolved"] == answer
        assert rupture_course(batch).repaired_by_client[0, 3]
        assert detect_repairs(batch) == []


def test_the_client_confirms_the_repair_at_a_later_session() -> None:
    batch = rated(
        [38, 38, 38, 30, 30],
        rupture=[None, None, None, "yes", "no"],
        resolved=[None, None, None, "not_at_all", None],
        talked_through=[None, None, None, None, "yes"],
    )
    (repair,) = detect_repairs(batch)
    assert repair.kind == "repair" and repair.severity == "info"
    assert repair.key == "repair:s4" and repair.session_number == 5
    assert repair.evidence["repaired_by"] == "client"
    assert "talked through" in repair.explanation
    (rupture,) = detect_ruptures(batch)
    assert rupture.severity == "info"  # repaired: good news, no open alert
    # "partly" is not a confirmation: the rupture stays open and is an alert
    partly = rated(
        [38, 38, 38, 30, 30],
        rupture=[None, None, None, "yes", "no"],
        resolved=[None, None, None, "not_at_all", None],
        talked_through=[None, None, None, None, "partly"],
    )
    assert detect_repairs(partly) == []
    assert detect_ruptures(partly)[0].severity == "yellow"


def test_a_new_tension_in_the_session_that_closes_a_rupture_is_a_new_rupture() -> None:
    batch = rated(
        [38, 38, 38, 30, 30],
        rupture=[None, None, None, "yes", "a_little"],
        resolved=[None, None, None, "not_at_all", "partly"],
        talked_through=[None, None, None, None, "yes"],
    )
    assert keys(detect_ruptures(batch)) == ["rupture:s4", "rupture:s5"]
    assert keys(detect_repairs(batch)) == ["repair:s4"]


def test_a_late_confirmation_repairs_a_rupture_judged_unrepaired() -> None:
    ratings = [38, 38, 38, 30, 30, 30, 30, 30]
    assert keys(detect_repairs(rated(ratings))) == ["unrepaired_rupture:s4"]
    batch = rated(ratings, talked_through=[None] * 7 + ["yes"])
    (repair,) = detect_repairs(batch)
    assert repair.key == "repair:s4" and repair.session_number == 8


def test_partly_resolved_is_not_a_repair() -> None:
    batch = rated(
        [38, 38, 38, 30], rupture=[None, None, None, "yes"], resolved=[None] * 3 + ["partly"]
    )
    assert detect_repairs(batch) == []  # still open: no later session yet


def test_unrepaired_after_three_measured_sessions_without_return() -> None:
    # reference 37; s5..s7 = 35, 35, 36 never reach it
    signals = detect_repairs(rated([38, 38, 38, 34, 35, 35, 36]), RuptureConfig(sd_floor=2.0))
    (signal,) = signals
    assert signal.kind == "unrepaired_rupture" and signal.severity == "red"
    assert signal.key == "unrepaired_rupture:s4" and signal.session_number == 7
    assert signal.evidence["judged_at_session"] == 7
    assert signal.evidence["later_totals"] == [35, 35, 36]
    assert signal.evidence["repair_reference"] == 37
    check_signal(signal)


def test_a_rupture_inside_its_window_is_neither_repaired_nor_unrepaired() -> None:
    assert detect_repairs(rated([38, 38, 38, 34])) == []
    assert detect_repairs(rated([38, 38, 38, 34, 35, 35])) == []
    course = rupture_course(rated([38, 38, 38, 34, 35, 35]))
    assert course.repaired_at[0, 3] == -1 and course.unrepaired_at[0, 3] == -1


def test_the_repair_window_counts_measured_sessions_only() -> None:
    batch = rated(
        [38, 38, 38, 34, None, 35, 35, None, 38],
        attendance=["attended"] * 4 + ["no_show", "attended", "attended", "attended", "attended"],
    )
    # after s4: measured s6 (35), s7 (35), s9 (38 >= 37) -> repaired at s9
    (signal,) = detect_repairs(batch)
    assert signal.kind == "repair" and signal.session_number == 9


def test_repair_keys_stay_the_same_when_sessions_are_added() -> None:
    short = detect_ruptures(rated([38, 38, 38, 34]))
    longer = detect_ruptures(rated([38, 38, 38, 34, 38, 38]))
    assert keys(short) == keys([s for s in longer if s.session_number <= 4])
    assert keys(detect_repairs(rated([38, 38, 38, 34, 38]))) == ["repair:s4"]
    assert keys(detect_repairs(rated([38, 38, 38, 34, 38, 30, 30]))) == ["repair:s4"]


# --------------------------------------------------------------------------------------------
# repeated ruptures
# --------------------------------------------------------------------------------------------


TWO_UNREPAIRED = [40, 40, 40, 34, 34, 34, 34, 28, 28, 28, 28]


def test_repeated_ruptures_after_two_distinct_unrepaired_ruptures() -> None:
    # s4: 34 <= 40 - 3, never back to 38.5 -> unrepaired at s7; s5-s7 belong to it.
    # s8: 28 <= mean(34, 34, 34) - 3.1 -> a new rupture, unrepaired at s11
    batch = rated(TWO_UNREPAIRED)
    assert keys(detect_ruptures(batch)) == ["rupture:s4", "rupture:s8"]
    assert keys(detect_repairs(batch)) == ["unrepaired_rupture:s4", "unrepaired_rupture:s8"]
    (signal,) = detect_repeated_ruptures(batch)
    assert signal.kind == "repeated_ruptures" and signal.severity == "red"
    assert signal.key == "repeated_ruptures" and signal.session_number == 11
    assert signal.evidence["unrepaired_sessions"] == [4, 8]
    assert TALK_ABOUT_FIT in signal.actions and WARM_REFERRAL in signal.actions
    assert "welcome, not a complaint" in signal.explanation
    check_signal(signal)
    # one session earlier only the first was judged
    assert detect_repeated_ruptures(rated(TWO_UNREPAIRED[:-1])) == []


def test_repaired_ruptures_never_count_as_repeated() -> None:
    tension = ["no", "yes", "no", "no", "yes", "no", "no", "a_little"]
    resolved = [None, "completely", None, None, "mostly", None, None, "completely"]
    batch = rated([38] * 8, rupture=tension, resolved=resolved)
    assert [s.severity for s in detect_ruptures(batch)] == ["info"] * 3
    assert detect_repairs(batch) == []
    assert detect_repeated_ruptures(batch) == []
    # a single rupture repaired by the ratings is never "repeated" either
    assert detect_repeated_ruptures(rated([38, 38, 38, 30, 30, 38, 38, 38])) == []


def test_three_ruptures_spread_over_more_than_eight_sessions_are_not_repeated() -> None:
    tension = ["yes", "no", "no", "no", "no", "yes", "no", "no", "yes"]
    resolved = ["completely", None, None, None, None, "completely", None, None, "completely"]
    batch = rated([38] * 9, rupture=tension, resolved=resolved)
    assert len(detect_ruptures(batch)) == 3
    assert detect_repeated_ruptures(batch) == []


def test_repeated_ruptures_stays_at_the_session_it_first_held() -> None:
    batch = rated([*TWO_UNREPAIRED, 28, 28, 38, 38])
    (signal,) = detect_repeated_ruptures(batch)
    assert signal.session_number == 11
    assert detect_repeated_ruptures(prefix(batch, 11)) == [signal]


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------


def test_all_missing_rows_and_empty_batches_give_no_signals() -> None:
    for batch in (empty_batch(3, 5), empty_batch(0, 0), empty_batch(2, 0)):
        for detect in ALLIANCE_DETECTORS:
            assert detect(batch) == []
    assert not ruptures(empty_batch(3, 5)).any()


def test_a_single_session_gives_no_rupture_from_ratings() -> None:
    assert detect_ruptures(rated([0])) == []
    assert detect_low_alliance(rated([0])) == []  # one session is never a state


@PROPERTY
@given(episodes())
def test_no_exception_and_clean_evidence_on_any_episode(batch: EpisodeBatch) -> None:
    for detect in ALLIANCE_DETECTORS:
        found = detect(batch)
        for signal in found:
            check_signal(signal)
        assert len(keys(found)) == len(set(keys(found)))


@PROPERTY
@given(practices())
def test_batch_equals_per_row(rows: list[EpisodeBatch]) -> None:
    for detect in ALLIANCE_DETECTORS:
        assert_batch_equals_rows(detect, rows)
    together = ruptures(stack(rows))
    for i, row in enumerate(rows):
        alone = ruptures(row)[0]
        assert together[i, : alone.shape[0]].tolist() == alone.tolist()
        assert not together[i, alone.shape[0] :].any()


@PROPERTY
@given(episodes(min_sessions=2), st.data())
def test_ruptures_depend_only_on_the_past(batch: EpisodeBatch, data: st.DataObject) -> None:
    # where and which ruptures began depends only on the past; their severity may change
    # later (a rupture that persists becomes an alert, a repaired one a note)
    cut = data.draw(st.integers(1, batch.columns))
    early = detect_ruptures(prefix(batch, cut))
    later = [s for s in detect_ruptures(batch) if s.session_number <= cut]
    assert [(s.key, s.session_number) for s in early] == [(s.key, s.session_number) for s in later]


def _raise_latest(batch: EpisodeBatch, by: int) -> EpisodeBatch:
    has = measured(batch)[0]
    raised = stack([batch])
    if has.any():
        j = int(np.flatnonzero(has)[-1])
        raised.alliance[0, j] = np.minimum(raised.alliance[0, j] + by, 10.0)
    return raised


@PROPERTY
@given(episodes(nan=False), st.integers(1, 10))
def test_raising_the_latest_ratings_never_adds_an_alliance_signal(
    batch: EpisodeBatch, by: int
) -> None:
    raised = _raise_latest(batch, by)
    for detect, kinds in (
        (detect_low_alliance, {"low_alliance"}),
        (detect_repairs, {"unrepaired_rupture"}),
        (detect_repeated_ruptures, {"repeated_ruptures"}),
    ):
        before = {s.key for s in detect(batch) if s.kind in kinds}
        after = {s.key for s in detect(raised) if s.kind in kinds}
        assert after <= before
    # a higher rating never makes a drop; it may end an open rupture, so a later reported
    # tension can then begin a rupture of its own
    assert not (rupture_course(raised).drop & ~rupture_course(batch).drop).any()


@PROPERTY
@given(episodes(nan=False), st.integers(1, 10))
def test_raising_every_rating_never_creates_low_alliance(batch: EpisodeBatch, by: int) -> None:
    # a uniform rise without clipping at 10: fewer sessions are low, more are clear, so an
    # episode without a low-alliance state never gets one (a rise may still end a spell early,
    # and a later relapse is then a spell of its own)
    lowered = stack([batch])
    lowered.alliance[:] = np.minimum(lowered.alliance, 10.0 - by)
    shifted = stack([lowered])
    shifted.alliance[:] = lowered.alliance + by
    if not detect_low_alliance(lowered):
        assert detect_low_alliance(shifted) == []
    assert not any(s.severity == "yellow" for s in detect_low_alliance(shifted)) or any(
        s.severity == "yellow" for s in detect_low_alliance(lowered)
    )


@PROPERTY
@given(episodes(nan=False), st.integers(1, 10))
def test_a_uniform_rise_of_all_ratings_changes_no_rupture(batch: EpisodeBatch, by: int) -> None:
    shifted = stack([batch])
    shifted.alliance[:] = np.minimum(shifted.alliance, 10.0 - by) + by  # no clipping at 10
    lowered = stack([batch])
    lowered.alliance[:] = np.minimum(lowered.alliance, 10.0 - by)
    assert ruptures(shifted).tolist() == ruptures(lowered).tolist()


@PROPERTY
@given(episodes(nan=False))
def test_ratings_at_the_ceiling_never_drop(batch: EpisodeBatch) -> None:
    top = stack([batch])
    top.alliance[:] = 10.0
    assert not rupture_course(top).drop.any()
    assert detect_low_alliance(top) == []


@PROPERTY
@given(episodes(min_sessions=2), st.data())
def test_a_low_alliance_state_keeps_its_key_and_session_as_sessions_are_added(
    batch: EpisodeBatch, data: st.DataObject
) -> None:
    # one state per spell: what the therapist saw after an earlier session is never moved
    # or duplicated by later sessions (no toggling into a second alert for the same spell)
    cut = data.draw(st.integers(1, batch.columns))
    early = {(s.key, s.session_number) for s in detect_low_alliance(prefix(batch, cut))}
    later = {(s.key, s.session_number) for s in detect_low_alliance(batch)}
    assert early <= later
    ongoing = [s for s in detect_low_alliance(batch) if s.severity == "yellow"]
    assert len(ongoing) <= 1
