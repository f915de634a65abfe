"""Tests for attune.engine.dropout: the explainable dropout-risk points."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from attune.engine.batch import EpisodeBatch, empty_batch, episode, stack
from attune.engine.dropout import (
    CONTRIBUTORS,
    DropoutConfig,
    detect_dropout_risk,
    dropout_risk,
)
from attune.engine.signals import REVIEW_IN_SUPERVISION, TALK_ABOUT_FIT
from tests.engine.test_alliance import (
    PROPERTY,
    assert_batch_equals_rows,
    check_signal,
    episodes,
    practices,
    rated,
)

LATER = ["attended"] * 6  # six attended sessions: past the early phase, nothing missed


def contributors(signal_evidence: Mapping[str, Any]) -> dict[str, int]:
    listed = signal_evidence["contributors"]
    return {c["contributor"]: c["points"] for c in listed}


def test_no_shows_and_early_phase_add_up_to_yellow() -> None:
    batch = episode(attendance=["attended", "no_show", "attended", "no_show"])
    risk = dropout_risk(batch)
    assert risk.points.tolist() == [5]  # 2 no-shows x 2 + early phase 1
    assert risk.contributors["no_shows"].tolist() == [4]
    assert risk.contributors["early_phase"].tolist() == [1]
    (signal,) = detect_dropout_risk(batch)
    assert signal.kind == "dropout_risk" and signal.severity == "yellow"
    assert signal.key == "dropout_risk" and signal.session_number == 4
    assert signal.evidence["points"] == 5
    assert contributors(signal.evidence) == {"no_shows": 4, "early_phase": 1}
    listed: Any = signal.evidence["contributors"]
    assert {"contributor": "no_shows", "label": "No-shows", "points": 4, "value": 2} in listed
    assert TALK_ABOUT_FIT in signal.actions and REVIEW_IN_SUPERVISION not in signal.actions
    assert "(+4)" in signal.explanation
    check_signal(signal)


def test_three_points_is_quiet_and_four_is_yellow() -> None:
    three = episode(attendance=["attended", "no_show"])  # 2 + 1
    assert dropout_risk(three).points.tolist() == [3]
    assert detect_dropout_risk(three) == []
    four = episode(attendance=["attended", "no_show", "late_cancelled"])  # 2 + 1 + 1
    assert dropout_risk(four).points.tolist() == [4]
    assert detect_dropout_risk(four)[0].severity == "yellow"


def test_thinking_of_stopping_yes_with_a_no_show_is_red() -> None:
    batch = episode(
        attendance=["attended", "no_show", "attended"],
        alliance=[[10] * 4, None, [10] * 4],
        stopping=[None, None, "yes"],
    )
    (signal,) = detect_dropout_risk(batch)
    assert signal.evidence["points"] == 7  # 4 + 2 + 1
    assert signal.severity == "red"
    assert contributors(signal.evidence) == {
        "thinking_of_stopping": 4,
        "no_shows": 2,
        "early_phase": 1,
    }
    assert REVIEW_IN_SUPERVISION in signal.actions
    assert '"yes"' in signal.explanation


def test_sometimes_counts_three_and_the_latest_answer_counts() -> None:
    sometimes = episode(attendance=LATER, stopping=[None, None, None, None, None, "sometimes"])
    assert dropout_risk(sometimes).contributors["thinking_of_stopping"].tolist() == [3]
    changed = episode(attendance=LATER, stopping=[None, "yes", None, None, "no", None])
    assert dropout_risk(changed).contributors["thinking_of_stopping"].tolist() == [0]


def test_only_the_last_six_recorded_sessions_count() -> None:
    attendance = ["no_show"] + ["attended"] * 6 + ["scheduled"]
    assert dropout_risk(episode(attendance=attendance)).contributors["no_shows"].tolist() == [0]
    attendance = ["attended", "no_show"] + ["attended"] * 5 + ["scheduled"]
    assert dropout_risk(episode(attendance=attendance)).contributors["no_shows"].tolist() == [2]


def test_alliance_decline_of_four_points() -> None:
    declined = rated([38, 38, 38, 38, 38, 34])
    risk = dropout_risk(declined)
    assert risk.contributors["alliance_decline"].tolist() == [2]
    assert risk.values["alliance_decline"][0] == pytest.approx(4.0)
    assert dropout_risk(rated([38, 38, 38, 38, 38, 35])).contributors[
        "alliance_decline"
    ].tolist() == [0]
    # early on the latest rating is compared with the earlier ones
    assert dropout_risk(rated([38, 34])).contributors["alliance_decline"].tolist() == [2]


def test_early_phase_is_four_attended_sessions_or_fewer() -> None:
    assert dropout_risk(episode(attendance=["attended"] * 4)).contributors[
        "early_phase"
    ].tolist() == [1]
    assert dropout_risk(episode(attendance=["attended"] * 5)).contributors[
        "early_phase"
    ].tolist() == [0]


def test_not_on_track_input_per_episode_or_per_session() -> None:
    batch = episode(attendance=LATER, phq9=[15, 15, 16, 17, 18, 18])
    assert dropout_risk(batch).contributors["not_on_track"].tolist() == [0]
    now = np.array([True])
    assert dropout_risk(batch, off_track=now).contributors["not_on_track"].tolist() == [2]
    per_session = np.zeros((1, 6), dtype=bool)
    per_session[0, 5] = True
    assert dropout_risk(batch, off_track=per_session).points.tolist() == [2]
    per_session[0, 5], per_session[0, 2] = False, True  # only the latest measurement counts
    assert dropout_risk(batch, off_track=per_session).points.tolist() == [0]
    with pytest.raises(ValueError, match="off_track"):
        dropout_risk(batch, off_track=np.zeros(3, dtype=bool))


def test_long_gap_while_active() -> None:
    attendance = ["attended"] * 5 + ["cancelled"]
    days = [0, 7, 14, 21, 28, 50]  # 22 days since the last attended session
    risk = dropout_risk(episode(attendance=attendance, days=days))
    assert risk.contributors["long_gap"].tolist() == [2]
    assert risk.values["long_gap"][0] == pytest.approx(22.0)
    exactly = episode(attendance=attendance, days=[0, 7, 14, 21, 28, 49])
    assert dropout_risk(exactly).contributors["long_gap"].tolist() == [0]
    ended = episode(attendance=attendance, days=days, ended=True)
    assert dropout_risk(ended).contributors["long_gap"].tolist() == [0]


def test_long_gap_as_of_today() -> None:
    batch = episode(attendance=["attended"] * 5 + ["scheduled"])
    assert dropout_risk(batch).contributors["long_gap"].tolist() == [0]
    late = dropout_risk(batch, as_of=np.array([28.0 + 30]))
    assert late.contributors["long_gap"].tolist() == [2]
    assert late.values["long_gap"][0] == pytest.approx(30.0)


def test_weights_and_thresholds_are_configuration() -> None:
    config = DropoutConfig(no_show_points=3, yellow_at=3, red_at=4)
    batch = episode(attendance=["attended"] * 5 + ["no_show"])
    (signal,) = detect_dropout_risk(batch, config)
    assert signal.evidence["points"] == 3 and signal.severity == "yellow"


def test_points_are_the_sum_of_contributors() -> None:
    batch = stack(
        [
            episode(attendance=["attended", "no_show", "late_cancelled"], episode_id=1),
            rated([38, 38, 38, 38, 30], stopping=[None] * 4 + ["sometimes"], episode_id=2),
        ]
    )
    risk = dropout_risk(batch)
    total = np.sum([risk.contributors[name] for name in CONTRIBUTORS], axis=0)
    assert risk.points.tolist() == total.tolist()


def test_empty_and_all_missing() -> None:
    assert detect_dropout_risk(empty_batch(3, 5)) == []
    assert detect_dropout_risk(empty_batch(0, 0)) == []
    assert dropout_risk(empty_batch(2, 0)).points.tolist() == [1, 1]  # early phase only


@PROPERTY
@given(episodes())
def test_no_exception_and_clean_evidence(batch: EpisodeBatch) -> None:
    for signal in detect_dropout_risk(batch):
        check_signal(signal)
        assert signal.evidence["points"] == sum(contributors(signal.evidence).values())


@PROPERTY
@given(practices())
def test_batch_equals_per_row(rows: list[EpisodeBatch]) -> None:
    assert_batch_equals_rows(detect_dropout_risk, rows)
    together = dropout_risk(stack(rows)).points.tolist()
    assert together == [int(dropout_risk(row).points[0]) for row in rows]


def test_low_early_feedback_warns_while_the_client_still_attends() -> None:
    # one attended session rated 28 of 40: early phase 1 + low early feedback 3 = yellow now
    low = episode(attendance=["attended"], alliance=[[7, 7, 7, 7]])
    (signal,) = detect_dropout_risk(low)
    assert signal.severity == "yellow" and signal.session_number == 1
    assert contributors(signal.evidence) == {"low_early_alliance": 3, "early_phase": 1}
    assert "averages 28 of 40" in signal.explanation
    # 31 of 40 is not low
    assert detect_dropout_risk(episode(attendance=["attended"], alliance=[[8, 8, 8, 7]])) == []


def test_low_early_feedback_is_the_mean_of_the_first_three_sessions() -> None:
    # 28 then 36: the mean 32 is not low, one low rating among good ones is noise
    rising = episode(attendance=["attended"] * 2, alliance=[[7, 7, 7, 7], [9, 9, 9, 9]])
    assert dropout_risk(rising).contributors["low_early_alliance"].tolist() == [0]
    # after the third attended session it no longer counts
    steady = [[7, 7, 7, 7]] * 4
    assert dropout_risk(episode(attendance=["attended"] * 3, alliance=steady[:3])).contributors[
        "low_early_alliance"
    ].tolist() == [3]
    assert dropout_risk(episode(attendance=["attended"] * 4, alliance=steady)).contributors[
        "low_early_alliance"
    ].tolist() == [0]


def test_not_on_track_and_a_falling_alliance_alone_raise_no_dropout_warning() -> None:
    """4 points from two concerns that have their own cards: no second card for them."""
    declined = rated([38, 38, 38, 38, 38, 33])
    off = np.array([True])
    risk = dropout_risk(declined, off_track=off)
    assert risk.points.tolist() == [4]  # falling feedback 2 + not on track 2
    assert risk.sign_of_leaving.tolist() == [False]
    assert detect_dropout_risk(declined, off_track=off) == []
    # a practice that wants the points alone to count can say so
    (signal,) = detect_dropout_risk(
        declined, DropoutConfig(needs_sign_of_leaving=False), off_track=off
    )
    assert signal.severity == "yellow"


def test_one_sign_of_leaving_lets_the_other_points_count() -> None:
    batch = episode(attendance=[*LATER, "no_show"], alliance=[[9.5] * 4] * 5 + [[8.25] * 4])
    off = np.array([True])
    risk = dropout_risk(batch, off_track=off)
    assert risk.sign_of_leaving.tolist() == [True]
    (signal,) = detect_dropout_risk(batch, off_track=off)
    assert contributors(signal.evidence) == {
        "no_shows": 2,
        "alliance_decline": 2,
        "not_on_track": 2,
    }
    assert signal.severity == "red"
