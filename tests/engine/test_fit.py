"""Tests for attune.engine.fit: the match check-in at session 3."""

from __future__ import annotations

from hypothesis import given

from attune.engine.batch import EpisodeBatch, empty_batch, episode
from attune.engine.fit import FitCheckConfig, detect_fit_check
from attune.engine.signals import TALK_ABOUT_FIT, WARM_REFERRAL
from tests.engine.test_alliance import (
    PROPERTY,
    assert_batch_equals_rows,
    check_signal,
    domains,
    episodes,
    practices,
    prefix,
    rated,
)


def test_quiet_when_all_is_well_at_session_three() -> None:
    batch = rated([38, 39, 40], stopping=[None, "no", "no"])
    assert detect_fit_check(batch) == []


def test_low_alliance_at_session_three_fires() -> None:
    (signal,) = detect_fit_check(rated([38, 38, 36]))
    assert signal.kind == "fit_check" and signal.severity == "yellow"
    assert signal.key == "fit_check" and signal.session_number == 3
    ev = signal.evidence
    assert ev["low"] is True and ev["total_low"] is True and ev["falling"] is False
    assert ev["latest_total"] == 36 and ev["first_total"] == 38 and ev["change"] == -2
    assert TALK_ABOUT_FIT in signal.actions and WARM_REFERRAL in signal.actions
    assert "resistance" in signal.explanation
    check_signal(signal)


def test_a_domain_below_nine_is_low() -> None:
    batch = episode(attendance=["attended"] * 3, alliance=[[10] * 4, [10] * 4, [10, 10, 10, 8]])
    (signal,) = detect_fit_check(batch)
    assert signal.evidence["domain_low"] is True and signal.evidence["total_low"] is False


def test_falling_by_three_fires_at_the_boundary() -> None:
    # 40 -> 37 (10, 9, 9, 9: not low) is a fall of 3
    (signal,) = detect_fit_check(rated([40, 39, 37]))
    assert signal.evidence["falling"] is True and signal.evidence["low"] is False
    assert signal.evidence["change"] == -3
    # 40 -> 38: a fall of 2 is not enough
    assert detect_fit_check(rated([40, 38, 38])) == []


def test_client_unsure_about_stopping_fires() -> None:
    for answer in ("sometimes", "yes"):
        (signal,) = detect_fit_check(rated([39, 39, 39], stopping=[None, "no", answer]))
        assert signal.evidence["unsure"] is True and signal.evidence["stopping"] == answer
        assert answer in signal.explanation


def test_the_latest_stopping_answer_counts() -> None:
    assert detect_fit_check(rated([39, 39, 39], stopping=[None, "sometimes", "no"])) == []
    batch = rated([39, 39, 39], stopping=[None, "sometimes", None])
    assert detect_fit_check(batch)[0].evidence["stopping"] == "sometimes"


def test_session_three_is_the_third_attended_session() -> None:
    batch = rated(
        [38, None, None, 38, 30],
        attendance=["attended", "no_show", "cancelled", "attended", "attended"],
    )
    (signal,) = detect_fit_check(batch)
    assert signal.session_number == 5
    assert signal.evidence["first_total"] == 38 and signal.evidence["latest_total"] == 30


def test_nothing_before_session_three() -> None:
    assert detect_fit_check(rated([20, 20])) == []


def test_later_sessions_do_not_change_it() -> None:
    batch = rated([38, 38, 30, 40, 40, 40])
    assert detect_fit_check(batch) == detect_fit_check(prefix(batch, 3))
    assert detect_fit_check(rated([38, 38, 38, 20])) == []


def test_without_feedback_at_session_three_the_latest_earlier_feedback_counts() -> None:
    (signal,) = detect_fit_check(rated([38, 30, None]))
    assert signal.session_number == 3 and signal.evidence["latest_total"] == 30


def test_configurable_session_and_thresholds() -> None:
    config = FitCheckConfig(at_session=4, falling_by=5)
    assert detect_fit_check(rated([40, 39, 36]), config) == []
    assert detect_fit_check(rated([40, 39, 37, 37]), config) == []
    assert detect_fit_check(rated([40, 40, 40, 35]), config)[0].evidence["falling"] is True


def test_empty_and_all_missing() -> None:
    assert detect_fit_check(empty_batch(2, 4)) == []
    assert detect_fit_check(empty_batch(0, 0)) == []
    assert detect_fit_check(episode(attendance=["attended"] * 3)) == []


def test_single_session() -> None:
    assert detect_fit_check(episode(attendance=["attended"], alliance=[domains(10)])) == []


@PROPERTY
@given(episodes())
def test_no_exception_and_clean_evidence(batch: EpisodeBatch) -> None:
    found = detect_fit_check(batch)
    assert len(found) <= 1
    for signal in found:
        check_signal(signal)


@PROPERTY
@given(practices())
def test_batch_equals_per_row(rows: list[EpisodeBatch]) -> None:
    assert_batch_equals_rows(detect_fit_check, rows)
