"""Tests for attune.engine.alliance: low alliance, ruptures, repairs, repeated ruptures.

Worked examples follow the rules in /work/shared/reference/clinical-science.md §3.3-3.5 and
PRODUCT.md ("Clinical signals"). The hypothesis strategy ``episodes`` is shared by the other
engine signal tests.
"""

from __future__ import annotations

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
    RESOLVED,
    RUPTURE,
    STOPPING,
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
    """The same episodes as they stood after their first ``columns`` session columns."""
    cut = slice(0, columns)
    return EpisodeBatch(
        episode_ids=batch.episode_ids,
        session_number=batch.session_number[:, cut],
        attendance=batch.attendance[:, cut],
        days=batch.days[:, cut],
        phq9=batch.phq9[:, cut],
        gad7=batch.gad7[:, cut],
        phq9_item9=batch.phq9_item9[:, cut],
        alliance=batch.alliance[:, cut],
        rupture=batch.rupture[:, cut],
        resolved=batch.resolved[:, cut],
        stopping=batch.stopping[:, cut],
        critical_text=batch.critical_text[:, cut],
        modality_mix=batch.modality_mix[:, cut],
        ended=batch.ended,
    )


_ATTENDANCE = ["attended"] * 5 + [a for a in ATTENDANCE if a != "attended"]
_RATING = st.one_of(st.integers(0, 10).map(float), st.just(math.nan))


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
        return draw(st.lists(strategy, min_size=t, max_size=t))

    rating = _RATING if nan else st.integers(0, 10).map(float)
    score = st.one_of(st.none(), st.integers(0, 27).map(float), st.just(math.nan))
    gaps = draw(st.lists(st.integers(1, 40), min_size=t, max_size=t))
    return episode(
        attendance=per_session(st.sampled_from(_ATTENDANCE)),
        alliance=per_session(st.none() | st.lists(rating, min_size=4, max_size=4)),
        rupture=per_session(st.none() | st.sampled_from(RUPTURE)),
        resolved=per_session(st.none() | st.sampled_from(RESOLVED)),
        stopping=per_session(st.none() | st.sampled_from(STOPPING)),
        critical_text=per_session(st.booleans()),
        phq9=per_session(score),
        gad7=per_session(score),
        item9=per_session(st.none() | st.integers(0, 3).map(float)),
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


def test_low_alliance_total_at_the_cutoff_fires() -> None:
    (signal,) = detect_low_alliance(rated([40, 38, 36]))
    assert signal.kind == "low_alliance" and signal.severity == "yellow"
    assert signal.key == "low_alliance:s3" and signal.session_number == 3
    assert signal.evidence["total"] == 36
    assert signal.evidence["total_low"] is True and signal.evidence["domain_low"] is False
    assert signal.evidence["domains"] == {"bond": 9, "goals": 9, "approach": 9, "overall": 9}
    assert TALK_ABOUT_FIT in signal.actions
    check_signal(signal)


def test_low_alliance_one_above_the_cutoff_with_all_domains_at_nine_is_quiet() -> None:
    assert detect_low_alliance(rated([37])) == []  # 10, 9, 9, 9


def test_low_alliance_one_domain_below_nine_fires_even_with_a_high_total() -> None:
    batch = episode(attendance=["attended"], alliance=[[10, 10, 10, 8]])
    (signal,) = detect_low_alliance(batch)
    assert signal.evidence["total"] == 38
    assert signal.evidence["low_domains"] == ["overall"]
    assert signal.evidence["total_low"] is False and signal.evidence["domain_low"] is True


def test_low_alliance_looks_only_at_the_latest_measured_session() -> None:
    assert detect_low_alliance(rated([30, 30, 40])) == []
    # an attended session without feedback and a no-show with (stray) ratings do not count
    batch = rated(
        [30, None, 40],
        attendance=["attended", "attended", "no_show"],
    )
    (signal,) = detect_low_alliance(batch)
    assert signal.key == "low_alliance:s1"


def test_low_alliance_thresholds_are_configuration() -> None:
    config = LowAllianceConfig(total_at_or_below=30, domain_below=7)
    assert detect_low_alliance(rated([36]), config) == []
    assert keys(detect_low_alliance(rated([30]), config)) == ["low_alliance:s1"]


# --------------------------------------------------------------------------------------------
# ruptures
# --------------------------------------------------------------------------------------------


def test_rupture_drop_at_the_boundary_uses_the_sd_floor() -> None:
    # baseline 38 (mean of 38, 38, 38), own SD 0 -> floor 3, threshold 38 - 1 x 3 = 35
    (signal,) = detect_ruptures(rated([38, 38, 38, 35]))
    assert signal.kind == "rupture" and signal.severity == "yellow"
    assert signal.key == "rupture:s4" and signal.session_number == 4
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


def test_repair_confirmed_by_the_client_at_the_rupture_session() -> None:
    for answer in ("mostly", "completely"):
        batch = rated(
            [38, 38, 38, 30], rupture=[None, None, None, "yes"], resolved=[None] * 3 + [answer]
        )
        (signal,) = detect_repairs(batch)
        assert signal.kind == "repair" and signal.session_number == 4
        assert signal.evidence["repaired_by"] == "client"
        assert signal.evidence["resolved"] == answer


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
    assert short == [s for s in longer if s.session_number <= 4]
    assert keys(detect_repairs(rated([38, 38, 38, 34, 38]))) == ["repair:s4"]
    assert keys(detect_repairs(rated([38, 38, 38, 34, 38, 30, 30]))) == ["repair:s4"]


# --------------------------------------------------------------------------------------------
# repeated ruptures
# --------------------------------------------------------------------------------------------


def test_repeated_ruptures_after_two_unrepaired() -> None:
    # ruptures at s4 (baseline 40) and s5 (baseline 38, SD 3); both unrepaired (s7, s8)
    batch = rated([40, 40, 40, 34, 34, 34, 34, 34])
    assert [s.key for s in detect_repairs(batch)] == [
        "unrepaired_rupture:s4",
        "unrepaired_rupture:s5",
    ]
    (signal,) = detect_repeated_ruptures(batch)
    assert signal.kind == "repeated_ruptures" and signal.severity == "red"
    assert signal.key == "repeated_ruptures" and signal.session_number == 8
    assert signal.evidence["triggers"] == ["unrepaired"]
    assert signal.evidence["unrepaired_sessions"] == [4, 5]
    assert TALK_ABOUT_FIT in signal.actions and WARM_REFERRAL in signal.actions
    assert "encouraged to say so" in signal.explanation
    check_signal(signal)
    # one session earlier only the first was judged
    assert detect_repeated_ruptures(rated([40, 40, 40, 34, 34, 34, 34])) == []


def test_repeated_ruptures_three_within_eight_sessions_even_if_repaired() -> None:
    tension = ["no", "yes", "no", "no", "yes", "no", "no", "a_little"]
    resolved = [None, "completely", None, None, "mostly", None, None, "completely"]
    batch = rated([38] * 8, rupture=tension, resolved=resolved)
    assert len(detect_ruptures(batch)) == 3
    assert all(s.kind == "repair" for s in detect_repairs(batch))
    (signal,) = detect_repeated_ruptures(batch)
    assert signal.session_number == 8
    assert signal.evidence["triggers"] == ["frequent"]
    assert signal.evidence["rupture_sessions_in_window"] == [2, 5, 8]


def test_three_ruptures_spread_over_more_than_eight_sessions_are_not_repeated() -> None:
    tension = ["yes", "no", "no", "no", "no", "yes", "no", "no", "yes"]
    resolved = ["completely", None, None, None, None, "completely", None, None, "completely"]
    batch = rated([38] * 9, rupture=tension, resolved=resolved)
    assert len(detect_ruptures(batch)) == 3
    assert detect_repeated_ruptures(batch) == []


def test_repeated_ruptures_stays_at_the_session_it_first_held() -> None:
    tension = ["no", "yes", "yes", "yes"] + ["no"] * 10
    resolved = [None, "completely", "completely", "completely"] + [None] * 10
    batch = rated([38] * 14, rupture=tension, resolved=resolved)
    (signal,) = detect_repeated_ruptures(batch)
    assert signal.session_number == 4
    assert detect_repeated_ruptures(prefix(batch, 4)) == [signal]


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
    assert keys(detect_low_alliance(rated([0]))) == ["low_alliance:s1"]


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
    cut = data.draw(st.integers(1, batch.columns))
    early = detect_ruptures(prefix(batch, cut))
    later = [s for s in detect_ruptures(batch) if s.session_number <= cut]
    assert early == later


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
        (detect_ruptures, {"rupture"}),
        (detect_repairs, {"unrepaired_rupture"}),
        (detect_repeated_ruptures, {"repeated_ruptures"}),
    ):
        before = {s.key for s in detect(batch) if s.kind in kinds}
        after = {s.key for s in detect(raised) if s.kind in kinds}
        assert after <= before


@PROPERTY
@given(episodes(nan=False), st.integers(1, 10))
def test_raising_every_rating_never_creates_low_alliance(batch: EpisodeBatch, by: int) -> None:
    raised = stack([batch])
    raised.alliance[:] = np.minimum(raised.alliance + by, 10.0)
    assert len(detect_low_alliance(raised)) <= len(detect_low_alliance(batch))


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
