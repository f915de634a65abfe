"""Tests for attune.engine.sudden_gains: Tang & DeRubeis criteria as in the suddengains package.

Expected values: clinical-science.md §4 (test vector 30, 29, 28, 18, 17, 16; exact critical
values 2.776445 / 3.182446 / 4.302653) and the suddengains tutorial's documented results on
``sgdata`` (Wiedemann et al. 2020; vignette "A tutorial on using the suddengains R package"):
24 gains in 15 of 43 people, 8 people with more than one, mean magnitude 11 (SD 3.43), 298
testable intervals, and for ID 5 a first gain from session 3 to 4 and a largest from 8 to 9.
"""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attune.engine.batch import EpisodeBatch, episode, stack
from attune.engine.signals import ACKNOWLEDGE_PROGRESS, Signal
from attune.engine.sudden_gains import (
    PHQ9_SUDDEN_CHANGES,
    SuddenChange,
    SuddenGainConfig,
    count_testable_intervals,
    detect_sudden_changes,
    identify_sudden_changes,
    identify_sudden_gains,
    identify_sudden_losses,
    summarise,
    t_critical_value,
)
from tests.shared_data import OUTCOME_REFERENCE, needs

SGDATA = OUTCOME_REFERENCE / "suddengains" / "sgdata.csv"
needs_sgdata = needs(SGDATA)


def _sgdata(columns: list[str]) -> tuple[list[str], np.ndarray]:
    with SGDATA.open(newline="") as f:
        rows = list(csv.DictReader(f))
    ids = [r["id"] for r in rows]
    values = [[float(r[c]) if r[c] else math.nan for c in columns] for r in rows]
    return ids, np.array(values)


SESSIONS = [f"bdi_s{i}" for i in range(1, 13)]


# --------------------------------------------------------------------------- critical values


def test_exact_critical_values() -> None:
    # R: abs(qt(0.025, df)) for df = 4, 3, 2 (clinical-science.md §4).
    assert t_critical_value(0.05, 4) == pytest.approx(2.776445, abs=5e-7)
    assert t_critical_value(0.05, 3) == pytest.approx(3.182446, abs=5e-7)
    assert t_critical_value(0.05, 2) == pytest.approx(4.302653, abs=5e-7)
    # Tutorial output with alpha = .01: 4.604 (3 + 3 values), 9.925 (2 + 2 values).
    assert round(t_critical_value(0.01, 4), 3) == 4.604
    assert round(t_critical_value(0.01, 2), 3) == 9.925
    # df 1 is the Cauchy distribution: tan(0.475·π).
    assert t_critical_value(0.05, 1) == pytest.approx(math.tan(0.475 * math.pi), rel=1e-12)


# --------------------------------------------------------------------------- test vectors


def test_clinical_science_test_vector() -> None:
    # §4: BDI 30, 29, 28, 18, 17, 16 — a sudden gain between sessions 3 and 4.
    events = identify_sudden_gains([[30, 29, 28, 18, 17, 16]])
    assert len(events) == 1
    e = events[0]
    assert (e.person, e.session, e.pre_score, e.post_score, e.magnitude) == (0, 3, 28, 18, 10)
    assert (e.pre_mean, e.post_mean, e.pooled_sd) == pytest.approx((29.0, 17.0, 1.0))
    assert e.critical_value == pytest.approx(2.776445, abs=5e-7)
    assert (e.n_pre, e.n_post) == (3, 3)
    assert identify_sudden_losses([[30, 29, 28, 18, 17, 16]]) == []


