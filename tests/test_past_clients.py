"""Past clients: the therapist's episodes ended or transferred in the last 12 months, newest
first, with the ending, its date and the exit feedback; a name search; a fixed number of
queries; nobody else's past clients."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attune.accounts.models import Role
from attune.care.endings import end_episode
from attune.care.warm_referral import refer
from attune.workspace.past_clients import months_before
from tests.care_helpers import DENIED, as_user, exit_post
from tests.conftest import make_episode, make_user

pytestmark = pytest.mark.django_db

PORTAL = "http://testserver/portal/"


def end(episode, kind="planned", days_ago=0):
    today = timezone.localdate()
    if episode.started_on > today - timedelta(days=days_ago):
        episode.started_on = today - timedelta(days=days_ago + 30)
        episode.save(update_fields=["started_on"])
    end_episode(
        episode=episode,
        kind=kind,
        ended_on=today - timedelta(days=days_ago),
        note="",
        by=episode.therapist,
        portal_url=PORTAL,
    )
    episode.refresh_from_db()
    return episode


def give_exit_feedback(client, episode):
    as_user(client, episode.client.user)
    url = reverse("portal:exit-feedback", args=[episode.pk])
    assert client.post(url, exit_post(overall=8, helped="Being heard.")).status_code == 302


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-testid="past-client-row">(.*?)</tr>', page, re.S)


def names(page: str) -> list[str]:
    return [re.search(r'">([^<]+)</a>', row).group(1) for row in rows(page)]


def past_page(client, user, url=None, **params):
    as_user(client, user)
    response = client.get(url or reverse("workspace:past-clients"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def history(client, practice, therapist, colleague, episode):
    """Five of Tara's clients: three ended within the year (one transferred to Cole, one with
    exit feedback), one ended 13 months ago, one still active; and one of Cole's."""
    planned = end(make_episode(practice, "pia.planned@example.org", therapist), days_ago=40)
    give_exit_feedback(client, planned)
    early = end(make_episode(practice, "zoe.early@example.org", therapist), "early", days_ago=5)
    early.client.preferred_name = "Zoë"
    early.client.save()
    moved = make_episode(practice, "tim.moved@example.org", therapist)
    refer(
        episode=moved,
        to_therapist=colleague,
        consent_given=True,
        consent_on=timezone.localdate(),
        consent_note="",
        by=therapist,
        portal_url=PORTAL,
    )
    moved.refresh_from_db()
    old = end(make_episode(practice, "olga.old@example.org", therapist), days_ago=400)
    other = end(make_episode(practice, "owen.other@example.org", colleague), days_ago=3)
    return {"planned": planned, "early": early, "moved": moved, "old": old, "other": other}


def test_past_clients_lists_ended_and_transferred_newest_first(client, therapist, history):
    page = past_page(client, therapist)
    assert names(page) == ["Tim Moved", "Zoë", "Pia Planned"]
    moved, early, planned = rows(page)
    assert "Transferred" in moved and "to Cole Colleague" in moved
    assert "Early ending" in early and "not given" in early
    assert "Planned ending" in planned
    ended = history["planned"].ended_on
    assert f"{ended.day} {ended:%b %Y}" in planned
    exit_link = re.search(r'href="([^"]+)" data-testid="exit-feedback"', planned).group(1)
    assert "Being heard." in html.unescape(client.get(exit_link).content.decode())
    assert 'data-testid="exit-feedback"' not in moved + early
    # Neither Olga (ended 13 months ago), Cleo (active) nor Cole's client.
    assert "Olga" not in page and "Cleo" not in page and "Owen" not in page


def test_the_window_follows_the_setting(client, therapist, history, settings):
    settings.ATTUNE_PAST_CLIENTS_MONTHS = 1
    page = past_page(client, therapist)
    assert names(page) == ["Tim Moved", "Zoë"]
    assert "in the last 1 month," in page


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(date(2026, 11, 28), 12) == date(2025, 11, 28)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2024, 3, 30), 1) == date(2024, 2, 29)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)


