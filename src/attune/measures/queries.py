"""Reads of stored responses shared by several pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet
from django.db.models.fields.json import KT

from attune.engine.instruments import Item
from attune.measures.models import Response


def stopping_answers_of_outer_episode() -> QuerySet[Response]:
    """For a subquery on Episode: the session-feedback answers to "Have you been thinking of
    stopping therapy?", newest first, each with its answer code as ``stopping_code``. The
    caseload's badge and the supervision queue read the latest one (``[:1]``) and compare it
    with ``attune.care.engine_adapter.thinking_of_stopping_codes``."""
    return (
        Response.objects.filter(
            episode=OuterRef("pk"),
            instrument_version__instrument__code="session_feedback",
            answers__has_key="stopping",
        )
        .order_by("-submitted_at", "-pk")
        .annotate(stopping_code=KT("answers__stopping"))
    )


# --------------------------------------------------------------------------- a response's answers


def answer_label(item: Item, value: object) -> str:
    """An answer in words: a choice's option label (its code when the definition has no such
    option), any other answer as given."""
    text = str(value)
    option = item.option(text) if item.type == "choice" else None
    return option.label if option is not None else text


@dataclass(frozen=True)
class AnswerRow:
    """One question of a stored response and its answer, in definition order. ``label`` is the
    answer in words (:func:`answer_label`); ``answer`` the same with a number's scale ("7 of
    10"); both "" and ``value`` ``None`` when the question was not asked or not answered."""

    code: str
    text: str
    answer: str
    value: object
    label: str = ""


def answer_rows(response: Response) -> list[AnswerRow]:
    """A response's answers in definition order, with option labels: the episode page (fit
    check-in, exit feedback) and the therapist's page of one response."""
    instrument = response.instrument_version.parsed
    rows = []
    for item in instrument.items:
        value = response.answers.get(item.code)
        label = "" if value is None else answer_label(item, value)
        answer = label
        if item.type == "integer" and value is not None and item.max is not None:
            answer = f"{value} of {item.max}"
        rows.append(AnswerRow(item.code, item.text, answer, value, label))
    return rows
