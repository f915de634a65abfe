"""The treating therapist writes a private process note from the episode page, sees it on her
timeline and opens it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from attune.audit.models import AuditEvent
from attune.notes.models import ProcessNote
from tests.browser.conftest import sign_in_without_the_form

PRIVATE = (
    "Private: only you can read this note. It is encrypted and never shared with the client, "
    "your supervisor or the practice."
)


def test_the_therapist_writes_a_private_note_and_finds_it_on_her_timeline(
    page, live_server, therapist, episode
):
    sign_in_without_the_form(page, live_server, therapist.email)
    page.goto(f"{live_server.url}/episodes/{episode.pk}/")
    notes = page.get_by_test_id("private-notes")
    expect(notes).to_contain_text("No private notes yet.")

    with page.expect_navigation():
        notes.get_by_role("link", name="Write a private note for session 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Private process note · session 1")
    expect(page.get_by_test_id("private-note-notice")).to_have_text(PRIVATE)

    page.get_by_label("Idealising").check()
    page.get_by_label("Process note").fill("Asked whether I ever get tired of listening.")
    page.get_by_label("Countertransference").fill("Flattered, then uneasy.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save private note").click()

    expect(page.get_by_role("status")).to_contain_text("Private note saved. Only you can read it.")
    expect(page.get_by_test_id("note-themes")).to_have_text(re.compile(r"^\s*Idealising\s*$"))
    note = ProcessNote.objects.get()
    assert "tired of listening" not in note.ciphertext

    with page.expect_navigation():
        page.get_by_role("link", name="Back to Cleo Client").click()
    expect(page.get_by_test_id("sessions").get_by_role("row").nth(1)).to_contain_text("note")
    entry = page.get_by_test_id("timeline-note")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Session 1")
    expect(entry).to_contain_text("Idealising")
    expect(page.get_by_test_id("private-notes")).not_to_contain_text("tired of listening")

    with page.expect_navigation():
        entry.get_by_role("link", name=re.compile("Session 1")).click()
    expect(page).to_have_url(f"{live_server.url}/notes/{note.pk}/")
    expect(page.get_by_test_id("note-body")).to_have_text(
        "Asked whether I ever get tired of listening."
    )
    expect(page.get_by_test_id("note-countertransference")).to_have_text("Flattered, then uneasy.")
    # Saved → note page, episode timeline, note page again: three reads, all by her.
    reads = AuditEvent.objects.filter(
        action="read", object_type="notes.processnote", object_id=str(note.pk)
    )
    assert reads.count() == 3
    assert set(reads.values_list("actor", flat=True)) == {therapist.pk}
