"""Recording a session (attendance, modalities, progress note) and booking the next one: only the
treating therapist writes, bad input keeps what was typed, and attendance re-evaluates the
episode."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attune.alerts.models import Alert
from attune.audit.models import AuditEvent
from attune.care.models import Attendance
from attune.practice.models import Modality
from tests import factories
from tests.answers import store_feedback_without_evaluation
from tests.care_helpers import DENIED, as_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def modalities(therapist):
    # The shipped vocabulary; the therapist works with EMDR and Somatic Experiencing.
    emdr = Modality.objects.get(slug="emdr")
    somatic = Modality.objects.get(slug="somatic-experiencing")
    act = Modality.objects.get(slug="act")
    therapist.therapist_profile.modalities.add(emdr, somatic)
    return {"emdr": emdr, "somatic": somatic, "act": act}


def record_url(session):
    return reverse("care:session-record", args=[session.pk])


def schedule_url(episode):
    return reverse("care:session-new", args=[episode.pk])


def test_the_record_page_lists_her_own_modalities_first(
    client, therapist, last_attended, modalities
):
    page = as_user(client, therapist).get(record_url(last_attended)).content.decode()
    assert (
        page.index("EMDR")
        < page.index("Somatic Experiencing")
        < page.index("Acceptance and Commitment")
    )
    assert page.index("Yours") < page.index("EMDR") < page.index("Others")
    assert page.index("Others") < page.index("Acceptance and Commitment")


def test_recording_a_session_stores_attendance_modalities_and_note(
    client, therapist, episode, last_attended, modalities
):
    as_user(client, therapist)
    response = client.post(
        record_url(last_attended),
        {
            "attendance": "attended",
            "modalities": [modalities["emdr"].pk, modalities["act"].pk],
            "progress_note": "Worked on the memory of the move; resourcing first.",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("workspace:episode", args=[episode.pk]))
    last_attended.refresh_from_db()
    assert last_attended.attendance == Attendance.ATTENDED
    assert last_attended.progress_note == "Worked on the memory of the move; resourcing first."
    assert set(last_attended.modalities.values_list("slug", flat=True)) == {"emdr", "act"}
    page = client.get(response["Location"]).content.decode()
    assert "Session 1 saved." in page
    assert "Worked on the memory of the move" in page


def test_recording_attendance_re_evaluates_the_episode(client, therapist, episode):
    # Feedback stored without going through the form (so nothing has evaluated it yet): the
    # engine only learns of it when the therapist records the session.
    # Low feedback after two sessions in a row is a low-alliance state (one is not yet).
    first = episode.sessions.get(number=1)
    session = episode.sessions.get(number=2)
    session.scheduled_at = timezone.now() - timedelta(hours=1)
    session.save()
    for each in (first, session):
        store_feedback_without_evaluation(episode, each, each=5)
    assert not Alert.objects.filter(episode=episode, kind="low_alliance").exists()
    as_user(client, therapist).post(record_url(session), {"attendance": "attended"})
    assert Alert.objects.filter(episode=episode, kind="low_alliance").exists()


def test_two_no_shows_raise_the_dropout_risk_at_once(client, therapist, episode):
    now = timezone.now()
    missed = [
        factories.SessionFactory(
            episode=episode, number=n, scheduled_at=now - timedelta(days=d),
            attendance=Attendance.SCHEDULED,
        )
        for n, d in ((3, 3), (4, 2))
    ]  # fmt: skip
    as_user(client, therapist)
    assert not Alert.objects.filter(kind="dropout_risk").exists()
    for session in missed:
        assert client.post(record_url(session), {"attendance": "no_show"}).status_code == 302
    alert = Alert.objects.get(episode=episode, kind="dropout_risk")
    assert alert.evidence["contributors"]  # the alert names what fired it


def test_attendance_cannot_be_recorded_before_the_session(client, therapist, upcoming):
    as_user(client, therapist)
    response = client.post(
        record_url(upcoming), {"attendance": "attended", "progress_note": "Draft, keep me."}
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "record whether it was attended once its time has come" in page
    assert "Draft, keep me." in page
    upcoming.refresh_from_db()
    assert upcoming.attendance == Attendance.SCHEDULED and upcoming.progress_note == ""


def test_a_cancellation_can_be_recorded_ahead(client, therapist, upcoming):
    as_user(client, therapist).post(record_url(upcoming), {"attendance": "cancelled"})
    upcoming.refresh_from_db()
    assert upcoming.attendance == Attendance.CANCELLED


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"attendance": "teleported"}, "Select a valid choice"),
        ({}, "Please choose how the session went."),
        ({"attendance": "attended", "modalities": ["999999"]}, "Select a valid choice"),
    ],
)
def test_bad_session_input_gets_a_message_and_keeps_the_note(
    client, therapist, last_attended, post, message
):
    as_user(client, therapist)
    response = client.post(record_url(last_attended), post | {"progress_note": "Keep this text"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert message in page
    assert "Keep this text" in page
    assert "Nothing was saved yet" in page
    last_attended.refresh_from_db()
    assert last_attended.progress_note == ""


def test_booking_the_next_session(client, therapist, episode, upcoming):
    as_user(client, therapist)
    page = client.get(schedule_url(episode)).content.decode()
    suggested = timezone.localtime(upcoming.scheduled_at + timedelta(days=7))
    assert f'value="{suggested:%Y-%m-%d}"' in page  # a week after the last one
    when = timezone.localtime(upcoming.scheduled_at + timedelta(days=14))
    post = {
        "scheduled_date": f"{when:%Y-%m-%d}",
        "scheduled_time": "09:30",
        "duration_minutes": "80",
    }
    first = client.post(schedule_url(episode), post)
    again = client.post(schedule_url(episode), post)  # a double click
    assert first.status_code == again.status_code == 302
    booked = episode.sessions.get(number=3)
    assert episode.sessions.count() == 3
    assert booked.duration_minutes == 80
    assert booked.attendance == Attendance.SCHEDULED
    local = timezone.localtime(booked.scheduled_at)
    assert (local.date(), local.hour, local.minute) == (when.date(), 9, 30)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scheduled_date": "2020-13-45"}, "Enter a valid date."),
        ({"scheduled_time": "25:99"}, "Enter a valid time."),
        ({"duration_minutes": "5"}, "greater than or equal to 10"),
        ({"duration_minutes": "600"}, "less than or equal to 240"),
        ({"scheduled_date": "before"}, "The next session must come after session 2"),
        ({"scheduled_date": "prehistoric"}, "can't be before the episode started"),
    ],
)
def test_bad_bookings_get_a_clear_message(client, therapist, episode, upcoming, change, message):
    as_user(client, therapist)
    post = {"scheduled_date": "", "scheduled_time": "10:00", "duration_minutes": "50"}
    later = timezone.localtime(upcoming.scheduled_at) + timedelta(days=7)
    post["scheduled_date"] = f"{later:%Y-%m-%d}"
    post |= change
    if change.get("scheduled_date") == "before":
        day_before = timezone.localtime(upcoming.scheduled_at) - timedelta(days=1)
        post["scheduled_date"] = f"{day_before:%Y-%m-%d}"
    if change.get("scheduled_date") == "prehistoric":
        post["scheduled_date"] = f"{episode.started_on - timedelta(days=1):%Y-%m-%d}"
    response = client.post(schedule_url(episode), post)
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert message in page
    assert episode.sessions.count() == 2


def test_no_booking_on_an_ended_episode(client, therapist, episode):
    episode.status, episode.ended_on = "ended_planned", timezone.localdate()
    episode.save()
    as_user(client, therapist)
    response = client.post(
        schedule_url(episode),
        {"scheduled_date": "2099-01-01", "scheduled_time": "10:00", "duration_minutes": "50"},
        follow=True,
    )
    assert "no new session can be booked" in response.content.decode()
    assert episode.sessions.count() == 2


def test_the_episode_page_offers_the_actions_to_the_treating_therapist_only(
    client, therapist, supervisor, episode, last_attended
):
    url = reverse("workspace:episode", args=[episode.pk])
    page = as_user(client, therapist).get(url).content.decode()
    assert record_url(last_attended) in page
    for name in ("care:session-new", "care:refer", "care:end"):
        assert reverse(name, args=[episode.pk]) in page
    page = as_user(client, supervisor).get(url).content.decode()
    assert record_url(last_attended) not in page
    assert reverse("care:end", args=[episode.pk]) not in page


@pytest.mark.parametrize(
    "intruder", ["colleague", "supervisor", "client_user", "other_client", "practice_admin"]
)
def test_only_the_treating_therapist_records_or_books(
    request, client, intruder, episode, last_attended, other_episode
):
    as_user(client, request.getfixturevalue(intruder))
    for url in (record_url(last_attended), schedule_url(episode)):
        assert client.get(url).status_code in DENIED, (intruder, url)
    assert client.post(record_url(last_attended), {"attendance": "no_show"}).status_code in DENIED
    assert (
        client.post(
            schedule_url(episode),
            {"scheduled_date": "2099-01-01", "scheduled_time": "10:00", "duration_minutes": "50"},
        ).status_code
        in DENIED
    )
    last_attended.refresh_from_db()
    assert last_attended.attendance == Attendance.ATTENDED
    assert episode.sessions.count() == 2


def test_the_colleague_gets_404_and_the_supervisor_403(
    client, colleague, supervisor, last_attended
):
    assert as_user(client, colleague).get(record_url(last_attended)).status_code == 404
    assert as_user(client, supervisor).get(record_url(last_attended)).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, last_attended):
    response = client.get(record_url(last_attended))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_recording_and_booking_are_audited_without_content(client, therapist, episode):
    session = episode.sessions.get(number=1)
    as_user(client, therapist)
    client.post(record_url(session), {"attendance": "attended", "progress_note": "Private words"})
    event = AuditEvent.objects.get(object_type="care.session", action="update")
    assert (event.actor, event.object_id, event.episode_id) == (
        therapist,
        str(session.pk),
        episode.pk,
    )
    client.post(
        schedule_url(episode),
        {"scheduled_date": "2099-01-05", "scheduled_time": "10:00", "duration_minutes": "50"},
    )
    assert AuditEvent.objects.filter(object_type="care.session", action="create").count() == 1
