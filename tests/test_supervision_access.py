"""Least privilege on every supervision URL: the supervision home, a supervisee's page, writing a
note and marking it. Every other role — client, another therapist, the treating therapist where
she may not, a supervisor of someone else, a practice administrator (also a superuser), an
anonymous visitor — gets 403 or 404 and sees nothing; the one who may gets the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from attune.accounts.models import Role
from attune.supervision.models import SupervisionNote
from attune.supervision.services import write_note
from tests.care_helpers import DENIED, as_user
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SECRET = "Recommendation only her supervisor and she may read."


@pytest.fixture
def other_supervisor(practice, colleague):
    user = make_user(practice, "otis.othersup@example.org", Role.SUPERVISOR)
    colleague.therapist_profile.supervisors.add(user)
    return user


@pytest.fixture
def superuser_admin(practice):
    return make_user(
        practice, "sue.super@example.org", Role.PRACTICE_ADMIN, is_staff=True, is_superuser=True
    )


@pytest.fixture
def note(supervisor, episode):
    return write_note(author=supervisor, episode=episode, discussion="D.", recommendation=SECRET)


OUTSIDERS = [
    "client_user",
    "other_client",
    "colleague",
    "other_supervisor",
    "practice_admin",
    "superuser_admin",
]


@pytest.mark.parametrize("who", [*OUTSIDERS, "therapist"])
def test_the_supervision_home_is_the_supervisors_only(request, client, who, note):
    as_user(client, request.getfixturevalue(who))
    response = client.get(reverse("workspace:supervision"))
    if who == "other_supervisor":  # her own home: her own supervisee, nothing of ours
        assert response.status_code == 200
        assert "Tara" not in response.content.decode()
    else:
        assert response.status_code in DENIED


@pytest.mark.parametrize("who", [*OUTSIDERS, "therapist"])
def test_a_supervisees_page_is_her_supervisors_only(request, client, who, therapist, note):
    as_user(client, request.getfixturevalue(who))
    response = client.get(reverse("supervision:supervisee", args=[therapist.pk]))
    assert response.status_code in DENIED
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("who", [*OUTSIDERS, "therapist"])
def test_only_a_supervisor_of_the_therapist_writes_a_note(request, client, who, episode):
    as_user(client, request.getfixturevalue(who))
    url = reverse("supervision:write-note", args=[episode.pk])
    assert client.post(url, {"discussion": "Intruding."}).status_code in DENIED
    assert not SupervisionNote.objects.exists()


@pytest.mark.parametrize("who", [*OUTSIDERS, "supervisor"])
def test_only_the_treating_therapist_marks_a_note(request, client, who, note):
    as_user(client, request.getfixturevalue(who))
    url = reverse("supervision:mark-note", args=[note.pk])
    assert client.post(url, {"mark": "done"}).status_code in DENIED
    note.refresh_from_db()
    assert note.status == "new"


@pytest.mark.parametrize("who", ["colleague", "other_supervisor"])
def test_nobody_else_reads_the_note_on_an_episode_page(request, client, who, episode, note):
    as_user(client, request.getfixturevalue(who))
    response = client.get(reverse("workspace:episode", args=[episode.pk]))
    assert response.status_code in DENIED
    assert SECRET not in response.content.decode()


def test_the_client_never_sees_the_note_in_the_portal(client, client_user, note):
    as_user(client, client_user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert SECRET not in response.content.decode()


def test_the_pages_work_for_those_who_may(client, supervisor, therapist, episode, note):
    as_user(client, supervisor)
    assert client.get(reverse("workspace:supervision")).status_code == 200
    page = client.get(reverse("supervision:supervisee", args=[therapist.pk]))
    assert page.status_code == 200
    as_user(client, therapist)
    assert SECRET in client.get(reverse("workspace:episode", args=[episode.pk])).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, therapist, episode, note):
    for method, url in [
        ("get", reverse("workspace:supervision")),
        ("get", reverse("supervision:supervisee", args=[therapist.pk])),
        ("post", reverse("supervision:write-note", args=[episode.pk])),
        ("post", reverse("supervision:mark-note", args=[note.pk])),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_wrong_id_is_a_404(client, supervisor):
    as_user(client, supervisor)
    assert client.get(reverse("supervision:supervisee", args=[999999])).status_code == 404
    url = reverse("supervision:write-note", args=[999999])
    assert client.post(url, {"discussion": "x"}).status_code == 404
