"""The fit check-in in the therapist's words.

Client and therapist answer the same instrument (``fit-check-1.json``, the same item codes, so
the engine compares like with like); its wording speaks to the client. The therapist reads the
questions as they are meant for her side, and both sides' answers side by side under one short
name per question. Wording only: the fit rule and its alert live in ``attune.engine.fit``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from attune.measures.form_layout import FormSection

#: The fit check-in's name, wherever client or therapist see it.
NAME = "Fit check-in"

#: The question for the therapist's side, by item code ({client}: the client's name).
THERAPIST_QUESTIONS = {
    "fit": "How well does working with {client} fit for you so far?",
    "right_match": (
        "Do you think you are the right match for {client} — the right person, working in "
        "the right way?"
    ),
    "comment": (
        "Anything about the fit you would like to note — what works, or what you would wish "
        "for? {client} does not see your answers."
    ),
}

#: One short name per question, for the two sides side by side.
SHORT_QUESTIONS = {
    "fit": "Fit so far",
    "right_match": "The right match?",
    "comment": "In their own words",
}


def for_therapist(sections: Sequence[FormSection], client: str) -> list[FormSection]:
    """The fit check-in's form sections, with each question asked of the therapist."""
    reworded = []
    for section in sections:
        items = tuple(
            dataclasses.replace(item, text=THERAPIST_QUESTIONS[item.code].format(client=client))
            if item.code in THERAPIST_QUESTIONS
            else item
            for item in section.items
        )
        reworded.append(
            dataclasses.replace(
                section,
                title=NAME,
                instructions=(
                    f"Your own view of how working with {client} feels, from your side. "
                    "A poor fit is nobody's fault; an honest answer helps most."
                ),
                items=items,
            )
        )
    return reworded
