"""Load the instrument definition files into the database.

A version is immutable once used: a changed file for a version that already has responses is
refused with a clear error, so every stored score keeps pointing at the wording it was given on.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from attune.engine.instruments import definition_checksum, parse_definition
from attune.measures.models import Instrument, InstrumentVersion

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"


class DefinitionConflict(Exception):
    """A used instrument version was edited in place."""


def sync_definitions(directory: Path = DEFINITIONS_DIR) -> list[InstrumentVersion]:
    loaded = []
    for path in sorted(directory.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        loaded.append(_sync_one(raw, path.name))
    return loaded


@transaction.atomic
def _sync_one(raw: dict[str, object], filename: str) -> InstrumentVersion:
    parsed = parse_definition(raw)
    checksum = definition_checksum(raw)
    instrument, _ = Instrument.objects.update_or_create(
        code=parsed.code,
        defaults={"name": parsed.name, "short_name": parsed.short_name, "kind": parsed.kind},
    )
    version = InstrumentVersion.objects.filter(
        instrument=instrument, version=parsed.version
    ).first()
    if version is None:
        return InstrumentVersion.objects.create(
            instrument=instrument, version=parsed.version, definition=raw, checksum=checksum
        )
    if version.checksum != checksum:
        if version.responses.exists():
            raise DefinitionConflict(
                f"{filename}: {parsed.code} version {parsed.version} already has responses and "
                "cannot change. Give the edited file a new version number."
            )
        version.definition = raw
        version.checksum = checksum
        version.save()
    return version


def current_version(code: str) -> InstrumentVersion:
    """The newest version of an instrument (versions are compared as numbers)."""
    versions = list(
        InstrumentVersion.objects.filter(instrument__code=code).select_related("instrument")
    )
    if not versions:
        raise InstrumentVersion.DoesNotExist(f"No definition loaded for {code!r}.")
    return max(versions, key=lambda v: tuple(int(p) for p in v.version.split(".") if p.isdigit()))
