"""The client's own data: what is stored, the download (JSON and CSV) scoped to them and
audited, never the private process notes; the deletion request and its admin."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from django.contrib import admin
from django.urls import reverse

from attune.audit.models import AuditEvent
from attune.care.submission import submit_form
from attune.clientportal.models import DeletionRequest, DeletionStatus, FeedbackMessage
from attune.notes.services import write_note
from tests import factories
from tests.answers import FREQUENCY
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

PROCESS_NOTE = "Strong idealising transference; I felt protective (PROCESS-NOTE-MARKER)"


@pytest.fixture
def record(episode, client_user, therapist, last_attended, upcoming, other_episode):
    """A client record with something in every section, a private process note, and another
    client's data next to it."""
    from django.utils import timezone

    submit_form(
        episode=episode,
        session=upcoming,
        respondent=client_user,
        phase="check_in",
        answers={
            "phq9": {f"phq9_{n}": FREQUENCY[1] for n in range(1, 10)},
            "gad7": {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)},
        },
        idempotency_key=uuid.uuid4(),
    )
    goal = factories.GoalFactory(episode=episode, description="=cmd|' /C calc'!A0")
    factories.GoalRatingFactory(goal=goal, rating=4, rated_at=timezone.now())
    last_attended.progress_note = "Talked about work."
    last_attended.save()
    write_note(
        author=therapist,
        session=last_attended,
        body=PROCESS_NOTE,
        themes=["idealising"],
        countertransference="PROCESS-NOTE-MARKER too",
    )
    now = timezone.now()
    FeedbackMessage.objects.create(
        client=episode.client, episode=episode, text="My own draft words", intent="draft",
        created_at=now, updated_at=now, idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    FeedbackMessage.objects.create(
        client=other_episode.client, episode=other_episode, text="OTTO-SECRET", intent="draft",
        created_at=now, updated_at=now, idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    factories.GoalFactory(episode=other_episode, description="OTTO-GOAL")
    return episode


def test_the_data_page_explains_what_is_stored(signed_in, settings):
    settings.ATTUNE_RETENTION_YEARS = 10
    page = signed_in.get(reverse("portal:data")).content.decode()
    for words in ("Your account", "Your sessions", "Your answers", "Your messages"):
        assert words in page
    assert "private process notes" in page
    assert "10 years" in page
    assert reverse("portal:data-json") in page and reverse("portal:data-csv") in page


def test_the_json_download_holds_only_the_clients_own_data(signed_in, record, client_user):
    response = signed_in.get(reverse("portal:data-json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert "cleo" not in response["Content-Disposition"].lower()  # no name in the file name
    body = response.content.decode()
    data = json.loads(body)
    assert data["account"]["email"] == client_user.email
    [episode] = data["episodes"]
    assert episode["id"] == record.pk
    assert len(episode["answers"]) == 2  # PHQ-9 and GAD-7 of the check-in
    assert {a["form"] for a in episode["answers"]} == {"Check-in before the session"}
    assert episode["goals"][0]["your_ratings"][0]["rating"] == 4
    assert episode["messages"][0]["text"] == "My own draft words"
    assert episode["sessions"][0]["progress_note"] == "Talked about work."
    assert "PROCESS-NOTE-MARKER" not in body and "idealising" not in body.lower()
    assert "OTTO" not in body


def test_the_csv_download_is_the_same_data_and_safe_in_a_spreadsheet(signed_in, record):
    response = signed_in.get(reverse("portal:data-csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["section", "field", "value"]
    values = {row[1]: row[2] for row in rows[1:]}
    assert values["account.email"] == "cleo.client@example.org"
    assert values["episodes[1].messages[1].text"] == "My own draft words"
    # A value a spreadsheet would run as a formula is written as text.
    assert values["episodes[1].goals[1].description"] == "'=cmd|' /C calc'!A0"
    assert "PROCESS-NOTE-MARKER" not in body and "OTTO" not in body


def test_a_download_is_audited(signed_in, client_user):
    signed_in.get(reverse("portal:data-json"))
    signed_in.get(reverse("portal:data-csv"))
    events = AuditEvent.objects.filter(actor=client_user, action="export")
    assert events.count() == 2
    assert {(e.object_type, e.object_id) for e in events} == {
        ("accounts.user", str(client_user.pk))
    }


def test_other_roles_cannot_download_client_data(client, therapist, record):
    sign_in(client, therapist)
    for name in ("portal:data", "portal:data-json", "portal:data-csv"):
        assert client.get(reverse(name)).status_code == 403


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("portal:data-json"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_download_is_not_cached(signed_in):
    assert signed_in.get(reverse("portal:data-json"))["Cache-Control"] == "no-store"


def test_a_deletion_request_is_stored_once_and_shown(signed_in, client_user):
    url = reverse("portal:data-deletion")
    assert signed_in.post(url, {}).status_code == 302  # unconfirmed: nothing stored
    assert not DeletionRequest.objects.exists()
    signed_in.post(url, {"confirm": "yes"})
    signed_in.post(url, {"confirm": "yes"})
    request = DeletionRequest.objects.get()
    assert request.client.user == client_user and request.status == DeletionStatus.REQUESTED
    page = signed_in.get(reverse("portal:data")).content.decode()
    assert 'data-testid="deletion-requested"' in page
    assert signed_in.get(url).status_code == 405


def test_the_admin_handles_a_deletion_request(client, practice_admin, client_user, signed_in):
    signed_in.post(reverse("portal:data-deletion"), {"confirm": "yes"})
    request = DeletionRequest.objects.get()
    assert admin.site.is_registered(DeletionRequest)
    assert not admin.site.is_registered(FeedbackMessage)
    client.logout()
    sign_in(client, practice_admin)
    url = reverse("admin:portal_deletionrequest_change", args=[request.pk])
    page = client.get(url).content.decode()
    assert "years after the end of treatment" in page
    decide = reverse("admin:portal_deletionrequest_decide", args=[request.pk])
    response = client.post(decide, {"action": "decline", "reason": "Kept until 2036 by law."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "declined" and request.handled_by == practice_admin
    assert AuditEvent.objects.filter(
        actor=practice_admin, object_type="portal.deletionrequest"
    ).exists()
    assert request.handled_at is not None
    client.logout()
    sign_in(client, client_user)
    assert "Kept until 2036 by law." in client.get(reverse("portal:data")).content.decode()


def test_a_form_kept_for_its_safety_answer_is_in_the_download(signed_in, episode, upcoming):
    answers = {"phq9": {f"phq9_{n}": FREQUENCY[1] for n in range(1, 10)}, "gad7": {}}
    answers["phq9"]["phq9_9"] = FREQUENCY[2]
    kept = submit_form(
        episode=episode,
        session=upcoming,
        respondent=episode.client.user,
        phase="check_in",
        answers=answers,
        idempotency_key=uuid.uuid4(),
    )
    assert kept.kept_in_progress
    data = json.loads(signed_in.get(reverse("portal:data-json")).content)
    [phq9] = [a for a in data["episodes"][0]["answers"] if "phq9_9" in a["answers"]]
    assert phq9["complete"] is False
    assert phq9["answers"]["phq9_9"] == FREQUENCY[2]
