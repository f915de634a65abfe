"""Find my match keeps only what its page says: never the visitor's own words, and the ticks
and preferences only until the consultation request is sent."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from attune.matching.models import ConsultationRequest
from attune.practice.models import ProblemArea, TherapistProfile

pytestmark = pytest.mark.django_db

WORDS = "Since the car accident I have nightmares and flashbacks every night"


def stored_sessions() -> str:
    """Everything in the django_session table, decoded, as one text."""
    return " ".join(f"{row.session_data} {row.get_decoded()}" for row in Session.objects.all())


@pytest.fixture
def tara(therapist):
    profile = TherapistProfile.objects.get(user=therapist)
    profile.published = True
    profile.accepting_new_clients = True
    profile.save()
    profile.problem_areas.set(ProblemArea.objects.filter(slug="trauma"))
    return therapist


def test_the_visitors_words_never_reach_the_session_table(client, tara):
    page = client.get("/match/").content.decode()
    assert "your own words are never kept" in page and "8 hours" in page

    read = client.post("/match/", {"action": "read", "text": WORDS})
    assert read.status_code == 200 and WORDS in read.content.decode()  # shown back, not kept
    found = client.post("/match/", {"action": "find", "text": WORDS})
    # Post/redirect/get: the results' address carries nothing of the answers.
    assert found.status_code == 302 and found["Location"] == "/match/results/#results"
    results = client.get("/match/results/")
    assert results.status_code == 200 and 'data-testid="results"' in results.content.decode()
    assert WORDS not in results.content.decode()
    assert "no-store" in results["Cache-Control"]

    assert Session.objects.exists()  # the ticks are kept, as the page says
    stored = stored_sessions()
    assert "trauma" in stored
    for word in ("accident", "nightmares", "flashbacks"):
        assert word not in stored.lower()


def test_the_ticks_are_deleted_when_the_request_is_sent(client, tara):
    client.post("/match/", {"action": "find", "text": WORDS, "problem_areas": ["trauma"]})
    url = f"/match/consultation/{tara.pk}/"
    assert "Trauma" in client.get(url).content.decode()  # offered to be sent along
    soon = timezone.localtime() + timedelta(days=2)
    response = client.post(
        url,
        {
            "name": "Pat Person",
            "email": "pat@example.org",
            "time_1": soon.strftime("%Y-%m-%dT10:00"),
            "time_2": soon.strftime("%Y-%m-%dT16:00"),
            "hopes": "",
            "share_intake": "on",
            "website": "",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    req = ConsultationRequest.objects.get()
    assert req.intake["problem_areas"] == ["trauma"] and "text" not in req.intake
    assert "matching_intake" not in client.session
    stored = stored_sessions()
    assert "trauma" not in stored and "accident" not in stored.lower()
