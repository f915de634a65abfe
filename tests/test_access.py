"""Least privilege on every clinical URL: the wrong person gets 403 or 404, never the page.

Each URL is tried by the people who must not see it, and by the one who must (so the test
would fail if the page were simply broken for everybody).
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from attune.alerts.services import raise_alert
from attune.care.submission import submit_form
from tests.answers import FREQUENCY
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

DENIED = {403, 404}


@pytest.fixture
def records(episode, client_user, upcoming):
    answers = {
        "phq9": {f"phq9_{n}": FREQUENCY[1] for n in range(1, 10)},
        "gad7": {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)},
    }
    submission = submit_form(
        episode=episode,
        session=upcoming,
        respondent=client_user,
        phase="check_in",
        answers=answers,
        idempotency_key=uuid.uuid4(),
    )
    response = submission.responses[0]
    alert = raise_alert(
        episode=episode,
        kind="low_alliance",
        severity="yellow",
        title="Low alliance",
        explanation="test",
        evidence={},
        source="test",
        suggested_actions=[],
        dedupe_key="t1",
    )
    return {"response": response, "alert": alert}


def therapist_urls(episode, records, therapist):
    """Pages of the therapist's workspace about her client (GET)."""
    return [
        reverse("workspace:episode", args=[episode.pk]),
        reverse("workspace:response", args=[records["response"].pk]),
        reverse("workspace:caseload-of", args=[therapist.pk]),
    ]


def alert_posts(records):
    alert = records["alert"]
    return [
        reverse("workspace:alert-acknowledge", args=[alert.pk]),
        reverse("workspace:alert-action", args=[alert.pk]),
        reverse("workspace:alert-close", args=[alert.pk]),
    ]


def client_urls(episode):
    attended, upcoming = episode.sessions.order_by("number")
    return [
        reverse("portal:check-in", args=[upcoming.pk]),
        reverse("portal:feedback", args=[attended.pk]),
        reverse("portal:thanks", args=[upcoming.pk, "check_in"]),
    ]


as_user = sign_in  # the name these tests use for tests.conftest.sign_in


def test_the_treating_therapist_may_open_every_page(client, therapist, episode, records):
    as_user(client, therapist)
    for url in therapist_urls(episode, records, therapist):
        assert client.get(url).status_code == 200, url


def test_the_supervisor_reads_her_supervisees_pages(
    client, supervisor, therapist, episode, records
):
    as_user(client, supervisor)
    for url in therapist_urls(episode, records, therapist):
        assert client.get(url).status_code == 200, url


def test_the_client_may_open_their_own_forms(client, client_user, episode, records):
    as_user(client, client_user)
    statuses = [client.get(url).status_code for url in client_urls(episode)]
    assert statuses == [302, 200, 200]  # check-in already given → its thank-you page


@pytest.mark.parametrize("intruder", ["colleague", "other_client", "client_user", "practice_admin"])
def test_other_people_never_get_the_therapists_pages(
    request, client, intruder, therapist, episode, records, other_episode
):
    as_user(client, request.getfixturevalue(intruder))
    for url in therapist_urls(episode, records, therapist):
        assert client.get(url).status_code in DENIED, (intruder, url)


@pytest.mark.parametrize(
    "intruder", ["colleague", "supervisor", "other_client", "client_user", "practice_admin"]
)
def test_only_the_treating_therapist_acts_on_an_alert(
    request, client, intruder, records, other_episode
):
    as_user(client, request.getfixturevalue(intruder))
    for url in alert_posts(records):
        response = client.post(url, {"action": "discussed", "note": "x"})
        assert response.status_code in DENIED, (intruder, url)
    records["alert"].refresh_from_db()
    assert records["alert"].status == "open"
    assert records["alert"].events.count() == 1


@pytest.mark.parametrize("intruder", ["other_client", "therapist", "supervisor", "practice_admin"])
def test_nobody_else_opens_a_clients_forms(
    request, client, intruder, episode, records, other_episode
):
    as_user(client, request.getfixturevalue(intruder))
    for url in client_urls(episode):
        assert client.get(url).status_code in DENIED, (intruder, url)
        post = client.post(url, {"idempotency_key": str(uuid.uuid4())})
        assert post.status_code in DENIED, (intruder, url)


def test_a_supervisor_does_not_see_therapists_she_does_not_supervise(
    client, supervisor, colleague, other_episode
):
    as_user(client, supervisor)
    assert client.get(reverse("workspace:episode", args=[other_episode.pk])).status_code in DENIED
    assert client.get(reverse("workspace:caseload-of", args=[colleague.pk])).status_code in DENIED


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        ("client_user", "workspace:caseload"),
        ("client_user", "workspace:supervision"),
        ("client_user", "workspace:practice"),
        ("therapist", "workspace:supervision"),
        ("therapist", "workspace:practice"),
        ("therapist", "portal:home"),
        ("supervisor", "workspace:caseload"),
        ("practice_admin", "workspace:caseload"),
        ("practice_admin", "portal:home"),
    ],
)
def test_role_homes_belong_to_their_role(request, client, who, url_name, episode):
    as_user(client, request.getfixturevalue(who))
    assert client.get(reverse(url_name)).status_code in DENIED


def test_anonymous_visitors_are_sent_to_sign_in(client, therapist, episode, records):
    for url in [*therapist_urls(episode, records, therapist), *client_urls(episode)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_way_back_after_sign_in_keeps_a_short_query_and_drops_a_long_one(client, episode):
    """``next`` carries the page asked for; a query string over ``NEXT_QUERY_MAX`` characters is
    dropped from it (quoted again, it would make the sign-in address too long for gunicorn's
    request line), the page itself is kept."""
    from urllib.parse import parse_qs, urlsplit

    from attune.accounts.decorators import NEXT_QUERY_MAX

    page = reverse("workspace:caseload")
    for query, expected in [
        ("q=ann&status=open", f"{page}?q=ann&status=open"),
        ("q=" + "a" * (NEXT_QUERY_MAX - 2), f"{page}?q={'a' * (NEXT_QUERY_MAX - 2)}"),
        ("q=" + "a" * (NEXT_QUERY_MAX - 1), page),
        ("q=" + "%C3%A4" * 60_000, page),
    ]:
        response = client.get(f"{page}?{query}")
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse("login")
        assert parse_qs(location.query)["next"] == [expected]


def test_practice_admins_cannot_reach_clinical_records_in_the_django_admin(client, practice_admin):
    as_user(client, practice_admin)
    assert client.get("/admin/").status_code == 200
    for path in ["/admin/measures/response/", "/admin/alerts/alert/", "/admin/care/episode/"]:
        assert client.get(path).status_code == 404, path
