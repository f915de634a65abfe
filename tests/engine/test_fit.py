"""Tests for attune.engine.fit: the one fit rule at the fit check-in after session 3."""

from __future__ import annotations

from hypothesis import given

from attune.engine.batch import EpisodeBatch, empty_batch, episode
from attune.engine.fit import FitAnswer, FitCheckConfig, detect_fit_check, fit_concerns
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


def test_the_srs_low_rule_no_longer_fires_the_fit_check() -> None:
    assert detect_fit_check(rated([38, 38, 36])) == []
    batch = episode(attendance=["attended"] * 3, alliance=[[10] * 4, [10] * 4, [10, 10, 10, 8]])
    assert detect_fit_check(batch) == []


def with_answers(client: tuple[float, str] | None, therapist: tuple[float, str] | None):
    """Three attended sessions rated 38 with the fit check-in answers after the third."""
    kwargs = {}
    if client is not None:
        kwargs |= {
            "fit_client": [None, None, client[0]],
            "fit_client_match": [None, None, client[1]],
        }
    if therapist is not None:
        kwargs |= {
            "fit_therapist": [None, None, therapist[0]],
            "fit_therapist_match": [None, None, therapist[1]],
        }
    return rated([38, 38, 38], **kwargs)


def test_a_low_client_rating_fires_with_the_answers_in_the_evidence() -> None:
    (signal,) = detect_fit_check(with_answers((4, "yes"), None))
    assert signal.kind == "fit_check" and signal.severity == "yellow"
    assert signal.key == "fit_check" and signal.session_number == 3
    ev = signal.evidence
    assert ev["client"] == {"rating": 4, "right_match": "yes", "right_match_label": "Yes"}
    assert ev["therapist"] is None and ev["difference"] is None
    assert "the client rated the fit 4 of 10" in signal.explanation
    assert "The therapist has not answered yet." in signal.explanation
    assert TALK_ABOUT_FIT in signal.actions and WARM_REFERRAL in signal.actions
    assert "resistance" in signal.explanation
    check_signal(signal)


def test_good_answers_and_a_steady_alliance_are_quiet() -> None:
    assert detect_fit_check(with_answers((8, "yes"), (7, "yes"))) == []
    assert detect_fit_check(with_answers((6, "yes"), (6, "not_sure"))) == []


def test_the_fit_answers_rule() -> None:
    fires = [
        ((5, "yes"), None),  # low
        (None, (5, "yes")),
        ((8, "not_sure"), None),  # the client's doubt
        ((8, "no"), None),
        (None, (8, "no")),  # the therapist's no
        ((6, "yes"), (9, "yes")),  # the client 3 below the therapist
    ]
    quiet = [
        ((6, "yes"), None),
        (None, (8, "not_sure")),  # a therapist's "not sure" alone is ordinary caution
        ((9, "yes"), (6, "yes")),  # clients usually rate higher than therapists
        ((7, "yes"), (9, "yes")),  # 2 below
    ]
    for client, therapist in fires:
        assert len(detect_fit_check(with_answers(client, therapist))) == 1, (client, therapist)
    for client, therapist in quiet:
        assert detect_fit_check(with_answers(client, therapist)) == [], (client, therapist)
    assert fit_concerns(FitAnswer("client", 3, "no"), FitAnswer("therapist", 9, "yes")) == [
        "the client rated the fit 3 of 10",
        'the client answered "No" to whether this is the right match',
        "the two of you see it differently: the client rated the fit 3 and the therapist 9 of "
        "10, 6 points apart",
    ]


def test_a_reliable_fall_of_the_session_feedback_fires() -> None:
    # 40 -> 34 is a fall of 6 >= 5.5 (1.96 x sqrt(2) x 2)
    (signal,) = detect_fit_check(rated([40, 38, 34]))
    assert signal.evidence["falling"] is True and signal.evidence["falling_by"] == 5.5
    assert signal.evidence["first_total"] == 40 and signal.evidence["latest_total"] == 34
    assert detect_fit_check(rated([40, 38, 35])) == []


def test_client_thinking_of_stopping_fires() -> None:
    for answer in ("sometimes", "yes"):
        (signal,) = detect_fit_check(rated([39, 39, 39], stopping=[None, "no", answer]))
        assert signal.evidence["thinking_of_stopping"] is True
        assert signal.evidence["stopping"] == answer
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
    assert detect_fit_check(prefix(batch, 4)) == []  # only 2 attended sessions so far


def test_nothing_before_session_three() -> None:
    assert detect_fit_check(rated([20, 20])) == []


def test_later_sessions_do_not_change_it() -> None:
    batch = rated([38, 38, 30, 40, 40, 40])
    assert detect_fit_check(batch) == detect_fit_check(prefix(batch, 3))
    assert detect_fit_check(rated([38, 38, 38, 20])) == []
    assert detect_fit_check(rated([38, 38, 38, 38], stopping=[None] * 3 + ["yes"])) == []


def test_without_feedback_at_session_three_the_latest_earlier_feedback_counts() -> None:
    (signal,) = detect_fit_check(rated([38, 30, None]))
    assert signal.session_number == 3 and signal.evidence["latest_total"] == 30
    assert signal.evidence["falling"] is True


def test_configurable_session_and_thresholds() -> None:
    config = FitCheckConfig(at_session=4, falling_by=5)
    assert detect_fit_check(rated([40, 39, 35]), config) == []
    assert detect_fit_check(rated([40, 39, 37, 37]), config) == []
    assert detect_fit_check(rated([40, 40, 40, 35]), config)[0].evidence["falling"] is True
    lenient = FitCheckConfig(low_at_or_below=4, client_unsure_at_most=0)
    assert detect_fit_check(with_answers((5, "not_sure"), None), lenient) == []


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