def test_tutorial_check_interval_examples() -> None:
    # check_interval(pre = c(32, 31, 33), post = c(5, 6, 7)): a gain, critical value 2.776.
    gain = identify_sudden_gains([[32, 31, 33, 5, 6, 7]])
    assert [(g.session, round(g.critical_value, 3)) for g in gain] == [(3, 2.776)]
    # check_interval(pre = c(5, NA, 7), post = c(16, 12, 14), cutoff -7, "sl"): a loss, 3.182.
    loss = identify_sudden_losses([[5, math.nan, 7, 16, 12, 14]])
    assert [(x.session, x.n_pre, x.n_post, round(x.critical_value, 3)) for x in loss] == [
        (3, 2, 3, 3.182)
    ]
    assert (loss[0].pre_mean, loss[0].post_mean) == pytest.approx((6.0, 14.0))


def test_each_criterion_can_fail_alone() -> None:
    # Criterion 1: a drop of 6 < 7.
    assert identify_sudden_gains([[24, 23, 22, 16, 15, 14]]) == []
    # ... but with an RCI-style cut-off of 6 it is a gain.
    assert len(identify_sudden_gains([[24, 23, 22, 16, 15, 14]], SuddenGainConfig(cutoff=6))) == 1
    # Criterion 2: 7 points from 40 is only 17.5 %.
    assert identify_sudden_gains([[41, 40, 40, 33, 32, 32]]) == []
    # Criterion 3: an unstable course (a spike before the drop).
    assert identify_sudden_gains([[10, 40, 28, 18, 30, 16]]) == []
    # The boundary of criterion 1 is inclusive (>= 7), as in the package.
    assert len(identify_sudden_gains([[30, 29, 28, 21, 20, 19]])) == 1


def test_missing_values_adjust_the_critical_value() -> None:
    nan = math.nan
    one_missing = identify_sudden_gains([[30, nan, 28, 18, 17, 16]])
    assert [(e.n_pre, e.n_post, round(e.critical_value, 6)) for e in one_missing] == [
        (2, 3, 3.182446)
    ]
    both = identify_sudden_gains([[30, nan, 28, 18, nan, 16]])
    assert [(e.n_pre, e.n_post, round(e.critical_value, 6)) for e in both] == [(2, 2, 4.302653)]
    # One value on a side is not enough; nor is a missing pre- or post-gain score.
    assert identify_sudden_gains([[nan, nan, 28, 18, 17, 16]]) == []
    assert identify_sudden_gains([[30, 29, 28, 18, nan, nan]]) == []
    assert identify_sudden_gains([[30, 29, nan, 18, 17, 16]]) == []


def test_no_gain_between_sessions_one_and_two_by_default() -> None:
    # The drop 30 -> 18 is between the first two columns: only one pre-gain value.
    assert identify_sudden_gains([[30, 18, 17, 16]]) == []
    # With a baseline first column (identify_1to2), sessions count from 0 and 1 -> 2 is tested.
    config = SuddenGainConfig(identify_1to2=True)
    events = identify_sudden_gains([[31, 30, 18, 17, 16]], config)
    assert [(e.session, e.pre_column) for e in events] == [(1, 1)]


def test_fixed_critical_value_option() -> None:
    # sg_crit3_adjust = FALSE: 2.776 for every comparison, even with missing values.
    config = SuddenGainConfig(critical_value=2.776)
    events = identify_sudden_gains([[30, math.nan, 28, 18, math.nan, 16]], config)
    assert [e.critical_value for e in events] == [2.776]


def test_losses_mirror_gains() -> None:
    assert [e.session for e in identify_sudden_losses([[10, 11, 12, 22, 23, 24]])] == [3]
    assert identify_sudden_gains([[10, 11, 12, 22, 23, 24]]) == []
    # Mirror of criterion 2: a rise of 7 from 30 is under 25 % of 30.
    assert identify_sudden_losses([[29, 30, 30, 37, 38, 38]]) == []


def test_degenerate_shapes() -> None:
    assert identify_sudden_gains(np.zeros((0, 6))) == []
    assert identify_sudden_gains(np.zeros((3, 0))) == []
    assert identify_sudden_gains(np.zeros((3, 1))) == []
    assert identify_sudden_gains([30, 29, 28, 18, 17, 16])[0].person == 0  # 1-D = one person
    with pytest.raises(ValueError):
        identify_sudden_gains(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError):
        SuddenGainConfig(cutoff=0)