def test_the_caseload_links_to_past_clients(client, therapist, supervisor):
    as_user(client, therapist)
    page = client.get(reverse("workspace:caseload")).content.decode()
    assert f'href="{reverse("workspace:past-clients")}"' in page
    as_user(client, supervisor)
    page = client.get(reverse("workspace:caseload-of", args=[therapist.pk])).content.decode()
    assert f'href="{reverse("workspace:past-clients-of", args=[therapist.pk])}"' in page


def test_the_name_search_ignores_case_and_accents(client, therapist, history):
    assert names(past_page(client, therapist, q="zoe")) == ["Zoë"]
    assert names(past_page(client, therapist, q="  PIA  ")) == ["Pia Planned"]
    page = past_page(client, therapist, q="nobody")
    assert names(page) == [] and "No past client matches this name." in page


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("x" * 50_000, "longer than 100 characters"),
        ("Pia\x00", "characters a name never has"),
    ],
)
def test_a_bad_search_is_ignored_with_a_message(client, therapist, history, q, message):
    page = past_page(client, therapist, q=q)
    assert message in page
    assert names(page) == ["Tim Moved", "Zoë", "Pia Planned"]  # not filtered
    assert "x" * 200 not in page and "\x00" not in page


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_past_clients_makes_the_same_number_of_queries_for_1_and_10_episodes(
    client, practice, therapist, colleague
):
    def grow(start, n):
        for i in range(start, start + n):
            episode = make_episode(practice, f"past{i:03d}.case@example.org", therapist)
            if i % 2:
                end(episode, "early", days_ago=i)
                give_exit_feedback(client, episode)
            else:
                refer(
                    episode=episode,
                    to_therapist=colleague,
                    consent_given=True,
                    consent_on=timezone.localdate(),
                    consent_note="",
                    by=therapist,
                    portal_url=PORTAL,
                )

    url = reverse("workspace:past-clients")
    grow(1, 1)
    as_user(client, therapist)
    one = count_queries(client, url)
    grow(2, 9)
    as_user(client, therapist)
    page = client.get(url).content.decode()
    assert len(rows(page)) == 10
    assert page.count('data-testid="exit-feedback"') == 5
    assert page.count("to Cole Colleague") == 5
    assert count_queries(client, url) == one


# --------------------------------------------------------------------------- access


def test_the_supervisor_reads_her_supervisees_past_clients(client, supervisor, therapist, history):
    page = past_page(client, supervisor, reverse("workspace:past-clients-of", args=[therapist.pk]))
    assert names(page) == ["Tim Moved", "Zoë", "Pia Planned"]
    assert "Past clients of Tara Therapist" in page


@pytest.mark.parametrize(
    "intruder", ["colleague", "other_client", "client_user", "practice_admin", "stranger"]
)
def test_nobody_else_sees_a_therapists_past_clients(
    request, client, practice, intruder, therapist, history
):
    if intruder == "stranger":  # a supervisor, but not Tara's
        who = make_user(practice, "una.unassigned@example.org", Role.SUPERVISOR)
    else:
        who = request.getfixturevalue(intruder)
    as_user(client, who)
    response = client.get(reverse("workspace:past-clients-of", args=[therapist.pk]))
    assert response.status_code in DENIED, intruder
    assert "Pia" not in response.content.decode()


@pytest.mark.parametrize("who", ["supervisor", "other_client", "client_user", "practice_admin"])
def test_only_therapists_have_a_past_clients_page_of_their_own(request, client, who, history):
    as_user(client, request.getfixturevalue(who))
    response = client.get(reverse("workspace:past-clients"))
    assert response.status_code in DENIED, who
    assert "Pia" not in response.content.decode()


def test_a_therapist_sees_only_her_own_past_clients(client, colleague, history):
    page = past_page(client, colleague)
    assert names(page) == ["Owen Other"]


def test_a_wrong_therapist_id_is_a_404(client, supervisor, history):
    as_user(client, supervisor)
    client_id = history["planned"].client.user_id
    for bad in (999_999, client_id, supervisor.pk):
        url = reverse("workspace:past-clients-of", args=[bad])
        assert client.get(url).status_code == 404, bad


def test_anonymous_visitors_are_sent_to_sign_in(client, therapist):
    for url in (
        reverse("workspace:past-clients"),
        reverse("workspace:past-clients-of", args=[therapist.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
