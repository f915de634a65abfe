"""A therapist's private, revocable calendar feed (issue 14): her sessions as times only."""

from __future__ import annotations

import re

import pytest

from attune.audit.models import AuditEvent
from attune.care.models import Attendance
from attune.integrations.models import CalendarFeed
from attune.integrations.tokens import digest_of
from tests.care_helpers import as_user

pytestmark = pytest.mark.django_db


def _make_feed(client, therapist) -> str:
    as_user(client, therapist)
    page = client.post("/api-tokens/calendar/")
    assert page.status_code == 200
    url = page.context["feed_url"]
    assert url.startswith("http://testserver/calendar/cal_") and url.endswith(".ics")
    client.logout()
    return url.removeprefix("http://testserver")


def test_the_feed_lists_her_sessions_as_times_without_names_or_content(
    client, therapist, episode, other_episode, upcoming
):
    upcoming.progress_note = "Talked about the divorce"
    upcoming.save()
    path = _make_feed(client, therapist)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    uids = re.findall(r"UID:session-(\d+)@", text)
    assert sorted(int(u) for u in uids) == sorted(s.pk for s in episode.sessions.all())
    assert f"/episodes/{episode.pk}/" in text
    assert "SUMMARY:Attune session" in text
    client_user = episode.client.user
    for private in (client_user.first_name, client_user.last_name, client_user.email, "divorce"):
        assert private not in text
    feed = CalendarFeed.objects.get()
    assert path.removeprefix("/calendar/").removesuffix(".ics") not in (feed.digest, feed.prefix)
    assert feed.digest == digest_of(path.removeprefix("/calendar/").removesuffix(".ics"))
    assert AuditEvent.objects.filter(object_type="api.calendarfeed", action="read").count() == 1


def test_cancelled_sessions_are_left_out(client, therapist, episode, upcoming):
    upcoming.attendance = Attendance.CANCELLED
    upcoming.save()
    text = client.get(_make_feed(client, therapist)).content.decode()
    assert f"UID:session-{upcoming.pk}@" not in text


def test_revoking_or_renewing_ends_the_old_address(client, therapist, episode):
    first = _make_feed(client, therapist)
    second = _make_feed(client, therapist)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    as_user(client, therapist)
    feed = CalendarFeed.objects.get(revoked_at__isnull=True)
    assert client.post(f"/api-tokens/calendar/{feed.pk}/revoke/").status_code == 302
    client.logout()
    assert client.get(second).status_code == 404
    assert client.get("/calendar/cal_wrong.ics").status_code == 404


def test_only_a_therapist_makes_one_and_only_her_own_is_revoked(
    client, therapist, colleague, supervisor
):
    _make_feed(client, therapist)
    feed = CalendarFeed.objects.get()
    as_user(client, colleague)
    assert client.post(f"/api-tokens/calendar/{feed.pk}/revoke/").status_code == 404
    as_user(client, supervisor)
    assert client.post("/api-tokens/calendar/").status_code == 403
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_a_deactivated_therapists_feed_stops(client, therapist, episode):
    path = _make_feed(client, therapist)
    therapist.is_active = False
    therapist.save()
    assert client.get(path).status_code == 404
