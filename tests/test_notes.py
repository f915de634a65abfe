"""Private process notes: only the author ever reads one, every read is audited, and the
database holds ciphertext only.

Each page is tried by everybody who must not see it — colleague, the author's supervisor, the
client, a practice administrator, a superuser — and by the author (so the tests would fail if
the pages were simply broken for everybody)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

import attune
from attune.accounts.models import User
from attune.audit.models import AuditEvent
from attune.audit.services import record
from attune.crypto import NoteDecryptionError, NoteKeyError, decrypt_json, encrypt_json
from attune.notes import services
from attune.notes.apps import check_note_keys
from attune.notes.models import ProcessNote
from attune.notes.queries import note_session_numbers, notes_for
from attune.notes.rules import may_view_note
from attune.notes.services import EMPTY_NOTE_MESSAGE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BODY = "Spoke of the lighthouse keeper again; silence after the holiday break."
COUNTER = "I felt protective and wanted to rescue her from the storm."
PRIVATE_WORDS = ["lighthouse", "holiday break", "protective", "rescue her"]
NOT_FOUND = 404


@pytest.fixture
def superuser(practice) -> User:
    return User.objects.create_superuser("root.admin@example.org", PASSWORD, practice=practice)


@pytest.fixture
def attended(episode):
    return episode.sessions.get(number=1)


@pytest.fixture
def note(therapist, attended) -> ProcessNote:
    return services.write_note(
        author=therapist,
        session=attended,
        body=BODY,
        themes=["erotic", "idealising"],
        countertransference=COUNTER,
    )


def as_user(client, user):
    client.logout()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def reads_of(note, actor=None):
    events = AuditEvent.objects.filter(
        action="read", object_type="notes.processnote", object_id=str(note.pk)
    )
    return events.filter(actor=actor) if actor is not None else events


def assert_private(html: str) -> None:
    for word in [*PRIVATE_WORDS, "Erotic", "Idealising", "private-notes"]:
        assert word not in html, word


# --- The author ------------------------------------------------------------------------------


def test_the_author_writes_a_note_from_the_form_and_reads_it(client, therapist, episode, attended):
    as_user(client, therapist)
    url = reverse("notes:session", args=[attended.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert (
        "Private: only you can read this note. It is encrypted and never shared with the "
        "client, your supervisor or the practice." in form.content.decode()
    )
    for theme in ["Positive", "Negative", "Erotic", "Idealising", "Other"]:
        assert theme in form.content.decode()

    response = client.post(
        url, {"themes": ["idealising", "negative"], "body": BODY, "countertransference": COUNTER}
    )
    note = ProcessNote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("notes:detail", args=[note.pk])
    assert (note.author, note.episode, note.session) == (therapist, episode, attended)

    page = client.get(response["Location"]).content.decode()
    assert "lighthouse keeper" in page
    assert "rescue her from the storm" in page
    assert "Negative" in page and "Idealising" in page
    assert "Erotic" not in page.split('data-testid="note-themes"')[1].split("</p>")[0]
    assert "Private: only you can read this note." in page


def test_every_read_is_audited_with_actor_and_time(client, therapist, note):
    created = AuditEvent.objects.get(action="create")
    assert (created.actor, created.object_id, created.episode_id) == (
        therapist,
        str(note.pk),
        note.episode_id,
    )
    as_user(client, therapist)
    before = timezone.now()
    for _ in range(3):
        assert client.get(reverse("notes:detail", args=[note.pk])).status_code == 200
    reads = list(reads_of(note))
    assert len(reads) == 3
    for event in reads:
        assert event.actor == therapist
        assert event.episode_id == note.episode_id
        assert before - timedelta(seconds=1) <= event.at <= timezone.now()
    # Opening the form to change the note shows its content: a read as well.
    assert client.get(reverse("notes:session", args=[note.session_id])).status_code == 200
    assert reads_of(note).count() == 4


def test_audit_events_hold_no_content(note, therapist):
    services.read_note(reader=therapist, note=note)
    for row in AuditEvent.objects.values():
        text = " ".join(str(value) for value in row.values())
        for word in [*PRIVATE_WORDS, "erotic", "idealising"]:
            assert word not in text


def test_changing_a_note_keeps_one_note_per_session_and_is_audited(client, therapist, note):
    as_user(client, therapist)
    form = client.get(reverse("notes:session", args=[note.session_id])).content.decode()
    assert "lighthouse keeper" in form  # the form opens with what she wrote
    response = client.post(
        reverse("notes:session", args=[note.session_id]),
        {"themes": ["positive"], "body": "A warmer hour.", "countertransference": ""},
    )
    assert response.status_code == 302
    assert ProcessNote.objects.count() == 1
    content = services.read_note(reader=therapist, note=ProcessNote.objects.get())
    assert (content.body, content.themes, content.countertransference) == (
        "A warmer hour.",
        ("positive",),
        "",
    )
    assert AuditEvent.objects.filter(action="update", actor=therapist).count() == 1


def test_the_episode_page_shows_the_author_her_timeline(client, therapist, episode, note):
    as_user(client, therapist)
    page = client.get(reverse("workspace:episode", args=[episode.pk])).content.decode()
    timeline = page.split('data-testid="note-timeline"')[1].split("</ul>")[0]
    assert "Session 1" in timeline
    assert "Erotic" in timeline and "Idealising" in timeline
    assert reverse("notes:detail", args=[note.pk]) in timeline
    assert "lighthouse" not in page  # the timeline shows themes, not the note itself
    assert reads_of(note, therapist).count() == 1  # the themes were decrypted: a read


def test_the_timeline_offers_a_note_for_attended_sessions_without_one(
    client, therapist, episode, attended
):
    as_user(client, therapist)
    page = client.get(reverse("workspace:episode", args=[episode.pk])).content.decode()
    assert "No private notes yet." in page
    assert reverse("notes:session", args=[attended.pk]) in page


def test_session_numbers_are_the_authors_only_and_not_a_read(therapist, supervisor, episode, note):
    assert note_session_numbers(therapist, episode) == [1]
    assert note_session_numbers(supervisor, episode) == []
    assert not reads_of(note).exists()
    assert notes_for(supervisor, episode) == []
    assert [read.content.body for read in notes_for(therapist, episode)] == [BODY]
    assert reads_of(note, therapist).count() == 1


# --- Everybody else --------------------------------------------------------------------------

INTRUDERS = ["colleague", "supervisor", "client_user", "practice_admin", "superuser"]


@pytest.mark.parametrize("intruder", INTRUDERS)
def test_nobody_but_the_author_reaches_a_note(request, client, intruder, note, other_episode):
    user = request.getfixturevalue(intruder)
    as_user(client, user)
    urls = [
        reverse("notes:detail", args=[note.pk]),
        reverse("notes:session", args=[note.session_id]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == NOT_FOUND, (intruder, url)
        assert_private(response.content.decode())
    post = client.post(urls[1], {"themes": ["other"], "body": "overwritten"})
    assert post.status_code == NOT_FOUND
    assert decrypt_json(ProcessNote.objects.get().ciphertext)["body"] == BODY
    assert not AuditEvent.objects.filter(actor=user).exists()


@pytest.mark.parametrize("intruder", INTRUDERS)
def test_nobody_but_the_author_sees_notes_on_the_episode_page(
    request, client, intruder, episode, note, other_episode
):
    as_user(client, request.getfixturevalue(intruder))
    response = client.get(reverse("workspace:episode", args=[episode.pk]))
    if intruder == "supervisor":
        assert response.status_code == 200  # she reads the episode, never the notes
    assert_private(response.content.decode())
    assert reverse("notes:detail", args=[note.pk]) not in response.content.decode()


@pytest.mark.parametrize("intruder", ["colleague", "supervisor", "client_user", "practice_admin"])
def test_no_service_reads_a_note_for_anyone_but_the_author(request, intruder, note, superuser):
    user = request.getfixturevalue(intruder)
    for reader in (user, superuser):
        with pytest.raises(PermissionDenied):
            services.read_note(reader=reader, note=note)
    assert not reads_of(note).exists()


def test_a_superuser_is_refused_by_has_perm_and_by_the_rules(superuser, note):
    # Django lets every active superuser through user.has_perm before any backend is asked;
    # Attune's User.has_perm asks the predicate alone for its own permissions (issue 11).
    assert superuser.has_perm("notes.view_note", note) is False
    assert may_view_note(superuser, note) is False


def test_the_client_portal_never_shows_a_note(client, client_user, note):
    as_user(client, client_user)
    for url in [reverse("portal:home"), reverse("home")]:
        response = client.get(url, follow=True)
        assert response.status_code == 200
        assert_private(response.content.decode())


@pytest.mark.parametrize("who", ["practice_admin", "superuser"])
def test_notes_are_not_in_the_django_admin(request, client, who, note):
    as_user(client, request.getfixturevalue(who))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/notes/processnote/").status_code == NOT_FOUND
    assert client.get(f"/admin/notes/processnote/{note.pk}/change/").status_code == NOT_FOUND
    assert "processnote" not in client.get("/admin/").content.decode().lower()


def test_the_practice_admin_reads_the_trail_without_content(
    client, practice_admin, therapist, note
):
    services.read_note(reader=therapist, note=note)
    as_user(client, practice_admin)
    page = client.get("/admin/audit/auditevent/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tara Therapist" in html
    assert_private(html)
    event = AuditEvent.objects.first()
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/audit/auditevent/add/").status_code == 403


def test_the_trail_is_append_only(therapist, note):
    event = record(therapist, "read", note, note.episode)
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    with pytest.raises(ValueError, match="Unknown audit action"):
        record(therapist, "peek", note)


def test_the_progress_report_never_holds_a_note_even_for_the_author(client, therapist, note):
    as_user(client, therapist)
    response = client.get(reverse("workspace:report", args=[note.episode_id]))
    assert response.status_code == 200
    assert_private(response.content.decode())
    assert not reads_of(note).exists()


def test_only_the_notes_app_reads_notes():
    """Exports, the portal, the alerts and the engine never import the notes' content: the
    imports from elsewhere are the episode page's (the view asks the notes service for the
    viewer's own notes, opened and audited there; the timeline's rows are built from them),
    and the retention purge that deletes notes past their period without reading them."""
    src = Path(attune.__file__).parent
    allowed = {
        ("workspace", "views.py"): {"from attune.notes.services import episode_notes"},
        ("workspace", "episode_sections.py"): {"from attune.notes.services import EpisodeNotes"},
        # The demo practice writes its sample notes through the notes service.
        ("demo", "loader.py"): {"from attune.notes.demo import write_demo_notes"},
        # Second-factor secrets are encrypted with the notes' keys (the cipher, never a note).
        ("accounts", "mfa_secrets.py"): {"from attune import crypto"},
        ("accounts", "0004_seal_second_factor_secrets.py"): {
            "from attune.crypto import NotesCryptoError"
        },
        # `attune purge` deletes the notes of episodes past retention, by episode id, unread.
        ("portal", "retention.py"): {
            "from attune.notes.models import ProcessNote",
            "return ProcessNote.objects.filter(Q(episode_id__in=ids) | "
            "Q(session__episode_id__in=ids))",
        },
    }
    for path in src.rglob("*.py"):
        parts = path.relative_to(src).parts
        if parts[0] == "notes":
            continue
        for line in path.read_text().splitlines():
            if NOTES_CODE.search(line):
                assert line.strip() in allowed.get((parts[0], parts[-1]), set()), (path, line)
    for path in (src / "templates").rglob("*.html"):
        if path.parent.name != "notes" and path.name != "_notes.html":
            assert "process_notes" not in path.read_text(), path


# The notes app, the notes' cipher (attune.crypto, a shared helper since issue 15), the model.
NOTES_CODE = re.compile(
    r"(from|import)\s+attune\.(notes|crypto)\b|from\s+attune\s+import\s+crypto\b"
    r"|ProcessNote|\.process_notes\b"
)


# --- Writing: only the treating therapist, and only a real note -------------------------------


def test_a_therapist_cannot_write_on_another_therapists_episode(client, therapist, other_episode):
    foreign = other_episode.sessions.get(number=1)
    as_user(client, therapist)
    url = reverse("notes:session", args=[foreign.pk])
    assert client.get(url).status_code == NOT_FOUND
    assert client.post(url, {"themes": ["other"], "body": "x"}).status_code == NOT_FOUND
    with pytest.raises(PermissionDenied):
        services.write_note(
            author=therapist, session=foreign, body="x", themes=[], countertransference=""
        )
    assert not ProcessNote.objects.exists()


def test_the_supervisor_cannot_write_a_note_either(supervisor, attended):
    with pytest.raises(PermissionDenied):
        services.write_note(
            author=supervisor, session=attended, body="x", themes=[], countertransference=""
        )
    assert not ProcessNote.objects.exists()


def test_an_empty_note_gets_a_clear_message_and_keeps_what_was_typed(client, therapist, attended):
    as_user(client, therapist)
    response = client.post(
        reverse("notes:session", args=[attended.pk]),
        {"body": "   ", "countertransference": "Sleepy, distracted — worth noticing."},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert EMPTY_NOTE_MESSAGE in html
    assert "Sleepy, distracted — worth noticing." in html
    assert not ProcessNote.objects.exists()


def test_themes_alone_make_a_note_and_unknown_themes_are_refused(therapist, attended):
    with pytest.raises(ValidationError, match="transference themes from the list"):
        services.write_note(
            author=therapist,
            session=attended,
            body="x",
            themes=["maternal"],
            countertransference="",
        )
    note = services.write_note(
        author=therapist, session=attended, body="", themes=["other"], countertransference=""
    )
    assert services.read_note(reader=therapist, note=note).themes == ("other",)


# --- Encryption at rest ----------------------------------------------------------------------


def test_the_database_row_holds_no_plaintext(note):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notes_processnote WHERE id = %s", [note.pk])
        row = cursor.fetchone()
        cursor.execute("SELECT ciphertext FROM notes_processnote WHERE id = %s", [note.pk])
        (ciphertext,) = cursor.fetchone()
    raw = " ".join(str(value) for value in row).lower()
    for word in [*PRIVATE_WORDS, "positive", "negative", "erotic", "idealising", "themes", "body"]:
        assert word.lower() not in raw, word
    assert ciphertext.startswith("gAAAAA")  # a Fernet token (version byte 0x80)
    assert decrypt_json(ciphertext)["body"] == BODY


def test_key_rotation_keeps_every_note_readable(settings, therapist, attended):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ATTUNE_NOTES_KEYS = [key_a]
    note = services.write_note(
        author=therapist, session=attended, body=BODY, themes=["negative"], countertransference=""
    )
    before = note.ciphertext

    settings.ATTUNE_NOTES_KEYS = [key_b]  # without the old key, nothing opens it
    with pytest.raises(NoteDecryptionError):
        services.read_note(reader=therapist, note=note)

    settings.ATTUNE_NOTES_KEYS = [key_b, key_a]
    assert services.read_note(reader=therapist, note=note).body == BODY
    out = call_command_output("rotate_note_keys")
    assert "Re-encrypted 1 note(s)" in out and "0 already used it" in out
    assert "lighthouse" not in out
    note.refresh_from_db()
    assert note.ciphertext != before
    again = call_command_output("rotate_note_keys")  # idempotent
    assert "Re-encrypted 0 note(s)" in again and "1 already used it" in again

    settings.ATTUNE_NOTES_KEYS = [key_b]
    content = services.read_note(reader=therapist, note=note)
    assert (content.body, content.themes) == (BODY, ("negative",))


def test_rotation_refuses_to_report_success_when_a_note_cannot_be_opened(
    settings, therapist, attended
):
    settings.ATTUNE_NOTES_KEYS = [Fernet.generate_key().decode()]
    services.write_note(
        author=therapist, session=attended, body=BODY, themes=[], countertransference=""
    )
    settings.ATTUNE_NOTES_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command_output("rotate_note_keys")


def call_command_output(name: str) -> str:
    out, err = StringIO(), StringIO()
    call_command(name, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"], "", "  ,  "])
def test_missing_or_invalid_keys_raise_a_clear_error(settings, keys):
    settings.ATTUNE_NOTES_KEYS = keys
    with pytest.raises(NoteKeyError, match="ATTUNE_NOTES_KEYS") as error:
        encrypt_json({"body": BODY})
    assert "not-a-fernet-key" not in str(error.value)  # the message never shows a key
    [warning] = check_note_keys()
    assert warning.id == "notes.W001"


def test_the_keys_may_be_given_comma_separated(settings, therapist, attended):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ATTUNE_NOTES_KEYS = f"{key_a}, {key_b}"
    note = services.write_note(
        author=therapist, session=attended, body=BODY, themes=[], countertransference=""
    )
    assert Fernet(key_a).decrypt(note.ciphertext.encode())
    assert check_note_keys() == []


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"], "wrong-key"])
def test_the_author_gets_a_message_not_a_500_when_keys_are_wrong(
    settings, client, therapist, episode, note, keys
):
    settings.ATTUNE_NOTES_KEYS = [Fernet.generate_key().decode()] if keys == "wrong-key" else keys
    as_user(client, therapist)
    detail = client.get(reverse("notes:detail", args=[note.pk]))
    assert detail.status_code == 503
    html = detail.content.decode()
    assert "can't be opened right now" in html
    assert "ATTUNE_NOTES_KEYS" in html
    assert "not-a-fernet-key" not in html

    page = client.get(reverse("workspace:episode", args=[episode.pk]))
    assert page.status_code == 200
    assert 'data-testid="notes-unavailable"' in page.content.decode()
    assert not reads_of(note).exists()  # nothing was decrypted, so nothing was read


def test_a_note_written_while_the_keys_are_broken_is_not_lost(
    settings, client, therapist, attended
):
    settings.ATTUNE_NOTES_KEYS = ["not-a-fernet-key"]
    as_user(client, therapist)
    url = reverse("notes:session", args=[attended.pk])
    assert 'data-testid="notes-unavailable"' in client.get(url).content.decode()
    response = client.post(url, {"themes": ["positive"], "body": BODY})
    assert response.status_code == 503
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "lighthouse keeper" in html  # what she typed is still in the form
    assert not ProcessNote.objects.exists()


# --- Logs ------------------------------------------------------------------------------------


def test_no_content_reaches_the_logs(caplog, client, therapist, episode, attended):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="attune")  # `attune demo` may have quietened it
    as_user(client, therapist)
    client.post(
        reverse("notes:session", args=[attended.pk]),
        {"themes": ["erotic"], "body": BODY, "countertransference": COUNTER},
    )
    note = ProcessNote.objects.get()
    client.get(reverse("notes:detail", args=[note.pk]))
    client.get(reverse("workspace:episode", args=[episode.pk]))
    logged = "\n".join(r.getMessage() for r in caplog.records).lower()
    assert "audit read notes.processnote" in logged  # ids are logged …
    for word in [*PRIVATE_WORDS, "erotic"]:  # … content never
        assert word not in logged
    assert repr(note) == f"<ProcessNote {note.pk}>" and str(note) == f"Process note {note.pk}"
