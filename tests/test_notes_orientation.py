"""The private-note form follows the therapist's ways of working, and shows that session's
check-in and feedback beside it, to the treating therapist only."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from attune.audit.models import AuditEvent
from attune.care.submission import submit_form
from attune.crypto import encrypt_json
from attune.notes import services
from attune.notes.models import ProcessNote
from attune.notes.orientation import NoteStyle, note_style, note_style_for
from attune.practice.models import Modality
from tests.answers import FREQUENCY
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NOT_FOUND = 404
COMMENT = "I felt rushed at the end when we talked about my sister."


@pytest.mark.parametrize(
    ("slugs", "style"),
    [
        (["psychodynamic-therapy"], NoteStyle.PSYCHODYNAMIC),
        (["contemporary-psychoanalysis"], NoteStyle.PSYCHODYNAMIC),
        (["mentalization-based-treatment"], NoteStyle.PSYCHODYNAMIC),
        # An integrative therapist with one psychodynamic way of working keeps the checklist.
        (["contemporary-psychoanalysis", "emdr", "somatic-experiencing"], NoteStyle.PSYCHODYNAMIC),
        (["cbt", "psychodynamic-therapy"], NoteStyle.PSYCHODYNAMIC),
        (["cbt"], NoteStyle.REFLECTIVE),
        (["act"], NoteStyle.REFLECTIVE),
        (["emdr"], NoteStyle.REFLECTIVE),
        (["systemic-therapy"], NoteStyle.REFLECTIVE),
        (["person-centred-therapy"], NoteStyle.REFLECTIVE),
        (["cbt", "dbt", "compassion-focused-therapy", "schema-therapy"], NoteStyle.REFLECTIVE),
        # No stated way of working: the form every therapist had before, nothing taken away.
        ([], NoteStyle.PSYCHODYNAMIC),
    ],
)
def test_the_note_style_follows_the_ways_of_working(slugs, style):
    assert note_style_for(slugs) is style


def works_in(therapist, *slugs: str) -> None:
    modalities = [
        Modality.objects.get_or_create(slug=slug, defaults={"name": slug})[0] for slug in slugs
    ]
    therapist.therapist_profile.modalities.set(modalities)


def visible(html: str) -> str:
    """The page's text, without markup (field names such as "countertransference" are not
    words the therapist reads)."""
    return re.sub(r"<[^>]+>", " ", html)


def as_user(client, user):
    client.logout()
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def attended(episode):
    return episode.sessions.get(number=1)


def test_a_cbt_therapist_is_not_asked_about_transference(client, therapist, attended):
    works_in(therapist, "cbt", "act")
    assert note_style(therapist) is NoteStyle.REFLECTIVE
    as_user(client, therapist)
    url = reverse("notes:session", args=[attended.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="private-note-form"' in html
    for word in ("Transference", "transference", "Erotic", "Idealising"):
        assert word not in visible(html), word
    assert 'name="themes"' not in html
    assert "My own reactions" in html
    assert "What to take to supervision" in html

    response = client.post(
        url,
        {
            "body": "Homework not done again; we looked at what got in the way.",
            "countertransference": "Impatient, then curious.",
            "supervision": "Am I pushing the exposure hierarchy too fast?",
            "offered_supervision": "1",
        },
    )
    assert response.status_code == 302
    note = ProcessNote.objects.get()
    content = services.read_note(reader=therapist, note=note)
    assert content.supervision == "Am I pushing the exposure hierarchy too fast?"
    assert content.countertransference == "Impatient, then curious."
    assert content.themes == ()
    page = client.get(response["Location"]).content.decode()
    assert "My own reactions" in page and "Impatient, then curious." in page
    assert "exposure hierarchy" in page
    assert "transference" not in visible(page).lower()


def test_a_supervision_question_alone_makes_a_note_an_empty_one_is_refused(
    client, therapist, attended
):
    works_in(therapist, "cbt")
    as_user(client, therapist)
    url = reverse("notes:session", args=[attended.pk])
    empty = client.post(
        url, {"body": " ", "countertransference": "Tired.", "offered_supervision": "1"}
    )
    assert empty.status_code == 400
    html = empty.content.decode()
    assert "Write something in the note or in what to take to supervision." in html
    assert "transference theme" not in html
    ok = client.post(
        url, {"body": "", "supervision": "Ask about the ending.", "offered_supervision": "1"}
    )
    assert ok.status_code == 302


def test_a_psychodynamic_therapist_keeps_the_transference_checklist(client, therapist, attended):
    works_in(therapist, "contemporary-psychoanalysis", "emdr")
    as_user(client, therapist)
    html = client.get(reverse("notes:session", args=[attended.pk])).content.decode()
    assert 'data-testid="transference-themes"' in html
    for word in ("Positive", "Negative", "Erotic", "Idealising", "Countertransference"):
        assert word in html, word
    assert "My own reactions" not in html
    assert 'name="supervision"' not in html  # today's fields, unchanged


def test_a_note_with_themes_stays_readable_and_keeps_them_after_the_orientation_changes(
    client, therapist, attended
):
    note = services.write_note(
        author=therapist,
        session=attended,
        body="Idealising pull again.",
        themes=["idealising"],
        countertransference="Flattered.",
    )
    works_in(therapist, "cbt")
    as_user(client, therapist)
    detail = client.get(reverse("notes:detail", args=[note.pk])).content.decode()
    assert "Idealising" in detail and "Flattered." in detail
    url = reverse("notes:session", args=[attended.pk])
    form = client.get(url).content.decode()
    assert 'data-testid="transference-themes"' in form  # her note has themes: not dropped
    post = {
        "offered_themes": "1",
        "offered_supervision": "1",
        "themes": ["idealising"],
        "body": "Idealising pull again, named it.",
        "countertransference": "Flattered.",
    }
    assert client.post(url, post).status_code == 302
    content = services.read_note(reader=therapist, note=ProcessNote.objects.get())
    assert content.themes == ("idealising",)
    assert content.body == "Idealising pull again, named it."


def test_a_version_1_note_reads_as_before(therapist, attended):
    note = ProcessNote.objects.create(
        episode=attended.episode,
        session=attended,
        author=therapist,
        ciphertext=encrypt_json(
            {"v": 1, "body": "Old note.", "themes": ["positive"], "countertransference": "Warm."}
        ),
    )
    content = services.read_note(reader=therapist, note=note)
    assert (content.body, content.themes, content.countertransference, content.supervision) == (
        "Old note.",
        ("positive",),
        "Warm.",
        "",
    )


# --- The session's check-in and feedback beside the form ---------------------------------------


@pytest.fixture
def answered(episode, attended):
    """Session 1: PHQ-9 total 14 with item 9 answered "several days", GAD-7 total 9, and the
    client's feedback with a rupture and a comment."""
    phq9 = {f"phq9_{i}": FREQUENCY[v] for i, v in enumerate([2, 2, 2, 2, 2, 1, 1, 1], 1)}
    phq9["phq9_9"] = FREQUENCY[1]
    gad7 = {f"gad7_{i}": FREQUENCY[v] for i, v in enumerate([2, 2, 1, 1, 1, 1, 1], 1)}
    feedback = {
        "bond": 7,
        "goals": 5,
        "approach": 6,
        "overall": 6,
        "rupture": "yes",
        "rupture_resolved": "partly",
        "comment": COMMENT,
    }
    for phase, answers in (
        ("check_in", {"phq9": phq9, "gad7": gad7}),
        ("feedback", {"session_feedback": feedback}),
    ):
        result = submit_form(
            episode=episode,
            session=attended,
            respondent=episode.client.user,
            phase=phase,
            answers=answers,
            idempotency_key=uuid.uuid4(),
        )
        assert result.ok, result.errors
    return attended