# --------------------------------------------------------------------------- sgdata


@needs_sgdata
def test_sgdata_matches_the_package_tutorial() -> None:
    ids, scores = _sgdata(SESSIONS)
    events = identify_sudden_gains(scores)
    summary = summarise(events)
    assert (len(ids), summary.events, summary.people, summary.people_with_multiple) == (
        43, 24, 15, 8,
    )  # fmt: skip
    assert summary.mean_magnitude == pytest.approx(11.0)
    assert np.std([e.magnitude for e in events], ddof=1) == pytest.approx(3.43, abs=0.005)
    assert count_testable_intervals(scores) == 298
    # ID 5: first gain 3 -> 4, largest gain 8 -> 9 (tutorial, multiple_sg_select).
    five = [e for e in events if ids[e.person] == "5"]
    assert [e.session for e in five] == [3, 8]
    assert max(five, key=lambda e: e.magnitude).session == 8


@needs_sgdata
def test_sgdata_hand_checked_person_1() -> None:
    # ID 1: 35 37 34 23 24 21 29 17 11 11 10 7.
    ids, scores = _sgdata(SESSIONS)
    events = [e for e in identify_sudden_gains(scores) if ids[e.person] == "1"]
    assert [(e.session, e.pre_score, e.post_score) for e in events] == [(3, 34, 23), (7, 29, 17)]
    first, second = events
    # 3 -> 4: means 35.33 vs 22.67; both sums of squares 4.667, pooled SD √(9.333/4) = 1.528.
    assert first.pre_mean - first.post_mean == pytest.approx(38 / 3)
    assert first.pooled_sd == pytest.approx(math.sqrt((14 / 3 + 14 / 3) / 4))
    # 7 -> 8: 24.67 vs 13.00; SS 32.67 and 24, pooled SD 3.764; 11.67 > 2.776 × 3.764 = 10.45.
    assert second.pooled_sd == pytest.approx(math.sqrt((98 / 3 + 24) / 4))
    assert second.pre_mean - second.post_mean > second.critical_value * second.pooled_sd
    # 6 -> 7 (21 -> 29) is a rise of 8, but the course after it falls: no sudden loss.
    assert [e for e in identify_sudden_losses(scores) if ids[e.person] == "1"] == []


@needs_sgdata
def test_sgdata_recorded_counts() -> None:
    # Not documented by the package; recorded here (hand-checked) so changes are noticed.
    ids, scores = _sgdata(SESSIONS)
    losses = identify_sudden_losses(scores)
    assert [(ids[e.person], e.session, e.pre_score, e.post_score) for e in losses] == [
        ("4", 9, 24, 33), ("34", 7, 8, 20), ("35", 7, 4, 22),
    ]  # fmt: skip
    # The package's loss criterion 2 (x[n] - x[n+1] <= 25 % of x[n], met by every rise) finds
    # the same three: criterion 2 switched off changes nothing here.
    assert identify_sudden_losses(scores, SuddenGainConfig(percent=0.0)) == losses
    # sg_crit3_adjust = FALSE (2.776 everywhere) finds 2 more gains than the exact quantiles.
    assert len(identify_sudden_gains(scores, SuddenGainConfig(critical_value=2.776))) == 26
    # identify_sg_1to2 with the baseline bdi_s0 in front.
    _, with_s0 = _sgdata(["bdi_s0", *SESSIONS])
    assert len(identify_sudden_gains(with_s0, SuddenGainConfig(identify_1to2=True))) == 26


# --------------------------------------------------------------------------- a reference loop


