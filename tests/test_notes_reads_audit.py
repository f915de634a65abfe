"""The episode page reads the author's notes with one audit event per note, written at once
(``notes.services.read_notes``, ``audit.services.record_reads``; issue 11, web load)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attune.audit.models import AuditEvent
from attune.care.models import Attendance, Session
from attune.notes import services
from attune.notes.models import ProcessNote
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def notes_on(episode, author, n):
    notes = []
    for number in range(1, n + 1):
        session, _ = Session.objects.update_or_create(
            episode=episode,
            number=number,
            defaults={
                "scheduled_at": timezone.now() - timezone.timedelta(days=7 * (n - number + 1)),
                "attendance": Attendance.ATTENDED,
            },
        )
        notes.append(
            services.write_note(
                author=author,
                session=session,
                body=f"Note {number}.",
                themes=[],
                countertransference="",
            )
        )
    return notes


def reads(actor=None):
    events = AuditEvent.objects.filter(action="read", object_type="notes.processnote")
    return events.filter(actor=actor) if actor is not None else events


def test_the_episode_page_audits_each_note_read_once_in_one_insert(client, therapist, episode):
    notes = notes_on(episode, therapist, 5)
    assert client.login(username=therapist.email, password=PASSWORD)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("workspace:episode", args=[episode.pk]))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="timeline-note"') == 5
    events = reads(therapist)
    assert sorted(events.values_list("object_id", flat=True)) == sorted(str(n.pk) for n in notes)
    assert set(events.values_list("episode_id", flat=True)) == {episode.pk}
    episode_reads = AuditEvent.objects.filter(
        actor=therapist, action="read", object_type="care.episode", object_id=str(episode.pk)
    )
    assert list(episode_reads.values_list("episode_id", flat=True)) == [episode.pk]
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "audit_auditevent"')]
    assert len(inserts) == 1  # the episode read and the five notes' at once


def test_the_episode_read_is_audited_when_the_notes_cannot_be_opened(
    client, therapist, episode, settings
):
    notes_on(episode, therapist, 2)
    settings.ATTUNE_NOTES_KEYS = []
    assert client.login(username=therapist.email, password=PASSWORD)
    page = client.get(reverse("workspace:episode", args=[episode.pk]))
    assert page.status_code == 200
    assert reads(therapist).count() == 0
    assert AuditEvent.objects.filter(
        actor=therapist, action="read", object_type="care.episode", object_id=str(episode.pk)
    ).exists()


def test_read_notes_refuses_anyone_but_the_author_and_audits_nothing(therapist, colleague, episode):
    notes = notes_on(episode, therapist, 2)
    with pytest.raises(PermissionDenied):
        services.read_notes(reader=colleague, notes=notes)
    assert not reads().exists()
    contents = services.read_notes(reader=therapist, notes=list(ProcessNote.objects.order_by("pk")))
    assert [c.body for c in contents] == ["Note 1.", "Note 2."]
    assert reads(therapist).count() == 2
