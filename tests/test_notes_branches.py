"""Process notes' rarer paths: every problem of a note named at once, a reader who is not signed
in, a note on a session the page did not load."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from attune.notes import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_problem_of_a_note_is_named_at_once():
    with pytest.raises(ValidationError) as refused:
        services.clean_content(
            body="x" * (services.BODY_MAX + 1),
            themes=["not-a-theme"],
            countertransference="z" * (services.COUNTERTRANSFERENCE_MAX + 1),
            supervision="y" * (services.SUPERVISION_MAX + 1),
        )
    assert refused.value.messages == [
        "Choose transference themes from the list.",
        f"The note is longer than {services.BODY_MAX:,} characters.",
        f"The countertransference is longer than {services.COUNTERTRANSFERENCE_MAX:,} characters.",
        f"What to take to supervision is longer than {services.SUPERVISION_MAX:,} characters.",
    ]


def test_an_unknown_theme_alone_is_also_an_empty_note():
    with pytest.raises(ValidationError) as refused:
        services.clean_content(body=" ", themes=["nope"], countertransference="")
    assert refused.value.messages == [
        "Choose transference themes from the list.",
        services.EMPTY_NOTE_MESSAGE,
    ]


def test_a_reader_not_signed_in_has_no_notes(episode, therapist, last_attended):
    factories.ProcessNoteFactory(session=last_attended)
    assert list(services.own_notes_in_order(AnonymousUser(), episode)) == []
    assert services.own_notes_in_order(therapist, episode).count() == 1


def test_a_note_on_a_session_the_page_did_not_load_is_still_read(episode, therapist, last_attended):
    note = factories.ProcessNoteFactory(session=last_attended, body="Between us.")
    shown = services.episode_notes(reader=therapist, episode=episode, sessions=[])
    assert shown.error == ""
    assert [r.note.pk for r in shown.notes] == [note.pk]
    assert shown.notes[0].content.body == "Between us."
    assert shown.session_numbers == [last_attended.number]
    assert shown.writable == []  # only the sessions the page loaded are offered
