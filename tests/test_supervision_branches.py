"""Supervision notes refused or left as they are: a writer who does not supervise the therapist,
an empty or over-long note, a mark by someone who does not treat the client, a note read twice."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from attune.audit.models import AuditEvent
from attune.supervision import services
from attune.supervision.models import SupervisionNote
from attune.supervision.services import TEXT_MAX
from tests import factories

pytestmark = pytest.mark.django_db


def test_only_a_supervisor_of_the_therapist_writes(episode, colleague, supervisor):
    with pytest.raises(PermissionDenied):
        services.write_note(author=colleague, episode=episode, discussion="About the rupture.")
    with pytest.raises(ValidationError, match="Write what was discussed."):
        services.write_note(author=supervisor, episode=episode, discussion="  \n ")
    with pytest.raises(ValidationError, match=f"under {TEXT_MAX} characters"):
        services.write_note(
            author=supervisor,
            episode=episode,
            discussion="About the rupture.",
            recommendation="x" * (TEXT_MAX + 1),
        )
    assert not SupervisionNote.objects.exists()


def test_marking_is_the_treating_therapists_and_a_second_read_keeps_the_first(
    episode, therapist, colleague, supervisor
):
    note = factories.SupervisionNoteFactory(episode=episode, author=supervisor)
    with pytest.raises(PermissionDenied):
        services.mark_note(therapist=colleague, note=note, mark="read")
    first = services.mark_note(therapist=therapist, note=note, mark="read").read_at
    assert first is not None
    again = services.mark_note(therapist=therapist, note=note, mark="read")
    assert again.read_at == first and again.done_at is None
    assert AuditEvent.objects.filter(detail="marked=read").count() == 1
