"""Definitions are data, loaded from files; a used version never changes under its responses."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.exceptions import ValidationError

from attune.care.submission import submit_form
from attune.measures.definitions_sync import (
    DEFINITIONS_DIR,
    DefinitionConflict,
    current_version,
    sync_definitions,
)
from attune.measures.models import InstrumentVersion
from tests.answers import FREQUENCY

pytestmark = pytest.mark.django_db


def test_every_shipped_definition_is_loaded_after_migrate():
    codes = set(InstrumentVersion.objects.values_list("instrument__code", flat=True))
    assert codes == {"phq9", "gad7", "session_feedback", "fit_check", "exit_feedback"}
    assert current_version("phq9").parsed.loinc == "44249-1"


def test_loading_again_changes_nothing():
    before = list(InstrumentVersion.objects.values_list("pk", "checksum"))
    sync_definitions()
    assert list(InstrumentVersion.objects.values_list("pk", "checksum")) == before


def _copy_with_new_wording(tmp_path):
    raw = json.loads((DEFINITIONS_DIR / "gad7-1.json").read_text())
    raw["items"][0]["text"] = "Reworded"
    (tmp_path / "gad7-1.json").write_text(json.dumps(raw))
    return raw


def test_an_unused_version_may_still_be_corrected(tmp_path):
    _copy_with_new_wording(tmp_path)
    sync_definitions(tmp_path)
    assert current_version("gad7").parsed.items[0].text == "Reworded"


def test_a_used_version_cannot_change(tmp_path, episode, client_user, upcoming):
    submit_form(
        episode=episode,
        session=upcoming,
        respondent=client_user,
        phase="check_in",
        answers={
            "phq9": {f"phq9_{n}": FREQUENCY[0] for n in range(1, 10)},
            "gad7": {f"gad7_{n}": FREQUENCY[0] for n in range(1, 8)},
        },
        idempotency_key=uuid.uuid4(),
    )
    _copy_with_new_wording(tmp_path)
    with pytest.raises(DefinitionConflict, match="already has responses"):
        sync_definitions(tmp_path)
    version = current_version("gad7")
    version.checksum = "0" * 64
    with pytest.raises(ValidationError, match="cannot change"):
        version.save()


def test_a_new_version_becomes_current(tmp_path):
    raw = json.loads((DEFINITIONS_DIR / "gad7-1.json").read_text())
    raw["version"] = "2"
    (tmp_path / "gad7-2.json").write_text(json.dumps(raw))
    sync_definitions(tmp_path)
    assert current_version("gad7").version == "2"
