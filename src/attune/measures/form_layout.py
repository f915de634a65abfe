"""Turn instrument definitions plus the answers so far into what a form template renders.

Field names are ``<instrument code>-<item code>``: stable codes, never clinical words, so a
submitted form maps straight back onto the definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from attune.measures.models import InstrumentVersion


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class FormItem:
    name: str
    code: str
    text: str
    type: str
    required: bool
    choices: tuple[Choice, ...]
    value: str
    error: str
    min_label: str
    max_label: str
    max_length: int | None
    shown_when: (
        str  # "<field name>:<codes that hide it>" for the small progressive-disclosure script
    )


@dataclass(frozen=True)
class FormSection:
    code: str
    title: str
    instructions: str
    copyright: str
    items: tuple[FormItem, ...]


def field_name(instrument_code: str, item_code: str) -> str:
    return f"{instrument_code}-{item_code}"


def answers_from_post(
    post: QueryDict, versions: Sequence[InstrumentVersion]
) -> dict[str, dict[str, str]]:
    answers: dict[str, dict[str, str]] = {}
    for version in versions:
        instrument = version.parsed
        given = {}
        for item in instrument.items:
            raw = post.get(field_name(instrument.code, item.code))
            if raw not in (None, ""):
                given[item.code] = raw
        answers[instrument.code] = given
    return answers


def layout(
    versions: Sequence[InstrumentVersion],
    answers: Mapping[str, Mapping[str, Any]] | None = None,
    errors: Mapping[str, Mapping[str, str]] | None = None,
) -> list[FormSection]:
    answers = answers or {}
    errors = errors or {}
    sections = []
    for version in versions:
        instrument = version.parsed
        given = answers.get(instrument.code, {})
        problems = errors.get(instrument.code, {})
        items = []
        for item in instrument.items:
            value = "" if given.get(item.code) is None else str(given.get(item.code))
            if item.type == "choice":
                choices = tuple(Choice(o.code, o.label, o.code == value) for o in item.options)
            elif item.type == "integer":
                low, high = int(item.min or 0), int(item.max or 0)
                choices = tuple(
                    Choice(str(n), str(n), str(n) == value) for n in range(low, high + 1)
                )
            else:
                choices = ()
            shown_when = ""
            if item.enable_when is not None:
                shown_when = "{}:{}".format(
                    field_name(instrument.code, item.enable_when.item),
                    ",".join(item.enable_when.not_in),
                )
            items.append(
                FormItem(
                    name=field_name(instrument.code, item.code),
                    code=item.code,
                    text=item.text,
                    type=item.type,
                    required=item.required,
                    choices=choices,
                    value=value,
                    error=problems.get(item.code, ""),
                    min_label=item.min_label or "",
                    max_label=item.max_label or "",
                    max_length=item.max_length,
                    shown_when=shown_when,
                )
            )
        sections.append(
            FormSection(
                code=instrument.code,
                title=instrument.short_name,
                instructions=instrument.instructions,
                copyright=instrument.copyright,
                items=tuple(items),
            )
        )
    return sections