def _reference(scores: np.ndarray, config: SuddenGainConfig, loss: bool) -> list[tuple[int, int]]:
    """A direct transcription of the package's per-interval loop (check_interval)."""
    found = []
    n, t = scores.shape
    for i in range(n):
        for j in range(1, t - 1):  # j = 0-based pre-gain column; j + 1 = post-gain column
            before = [v for v in scores[i, max(0, j - 2) : j + 1] if not math.isnan(v)]
            after = [v for v in scores[i, j + 1 : j + 4] if not math.isnan(v)]
            pre, post = scores[i, j], scores[i, j + 1]
            if math.isnan(pre) or math.isnan(post) or len(before) < 2 or len(after) < 2:
                continue
            jump = (post - pre) if loss else (pre - post)
            mb, ma = sum(before) / len(before), sum(after) / len(after)
            ss = sum((v - mb) ** 2 for v in before) + sum((v - ma) ** 2 for v in after)
            df = len(before) + len(after) - 2
            crit = t_critical_value(config.alpha, df)
            shift = (ma - mb) if loss else (mb - ma)
            if (
                jump >= config.cutoff
                and jump >= config.percent * pre
                and shift > crit * math.sqrt(ss / df)
            ):
                found.append((i, j))
    return found


cell = st.one_of(st.just(math.nan), st.integers(0, 40).map(float))
matrices = st.integers(0, 6).flatmap(
    lambda n: st.integers(0, 10).flatmap(
        lambda t: st.lists(st.lists(cell, min_size=t, max_size=t), min_size=n, max_size=n).map(
            lambda rows, t=t: np.array(rows, dtype=np.float64).reshape(len(rows), t)
        )
    )
)


@given(matrices, st.booleans())
@settings(max_examples=300, deadline=None)
def test_vectorised_equals_the_reference_loop(scores: np.ndarray, loss: bool) -> None:
    config = SuddenGainConfig()
    events = identify_sudden_changes(scores, config, losses=loss)
    assert [(e.person, e.pre_column) for e in events] == _reference(scores, config, loss)


@given(matrices, st.booleans())
@settings(max_examples=200, deadline=None)
def test_batch_equals_per_row_identification(scores: np.ndarray, loss: bool) -> None:
    whole = identify_sudden_changes(scores, losses=loss)
    per_row: list[SuddenChange] = []
    for i in range(scores.shape[0]):
        for e in identify_sudden_changes(scores[i : i + 1], losses=loss):
            per_row.append(SuddenChange(**{**e.__dict__, "person": i}))
    assert whole == per_row


@given(matrices)
@settings(max_examples=200, deadline=None)
def test_gains_go_down_and_losses_go_up(scores: np.ndarray) -> None:
    for e in identify_sudden_gains(scores):
        assert e.post_score < e.pre_score and e.change < 0 < e.magnitude
    for e in identify_sudden_losses(scores):
        assert e.post_score > e.pre_score and e.change > 0 < e.magnitude


# --------------------------------------------------------------------------- detector


def _ep(phq9: list[float | None], attendance: list[str] | None = None, **kw: object):
    att = attendance or ["attended"] * len(phq9)
    return episode(attendance=att, phq9=phq9, **kw)  # type: ignore[arg-type]