def beside(html: str) -> str:
    return html.split('data-testid="session-forms"')[1].split("</aside>")[0]


def test_the_author_sees_the_sessions_check_in_and_feedback_beside_the_form(
    client, therapist, answered
):
    as_user(client, therapist)
    reads_before = AuditEvent.objects.filter(action="read").count()
    html = client.get(reverse("notes:session", args=[answered.pk])).content.decode()
    side = beside(html)
    assert "PHQ-9 <strong>14</strong>/27" in side
    assert "GAD-7 <strong>9</strong>/21" in side
    assert 'data-testid="item9-flag"' in side and "Several days" in side
    assert "<strong>24</strong>/40" in side
    for domain, value in (("Bond", 7), ("Goals &amp; topics", 5), ("Approach", 6), ("Overall", 6)):
        assert f"<dt>{domain}</dt><dd>{value}/10</dd>" in side
    assert "Yes · resolved by the end: partly" in side
    assert COMMENT in side
    # Read only: no inputs in the panel, and no note was read to show it.
    assert "<input" not in side and "<textarea" not in side
    assert AuditEvent.objects.filter(action="read").count() == reads_before


def test_a_session_without_forms_says_so(client, therapist, attended):
    as_user(client, therapist)
    side = beside(client.get(reverse("notes:session", args=[attended.pk])).content.decode())
    assert "No check-in for this session." in side
    assert "No feedback for this session." in side


@pytest.mark.parametrize("intruder", ["colleague", "supervisor", "client_user", "practice_admin"])
def test_nobody_else_sees_the_note_form_or_what_is_beside_it(request, client, intruder, answered):
    as_user(client, request.getfixturevalue(intruder))
    response = client.get(reverse("notes:session", args=[answered.pk]))
    assert response.status_code == NOT_FOUND
    html = response.content.decode()
    assert COMMENT not in html
    assert "session-forms" not in html and "item9-flag" not in html


def test_the_timeline_marks_a_note_with_something_for_supervision(
    client, therapist, episode, attended
):
    works_in(therapist, "cbt")
    services.write_note(
        author=therapist,
        session=attended,
        body="Stuck on the formulation.",
        themes=[],
        countertransference="",
        supervision="Formulation: perfectionism or fear of rejection?",
    )
    as_user(client, therapist)
    page = client.get(reverse("workspace:episode", args=[episode.pk])).content.decode()
    entry = page.split('data-testid="timeline-note"')[1].split("</li>")[0]
    assert "for supervision" in entry
    assert "perfectionism" not in page  # the timeline shows that, never what
