"""Tests for attune.engine.text.is_critical: a transparent lexicon with simple negation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attune.engine.text import is_critical
from attune.simulation import text as pools

CRITICAL = [
    # the brief's examples
    "I felt you weren't listening",
    "It didn't help.",
    "It felt rushed.",
    "I was uncomfortable when we talked about my father.",
    "Honestly I'm frustrated.",
    "I'm not sure this is working.",
    # more ways of saying it
    "You didn't seem to hear me today",
    "I don't feel heard",
    "I didn’t feel understood",  # typographic apostrophe
    "The homework is pointless",
    "I felt a bit judged when you said that",
    "Felt lectured again.",
    "It was too fast for me",
    "We are going in circles",
    "Something felt off",
    "I think a different approach would suit me better",
    "I've been thinking about stopping therapy",
    "This isn't for me",
    "I don't want to complain, but the sessions feel short",
    "I didn't feel I could say it",
    "Nothing changes",
    "It's not working",
    "I'm not getting better",
    "I DIDN'T LIKE THE EXERCISE",
    "Thanks, but I felt misunderstood",
]

NOT_CRITICAL = [
    # the brief's examples
    "All good",
    "Thanks",
    "Helpful session",
    # praise, neutral remarks, and negated criticism
    "",
    "   ",
    "Great session, thank you!",
    "I felt understood today.",
    "I never felt rushed.",
    "I didn't feel judged at all.",
    "Nothing felt uncomfortable.",
    "No complaints.",
    "I can't complain.",
    "Not bad at all.",
    "Nothing wrong, see you next week.",
    "There was no pressure, which I liked.",
    "Without rushing, we got through a lot.",
    "I can't thank you enough.",
    "See you next week.",
]


@pytest.mark.parametrize("text", CRITICAL)
def test_criticism_and_difficulty_are_flagged(text: str) -> None:
    assert is_critical(text)


@pytest.mark.parametrize("text", NOT_CRITICAL)
def test_praise_and_bland_text_are_not_flagged(text: str) -> None:
    assert not is_critical(text)


@pytest.mark.parametrize(
    "text", pools.CRITICAL_COMMENTS + pools.REPAIR_COMMENTS + pools.DOUBT_COMMENTS
)
def test_simulator_critical_repair_and_doubt_comments_are_flagged(text: str) -> None:
    assert is_critical(text)


@pytest.mark.parametrize("text", pools.BLAND_COMMENTS)
def test_simulator_as_if_comments_are_not_flagged(text: str) -> None:
    assert not is_critical(text)


@pytest.mark.parametrize("text", pools.POSITIVE_COMMENTS + pools.GAIN_COMMENTS)
def test_simulator_positive_comments_are_not_flagged(text: str) -> None:
    assert not is_critical(text)


def test_at_least_thirty_worked_examples() -> None:
    assert len(CRITICAL) + len(NOT_CRITICAL) >= 30


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raises_and_is_case_insensitive(text: str) -> None:
    result = is_critical(text)
    assert isinstance(result, bool)
    assert is_critical(text.upper().lower()) == is_critical(text.lower())


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CRITICAL), st.sampled_from(pools.BLAND_COMMENTS))
def test_a_bland_sentence_never_hides_a_criticism(critical: str, bland: str) -> None:
    assert is_critical(f"{bland} {critical}.")
    assert is_critical(f"{critical}. {bland}")
