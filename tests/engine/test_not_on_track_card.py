"""The one "not on track" card: reasons, non-response, the GAD-7 curve, runs and hysteresis."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attune.engine.batch import episode
from attune.engine.evaluate import EngineConfig, evaluate
from attune.engine.not_on_track_card import (
    NotOnTrackCardConfig,
    card_runs,
    detect_not_on_track_card,
)
from attune.engine.signals import (
    INVITE_FEEDBACK,
    KINDS,
    REVIEW_IN_SUPERVISION,
    REVIEW_MODALITY,
)

WEEKLY = ["attended"] * 12


def reasons(signal: Any) -> list[str]:
    return [r["reason"] for r in signal.evidence["reasons"]]


def card(**kwargs: Any) -> list[Any]:
    return [s for s in evaluate(episode(**kwargs)) if s.kind == "not_on_track"]


def test_flat_non_response_is_flagged_from_session_8():
    # the blind spot of issue 9: PHQ-9 14 for 12 sessions stays inside the band
    flat = [14.0] * 12
    for k in range(1, 8):
        assert card(attendance=WEEKLY[:k], phq9=flat[:k]) == [], k
    # session 8 is the first non-response, session 9 confirms it (two in a row)
    assert card(attendance=WEEKLY[:8], phq9=flat[:8]) == []
    (signal,) = card(attendance=WEEKLY[:9], phq9=flat[:9])
    assert signal.severity == "yellow"
    assert signal.key == "not_on_track:from-s8"
    assert reasons(signal) == ["No reliable improvement yet"]
    assert "after 9 attended sessions" in signal.explanation
    assert REVIEW_MODALITY in signal.actions


def test_non_response_needs_caseness_at_start_and_now():
    mild = [8.0] * 10  # below caseness: nothing to respond to
    assert card(attendance=WEEKLY[:10], phq9=mild) == []
    improved = [14.0, 13, 12, 11, 10, 9, 8, 8, 8, 8]  # reliably better by 6
    assert card(attendance=WEEKLY[:10], phq9=improved) == []


def test_a_partial_response_is_not_a_non_response():
    # down 4 of 15 (27 %, less than the reliable 6): partly responding, not flagged
    partial = [15.0, 15, 14, 14, 13, 12, 11, 11, 11, 11]
    assert card(attendance=WEEKLY[:10], phq9=partial) == []
    # down 3 of 15 (20 %): no response yet
    (signal,) = card(attendance=WEEKLY[:10], phq9=[15.0, 15, 14, 14, 13, 13, 12, 12, 12, 12])
    assert reasons(signal) == ["No reliable improvement yet"]
    config = EngineConfig.from_mapping({"not_on_track": {"partial_response": 0.5}})
    strict = evaluate(episode(attendance=WEEKLY[:10], phq9=partial), config=config)
    assert [s.kind for s in strict if s.kind == "not_on_track"] == ["not_on_track"]


def test_gad7_curve_only_for_clients_who_started_at_gad7_caseness():
    phq = [14.0, 12, 10, 8]
    low_start = [5.0, 8, 8, 8]  # below caseness at intake, then above its band (7.3-7.8)
    assert card(attendance=WEEKLY[:4], phq9=phq, gad7=low_start) == []
    config = EngineConfig.from_mapping({"not_on_track": {"gad7_only_at_caseness": False}})
    found = evaluate(episode(attendance=WEEKLY[:4], phq9=phq, gad7=low_start), config=config)
    (signal,) = [s for s in found if s.kind == "not_on_track"]
    assert "GAD-7 outside the expected band" in reasons(signal)


def test_gad7_improvement_counts_as_a_response():
    # PHQ-9 flat, GAD-7 down 4 (its reliable change): a response, no card
    phq = [14.0] * 10
    gad = [12.0, 12, 11, 10, 9, 8, 8, 8, 8, 8]
    assert card(attendance=WEEKLY[:10], phq9=phq, gad7=gad) == []


def test_gad7_curve_flags_anxiety_that_stays_high_while_phq9_recovers():
    phq = [14.0, 12, 10, 8, 7, 6]
    gad = [10.0, 15, 16, 16, 16, 16]
    (signal,) = card(attendance=WEEKLY[:6], phq9=phq, gad7=gad)
    assert "GAD-7 outside the expected band" in reasons(signal)
    assert "PHQ-9 outside the expected band" not in reasons(signal)
    config = EngineConfig.from_mapping({"not_on_track": {"gad7_curve": False}})
    without = [
        s
        for s in evaluate(episode(attendance=WEEKLY[:6], phq9=phq, gad7=gad), config=config)
        if s.kind == "not_on_track" and "GAD-7 outside the expected band" in reasons(s)
    ]
    assert without == []


def test_deterioration_is_a_red_reason_of_the_same_card_not_a_card_of_its_own():
    phq = [12.0, 15, 19, 21, 22]
    signals = evaluate(episode(attendance=WEEKLY[:5], phq9=phq))
    kinds = [s.kind for s in signals]
    assert kinds.count("not_on_track") == 1
    assert "reliable_deterioration" not in kinds
    (signal,) = [s for s in signals if s.kind == "not_on_track"]
    assert signal.severity == "red"
    assert reasons(signal)[0] == "Reliable deterioration"
    assert "PHQ-9 outside the expected band" in reasons(signal)
    # actions de-duplicated, supervision for red
    assert len(signal.actions) == len(set(signal.actions))
    assert signal.actions[0] == INVITE_FEEDBACK and REVIEW_IN_SUPERVISION in signal.actions


def test_a_red_reason_starts_the_run_at_once_yellow_ones_after_two():
    red = card(attendance=WEEKLY[:2], phq9=[10.0, 19])
    assert [s.severity for s in red] == ["red"]
    assert red[0].key == "not_on_track:from-s2"
    yellow_once = [14.0, 14, 19]  # one score above the 80 % band (16.6), below the 95 % (19.2)
    cr = card_runs(episode(attendance=WEEKLY[:3], phq9=yellow_once))
    assert cr.reasons["phq9_band"][0].tolist() == [0, 0, 1]
    assert card(attendance=WEEKLY[:3], phq9=yellow_once) == []
    yellow_twice = [14.0, 17.5, 17.5]
    (signal,) = card(attendance=WEEKLY[:3], phq9=yellow_twice)
    assert signal.severity == "yellow" and signal.key == "not_on_track:from-s2"


def test_no_toggling_one_run_is_one_key_and_it_ends_after_two_on_track_scores():
    # off, off, on, off, on, on: one run from session 2, ended at the 6th score's second calm
    phq = [10.0, 19, 19, 12, 19, 8, 8]
    keys = []
    for k in range(2, len(phq) + 1):
        keys.append({s.key for s in card(attendance=WEEKLY[:k], phq9=phq[:k])})
    assert keys[:5] == [{"not_on_track:from-s2"}] * 5  # sessions 2-6: the same alert
    assert keys[5] == set()  # two on-track scores in a row: the run is over
    # a new run later gets a new key
    again = [*phq, 19, 19]
    (signal,) = card(attendance=WEEKLY[: len(again)], phq9=again)
    assert signal.key == "not_on_track:from-s8"


def test_severity_is_the_highest_reason_of_the_run():
    phq = [10.0, 19, 15, 15]  # red at session 2, then inside the 95 % band
    (signal,) = card(attendance=WEEKLY[:4], phq9=phq)
    assert signal.severity == "red"


def test_evidence_is_plain_one_decimal_and_the_same_number_as_the_text():
    phq = [13.0, 17, 19, 21]
    (signal,) = card(attendance=WEEKLY[:4], phq9=phq, gad7=[9.0, 12, 14, 15])
    text = json.dumps(signal.evidence)
    for number in re.findall(r"\d+\.\d+", text):
        assert len(number.split(".")[1]) == 1, number
    for r in signal.evidence["reasons"]:
        assert set(r) >= {"reason", "detail", "severity"}
        assert r["detail"] in signal.explanation
        if "upper_limit" in r:
            assert str(r["upper_limit"]).rstrip("0").rstrip(".") in r["detail"]
    assert "True" not in signal.explanation and "_" not in signal.explanation
    assert not re.search(r"\.md|PRODUCT|shared/", signal.source)
    assert re.search(r"Finch, Lambert & Schaalje \(2001\)", signal.source)


def test_review_the_approach_is_a_reason_after_session_6_under_one_mix():
    phq = [12.0, 12, 12, 12, 12, 12, 19, 19, 19]
    signals = evaluate(episode(attendance=WEEKLY[:9], phq9=phq, modality_mix=[1] * 9))
    assert "modality_review" not in {s.kind for s in signals}
    (signal,) = [s for s in signals if s.kind == "not_on_track"]
    assert "Review the approach" in reasons(signal)


def test_engine_emits_only_known_kinds_and_the_merged_ones_are_gone():
    assert {"reliable_deterioration", "modality_review", "sudden_loss"}.isdisjoint(KINDS)
    assert "not_on_track" in KINDS


def test_config_is_one_flat_section_a_practice_can_override():
    config = EngineConfig.from_mapping({"not_on_track": {"non_response_from": 6}})
    assert config.not_on_track.non_response_from == 6
    flat = [14.0] * 8
    assert [s.key for s in evaluate(episode(attendance=WEEKLY[:7], phq9=flat[:7]), config=config)
            if s.kind == "not_on_track"] == ["not_on_track:from-s6"]  # fmt: skip
    assert NotOnTrackCardConfig().non_response_from == 8


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["attended"] * 4 + ["no_show"]),
            st.one_of(st.none(), st.integers(0, 27)),
            st.one_of(st.none(), st.integers(0, 21)),
        ),
        min_size=2,
        max_size=14,
    )
)
def test_a_run_key_never_changes_while_the_run_lasts(sessions):
    attendance = [a for a, _, _ in sessions]
    phq = [None if p is None else float(p) for _, p, _ in sessions]
    gad = [None if g is None else float(g) for _, _, g in sessions]
    cr = card_runs(episode(attendance=attendance, phq9=phq, gad7=gad))
    for k in range(1, len(sessions) + 1):
        now = episode(attendance=attendance[:k], phq9=phq[:k], gad7=gad[:k])
        found = detect_not_on_track_card(now)
        start = int(cr.run_start[0, k - 1])
        assert [s.key for s in found] == ([f"not_on_track:from-s{start + 1}"] if start >= 0 else [])


def test_batch_equals_rows():
    rows = [
        episode(attendance=WEEKLY[:9], phq9=[14.0] * 9, episode_id=1),
        episode(attendance=WEEKLY[:4], phq9=[12.0, 15, 19, 21], episode_id=2),
        episode(attendance=WEEKLY[:3], phq9=[10.0, 8, 6], episode_id=3),
    ]
    from attune.engine.batch import stack

    together = detect_not_on_track_card(stack(rows))
    alone = [s for r in rows for s in detect_not_on_track_card(r)]
    assert [(s.episode_id, s.key, s.severity) for s in together] == [
        (s.episode_id, s.key, s.severity) for s in alone
    ]
    assert np.array_equal([s.episode_id for s in together], [1, 2])