def _plain(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return value is None or type(value) in (bool, int, float, str)


def test_detector_sudden_gain_on_phq9() -> None:
    signals = detect_sudden_changes(_ep([20, 19, 18, 10, 9, 8], episode_id=3))
    assert len(signals) == 1
    s = signals[0]
    assert (s.episode_id, s.kind, s.severity, s.key, s.session_number) == (
        3, "sudden_gain", "info", "sudden_gain:s3", 3,
    )  # fmt: skip
    ev = s.evidence
    assert (ev["pre_gain_session"], ev["post_gain_session"], ev["magnitude"]) == (3, 4, 8.0)
    assert ev["cutoff"] == PHQ9_SUDDEN_CHANGES.cutoff == 6.0
    assert _plain(dict(ev)) and json.dumps(dict(ev), allow_nan=False)
    assert s.actions == (ACKNOWLEDGE_PROGRESS,)
    assert "Tang & DeRubeis" in s.source and "suddengains" in s.source
    assert "18" in s.explanation and "10" in s.explanation


def test_detector_sudden_loss_is_yellow() -> None:
    signals = detect_sudden_changes(_ep([8, 9, 10, 18, 19, 20]))
    assert [(s.kind, s.severity, s.key) for s in signals] == [
        ("sudden_loss", "yellow", "sudden_loss:s3")
    ]


def test_detector_skips_sessions_that_did_not_take_place() -> None:
    # A cancelled session and a no-show between the check-ins are not measurement points;
    # an attended session without a check-in is a missing value in its place.
    batch = _ep(
        [20, 19, None, 18, None, 10, 9, 8],
        ["attended", "attended", "cancelled", "attended", "no_show", "attended", "attended",
         "attended"],
    )  # fmt: skip
    signals = detect_sudden_changes(batch)
    assert [(s.key, s.evidence["post_gain_session"]) for s in signals] == [("sudden_gain:s4", 6)]
    # The same course with a missing check-in at an attended session: one value fewer before.
    missing = _ep([20, None, 18, 10, 9, 8])
    [s] = detect_sudden_changes(missing)
    assert (s.key, s.evidence["values_before"]) == ("sudden_gain:s3", 2)


def test_detector_orders_each_episode_like_a_one_row_batch() -> None:
    # A gain and a later loss in each of two episodes: the batch lists them episode by episode.
    rows = [_ep([20, 19, 18, 10, 9, 8, 16, 17, 18], episode_id=i) for i in (1, 2)]
    batched = detect_sudden_changes(stack(rows))
    assert [(s.episode_id, s.key) for s in batched] == [
        (1, "sudden_gain:s3"), (1, "sudden_loss:s6"), (2, "sudden_gain:s3"), (2, "sudden_loss:s6"),
    ]  # fmt: skip
    assert batched == detect_sudden_changes(rows[0]) + detect_sudden_changes(rows[1])


def test_detector_nothing_to_judge() -> None:
    assert detect_sudden_changes(_ep([20])) == []
    assert detect_sudden_changes(_ep([None, None, None, None])) == []
    assert detect_sudden_changes(stack([])) == []


phq_score = st.one_of(st.none(), st.integers(0, 27).map(float))


@st.composite
def episodes(draw: st.DrawFn) -> EpisodeBatch:
    phq = draw(st.lists(phq_score, min_size=0, max_size=12))
    attendance = draw(
        st.lists(
            st.sampled_from(["attended", "attended", "attended", "cancelled", "no_show"]),
            min_size=len(phq),
            max_size=len(phq),
        )
    )
    return episode(attendance=attendance, phq9=phq, episode_id=draw(st.integers(0, 999)))


@given(st.lists(episodes(), max_size=6))
@settings(max_examples=150, deadline=None)
def test_detector_batch_equals_per_row(rows: list[EpisodeBatch]) -> None:
    per_row: list[Signal] = []
    for row in rows:
        per_row.extend(detect_sudden_changes(row))
    assert detect_sudden_changes(stack(rows)) == per_row


@given(episodes())
@settings(max_examples=200, deadline=None)
def test_a_better_score_never_makes_a_sudden_loss(batch: EpisodeBatch) -> None:
    for s in detect_sudden_changes(batch):
        ev = s.evidence
        assert _plain(dict(ev))
        if s.kind == "sudden_loss":
            assert float(ev["post_score"]) > float(ev["pre_score"])  # type: ignore[arg-type]
        else:
            assert float(ev["post_score"]) < float(ev["pre_score"])  # type: ignore[arg-type]


@given(st.lists(st.integers(0, 27).map(float), max_size=12))
def test_a_course_that_never_worsens_has_no_sudden_loss(phq: list[float]) -> None:
    falling = sorted(phq, reverse=True)
    assert all(s.kind == "sudden_gain" for s in detect_sudden_changes(_ep(list(falling))))
