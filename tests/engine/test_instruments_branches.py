"""Branches of :mod:`attune.engine.instruments` the main tests leave: definition errors on
edited copies of the shipped PHQ-9 and session-feedback definitions, a higher-is-better scale's
caseness, answers that clean to nothing, and scoring pre-validated answers with a gap."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from attune.engine.instruments import (
    DefinitionError,
    ScoringError,
    ValidatedAnswers,
    parse_definition,
    score,
    validate_answers,
)

DEFINITIONS = Path(__file__).resolve().parents[2] / "src" / "attune" / "measures" / "definitions"


def raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEFINITIONS / name).read_text(encoding="utf-8"))
    return data


PHQ9 = raw("phq9-1.json")
SF2 = raw("session-feedback-2.json")


def edited(base: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(base)


def test_keys_must_be_strings() -> None:
    data = edited(PHQ9)
    data[1] = "x"
    with pytest.raises(DefinitionError, match="keys must be strings, got 1"):
        parse_definition(data)


def test_option_sets_must_not_be_empty() -> None:
    data = edited(PHQ9)
    data["option_sets"] = {}
    with pytest.raises(DefinitionError, match="option_sets: must not be empty"):
        parse_definition(data)


def test_option_code_with_spaces() -> None:
    data = edited(PHQ9)
    first = next(iter(data["option_sets"].values()))
    first[0]["code"] = " " + first[0]["code"]
    with pytest.raises(DefinitionError, match=r"\.code: ' LA6568-5' has surrounding spaces"):
        parse_definition(data)


def test_item_without_type_is_named_by_its_position() -> None:
    data = edited(PHQ9)
    del data["items"][0]["type"]
    with pytest.raises(DefinitionError, match=r"items\[0\] \('phq9_1'\): missing required key"):
        parse_definition(data)
    data["items"][0]["code"] = 7  # not a name: the message falls back to the position alone
    with pytest.raises(DefinitionError, match=r"^items\[0\]: missing required key 'type'"):
        parse_definition(data)


def test_band_labels_must_be_unique() -> None:
    data = edited(PHQ9)
    bands = data["scales"][0]["bands"]
    bands[1]["label"] = bands[0]["label"]
    with pytest.raises(DefinitionError, match="band labels must be unique"):
        parse_definition(data)


def test_scale_code_errors() -> None:
    data = edited(PHQ9)
    data["scales"][0]["code"] = 5
    with pytest.raises(DefinitionError, match=r"^scales\[0\]\.code"):
        parse_definition(data)
    data = edited(PHQ9)
    data["scales"].append(copy.deepcopy(data["scales"][0]))
    with pytest.raises(DefinitionError, match="duplicate scale code 'total'"):
        parse_definition(data)


def test_higher_is_better_caseness_is_at_or_below_the_cutoff() -> None:
    """The same sum read the other way round: a case when the total is 10 or less."""
    data = edited(PHQ9)
    data["scales"][0]["direction"] = "higher_is_better"
    phq = parse_definition(data)
    scale = phq.scale("total")
    assert (scale.is_case(10), scale.is_case(11), scale.is_case(0)) == (True, False, True)
    assert parse_definition(PHQ9).scale("total").is_case(10) is True
    assert parse_definition(PHQ9).scale("total").is_case(9) is False


def test_value_of_only_takes_an_answer_of_the_items_type() -> None:
    sf = parse_definition(SF2)
    bond = sf.item("bond")  # integer 0-10
    assert bond.value_of(7) == 7
    assert bond.value_of(True) is None
    assert bond.value_of("7") is None
    assert sf.item("comment").value_of("seven") is None


def test_text_of_only_nul_characters_is_no_answer() -> None:
    sf = parse_definition(SF2)
    base = {"bond": 8, "goals": 8, "approach": 8, "overall": 8, "rupture": "no"}
    checked = validate_answers(sf, {**base, "comment": "\x00\x00"})
    assert checked.errors == {}
    assert "comment" not in checked.answers
    data = edited(SF2)
    for item in data["items"]:
        if item["code"] == "comment":
            item["required"] = True
    required = parse_definition(data)
    checked = validate_answers(required, {**base, "comment": "\x00 \x00"})
    assert list(checked.errors) == ["comment"]
    assert checked.answers["bond"] == 8


def test_score_of_validated_answers_with_a_gap() -> None:
    phq = parse_definition(PHQ9)
    answers = {f"phq9_{i}": "LA6568-5" for i in range(1, 9)}  # item 9 missing
    with pytest.raises(ScoringError, match="scale 'total': item 'phq9_9' has no valid answer"):
        score(phq, ValidatedAnswers(answers, {}))
    answers["phq9_9"] = "LA6569-3"  # several days: 1 point, and a high safety flag
    result = score(phq, ValidatedAnswers(answers, {}))
    assert result.scales["total"].value == 1
    assert result.safety_level == "high"
