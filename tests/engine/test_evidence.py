"""Evidence for people: plain labels, one decimal, yes / no, raw numbers aside."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from attune.engine.evidence import SHORT_LIST, for_people, label, value_text


def test_plain_labels_and_numbers_at_one_decimal():
    shown = for_people(
        {"sd_floor": 2.0, "own_sd": 4.33333, "falling": True, "resolved": None, "score": 14.0}
    )
    assert shown.facts == (
        ("Smallest drop counted", "2"),
        ("Client's own spread (SD)", "4.3"),
        ("Alliance falling", "yes"),
        ("Resolved by the end of the session", "—"),
        ("Score", "14"),
    )
    assert shown.details == ()


def test_negative_numbers_use_a_minus_sign_and_never_show_minus_zero():
    assert value_text(-7.0) == "−7"
    assert value_text(-0.04) == "0"
    assert value_text(float("nan")) == "—"


def test_answer_codes_read_as_words_and_unknown_keys_lose_their_underscores():
    assert value_text("a_little") == "a little"
    assert value_text("phq9") == "PHQ-9"
    assert label("brand_new_key") == "Brand new key"
    assert label("phq9_change") == "PHQ-9 change"


def test_long_lists_and_nested_tables_go_behind_the_details():
    shown = for_people(
        {
            "values_before": [18, 17, 19],
            "scores": [20, 19, 18, 18, 17, 16],
            "measures": {"phq9": {"first": 18, "latest": 10.5}, "gad7": {"first": 12}},
            "domains": {"bond": 7.25, "goals": 6},
            "items": [{"item": "phq9_9"}],
            "response_id": 4,
        }
    )
    assert shown.facts == (
        ("Scores before", "18, 17, 19"),
        ("Domains", "Bond 7.2; Goals and topics 6"),
    )
    assert shown.details == (
        ("Scores", "20, 19, 18, 18, 17, 16"),
        ("Each questionnaire: PHQ-9", "First score 18; Latest score 10.5"),
        ("Each questionnaire: GAD-7", "First score 12"),
    )


def test_the_same_line_twice_is_shown_once():
    assert for_people({"session": 7, "at_session": 7, "after_session": 7}).facts == (
        ("Session", "7"),
        ("At session", "7"),
        ("After session", "7"),
    )
    assert for_people({"measure": "PHQ-9", "instrument": "PHQ-9"}).facts == (
        ("Questionnaire", "PHQ-9"),
    )


_keys = st.one_of(
    st.sampled_from(["sd_floor", "own_sd", "values_after", "x", "a_b_c", "phq9_total"]),
    st.from_regex(r"[a-z_0-9]{1,12}", fullmatch=True),
)
_text = st.one_of(
    st.sampled_from(["True", "False", "a_little", "4.33333", "-2.50", "yes", "PHQ-9", ""]),
    st.from_regex(r"[a-z ]{0,10}(-?[0-9]{1,3}\.[0-9]{1,5})?[a-z ]{0,5}", fullmatch=True),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=SHORT_LIST + 3), st.dictionaries(_keys, inner, max_size=5)
    ),
    max_leaves=12,
)
_TWO_DECIMALS = re.compile(r"\d\.\d\d")


@given(st.dictionaries(_keys, _values, max_size=8))
def test_no_snake_case_no_true_or_false_and_at_most_one_decimal(evidence):
    shown = for_people(evidence)
    for name, value in (*shown.facts, *shown.details):
        assert "_" not in name
        assert "True" not in value and "False" not in value
        assert not _TWO_DECIMALS.search(value), value


def test_a_severity_code_reads_on_the_one_scale():
    shown = for_people({"severity": "red", "status": "yellow", "measure": "red"})
    assert shown.facts == (("Level", "Act soon"), ("Status", "Watch"), ("Questionnaire", "red"))
