"""Tests for attune.engine.instruments: shipped definitions, validation, scoring, safety.

Expected values come from /work/shared/reference/clinical-science.md: §1.2 (bands,
caseness, reliable change), §8 (PHQ-9 item 9), §9 (LOINC codes and their pitfalls).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.engine.instruments import (
    DefinitionError,
    Instrument,
    ScoringError,
    ValidatedAnswers,
    definition_checksum,
    load_definition,
    parse_definition,
    safety_level,
    score,
    validate_answers,
)

DEFINITIONS = Path(__file__).resolve().parents[2] / "src" / "attune" / "measures" / "definitions"
FILES = {
    "phq9": "phq9-1.json",
    "gad7": "gad7-1.json",
    "session_feedback": "session-feedback-1.json",
    "fit_check": "fit-check-1.json",
    "exit_feedback": "exit-feedback-1.json",
}

NOT_AT_ALL, SEVERAL, MORE_THAN_HALF, NEARLY_EVERY = "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"
FREQ_BY_VALUE = {0: NOT_AT_ALL, 1: SEVERAL, 2: MORE_THAN_HALF, 3: NEARLY_EVERY}


def raw(code: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEFINITIONS / FILES[code]).read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def phq9() -> Instrument:
    return load_definition(DEFINITIONS / FILES["phq9"])


@pytest.fixture(scope="module")
def gad7() -> Instrument:
    return load_definition(DEFINITIONS / FILES["gad7"])


@pytest.fixture(scope="module")
def sf() -> Instrument:
    return load_definition(DEFINITIONS / FILES["session_feedback"])


PHQ9 = load_definition(DEFINITIONS / FILES["phq9"])
GAD7 = load_definition(DEFINITIONS / FILES["gad7"])
SF = load_definition(DEFINITIONS / FILES["session_feedback"])


def answers_for_total(instrument: Instrument, total: int) -> dict[str, object]:
    """Spread ``total`` over the scored items (0-3 each), first items first."""
    out: dict[str, object] = {}
    for item in instrument.scale("total").items:
        v = min(3, total)
        out[item] = FREQ_BY_VALUE[v]
        total -= v
    assert total == 0
    return out


def sf_answers(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "bond": 10,
        "goals": 9,
        "approach": 10,
        "overall": 10,
        "rupture": "no",
        "stopping": "no",
        "comment": "Thank you.",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


# ------------------------------------------------------------------ shipped files


def test_all_shipped_definitions_parse() -> None:
    files = sorted(p.name for p in DEFINITIONS.glob("*.json"))
    assert files == sorted([*FILES.values(), "session-feedback-2.json"])
    for code, name in FILES.items():
        inst = load_definition(DEFINITIONS / name)
        assert inst.code == code
        assert inst.version == "1"
        assert inst.checksum == definition_checksum(raw(code))
        assert parse_definition(raw(code)) == inst


def test_session_feedback_version_2_adds_the_later_repair_question(sf: Instrument) -> None:
    v2 = load_definition(DEFINITIONS / "session-feedback-2.json")
    assert (v2.code, v2.version) == ("session_feedback", "2")
    added = [i.code for i in v2.items if i.code not in {j.code for j in sf.items}]
    assert added == ["talked_through"]
    item = v2.item("talked_through")
    assert not item.required
    assert [o.code for o in v2.option_sets["talked_through"]] == [
        "not_applicable",
        "no",
        "partly",
        "yes",
    ]
    low = v2.scale("alliance").low
    assert low is not None and low.total_at_or_below == 28  # derived, not the SRS 36


def test_phq9_loinc_codes_match_reference(phq9: Instrument) -> None:
    assert phq9.loinc == "44249-1"
    assert phq9.kind == "outcome"
    assert [i.loinc for i in phq9.items] == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
        "69722-7",
    ]
    total = phq9.scale("total")
    assert total.loinc == "44261-6"  # not 44260-8, which is item 9 (§9 pitfall)
    assert phq9.item("phq9_9").loinc == "44260-8"
    assert phq9.item("phq9_9").text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert [o.code for o in phq9.option_sets["frequency"]] == [
        NOT_AT_ALL,
        SEVERAL,
        MORE_THAN_HALF,
        NEARLY_EVERY,
    ]
    assert [o.value for o in phq9.option_sets["frequency"]] == [0, 1, 2, 3]
    assert [o.code for o in phq9.item("phq9_difficulty").options] == [
        "LA6572-7",
        "LA6573-5",
        "LA6575-0",
        "LA6574-3",
    ]
    assert "phq9_difficulty" not in total.items
    assert not phq9.item("phq9_difficulty").required
    assert (total.min, total.max, total.caseness, total.reliable_change) == (0, 27, 10, 6)
    assert total.direction == "lower_is_better"
    assert "No permission required to reproduce" in phq9.copyright
    assert "Pfizer" in phq9.copyright


def test_gad7_loinc_codes_match_reference(gad7: Instrument) -> None:
    assert gad7.loinc == "69737-5"
    assert gad7.scale("total").loinc == "70274-6"
    assert [i.loinc for i in gad7.items] == [
        "69725-0",
        "68509-9",
        "69733-4",
        "69734-2",
        "69735-9",
        "69689-8",  # not 69689-6 (§9 pitfall)
        "69736-7",
        None,  # difficulty item: code unverified
    ]
    # Items 6 and 7 not swapped (§9 pitfall).
    assert gad7.item("gad7_6").text == "Becoming easily annoyed or irritable"
    assert gad7.item("gad7_6").loinc == "69689-8"
    assert gad7.item("gad7_7").text == "Feeling afraid as if something awful might happen"
    assert gad7.item("gad7_7").loinc == "69736-7"
    total = gad7.scale("total")
    assert (total.min, total.max, total.caseness, total.reliable_change) == (0, 21, 8, 4)
    assert "gad7_difficulty" not in total.items
    assert gad7.safety_items == ()


def test_session_feedback_shape(sf: Instrument) -> None:
    assert sf.kind == "session_feedback"
    assert sf.loinc is None
    assert sf.copyright == "© Attune contributors, CC BY 4.0"
    assert [i.code for i in sf.items] == [
        "bond",
        "goals",
        "approach",
        "overall",
        "rupture",
        "rupture_resolved",
        "stopping",
        "comment",
    ]
    for code in ("bond", "goals", "approach", "overall"):
        item = sf.item(code)
        assert (item.type, item.min, item.max, item.required) == ("integer", 0, 10, True)
        assert item.min_label and item.max_label
    rupture = sf.item("rupture")
    assert rupture.text == "Was there a moment you felt misunderstood, uneasy or disconnected?"
    assert [(o.code, o.value) for o in rupture.options] == [("no", 0), ("a_little", 1), ("yes", 2)]
    resolved = sf.item("rupture_resolved")
    assert resolved.enable_when is not None
    assert (resolved.enable_when.item, resolved.enable_when.not_in) == ("rupture", ("no",))
    assert [o.code for o in resolved.options] == ["not_at_all", "partly", "mostly", "completely"]
    assert not sf.item("stopping").required
    assert sf.item("comment").max_length == 2000
    alliance = sf.scale("alliance")
    assert (alliance.min, alliance.max, alliance.direction) == (0, 40, "higher_is_better")
    assert alliance.caseness is None and alliance.reliable_change is None
    assert alliance.low is not None
    assert (alliance.low.total_at_or_below, alliance.low.any_item_below) == (36, 9)
    assert "real time" in sf.instructions


def test_item_lookup_raises_for_unknown_code(phq9: Instrument) -> None:
    with pytest.raises(KeyError):
        phq9.item("nope")
    with pytest.raises(KeyError):
        phq9.scale("nope")


# ------------------------------------------------------------------ bands and caseness


@pytest.mark.parametrize(
    ("total", "band", "case"),
    [
        (0, "Minimal", False),
        (4, "Minimal", False),
        (5, "Mild", False),
        (9, "Mild", False),
        (10, "Moderate", True),
        (14, "Moderate", True),
        (15, "Moderately severe", True),
        (19, "Moderately severe", True),
        (20, "Severe", True),
        (27, "Severe", True),
    ],
)
def test_phq9_published_bands_and_caseness(total: int, band: str, case: bool) -> None:
    result = score(PHQ9, answers_for_total(PHQ9, total)).scales["total"]
    assert (result.value, result.band, result.caseness) == (total, band, case)


@pytest.mark.parametrize(
    ("total", "band", "case"),
    [
        (0, "Minimal", False),
        (4, "Minimal", False),
        (5, "Mild", False),
        (7, "Mild", False),
        (8, "Mild", True),
        (9, "Mild", True),
        (10, "Moderate", True),
        (14, "Moderate", True),
        (15, "Severe", True),
        (21, "Severe", True),
    ],
)
def test_gad7_published_bands_and_caseness(total: int, band: str, case: bool) -> None:
    result = score(GAD7, answers_for_total(GAD7, total)).scales["total"]
    assert (result.value, result.band, result.caseness) == (total, band, case)


def test_scores_as_dict_is_plain_json(phq9: Instrument) -> None:
    answers = answers_for_total(phq9, 14)
    answers["phq9_difficulty"] = "LA6573-5"
    data = score(phq9, answers).as_dict()
    assert data == {
        "scales": {"total": {"value": 14, "band": "Moderate", "caseness": True}},
        "safety": [],
    }
    assert json.loads(json.dumps(data)) == data
    assert list(data) == ["scales", "safety"]
    assert list(data["scales"]["total"]) == ["value", "band", "caseness"]


def test_score_rejects_invalid_answers(phq9: Instrument) -> None:
    answers = answers_for_total(phq9, 5)
    del answers["phq9_3"]
    with pytest.raises(ScoringError, match="phq9_3"):
        score(phq9, answers)
    with pytest.raises(ScoringError):
        score(phq9, validate_answers(phq9, answers))


# ------------------------------------------------------------------ safety (item 9)


@pytest.mark.parametrize(("value", "level"), [(0, None), (1, "high"), (2, "urgent"), (3, "urgent")])
def test_phq9_item9_safety_levels(phq9: Instrument, value: int, level: str | None) -> None:
    answers = answers_for_total(phq9, 0)
    answers["phq9_9"] = FREQ_BY_VALUE[value]
    result = score(phq9, answers)
    assert safety_level(phq9, answers) == level
    assert result.safety_level == level
    if level is None:
        assert result.safety == ()
        assert result.as_dict()["safety"] == []
    else:
        assert result.as_dict()["safety"] == [{"item": "phq9_9", "value": value, "level": level}]


def test_safety_level_survives_errors_elsewhere(phq9: Instrument) -> None:
    """A risk answer is never lost because another item is missing or tampered."""
    answers: dict[str, object] = {"phq9_9": NEARLY_EVERY, "phq9_1": "tampered"}
    validated = validate_answers(phq9, answers)
    assert not validated.is_valid
    assert validated.answers["phq9_9"] == NEARLY_EVERY
    assert safety_level(phq9, answers) == "urgent"
    assert safety_level(phq9, validated) == "urgent"
    assert safety_level(phq9, {"phq9_9": "bogus"}) is None


def test_only_phq9_item9_is_a_safety_item(phq9: Instrument, sf: Instrument) -> None:
    assert [i.code for i in phq9.safety_items] == ["phq9_9"]
    assert sf.safety_items == ()


# ------------------------------------------------------------------ answer validation


def test_valid_phq9_answers_are_cleaned(phq9: Instrument) -> None:
    answers = answers_for_total(phq9, 12)
    answers["phq9_1"] = f"  {answers['phq9_1']} "
    answers["unknown_item"] = "whatever"
    result = validate_answers(phq9, answers)
    assert result.is_valid
    assert result.errors == {}
    assert "unknown_item" not in result.answers
    assert result.answers["phq9_1"] == NEARLY_EVERY
    assert list(result.answers) == [f"phq9_{n}" for n in range(1, 10)]


def test_missing_and_tampered_items_are_errors_only_for_those_items(phq9: Instrument) -> None:
    answers = answers_for_total(phq9, 20)
    del answers["phq9_2"]
    answers["phq9_4"] = "LA9999-9"
    answers["phq9_difficulty"] = "LA6568-5"  # a frequency code on the difficulty item
    result = validate_answers(phq9, answers)
    assert result.errors == {
        "phq9_2": "Please choose an answer.",
        "phq9_4": "That answer isn't one of the choices — please choose again.",
        "phq9_difficulty": "That answer isn't one of the choices — please choose again.",
    }
    assert set(result.answers) == {f"phq9_{n}" for n in (1, 3, 5, 6, 7, 8, 9)}
    for code in result.answers:
        assert result.answers[code] == answers[code]


@pytest.mark.parametrize("bad", [11, -1, "abc", "11", "-1", "7.5", 7.0, True, None, "", "  ", [7]])
def test_out_of_range_integer_is_an_error_for_that_item(sf: Instrument, bad: object) -> None:
    result = validate_answers(sf, sf_answers(goals=bad) | {"goals": bad})
    assert set(result.errors) == {"goals"}
    if bad in (None, "", "  "):
        assert result.errors["goals"] == "Please choose an answer."
    else:
        assert result.errors["goals"] == "Please choose a number from 0 to 10."
    assert result.answers["bond"] == 10
    assert result.answers["approach"] == 10
    assert "goals" not in result.answers


@pytest.mark.parametrize(("given_", "expected"), [("7", 7), (" 10 ", 10), ("0", 0), (3, 3)])
def test_integer_answers_accept_digit_strings(
    sf: Instrument, given_: object, expected: int
) -> None:
    result = validate_answers(sf, sf_answers(bond=given_))
    assert result.errors == {}
    assert result.answers["bond"] == expected


def test_huge_digit_string_does_not_raise(sf: Instrument) -> None:
    result = validate_answers(sf, sf_answers(bond="9" * 10_000))
    assert result.errors == {"bond": "Please choose a number from 0 to 10."}


def test_rupture_resolved_required_only_after_a_rupture(sf: Instrument) -> None:
    for rupture in ("a_little", "yes"):
        result = validate_answers(sf, sf_answers(rupture=rupture))
        assert result.errors == {"rupture_resolved": "Please choose an answer."}
        ok = validate_answers(sf, sf_answers(rupture=rupture, rupture_resolved="mostly"))
        assert ok.errors == {}
        assert ok.answers["rupture_resolved"] == "mostly"
    # rupture == "no": not required, and dropped if sent anyway.
    result = validate_answers(sf, sf_answers(rupture="no", rupture_resolved="partly"))
    assert result.errors == {}
    assert "rupture_resolved" not in result.answers
    result = validate_answers(sf, sf_answers(rupture="no", rupture_resolved="tampered"))
    assert result.errors == {}
    assert "rupture_resolved" not in result.answers


def test_rupture_missing_gives_one_error_and_keeps_resolution(sf: Instrument) -> None:
    answers = sf_answers(rupture_resolved="partly")
    del answers["rupture"]
    result = validate_answers(sf, answers)
    assert result.errors == {"rupture": "Please choose an answer."}
    assert result.answers["rupture_resolved"] == "partly"


def test_optional_items_and_text(sf: Instrument) -> None:
    answers = sf_answers(comment="  It helped to slow down.\x00  ")
    del answers["stopping"]
    result = validate_answers(sf, answers)
    assert result.errors == {}
    assert result.answers["comment"] == "It helped to slow down."
    assert "stopping" not in result.answers
    too_long = validate_answers(sf, sf_answers(comment="x" * 2001))
    assert set(too_long.errors) == {"comment"}
    assert "2000" in too_long.errors["comment"]
    assert validate_answers(sf, sf_answers(comment="x" * 2000)).errors == {}
    assert set(validate_answers(sf, sf_answers(comment=42)).errors) == {"comment"}
    assert "comment" not in validate_answers(sf, sf_answers(comment="   ")).answers


def test_session_feedback_scores_and_low_rule(sf: Instrument) -> None:
    good = score(sf, sf_answers(bond=10, goals=9, approach=9, overall=9))
    assert good.as_dict() == {
        "scales": {"alliance": {"value": 37, "band": "Good", "caseness": None, "low": False}},
        "safety": [],
    }
    at_36 = score(sf, sf_answers(bond=9, goals=9, approach=9, overall=9)).scales["alliance"]
    assert (at_36.value, at_36.band, at_36.low) == (36, "Worth talking about", True)
    one_low_item = score(sf, sf_answers(bond=10, goals=10, approach=10, overall=8))
    assert one_low_item.scales["alliance"].value == 38
    assert one_low_item.scales["alliance"].low is True


# ------------------------------------------------------------------ definition errors


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        target: Any = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: list[Any]) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        target: Any = d
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _dup_item(d: dict[str, Any]) -> None:
    d["items"][1]["code"] = "phq9_1"


def _append_band(d: dict[str, Any]) -> None:
    d["scales"][0]["bands"].append({"min": 28, "max": 30, "label": "Off the scale"})


def _dup_option(d: dict[str, Any]) -> None:
    d["option_sets"]["frequency"][1]["code"] = "LA6568-5"


def _unused_set(d: dict[str, Any]) -> None:
    d["option_sets"]["spare"] = [{"code": "a", "label": "A", "value": 0}]


PHQ9_BREAKAGES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("missing top key", _delete(["copyright"]), "missing required key 'copyright'"),
    ("unknown top key", _set(["licence"], "x"), "unknown key 'licence'"),
    ("bad kind", _set(["kind"], "survey"), "kind"),
    ("bad code", _set(["code"], "PHQ 9"), "not a valid code"),
    ("empty items", _set(["items"], []), "items: must not be empty"),
    ("unknown option set", _set(["items", 0, "options"], "freq"), "unknown option set 'freq'"),
    ("duplicate item code", _dup_item, "duplicate item code 'phq9_1'"),
    ("duplicate option code", _dup_option, "duplicate option code 'LA6568-5'"),
    ("unused option set", _unused_set, "'spare' not used"),
    ("option value bool", _set(["option_sets", "frequency", 0, "value"], False), "integer"),
    ("option value float", _set(["option_sets", "frequency", 0, "value"], 0.5), "integer"),
    ("required not bool", _set(["items", 0, "required"], "yes"), "true or false"),
    ("bad item type", _set(["items", 0, "type"], "radio"), "type"),
    ("key of other type", _set(["items", 0, "max_length"], 5), "not allowed on a choice item"),
    ("unknown item key", _set(["items", 0, "hint"], "x"), "unknown key 'hint'"),
    ("empty text", _set(["items", 0, "text"], " "), "non-empty string"),
    ("scale unknown item", _set(["scales", 0, "items", 0], "phq9_10"), "unknown item 'phq9_10'"),
    ("scale item twice", _set(["scales", 0, "items", 1], "phq9_1"), "listed twice"),
    (
        "scale optional item",
        _set(["scales", 0, "items", 8], "phq9_difficulty"),
        "must be required",
    ),
    ("scale max wrong", _set(["scales", 0, "max"], 30), "does not match the sum"),
    ("scale method", _set(["scales", 0, "method"], "mean"), "method"),
    ("direction", _set(["scales", 0, "direction"], "up"), "direction"),
    ("band gap", _set(["scales", 0, "bands", 1, "min"], 6), "gap between bands"),
    ("band overlap", _set(["scales", 0, "bands", 1, "min"], 4), "overlap"),
    ("band start", _set(["scales", 0, "bands", 0, "min"], 1), "first band starts at 1"),
    ("band end", _set(["scales", 0, "bands", 4, "max"], 26), "last band ends at 26"),
    ("band past end", _append_band, "last band ends at 30"),
    ("band inverted", _set(["scales", 0, "bands", 0, "max"], -1), "above max"),
    ("caseness range", _set(["scales", 0, "caseness"], 28), "caseness"),
    ("rc range", _set(["scales", 0, "reliable_change"], 0), "reliable_change"),
    ("safety order", _set(["items", 8, "safety"], {"high": 2, "urgent": 1}), "must not be above"),
    ("safety range", _set(["items", 8, "safety"], {"high": 1, "urgent": 4}), "urgent"),
    ("safety keys", _set(["items", 8, "safety"], {"high": 1}), "missing required key 'urgent'"),
    ("loinc check digit", _set(["items", 0, "loinc"], "44250-8"), "wrong check digit"),
    ("loinc format", _set(["items", 0, "loinc"], "LP44250"), "not a LOINC code"),
    ("item 9 as total", _set(["scales", 0, "loinc"], "44260-8"), "LOINC 44260-8 is used by both"),
    ("version", _set(["version"], "v 1"), "version"),
    ("scales not list", _set(["scales"], {}), "must be a list"),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [pytest.param(m, msg, id=name) for name, m, msg in PHQ9_BREAKAGES],
)
def test_bad_phq9_definitions_raise(mutate: Callable[[dict[str, Any]], None], message: str) -> None:
    d = copy.deepcopy(raw("phq9"))
    mutate(d)
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(")):
        parse_definition(d)


def test_gad7_item_6_typo_is_caught() -> None:
    d = raw("gad7")
    d["items"][5]["loinc"] = "69689-6"
    with pytest.raises(DefinitionError, match="69689-8"):
        parse_definition(d)


SF_BREAKAGES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("integer min>=max", _set(["items", 0, "max"], 0), "must be below max"),
    ("integer min missing", _delete(["items", 0, "min"]), "missing required key 'min'"),
    ("text max_length", _delete(["items", 7, "max_length"]), "'max_length'"),
    ("text max_length 0", _set(["items", 7, "max_length"], 0), "at least 1"),
    ("text in scale", _set(["scales", 0, "items", 3], "comment"), "cannot be scored"),
    ("conditional in scale", _set(["scales", 0, "items", 3], "rupture_resolved"), "required"),
    ("enable_when unknown", _set(["items", 5, "enable_when", "item"], "nope"), "not an earlier"),
    (
        "enable_when forward",
        _set(["items", 4, "enable_when"], {"item": "stopping", "not_in": ["no"]}),
        "not an earlier item",
    ),
    ("enable_when self", _set(["items", 5, "enable_when", "item"], "rupture_resolved"), "itself"),
    (
        "enable_when bad code",
        _set(["items", 5, "enable_when", "not_in"], ["nope"]),
        "'nope' is not an option of 'rupture'",
    ),
    (
        "enable_when on integer",
        _set(["items", 5, "enable_when", "item"], "bond"),
        "must be a choice item",
    ),
    ("enable_when empty", _set(["items", 5, "enable_when", "not_in"], []), "must not be empty"),
    ("safety on text", _set(["items", 7, "safety"], {"high": 1, "urgent": 2}), "only choice"),
    ("low keys", _set(["scales", 0, "low"], {"total_at_or_below": 36}), "any_item_below"),
    ("low range", _set(["scales", 0, "low", "total_at_or_below"], 41), "outside 0-40"),
    ("sources", _set(["scales", 0, "sources"], "SRS"), "must be a list"),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [pytest.param(m, msg, id=name) for name, m, msg in SF_BREAKAGES],
)
def test_bad_session_feedback_definitions_raise(
    mutate: Callable[[dict[str, Any]], None], message: str
) -> None:
    d = copy.deepcopy(raw("session_feedback"))
    mutate(d)
    with pytest.raises(DefinitionError, match=message):
        parse_definition(d)


def test_definition_must_be_an_object() -> None:
    with pytest.raises(DefinitionError):
        parse_definition([])  # type: ignore[arg-type]


def test_load_definition_rejects_bad_files(tmp_path: Path) -> None:
    cases = {
        "broken.json": '{"code": ',
        "dupkey.json": json.dumps(raw("phq9"))[:-1] + ', "code": "phq9"}',
        "nan.json": json.dumps(raw("phq9")).replace('"caseness": 10', '"caseness": NaN'),
        "latin1.json": None,
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is None:
            path.write_bytes(b'{"code": "caf\xe9"}')
        else:
            path.write_text(text, encoding="utf-8")
        with pytest.raises(DefinitionError, match=name):
            load_definition(path)
    with pytest.raises(DefinitionError, match="cannot read"):
        load_definition(tmp_path / "missing.json")


def test_checksum_is_canonical() -> None:
    d = raw("phq9")
    reordered = dict(reversed(list(d.items())))
    assert definition_checksum(d) == definition_checksum(reordered)
    assert len(definition_checksum(d)) == 64
    changed = copy.deepcopy(d)
    changed["items"][0]["text"] += "."
    assert definition_checksum(changed) != definition_checksum(d)


# ------------------------------------------------------------------ properties


@st.composite
def valid_answers(draw: st.DrawFn, instrument: Instrument) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in instrument.items:
        ew = item.enable_when
        if ew is not None and (ew.item not in out or out[ew.item] in ew.not_in):
            continue
        if not item.required and draw(st.booleans()):
            continue
        if item.type == "choice":
            out[item.code] = draw(st.sampled_from([o.code for o in item.options]))
        elif item.type == "integer":
            assert item.min is not None and item.max is not None
            value = draw(st.integers(item.min, item.max))
            out[item.code] = draw(st.sampled_from([value, str(value)]))
        else:
            assert item.max_length is not None
            out[item.code] = draw(st.text(max_size=50))
    return out


@pytest.mark.parametrize("instrument", [PHQ9, GAD7, SF], ids=lambda i: i.code)
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_score_is_the_sum_of_option_values(instrument: Instrument, data: st.DataObject) -> None:
    answers = data.draw(valid_answers(instrument))
    validated = validate_answers(instrument, answers)
    assert validated.errors == {}
    result = score(instrument, validated)
    for scale in instrument.scales:
        expected = 0
        for code in scale.items:
            item = instrument.item(code)
            given_answer = answers[code]
            if item.type == "choice":
                opt = item.option(str(given_answer))
                assert opt is not None
                expected += opt.value
            else:
                expected += int(str(given_answer))
        got = result.scales[scale.code]
        assert got.value == expected
        assert scale.min <= got.value <= scale.max
        band = scale.band_for(got.value)
        assert band is not None and got.band == band.label
    assert json.loads(json.dumps(result.as_dict())) == result.as_dict()


ARBITRARY = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text()
    | st.binary(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=5,
)


def _keys(instrument: Instrument) -> st.SearchStrategy[str]:
    return st.sampled_from([i.code for i in instrument.items]) | st.text(max_size=10)


def _values(instrument: Instrument) -> st.SearchStrategy[object]:
    codes = sorted({o.code for i in instrument.items for o in i.options})
    near = st.sampled_from(codes) | st.integers(-3, 13).map(str) | st.integers(-3, 13)
    return near | ARBITRARY


@pytest.mark.parametrize("instrument", [PHQ9, GAD7, SF], ids=lambda i: i.code)
@settings(max_examples=300)
@given(data=st.data())
def test_validate_answers_never_raises(instrument: Instrument, data: st.DataObject) -> None:
    answers = data.draw(st.dictionaries(_keys(instrument), _values(instrument), max_size=12))
    result = validate_answers(instrument, answers)
    assert isinstance(result, ValidatedAnswers)
    assert set(result.answers) <= {i.code for i in instrument.items}
    assert set(result.errors) <= {i.code for i in instrument.items}
    assert not set(result.answers) & set(result.errors)
    for code, value in result.answers.items():
        item = instrument.item(code)
        if item.type == "choice":
            assert item.option(str(value)) is not None
        elif item.type == "integer":
            assert isinstance(value, int) and not isinstance(value, bool)
            assert item.min is not None and item.max is not None
            assert item.min <= value <= item.max
        else:
            assert isinstance(value, str) and value == value.strip()
    # Safety never raises either, and scoring either works or says why.
    safety_level(instrument, answers)
    if result.is_valid:
        score(instrument, result)
    else:
        with pytest.raises(ScoringError):
            score(instrument, result)


def test_parsed_objects_are_picklable_and_hashable() -> None:
    """Instruments and results can go through a cache or a process pool."""
    import pickle

    for inst in (PHQ9, GAD7, SF):
        clone = pickle.loads(pickle.dumps(inst))  # noqa: S301 - our own data
        assert clone == inst
        assert hash(clone) == hash(inst)
        assert clone.item(inst.items[0].code) == inst.items[0]
    result = score(PHQ9, answers_for_total(PHQ9, 3))
    assert pickle.loads(pickle.dumps(result)).as_dict() == result.as_dict()  # noqa: S301
