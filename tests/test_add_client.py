"""Adding a client by invitation (issue 10, practice basics): the therapist or the practice
administrator invites; the client chooses their own password and finds the first check-in.
Refusals are kind and keep what was typed; every URL is closed to every other role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from post_office.models import STATUS, Email

from attune.accounts.models import Role
from attune.audit.models import AuditEvent
from attune.care.intake import invite_client
from attune.care.models import Client, Episode, EpisodeStatus
from attune.practice.models import ProblemArea
from tests import factories
from tests.care_helpers import DENIED, as_user
from tests.conftest import make_therapist, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
ADD = "/clients/add/"
PRACTICE_ADD = "/practice/invite/"
NEW_PASSWORD = "a-fresh-client-password-42"


def tomorrow_at_ten():
    day = timezone.localdate() + timedelta(days=1)
    return {"first_session_date": day.isoformat(), "first_session_time": "10:00"}


def invite_post(**extra):
    data = {"name": "Nina Newcomer", "email": "nina.newcomer@example.org"}
    data.update(extra)
    return data


def link_in(message) -> str:
    match = re.search(r"http://testserver(/accounts/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def other_practice_admin(db):
    other = factories.PracticeFactory(name="Elsewhere", slug="elsewhere")
    return make_user(other, "ed.elsewhere@example.org", Role.PRACTICE_ADMIN, is_staff=True)


@pytest.fixture
def areas():
    found = list(ProblemArea.objects.order_by("slug")[:2])
    assert len(found) == 2, "the shipped vocabulary has problem areas"
    return found


# --------------------------------------------------------------------------- the therapist


def test_the_caseload_header_offers_add_a_client(client, therapist):
    as_user(client, therapist)
    page = client.get(reverse("workspace:caseload")).content.decode()
    assert 'data-testid="add-client"' in page and ADD in page


def test_a_therapist_invites_a_client_with_areas_and_a_first_session(
    client, therapist, areas, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    post = invite_post(problem_areas=[a.pk for a in areas], **tomorrow_at_ten())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, post)
    assert response.status_code == 302
    user = User.objects.get(email="nina.newcomer@example.org")
    assert user.role == Role.CLIENT and user.practice_id == therapist.practice_id
    assert not user.has_usable_password()  # nobody set a password for her
    episode = Episode.objects.get(client__user=user)
    assert response["Location"] == reverse("workspace:episode", args=[episode.pk])
    assert episode.therapist == therapist and episode.is_active
    assert set(episode.problem_areas.all()) == set(areas)
    session = episode.sessions.get()
    assert session.number == 1
    assert timezone.localtime(session.scheduled_at).hour == 10
    kinds = set(AuditEvent.objects.filter(actor=therapist).values_list("object_type", flat=True))
    assert {"care.client", "care.episode", "care.session"} <= kinds
    [message] = mail.outbox
    assert message.to == ["nina.newcomer@example.org"]
    assert "/accounts/reset/" in message.body
    assert therapist.display_name in message.body
    for area in areas:  # nothing clinical in the e-mail
        assert area.name not in message.body and area.name not in message.subject


def test_the_invited_client_sets_a_password_and_sees_the_first_check_in(
    client, therapist, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ADD, invite_post(**tomorrow_at_ten()))
    client.logout()
    link = link_in(mail.outbox[-1])
    set_password = client.get(link)
    assert set_password.status_code == 302  # Django hides the token behind "set-password"
    form_url = set_password["Location"]
    done = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert done.status_code == 200
    assert "Your password is saved" in done.content.decode()
    assert client.login(username="nina.newcomer@example.org", password=NEW_PASSWORD)
    home = client.get("/", follow=True)
    assert home.redirect_chain[-1][0] == reverse("portal:home")
    assert "Check-in before your session" in home.content.decode()
    # The link worked once.
    client.logout()
    assert "expired or was already used" in client.get(link, follow=True).content.decode()


def test_an_address_with_an_active_episode_is_refused_kindly(client, therapist, other_client):
    as_user(client, therapist)
    before = Episode.objects.count()
    response = client.post(ADD, invite_post(email=other_client.email.upper(), name="Otto"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "already has an active therapy" in page
    assert Episode.objects.count() == before
    assert not mail.outbox
    assert 'value="Otto"' in page  # nothing typed is lost


def test_a_staff_address_is_refused(client, therapist, colleague, supervisor):
    as_user(client, therapist)
    for staff in (colleague, supervisor):
        response = client.post(ADD, invite_post(email=staff.email))
        assert response.status_code == 400
        assert "member of staff" in response.content.decode()
    staff_ids = {colleague.pk, supervisor.pk}
    assert not Client.objects.filter(user_id__in=staff_ids).exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"name": ""}, "Please give the client&#x27;s name."),
        ({"email": "not-an-address"}, "Please give a valid e-mail address"),
        ({"first_session_date": "2030-01-01"}, "Please give both the date and the time"),
        ({"first_session_time": "10:00"}, "Please give both the date and the time"),
        ({"first_session_date": "2001-01-01", "first_session_time": "10:00"}, "in the future"),
        ({"first_session_date": "31/31/2030", "first_session_time": "10:00"}, "valid date"),
        ({"problem_areas": ["999999"]}, "Select a valid choice"),
        ({"name": "x" * 400}, "at most 150 characters"),
    ],
)
def test_bad_input_gets_a_message_and_keeps_the_rest(client, therapist, post, message):
    as_user(client, therapist)
    users = User.objects.count()
    response = client.post(ADD, invite_post(**post))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'data-testid="form-error"' in page
    assert User.objects.count() == users
    assert not mail.outbox
    if "email" not in post:
        assert 'value="nina.newcomer@example.org"' in page


def test_a_client_who_comes_back_gets_a_new_episode_on_the_same_account(
    client, therapist, episode, django_capture_on_commit_callbacks
):
    episode.status, episode.ended_on = EpisodeStatus.ENDED_PLANNED, timezone.localdate()
    episode.save()
    returning = episode.client.user
    returning.last_login = timezone.now()
    returning.save()
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, invite_post(email=returning.email, name="Cleo Client"))
    assert response.status_code == 302
    assert Episode.objects.filter(client=episode.client, status=EpisodeStatus.ACTIVE).count() == 1
    [message] = mail.outbox
    assert "/accounts/reset/" not in message.body  # she has a password already
    assert "/accounts/login/" in message.body


# --------------------------------------------------------------------------- the administrator


def test_the_practice_page_links_to_inviting_a_client(client, practice_admin):
    as_user(client, practice_admin)
    page = client.get(reverse("workspace:practice")).content.decode()
    assert 'data-testid="admin-add-client"' in page and PRACTICE_ADD in page


def test_the_administrator_invites_a_client_to_a_chosen_therapist(
    client, practice_admin, therapist, colleague, django_capture_on_commit_callbacks
):
    as_user(client, practice_admin)
    page = client.get(PRACTICE_ADD).content.decode()
    assert colleague.display_name in page and therapist.display_name in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PRACTICE_ADD, invite_post(therapist=colleague.pk))
    assert response.status_code == 302
    assert response["Location"] == PRACTICE_ADD  # the administrator reads no episode
    episode = Episode.objects.get(client__user__email="nina.newcomer@example.org")
    assert episode.therapist == colleague
    assert len(mail.outbox) == 1


def test_the_administrator_cannot_invite_to_another_practice(
    client, practice_admin, other_practice_admin
):
    elsewhere = make_therapist(other_practice_admin.practice, "eve.elsewhere@example.org")
    as_user(client, practice_admin)
    response = client.post(PRACTICE_ADD, invite_post(therapist=elsewhere.pk))
    assert response.status_code == 400
    assert "Please choose a therapist of this practice." in response.content.decode()
    assert not Episode.objects.filter(therapist=elsewhere).exists()


def test_the_service_refuses_a_therapist_inviting_for_a_colleague(therapist, colleague):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        invite_client(
            therapist=colleague,
            by=therapist,
            name="Nina",
            email="nina@example.org",
            base_url="http://testserver/",
        )
    assert not User.objects.filter(email="nina@example.org").exists()


# --------------------------------------------------------------------------- resending


@pytest.fixture
def invited(therapist, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite_client(
            therapist=therapist,
            by=therapist,
            name="Ivy Invited",
            email="ivy.invited@example.org",
            base_url="http://testserver/",
        )
    mail.outbox.clear()
    return invitation.episode


def test_the_invitation_can_be_sent_again_until_a_password_is_chosen(client, therapist, invited):
    as_user(client, therapist)
    page = client.get(ADD).content.decode()
    assert "Ivy Invited" in page and 'data-testid="resend-invitation"' in page
    url = reverse("care:invitation-resend", args=[invited.pk])
    response = client.post(url, follow=True)
    assert "A new invitation was sent" in response.content.decode()
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body
    user = invited.client.user
    user.set_password("chosen-by-the-client-1")
    user.save()
    response = client.post(url, follow=True)
    assert "already chosen a password" in response.content.decode()
    assert len(mail.outbox) == 1
    assert "Ivy Invited" not in client.get(ADD).content.decode()


def test_resending_is_closed_to_everyone_else(
    client, invited, colleague, supervisor, client_user, practice_admin, other_practice_admin
):
    url = reverse("care:invitation-resend", args=[invited.pk])
    response = client.post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (colleague, supervisor, client_user, other_practice_admin):
        as_user(client, user)
        assert client.post(url).status_code in DENIED, user.email
    assert client.get(url).status_code in DENIED | {405}
    assert not mail.outbox
    admin_url = reverse("care:practice-invitation-resend", args=[invited.pk])
    client.logout()
    assert "/accounts/login/" in client.post(admin_url)["Location"]
    for user in (colleague, supervisor, client_user, invited.therapist):
        as_user(client, user)
        assert client.post(admin_url).status_code in DENIED, user.email
    as_user(client, other_practice_admin)
    assert client.post(admin_url).status_code == 404
    as_user(client, practice_admin)  # the administrator of the client's practice may
    assert client.post(url).status_code == 403  # on her own page, not the therapist's
    assert not mail.outbox
    assert client.post(admin_url).status_code == 302
    assert len(mail.outbox) == 1
    as_user(client, invited.therapist)
    assert client.post(reverse("care:invitation-resend", args=[999999])).status_code == 404


def test_adding_clients_is_closed_to_other_roles(
    client, therapist, supervisor, client_user, practice_admin
):
    for url in (ADD, PRACTICE_ADD):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user, url in [
        (supervisor, ADD),
        (client_user, ADD),
        (practice_admin, ADD),
        (supervisor, PRACTICE_ADD),
        (client_user, PRACTICE_ADD),
        (therapist, PRACTICE_ADD),
    ]:
        as_user(client, user)
        assert client.get(url).status_code == 403, (user.email, url)
        assert client.post(url, invite_post()).status_code == 403, (user.email, url)
    assert not User.objects.filter(email="nina.newcomer@example.org").exists()


def test_the_waiting_list_needs_a_fixed_number_of_queries(
    client, therapist, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    as_user(client, therapist)

    def add(n):
        for i in range(n):
            invite_client(
                therapist=therapist,
                by=therapist,
                name=f"Person {i}",
                email=f"person{i}.{n}@example.org",
                base_url="http://testserver/",
            )

    add(1)
    with django_assert_max_num_queries(12) as few:
        assert client.get(ADD).status_code == 200
    add(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(ADD).content.decode()
    assert page.count('data-testid="invitation-row"') == 7


def test_a_client_without_a_first_session_yet_breaks_no_page(
    client, therapist, supervisor, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, invite_post())
    episode = Episode.objects.get(client__user__email="nina.newcomer@example.org")
    assert not episode.sessions.exists()
    assert "Session 1" not in mail.outbox[0].body
    assert client.get(response["Location"]).status_code == 200
    assert "Nina Newcomer" in client.get(reverse("workspace:caseload")).content.decode()
    assert client.get(reverse("workspace:report", args=[episode.pk])).status_code == 200
    as_user(client, supervisor)
    assert client.get(reverse("workspace:episode", args=[episode.pk])).status_code == 200
    user = episode.client.user
    user.set_password("chosen-by-the-client-1")
    user.save()
    assert client.login(username=user.email, password="chosen-by-the-client-1")
    assert client.get(reverse("portal:home")).status_code == 200


@override_settings(POST_OFFICE={"BACKENDS": {"default": "tests.mail_server_down.EmailBackend"}})
def test_a_mail_server_that_is_down_keeps_the_invitation_queued(
    client, therapist, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, invite_post())
    assert response.status_code == 302  # the page goes on; the client is added
    assert Episode.objects.filter(client__user__email="nina.newcomer@example.org").exists()
    email = Email.objects.get(to=["nina.newcomer@example.org"])
    assert email.status == STATUS.requeued


def test_the_administrator_can_arrive_with_a_therapist_chosen(client, practice_admin, colleague):
    as_user(client, practice_admin)
    page = client.get(PRACTICE_ADD, {"therapist": colleague.pk}).content.decode()
    assert f'<option value="{colleague.pk}" selected>' in page
    assert client.get(PRACTICE_ADD, {"therapist": "not-a-number"}).status_code == 200
