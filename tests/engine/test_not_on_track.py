"""Not on track: worked examples against the reference curve, the detector, properties.

Hand computation (PHQ-9 reference, intake 14, band 10-14, b = -2.0905, s_e = 3.0612,
s_u = 2.1227; z80 = 1.28155, z95 = 1.95996):

* session 5: expected = 14 - 2.0905 * ln 5 = 10.635; sd = 4.587;
  yellow above 10.635 + 1.28155 * 4.587 = 16.514; red above 10.635 + 1.95996 * 4.587 = 19.626.
* session 3: expected = 14 - 2.0905 * ln 3 = 11.703; sd = sqrt(3.0612^2 + (2.1227 ln 3)^2)
  = 3.848; yellow above 16.635; red above 19.245.
* session 4: expected = 14 - 2.0905 * ln 4 = 11.102; sd = 4.246; red above 19.425.
* session 2: expected = 14 - 2.0905 * ln 2 = 12.551; sd = 3.397; yellow above 16.904; red
  above 19.208.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.engine.batch import EpisodeBatch, episode, stack
from attune.engine.not_on_track import (
    NotOnTrackConfig,
    assess,
    detect_not_on_track,
    session_status,
    status,
)
from attune.engine.recovery import RecoveryCurves, reference_curves

A = "attended"


def five(last: float | None, *, attendance: tuple[str, ...] = (A,) * 5) -> EpisodeBatch:
    return episode(attendance=list(attendance), phq9=[14, 13, 13, 13, last])


def test_worked_example_session_5() -> None:
    assert status(five(16)).tolist() == [0]
    assert status(five(16.5)).tolist() == [0]  # just below 16.514
    assert status(five(17)).tolist() == [1]  # above 16.514 -> yellow
    assert status(five(19.5)).tolist() == [1]  # below 19.626
    assert status(five(20)).tolist() == [2]  # above 19.626 -> red
    a = assess(five(17))
    assert float(a.expected[0, 4]) == pytest.approx(10.635, abs=1e-3)
    assert float(a.yellow_upper[0, 4]) == pytest.approx(16.514, abs=2e-3)
    assert float(a.red_upper[0, 4]) == pytest.approx(19.626, abs=2e-3)


def test_worked_example_session_3_and_per_session_status() -> None:
    b = episode(attendance=[A] * 4, phq9=[14, 15, 17, 20])
    assert float(assess(b).yellow_upper[0, 2]) == pytest.approx(16.635, abs=2e-3)
    assert float(assess(b).red_upper[0, 2]) == pytest.approx(19.245, abs=2e-3)
    # the intake is never judged; session 2: 15 is inside; session 3: 17 yellow; 4: 20 red
    st_ = session_status(b)
    assert st_[0, :3].tolist() == [0, 0, 1]
    assert st_[0, 3] == 2  # session 4: red above 19.425


def test_missed_sessions_do_not_advance_the_curve() -> None:
    # a no-show and a cancellation: the 17 is judged at curve session 3, not 5
    b = five(17, attendance=(A, "no_show", A, "cancelled", A))
    a = assess(b)
    assert float(a.trajectory.session[0, 4]) == 3.0
    assert float(a.yellow_upper[0, 4]) == pytest.approx(16.635, abs=2e-3)
    assert status(b).tolist() == [1]
    sched = NotOnTrackConfig(dose="scheduled")
    assert float(assess(b, config=sched).trajectory.session[0, 4]) == 5.0


def test_latest_measurement_decides_and_missing_cells_are_skipped() -> None:
    b = episode(attendance=[A] * 6, phq9=[14, 13, 13, 13, 20, None])
    assert status(b).tolist() == [2]  # the latest score is at session 5
    b = episode(attendance=[A] * 6, phq9=[14, 13, 13, 13, 20, 9])
    assert status(b).tolist() == [0]  # back on track
    assert session_status(b)[0].tolist() == [0, 0, 0, 0, 2, 0]


def test_edge_cases() -> None:
    assert status(episode(attendance=[A], phq9=[27])).tolist() == [0]
    assert status(episode(attendance=[A, A, A])).tolist() == [0]  # nothing measured
    assert status(episode(attendance=[])).tolist() == [0]
    assert session_status(episode(attendance=[])).shape == (1, 0)
    # the first score is the intake, even when it comes late
    b = episode(attendance=[A] * 4, phq9=[None, None, 14, 18])
    assert float(assess(b).trajectory.intake[0]) == 14.0
    assert status(b).tolist() == [1]  # curve session 2: yellow above 16.904, red above 19.208
    with pytest.raises(ValueError):
        NotOnTrackConfig(yellow_level=0.9, red_level=0.8)
    with pytest.raises(ValueError):
        status(five(17), reference_curves(), NotOnTrackConfig(measure="gad7"))


def test_detector_signal() -> None:
    b = five(17)
    (sig,) = detect_not_on_track(b)
    assert sig.kind == "not_on_track"
    assert sig.key == "not_on_track"
    assert sig.severity == "yellow"
    assert sig.session_number == 5
    ev = dict(sig.evidence)
    json.dumps(ev)  # plain, JSON-serialisable values
    assert ev["intake"] == 14.0 and ev["score"] == 17.0 and ev["session"] == 5
    assert ev["expected"] == pytest.approx(10.64, abs=0.01)
    assert ev["upper"] == pytest.approx(16.51, abs=0.01)
    assert ev["curve"] == "NHS Talking Therapies reference"
    assert ev["band"] == "80 % tolerance band"
    assert ev["intake_band"] == "10–14"
    assert "Finch" in sig.source and "NHS Talking Therapies" in sig.source
    assert "expects about 10.6" in sig.explanation
    assert len(sig.actions) == 3
    (red,) = detect_not_on_track(five(21))
    assert red.severity == "red" and red.key == "not_on_track"
    assert red.evidence["band"] == "95 % tolerance band"
    assert detect_not_on_track(five(12)) == []


def test_detector_uses_practice_curves_when_given() -> None:
    flat = RecoveryCurves(
        "this practice, n = 134 episodes", "phq9", (0.0,) * 5, (1.0,) * 5, (0.0,) * 5, 134
    )
    # expected stays at the intake 14; yellow above 14 + 1.28, red above 14 + 1.96
    (sig,) = detect_not_on_track(five(15.5), curves=flat)
    assert sig.severity == "yellow"
    assert sig.evidence["curve"] == "this practice, n = 134 episodes"
    assert sig.evidence["expected"] == 14.0
    assert status(five(16), flat).tolist() == [2]


def test_one_signal_per_episode_in_a_batch() -> None:
    b = stack([five(17), five(12), five(21)])
    b.episode_ids[:] = [7, 8, 9]
    signals = detect_not_on_track(b)
    assert [(s.episode_id, s.severity) for s in signals] == [(7, "yellow"), (9, "red")]


# ------------------------------------------------------------------------------------------
# properties
# ------------------------------------------------------------------------------------------

ATTENDANCE = ("attended", "cancelled", "late_cancelled", "no_show")
cell = st.one_of(st.none(), st.integers(0, 27).map(float), st.just(float("nan")))


@st.composite
def episodes(draw: st.DrawFn) -> EpisodeBatch:
    t = draw(st.integers(0, 12))
    att = draw(st.lists(st.sampled_from(ATTENDANCE), min_size=t, max_size=t))
    phq = draw(st.lists(cell, min_size=t, max_size=t))
    return episode(attendance=att, phq9=phq)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(episodes(), min_size=1, max_size=6))
def test_batch_equals_rows(rows: list[EpisodeBatch]) -> None:
    batch = stack(rows)
    batch.episode_ids[:] = np.arange(batch.size)
    whole = status(batch)
    per_row = [int(status(batch.row(i))[0]) for i in range(batch.size)]
    assert whole.tolist() == per_row
    sig = {s.episode_id: s for s in detect_not_on_track(batch)}
    for i in range(batch.size):
        single = detect_not_on_track(batch.row(i))
        assert [s.severity for s in single] == ([sig[i].severity] if i in sig else [])
        assert single == ([sig[i]] if i in sig else [])


@settings(max_examples=150, deadline=None)
@given(episodes(), st.data())
def test_lowering_a_score_never_raises_the_status(b: EpisodeBatch, data: st.DataObject) -> None:
    before = session_status(b)
    measured = np.flatnonzero(~np.isnan(b.phq9[0]))
    if measured.size < 2:
        return
    col = int(data.draw(st.sampled_from(measured[1:].tolist())))  # not the intake
    lower = data.draw(st.floats(0, float(b.phq9[0, col])))
    b.phq9[0, col] = lower
    after = session_status(b)
    assert (after <= before).all()
    latest_before = int(before[0, measured[-1]])
    assert int(status(b)[0]) <= latest_before


@settings(max_examples=100, deadline=None)
@given(episodes())
def test_never_raises_and_statuses_are_valid(b: EpisodeBatch) -> None:
    st_ = session_status(b)
    assert st_.shape == b.phq9.shape
    assert set(np.unique(st_).tolist()) <= {0, 1, 2}
    assert (st_[np.isnan(b.phq9)] == 0).all()
    for s in detect_not_on_track(b):
        json.dumps(dict(s.evidence))
