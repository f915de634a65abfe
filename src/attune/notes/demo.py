"""Private process notes for the demo practice, written through the notes service (encrypted)."""

from __future__ import annotations

from datetime import timedelta

from attune.accounts.models import User
from attune.care.models import Session
from attune.notes.models import ProcessNote
from attune.notes.services import write_note

#: Private process notes of the integrative therapist (themes, body, countertransference).
_DEMO_NOTES = (
    (
        ("positive",),
        "Warm start; client brought a dream about a house with many rooms.",
        "Felt protective, a little parental.",
    ),
    (
        ("idealising",),
        "Client said I am the first person who really understands. Noted the pull "
        "to accept the role.",
        "Flattered; wary of the pedestal.",
    ),
    (
        ("negative",),
        "Irritation when I was two minutes late — echoes of waiting for the father.",
        "Defensive for a moment; took it up gently.",
    ),
    ((), "Quiet session; long silences felt companionable rather than empty.", ""),
    (
        ("negative", "other"),
        "Sharp withdrawal after I linked the pattern to her mother; repair attempted at the end.",
        "Guilt, urge to take it back.",
    ),
    (("positive",), "Used the resource image from the hypnosis work unprompted.", "Hopeful."),
)


def write_demo_notes(therapist: User) -> None:
    """A private note on every fourth attended session of the integrative therapist, so the
    episode page shows note markers. Written through the notes service: encrypted at rest."""
    sessions = Session.objects.filter(episode__therapist=therapist, attendance="attended").order_by(
        "episode_id", "number"
    )
    for index, session in enumerate(s for s in sessions if s.number % 4 == 2):
        themes, body, counter = _DEMO_NOTES[index % len(_DEMO_NOTES)]
        note = write_note(
            author=therapist, session=session, body=body, themes=themes,
            countertransference=counter,
        )  # fmt: skip
        written = session.scheduled_at + timedelta(hours=1)
        ProcessNote.objects.filter(pk=note.pk).update(created_at=written, updated_at=written)
