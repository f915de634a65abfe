"""Tests for attune.engine.safety: PHQ-9 item 9 flags for batch analysis (never a risk score)."""

from __future__ import annotations

import math

from hypothesis import given

from attune.engine import safety
from attune.engine.batch import EpisodeBatch, empty_batch, episode
from attune.engine.safety import SafetyConfig, detect_safety
from attune.engine.signals import SAFETY_FOLLOW_UP
from tests.engine.test_alliance import (
    PROPERTY,
    assert_batch_equals_rows,
    check_signal,
    episodes,
    practices,
)


def test_item9_levels_at_the_session_where_it_was_answered() -> None:
    batch = episode(
        attendance=["attended"] * 5,
        phq9=[12, 14, 18, 20, 9],
        item9=[0, 1, 2, 3, None],
        episode_id=42,
    )
    signals = detect_safety(batch)
    assert [(s.key, s.severity, s.session_number) for s in signals] == [
        ("safety:s2", "high", 2),
        ("safety:s3", "urgent", 3),
        ("safety:s4", "urgent", 4),
    ]
    first = signals[0]
    assert first.kind == "safety" and first.episode_id == 42
    assert first.evidence == {
        "session": 2,
        "item9": 1,
        "answer": "several days",
        "phq9_total": 14,
        "high_at": 1.0,
        "urgent_at": 2.0,
    }
    assert first.actions == (SAFETY_FOLLOW_UP,)
    assert "not a risk score" in first.explanation
    for signal in signals:
        check_signal(signal)


def test_zero_and_missing_answers_are_quiet() -> None:
    batch = episode(attendance=["attended"] * 3, item9=[0, None, math.nan])
    assert detect_safety(batch) == []
    assert detect_safety(empty_batch(3, 4)) == []
    assert detect_safety(empty_batch(0, 0)) == []


def test_an_answer_before_a_missed_session_is_still_flagged() -> None:
    batch = episode(attendance=["attended", "no_show"], phq9=[10, None], item9=[0, 2])
    (signal,) = detect_safety(batch)
    assert signal.severity == "urgent" and signal.key == "safety:s2"
    assert signal.evidence["phq9_total"] is None


def test_levels_are_configuration() -> None:
    batch = episode(attendance=["attended"] * 2, item9=[1, 2])
    signals = detect_safety(batch, SafetyConfig(high_at=1, urgent_at=3))
    assert [s.severity for s in signals] == ["high", "high"]


def test_docstring_cites_sources_and_refuses_risk_scores() -> None:
    doc = safety.__doc__ or ""
    for needle in ("Simon", "Louzon", "NG225", "never a risk score"):
        assert needle in doc
    assert not any(name.endswith("score") for name in safety.__all__)


def test_keys_are_stable_across_re_evaluation() -> None:
    batch = episode(attendance=["attended"] * 3, item9=[2, 0, 1])
    assert detect_safety(batch) == detect_safety(batch)
    assert [s.key for s in detect_safety(batch)] == ["safety:s1", "safety:s3"]


@PROPERTY
@given(episodes())
def test_no_exception_and_clean_evidence(batch: EpisodeBatch) -> None:
    for signal in detect_safety(batch):
        check_signal(signal)
        assert signal.severity in ("high", "urgent")


@PROPERTY
@given(practices())
def test_batch_equals_per_row(rows: list[EpisodeBatch]) -> None:
    assert_batch_equals_rows(detect_safety, rows)
