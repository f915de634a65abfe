"""A consultation request's life: receipt, offer a time, a question and a reply through the
person's private link, booked, held, taken on as client (the invitation), declined or withdrawn;
who may open what; the count in the navigation; a mail server that is down."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from post_office.models import STATUS, Email

from attune.accounts.models import Role, User
from attune.care.models import Episode
from attune.matching import consultations
from attune.matching.models import (
    ConsultationLink,
    ConsultationMessage,
    ConsultationRequest,
    ConsultationStatus,
)
from attune.matching.queries import consultation_for_episode, waiting_count
from attune.practice.models import ProblemArea
from tests import factories
from tests.care_helpers import DENIED, as_user
from tests.conftest import make_therapist

pytestmark = pytest.mark.django_db

BASE = "http://testserver/"
MAIL_SERVER_DOWN = {"BACKENDS": {"default": "tests.mail_server_down.EmailBackend"}}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def ask(therapist, name="Pat Person", email="pat.person@example.org"):
    """A request as the consult form stores it; returns it and the token of the receipt."""
    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(days=2)
    mail.outbox.clear()
    req = consultations.submit_request(
        therapist=therapist,
        name=name,
        email=email,
        proposed_times=[soon, soon + timedelta(hours=3)],
        hopes="To feel safe at night.",
        intake={
            "text": "Nightmares since the accident",
            "problem_areas": ["trauma", "sleep"],
            "preferences": {"modality": "emdr"},
        },
        idempotency_key=uuid.uuid4(),
        base_url=BASE,
    )
    return req, token_in(mail.outbox[0].body)


def token_in(body):
    return re.search(r"http://testserver/f/([A-Za-z0-9_-]{43})/consultation/", body).group(1)


def person_url(token):
    return f"/f/{token}/consultation/"


def last_mail_to(address):
    return [m for m in mail.outbox if m.to == [address]][-1]


def book(client, therapist, req, token, *, hours_ahead=48):
    """Offer a time and let the person confirm it; returns the booked request."""
    at = timezone.localtime() + timedelta(hours=hours_ahead)
    as_user(client, therapist).post(
        f"/consultations/{req.pk}/offer/",
        {"time": "other", "other_time": at.strftime("%Y-%m-%dT%H:%M")},
    )
    req.refresh_from_db()
    client.logout()
    client.post(person_url(token), {"action": "confirm", "offered_at": req.offered_at.isoformat()})
    req.refresh_from_db()
    assert req.status == ConsultationStatus.BOOKED
    return req


# --------------------------------------------------------------------------- the journey


def test_offer_confirm_hold_and_take_on(client, therapist):
    req, token = ask(therapist)
    [receipt, notice] = mail.outbox
    assert receipt.to == ["pat.person@example.org"] and notice.to == [therapist.email]
    assert "What happens next" in receipt.body and "112" in receipt.body
    assert req.status == ConsultationStatus.NEW and req.waiting_for_therapist
    # The link stores only a hash: the token itself is nowhere in the database.
    assert not ConsultationLink.objects.filter(token_hash=token).exists()

    # Tara offers the second proposed time with a note.
    second = req.proposed_times[1]
    page = as_user(client, therapist).get(f"/consultations/{req.pk}/").content.decode()
    assert "Offer a time" in page and "Take on as client" not in page
    mail.outbox.clear()
    response = client.post(
        f"/consultations/{req.pk}/offer/", {"time": second, "message": "We meet in room 2."}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == ConsultationStatus.TIME_OFFERED and not req.waiting_for_therapist
    [offer] = mail.outbox
    assert offer.to == ["pat.person@example.org"]
    local = timezone.localtime(req.offered_at)
    when = f"{local:%A} {local.day} {local:%B %Y at %H:%M}"
    assert when in offer.body and "room 2" not in offer.body  # the note stays behind the link
    new_token = token_in(offer.body)
    assert new_token != token

    # The person opens the link (the older one works too), reads the note and confirms.
    client.logout()
    for t in (token, new_token):
        page = client.get(person_url(t))
        assert page.status_code == 200 and page["Cache-Control"] == "no-store"
        html = page.content.decode()
        assert "We meet in room 2." in html and "Confirm this time" in html
        assert "Nightmares" not in html  # the intake is the therapist's to read
    mail.outbox.clear()
    response = client.post(
        person_url(new_token), {"action": "confirm", "offered_at": req.offered_at.isoformat()}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == ConsultationStatus.BOOKED and req.scheduled_at == req.offered_at
    assert sorted(m.to[0] for m in mail.outbox) == ["pat.person@example.org", therapist.email]
    assert "is booked for" in client.get(person_url(new_token)).content.decode()

    # Before the consultation nobody is taken on.
    as_user(client, therapist)
    refused = client.post(f"/consultations/{req.pk}/take-on/")
    assert refused.status_code == 400 and "after the consultation" in refused.content.decode()
    assert not User.objects.filter(email="pat.person@example.org").exists()

    # Held (say, earlier by telephone); then taken on.
    assert client.post(f"/consultations/{req.pk}/held/").status_code == 302
    mail.outbox.clear()
    response = client.post(f"/consultations/{req.pk}/take-on/")
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == ConsultationStatus.TAKEN_ON and req.decided_at is not None
    user = User.objects.get(email="pat.person@example.org")
    assert user.role == Role.CLIENT and not user.has_usable_password()
    episode = req.episode
    assert episode.client.user == user and episode.therapist == therapist
    assert sorted(episode.problem_areas.values_list("slug", flat=True)) == ["sleep", "trauma"]
    assert not episode.sessions.exists()  # the first session is booked from the episode
    assert consultation_for_episode(episode) == req  # the intake moves to the episode
    [invitation] = mail.outbox
    assert invitation.to == ["pat.person@example.org"]
    assert "Nightmares" not in invitation.body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", invitation.body).group(1)
    caseload = client.get("/caseload/").content.decode()
    assert "Pat Person" in caseload
    detail = client.get(f"/consultations/{req.pk}/").content.decode()
    assert f"/episodes/{episode.pk}/" in detail

    # The invited person chooses a password and signs in.
    client.logout()
    set_page = client.get(link, follow=True)
    done = client.post(
        set_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password-9", "new_password2": "a-new-long-password-9"},
    )
    assert done.status_code == 302
    assert client.login(username="pat.person@example.org", password="a-new-long-password-9")
    assert client.get("/me/").status_code == 200

    # Taken on is final: no second client, no second episode.
    again = as_user(client, therapist).post(f"/consultations/{req.pk}/take-on/")
    assert again.status_code == 400
    assert Episode.objects.filter(client__user=user).count() == 1


def test_once_its_time_has_passed_the_consultation_counts_as_held(client, therapist):
    req, token = ask(therapist)
    req = book(client, therapist, req, token)
    ConsultationRequest.objects.filter(pk=req.pk).update(
        scheduled_at=timezone.now() - timedelta(hours=1)
    )
    page = as_user(client, therapist).get(f"/consultations/{req.pk}/").content.decode()
    assert "Take on as client" in page and "Mark the consultation as held" not in page
    assert client.post(f"/consultations/{req.pk}/take-on/").status_code == 302
    req.refresh_from_db()
    assert req.status == ConsultationStatus.TAKEN_ON


def test_a_question_and_a_reply(client, therapist):
    req, token = ask(therapist)
    mail.outbox.clear()
    as_user(client, therapist).post(
        f"/consultations/{req.pk}/message/", {"body": "Are evenings after 18:00 possible?"}
    )
    req.refresh_from_db()
    assert req.status == ConsultationStatus.QUESTION_ASKED and not req.waiting_for_therapist
    [note] = mail.outbox
    assert "after 18:00" not in note.body and "/consultation/" in note.body
    assert (
        'data-testid="consultations-waiting"' not in client.get("/consultations/").content.decode()
    )

    client.logout()
    html = client.get(person_url(token)).content.decode()
    assert "Are evenings after 18:00 possible?" in html
    mail.outbox.clear()
    empty = client.post(person_url(token), {"action": "reply", "body": "  "})
    assert empty.status_code == 200 and "Please write a message." in empty.content.decode()
    assert client.post(person_url(token), {"action": "reply", "body": "Yes, Tuesdays."})
    req.refresh_from_db()
    assert req.waiting_for_therapist
    [notice] = mail.outbox
    assert notice.to == [therapist.email] and "Tuesdays" not in notice.body
    thread = [(m.author, m.body) for m in req.messages.all()]
    assert thread == [
        ("therapist", "Are evenings after 18:00 possible?"),
        ("person", "Yes, Tuesdays."),
    ]
    page = as_user(client, therapist).get(f"/consultations/{req.pk}/").content.decode()
    assert "Yes, Tuesdays." in page
    assert re.search(r'data-testid="consultations-waiting"[^>]*>1<', page)


def test_only_a_booked_consultation_can_be_marked_held(client, therapist):
    req, _ = ask(therapist)
    response = as_user(client, therapist).post(f"/consultations/{req.pk}/held/")
    assert response.status_code == 400
    assert "Only a booked consultation can be marked as held." in response.content.decode()
    req.refresh_from_db()
    assert req.held_at is None


def test_a_stale_offer_is_not_booked(client, therapist):
    req, token = ask(therapist)
    first = req.proposed_times[0]
    as_user(client, therapist).post(f"/consultations/{req.pk}/offer/", {"time": first})
    req.refresh_from_db()
    seen = req.offered_at.isoformat()
    other = timezone.localtime() + timedelta(days=5)
    client.post(
        f"/consultations/{req.pk}/offer/",
        {"time": "other", "other_time": other.strftime("%Y-%m-%dT%H:%M")},
    )
    client.logout()
    response = client.post(person_url(token), {"action": "confirm", "offered_at": seen})
    assert response.status_code == 200  # never a 4xx: Django would log the secret path
    assert "offered another time" in response.content.decode()
    req.refresh_from_db()
    assert req.status == ConsultationStatus.TIME_OFFERED


def test_an_offer_needs_a_time_in_the_future(client, therapist):
    req, _ = ask(therapist)
    as_user(client, therapist)
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/consultations/{req.pk}/offer/", {"time": "other", "other_time": past})
    assert response.status_code == 400
    assert "Choose a time in the future." in response.content.decode()
    missing = client.post(f"/consultations/{req.pk}/offer/", {"time": "other"})
    assert missing.status_code == 400 and "Give the time you offer." in missing.content.decode()
    req.refresh_from_db()
    assert req.status == ConsultationStatus.NEW


def test_the_person_can_withdraw(client, therapist):
    req, token = ask(therapist)
    mail.outbox.clear()
    assert client.post(person_url(token), {"action": "withdraw"}).status_code == 302
    req.refresh_from_db()
    assert req.status == ConsultationStatus.WITHDRAWN and req.decided_at is not None
    assert [m.to for m in mail.outbox] == [[therapist.email]]
    html = client.get(person_url(token)).content.decode()
    assert "You withdrew this request." in html and "Send the reply" not in html
    # Nothing more can happen to a closed request.
    late = client.post(person_url(token), {"action": "reply", "body": "Sorry, again?"})
    assert late.status_code == 200 and "This request is closed" in late.content.decode()
    assert not req.messages.filter(body="Sorry, again?").exists()
    offer = as_user(client, therapist).post(
        f"/consultations/{req.pk}/offer/", {"time": req.proposed_times[0]}
    )
    assert offer.status_code == 400 and "closed" in offer.content.decode()


def test_decline_after_the_consultation(client, therapist):
    req, token = ask(therapist)
    req = book(client, therapist, req, token)
    mail.outbox.clear()
    response = as_user(client, therapist).post(
        f"/consultations/{req.pk}/decline/", {"reason": "I think a colleague fits better."}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == ConsultationStatus.DECLINED
    assert [m.to for m in mail.outbox] == [["pat.person@example.org"]]


# --------------------------------------------------------------------------- the private link


@pytest.mark.parametrize("token", ["x" * 43, "short", "a token; with junk", "well-formed"])
def test_a_wrong_token_gets_a_plain_page(client, therapist, token):
    # "well-formed": a fresh random token, made here so every test worker collects the same ids
    token = secrets.token_urlsafe(32) if token == "well-formed" else token
    ask(therapist)
    response = client.get(person_url(token))
    assert response.status_code == 200
    assert "We could not find this link" in response.content.decode()
    posted = client.post(person_url(token), {"action": "withdraw"})
    assert posted.status_code == 200
    assert not ConsultationRequest.objects.filter(status=ConsultationStatus.WITHDRAWN).exists()


def test_answers_through_a_link_are_rate_limited(client, therapist):
    req, token = ask(therapist)
    for n in range(20):
        client.post(person_url(token), {"action": "reply", "body": f"Message {n}"})
    mail.outbox.clear()
    limited = client.post(person_url(token), {"action": "reply", "body": "One too many"})
    html = limited.content.decode()
    assert limited.status_code == 200 and "Too many messages" in html and "One too many" in html
    assert req.messages.count() == 20 and not mail.outbox


def test_an_expired_link_says_so(client, therapist):
    req, token = ask(therapist)
    ConsultationLink.objects.filter(request=req).update(
        created_at=timezone.now() - timedelta(days=90),
        expires_at=timezone.now() - timedelta(days=1),
    )
    response = client.get(person_url(token))
    assert response.status_code == 200 and "This link has expired" in response.content.decode()
    client.post(person_url(token), {"action": "withdraw"})
    req.refresh_from_db()
    assert req.status == ConsultationStatus.NEW


# --------------------------------------------------------------------------- access


def therapist_urls(req):
    base = f"/consultations/{req.pk}/"
    return [
        ("get", base),
        ("post", base + "offer/"),
        ("post", base + "message/"),
        ("post", base + "held/"),
        ("post", base + "take-on/"),
        ("post", base + "decline/"),
    ]


def test_every_consultation_url_is_the_asked_therapists_only(
    client, therapist, colleague, client_user, supervisor, practice_admin
):
    req, token = ask(therapist)
    other_practice = factories.PracticeFactory(name="Elsewhere", slug="elsewhere")
    stranger = make_therapist(other_practice, "sue.stranger@example.org")
    for user in (client_user, supervisor, practice_admin, colleague, stranger):
        as_user(client, user)
        for method, url in therapist_urls(req):
            response = getattr(client, method)(url, {"time": req.proposed_times[0], "body": "x"})
            assert response.status_code in DENIED, (user.email, url)
            assert "Pat Person" not in response.content.decode()
        inbox = client.get("/consultations/")
        if user.role == Role.THERAPIST:
            assert "Pat Person" not in inbox.content.decode()
        else:
            assert inbox.status_code == 403
    client.logout()
    for method, url in [*therapist_urls(req), ("get", "/consultations/")]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    req.refresh_from_db()
    assert req.status == ConsultationStatus.NEW and not req.messages.exists()
    # A wrong link is a plain page for everyone, signed in or not.
    for user in (client_user, supervisor, practice_admin, colleague, None):
        if user is None:
            client.logout()
        else:
            as_user(client, user)
        wrong = client.get(person_url("x" * 43))
        assert wrong.status_code == 200 and "We could not find this link" in wrong.content.decode()
    # The private link opens this request's page only, for whoever holds it; a token of
    # another request shows that one, never this one's thread.
    other, other_token = ask(colleague, name="Other Person", email="other@example.org")
    ConsultationMessage.objects.create(request=req, author="therapist", body="Only for Pat")
    assert "Only for Pat" not in client.get(person_url(other_token)).content.decode()
    as_user(client, colleague)
    assert "Only for Pat" in client.get(person_url(token)).content.decode()


# --------------------------------------------------------------------------- counts and queries


def test_the_navigation_counts_what_waits_for_her(
    client, therapist, colleague, django_assert_num_queries
):
    for i in range(3):
        ask(therapist, name=f"Person {i}", email=f"p{i}@example.org")
    ask(colleague, name="Not hers", email="n@example.org")
    answered, _ = ask(therapist, name="Answered", email="a@example.org")
    consultations.write_to_person(request_obj=answered, by=therapist, body="Hi", base_url=BASE)
    with django_assert_num_queries(1):
        assert waiting_count(therapist) == 3
    page = as_user(client, therapist).get("/caseload/").content.decode()
    assert re.search(r'data-testid="consultations-waiting"[^>]*>3<', page)
    # Nobody else's pages run the query.
    from django.template import Context, Template

    tag = Template("{% load consultations %}{% consultations_waiting user %}")
    with django_assert_num_queries(0):
        assert tag.render(Context({"user": User(role=Role.CLIENT)})) == "0"


def test_the_inbox_needs_a_fixed_number_of_queries(client, therapist, django_assert_num_queries):
    def fill(n):
        for i in range(n):
            req, token = ask(therapist, name=f"P{n}-{i}", email=f"p{n}.{i}@example.org")
            if i % 3 == 1:
                consultations.write_to_person(
                    request_obj=req, by=therapist, body="?", base_url=BASE
                )
            if i % 3 == 2:
                consultations.offer_time(
                    request_obj=req,
                    by=therapist,
                    at=timezone.now() + timedelta(days=3),
                    base_url=BASE,
                )

    as_user(client, therapist)
    fill(3)
    client.get("/consultations/")  # warm the session and the content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/consultations/")
    fill(12)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/consultations/").content.decode()
    assert page.count("/consultations/") >= 15
    assert len(many.captured_queries) == len(few.captured_queries) <= 8


# --------------------------------------------------------------------------- mail server down


def test_with_the_mail_server_down_the_request_is_kept_and_the_mail_waits(client, therapist):
    ProblemArea.objects.get(slug="trauma")  # the areas exist (loaded by migration)
    soon = timezone.localtime() + timedelta(days=2)
    post = {
        "name": "Pat Person",
        "email": "pat.person@example.org",
        "time_1": soon.strftime("%Y-%m-%dT10:00"),
        "time_2": soon.strftime("%Y-%m-%dT16:00"),
        "time_3": "",
        "hopes": "",
        "website": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    with override_settings(POST_OFFICE=MAIL_SERVER_DOWN):
        response = client.post(f"/match/consultation/{therapist.pk}/", post)
        assert response.status_code == 302
        assert client.get(response["Location"]).status_code == 200
    req = ConsultationRequest.objects.get()
    assert req.status == ConsultationStatus.NEW
    assert mail.outbox == []
    emails = list(Email.objects.all())
    assert sorted(e.to[0] for e in emails) == ["pat.person@example.org", therapist.email]
    assert all(e.status == STATUS.requeued for e in emails)  # `attune notify` sends them later
    # The therapist's answer works too, and its e-mail waits as well.
    with override_settings(POST_OFFICE=MAIL_SERVER_DOWN):
        offered = as_user(client, therapist).post(
            f"/consultations/{req.pk}/offer/", {"time": req.proposed_times[0]}
        )
    assert offered.status_code == 302
    assert Email.objects.filter(status=STATUS.requeued).count() == 3
