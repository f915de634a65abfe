"""One severity scale for people: urgent / act soon / watch / note."""

from __future__ import annotations

from typing import get_args

import pytest

from attune.engine.levels import LEVELS, is_note, level
from attune.engine.signals import Severity


def test_the_agreed_mapping():
    assert {s: level(s).label for s in get_args(Severity)} == {
        "urgent": "Urgent",
        "high": "Act soon",
        "red": "Act soon",
        "yellow": "Watch",
        "info": "Note",
    }


def test_every_engine_severity_has_a_level_and_the_order_is_most_urgent_first():
    assert [lv.order for lv in LEVELS] == sorted(lv.order for lv in LEVELS)
    assert level("urgent").order < level("red").order < level("yellow").order < level("info").order
    assert len({lv.css for lv in LEVELS}) == len(LEVELS)


def test_only_info_is_a_note():
    assert [s for s in get_args(Severity) if is_note(s)] == ["info"]


def test_an_unknown_severity_is_refused_by_name():
    with pytest.raises(ValueError, match="'purple'"):
        level("purple")
