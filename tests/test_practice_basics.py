"""Practice basics besides the invitation (issue 10): a new episode for a client who comes back,
the therapist's own "new clients" setting, and "Send now" for forms never sent. Each URL is
closed to every other role; bad input gets a message, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from attune.accounts.models import Role
from attune.audit.models import AuditEvent
from attune.care.endings import end_episode
from attune.care.models import Episode, EpisodeStatus
from attune.directory.queries import DirectoryFilters, search_profiles
from attune.measures.models import Phase
from attune.practice.models import ProblemArea, TherapistProfile
from attune.reminders import services as reminders
from attune.reminders.models import DeliveryKind, DeliveryStatus, ReminderDelivery
from tests import factories
from tests.care_helpers import DENIED, as_user
from tests.conftest import make_episode, make_therapist, make_user

pytestmark = pytest.mark.django_db

PORTAL = "http://testserver/me/"


def login_required(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.fixture
def other_practice_admin(db):
    other = factories.PracticeFactory(name="Elsewhere", slug="elsewhere")
    return make_user(other, "ed.elsewhere@example.org", Role.PRACTICE_ADMIN, is_staff=True)


# --------------------------------------------------------------------------- a new episode


@pytest.fixture
def ended(episode, django_capture_on_commit_callbacks):
    areas = list(ProblemArea.objects.order_by("slug")[:1])
    episode.problem_areas.set(areas)
    with django_capture_on_commit_callbacks(execute=True):
        end_episode(
            episode=episode,
            kind="planned",
            ended_on=timezone.localdate(),
            note="",
            by=episode.therapist,
            portal_url=PORTAL,
        )
    episode.refresh_from_db()
    user = episode.client.user
    user.last_login = timezone.now()
    user.save()
    mail.outbox.clear()
    return episode


def new_episode_url(episode):
    return reverse("care:new-episode", args=[episode.client_id])


def test_past_clients_offer_a_new_episode_to_the_last_therapist(client, therapist, ended):
    as_user(client, therapist)
    page = client.get(reverse("workspace:past-clients")).content.decode()
    assert 'data-testid="start-new-episode"' in page
    assert new_episode_url(ended) in page


def test_the_last_therapist_starts_a_new_episode(
    client, therapist, ended, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    form = client.get(new_episode_url(ended))
    assert form.status_code == 200
    area = ended.problem_areas.get()
    assert f'value="{area.pk}"' in form.content.decode()
    day = timezone.localdate() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            new_episode_url(ended),
            {
                "problem_areas": [area.pk],
                "first_session_date": day.isoformat(),
                "first_session_time": "09:30",
            },
        )
    new = Episode.objects.get(client=ended.client, status=EpisodeStatus.ACTIVE)
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:episode", args=[new.pk])
    assert new.therapist == therapist and new.pk != ended.pk
    assert list(new.problem_areas.all()) == [area]
    assert new.sessions.get().number == 1
    assert AuditEvent.objects.filter(object_type="care.episode", object_id=str(new.pk)).exists()
    [message] = mail.outbox
    assert message.to == [ended.client.user.email]
    assert area.name not in message.body
    # Now active: the past-clients page no longer offers it, the URL says so.
    page = client.get(reverse("workspace:past-clients")).content.decode()
    assert 'data-testid="start-new-episode"' not in page
    again = client.get(new_episode_url(ended), follow=True)
    assert "already has an active therapy" in again.content.decode()


def test_a_new_episode_keeps_bad_input_and_says_why(client, therapist, ended):
    as_user(client, therapist)
    response = client.post(
        new_episode_url(ended), {"first_session_date": "2001-02-03", "first_session_time": "9:00"}
    )
    assert response.status_code == 400
    assert "in the future" in response.content.decode()
    assert not Episode.objects.filter(client=ended.client, status=EpisodeStatus.ACTIVE).exists()


def test_only_the_last_therapist_starts_a_new_episode_the_administrator_invites(
    client,
    practice,
    therapist,
    colleague,
    supervisor,
    practice_admin,
    other_practice_admin,
    ended,
    other_client,
):
    url = new_episode_url(ended)
    assert login_required(client.get(url))
    everyone_else = (
        colleague,
        supervisor,
        ended.client.user,
        other_client,
        practice_admin,
        other_practice_admin,
    )
    for user in everyone_else:
        as_user(client, user)
        assert client.get(url).status_code in DENIED, user.email
        assert client.post(url, {}).status_code in DENIED, user.email
    assert not Episode.objects.filter(client=ended.client, status=EpisodeStatus.ACTIVE).exists()
    # The administrator starts it by inviting the same address, to the therapist she chooses.
    as_user(client, practice_admin)
    response = client.post(
        reverse("care:practice-invite"),
        {"therapist": colleague.pk, "name": "Cleo Client", "email": ended.client.user.email},
    )
    assert response.status_code == 302
    new = Episode.objects.get(client=ended.client, status=EpisodeStatus.ACTIVE)
    assert new.therapist == colleague
    # Tara is no longer the last therapist: she may not start another.
    new.status, new.ended_on = EpisodeStatus.ENDED_EARLY, timezone.localdate()
    new.save()
    as_user(client, therapist)
    assert client.get(url).status_code == 403


def test_the_past_clients_page_keeps_a_fixed_number_of_queries(
    client, practice, therapist, django_assert_max_num_queries
):
    def end_some(start, count):
        for i in range(start, start + count):
            episode = make_episode(practice, f"past{i}.person@example.org", therapist)
            episode.started_on = timezone.localdate() - timedelta(days=30)
            episode.save()
            end_episode(
                episode=episode,
                kind="early",
                ended_on=timezone.localdate(),
                note="",
                by=therapist,
                portal_url=PORTAL,
                request_exit_feedback=False,
            )

    as_user(client, therapist)
    end_some(0, 1)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("workspace:past-clients"))
    end_some(1, 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("workspace:past-clients")).content.decode()
    assert page.count('data-testid="start-new-episode"') == 9


# --------------------------------------------------------------------------- new clients


SETTING = "/settings/new-clients/"


def test_the_therapist_switches_new_clients_off_and_the_directory_follows(client, therapist):
    profile = TherapistProfile.objects.get(user=therapist)
    assert profile.accepting_new_clients
    as_user(client, therapist)
    assert client.get(SETTING).status_code == 200
    response = client.post(SETTING, {"accepting": "no"}, follow=True)
    assert "not taking new clients" in response.content.decode()
    profile.refresh_from_db()
    assert not profile.accepting_new_clients
    assert AuditEvent.objects.filter(
        actor=therapist, object_type="practice.therapistprofile"
    ).exists()
    accepting = search_profiles(DirectoryFilters(accepting=True))
    assert profile.pk not in {p.pk for p in accepting}
    client.post(SETTING, {"accepting": "yes"})
    profile.refresh_from_db()
    assert profile.accepting_new_clients


@pytest.mark.parametrize("post", [{}, {"accepting": "maybe"}])
def test_the_setting_refuses_bad_input(client, therapist, post):
    as_user(client, therapist)
    response = client.post(SETTING, post)
    assert response.status_code == 400
    assert "Please choose yes or no." in response.content.decode()
    assert TherapistProfile.objects.get(user=therapist).accepting_new_clients


def test_the_setting_without_a_profile_says_what_to_do(client, practice):
    bare = make_user(practice, "bea.bare@example.org", Role.THERAPIST)
    as_user(client, bare)
    assert 'data-testid="no-profile"' in client.get(SETTING).content.decode()
    assert client.post(SETTING, {"accepting": "no"}).status_code == 400


def test_the_setting_is_the_therapists_own(
    client, supervisor, practice_admin, client_user, colleague, therapist
):
    assert login_required(client.get(SETTING))
    for user in (supervisor, practice_admin, client_user):
        as_user(client, user)
        assert client.get(SETTING).status_code == 403
        assert client.post(SETTING, {"accepting": "no"}).status_code == 403
    as_user(client, colleague)  # her own switch only
    client.post(SETTING, {"accepting": "no"})
    assert TherapistProfile.objects.get(user=therapist).accepting_new_clients
    assert not TherapistProfile.objects.get(user=colleague).accepting_new_clients


# --------------------------------------------------------------------------- send now


def send_now_url(session, phase=Phase.CHECK_IN):
    return reverse("reminders:send-now", args=[session.pk, phase])


def test_send_now_sends_the_first_reminder_of_a_form_never_sent(
    client, therapist, upcoming, client_user
):
    as_user(client, therapist)
    page = client.get(reverse("reminders:not-completed")).content.decode()
    assert 'data-testid="send-now"' in page and send_now_url(upcoming) in page
    response = client.post(send_now_url(upcoming), follow=True)
    assert "A link was sent" in response.content.decode()
    [message] = mail.outbox
    assert message.to == [client_user.email] and "/f/" in message.body
    delivery = ReminderDelivery.objects.get(session=upcoming, phase=Phase.CHECK_IN)
    assert delivery.kind == DeliveryKind.REMINDER and delivery.status == DeliveryStatus.SENT
    assert delivery.requested_by == therapist
    # The automatic run will not send it a second time; the page now offers "Send again".
    assert all(d.session != upcoming for d in reminders.due_reminders())
    page = client.get(reverse("reminders:not-completed")).content.decode()
    assert send_now_url(upcoming) not in page and 'data-testid="resend"' in page
    again = client.post(send_now_url(upcoming), follow=True)
    assert "already sent" in again.content.decode()
    assert len(mail.outbox) == 1


def test_send_now_refuses_a_closed_form(client, therapist, episode):
    far = episode.sessions.create(number=9, scheduled_at=timezone.now() + timedelta(days=20))
    as_user(client, therapist)
    response = client.post(send_now_url(far), follow=True)
    assert "not open" in response.content.decode()
    assert not mail.outbox


def test_send_now_is_closed_to_everyone_else(
    client, upcoming, colleague, supervisor, practice_admin, client_user, therapist
):
    url = send_now_url(upcoming)
    assert login_required(client.post(url))
    for user in (colleague, supervisor, practice_admin, client_user):
        as_user(client, user)
        assert client.post(url).status_code in DENIED, user.email
    as_user(client, therapist)
    assert client.get(url).status_code == 405
    assert client.post(send_now_url(upcoming, "exit")).status_code == 404
    assert client.post(send_now_url(upcoming, "nonsense")).status_code == 404
    assert not mail.outbox
    assert not ReminderDelivery.objects.exists()


def test_another_therapists_session_is_not_found(client, therapist, other_episode):
    session = other_episode.sessions.get(number=2)
    as_user(client, therapist)
    assert client.post(send_now_url(session)).status_code == 404
    elsewhere = make_therapist(other_episode.client.practice, "new.one@example.org")
    as_user(client, elsewhere)
    assert client.post(send_now_url(session)).status_code == 404
