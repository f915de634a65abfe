"""Reads of private process notes: only ever the author's own; and, beside the note form, what
the client answered around that session."""

from __future__ import annotations

from dataclasses import dataclass

from attune.accounts.models import User
from attune.care.models import Episode, Session
from attune.measures.models import Phase, Response
from attune.measures.queries import answer_label
from attune.notes.services import ReadNote, own_notes_in_order, read_notes


def note_session_numbers(author: User, episode: Episode) -> list[int]:
    """Numbers of the sessions of ``episode`` for which ``author`` wrote a private note.

    Which sessions have a note is not the note's content: nothing is decrypted or audited."""
    return list(
        own_notes_in_order(author, episode)
        .filter(session__isnull=False)
        .order_by("session__number")
        .values_list("session__number", flat=True)
        .distinct()
    )


def notes_for(author: User, episode: Episode) -> list[ReadNote]:
    """The author's notes on ``episode``, decrypted, in session order. Every note returned is
    a read: each one writes an audit event. ``NotesCryptoError`` if a note cannot be opened."""
    notes = own_notes_in_order(author, episode).select_related("session", "episode")
    # The reads' audit events in one INSERT, after every note was opened.
    found = list(notes)
    contents = read_notes(reader=author, notes=found)
    return [
        ReadNote(note=note, content=content) for note, content in zip(found, contents, strict=True)
    ]


# --------------------------------------------------------------------------- beside the form


@dataclass(frozen=True)
class CheckIn:
    """One check-in measure of the session: its total (None while in progress), band and
    the safety item's answer when it was flagged."""

    response: Response
    name: str
    total: int | None
    max: int | None
    band: str
    safety_level: str  # "" or a stored severity code (item 9 answered >= 1)
    safety_answer: str  # the flagged safety item's answer, in the form's words


@dataclass(frozen=True)
class SessionFeedback:
    """The client's feedback on the session: the four domains, the rupture answer, the
    comment."""

    response: Response
    total: int | None
    domains: list[tuple[str, object]]
    rupture: str
    rupture_resolved: str
    comment: str


@dataclass(frozen=True)
class SessionForms:
    check_ins: list[CheckIn]
    feedback: SessionFeedback | None


#: The four domains of the session feedback, by their short names (as on the alliance chart).
DOMAIN_NAMES = {
    "bond": "Bond",
    "goals": "Goals & topics",
    "approach": "Approach",
    "overall": "Overall",
}


def _label(response: Response, code: str) -> str:
    value = response.answers.get(code)
    if value is None or value == "":
        return ""
    definition = response.instrument_version.parsed
    return answer_label(definition.item(code), value) if definition.has_item(code) else str(value)


def session_forms(session: Session) -> SessionForms:
    """What the client answered around ``session``: the check-in before it (PHQ-9, GAD-7,
    with the item-9 flag, also from a check-in kept in progress for its safety answer) and
    the feedback after it. Read only; for the note form of the treating therapist, whose
    view has already checked she treats the episode."""
    responses = (
        Response.all_objects.filter(
            session=session, phase__in=[Phase.CHECK_IN, Phase.FEEDBACK], episode=session.episode
        )
        .select_related("instrument_version__instrument")
        .order_by("submitted_at", "pk")
    )
    check_ins: list[CheckIn] = []
    feedback: SessionFeedback | None = None
    for response in responses:
        definition = response.instrument_version.parsed
        first = definition.scales[0] if definition.scales else None
        scale = (response.scores or {}).get("scales", {}).get(first.code, {}) if first else {}
        if response.phase == Phase.CHECK_IN:
            flagged = definition.safety_items if response.safety_level else ()
            check_ins.append(
                CheckIn(
                    response=response,
                    name=response.instrument_version.instrument.short_name,
                    total=response.score if response.complete else None,
                    max=first.max if first else None,
                    band=str(scale.get("band") or "") if response.complete else "",
                    safety_level=response.safety_level,
                    safety_answer=", ".join(_label(response, item.code) for item in flagged),
                )
            )
        elif response.complete:  # the latest completed feedback of the session
            feedback = SessionFeedback(
                response=response,
                total=response.score,
                domains=[
                    (DOMAIN_NAMES.get(item.code, item.text), response.answers.get(item.code))
                    for item in definition.items
                    if first is not None and item.code in first.items
                ],
                rupture=_label(response, "rupture"),
                rupture_resolved=_label(response, "rupture_resolved"),
                comment=str(response.answers.get("comment") or ""),
            )
    return SessionForms(check_ins=check_ins, feedback=feedback)
