"""Signing in with an e-mail address (django-allauth), landing on the right home, resetting a
password, signing out; no public sign-up."""

from __future__ import annotations

import html

import pytest
from django.core import mail
from django.urls import reverse

from attune.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_login_page_answers_at_its_old_address_and_name(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'name="login"' in response.content.decode()
    assert reverse("login") == reverse("account_login") == "/accounts/login/"


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("client_user", "/me/"),
        ("therapist", "/caseload/"),
        ("supervisor", "/supervision/"),
        ("practice_admin", "/practice/"),
    ],
)
def test_each_role_lands_on_its_home(request, client, who, home, episode):
    user = request.getfixturevalue(who)
    response = client.post(
        "/accounts/login/", {"login": user.email.upper(), "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_a_wrong_password_is_refused(client, therapist):
    response = client.post("/accounts/login/", {"login": therapist.email, "password": "nope"})
    assert response.status_code == 200
    assert "That e-mail and password don't match" in html.unescape(response.content.decode())
    assert "_auth_user_id" not in client.session


def test_a_50000_character_login_is_a_clear_answer_not_an_error(client, therapist):
    response = client.post("/accounts/login/", {"login": "a" * 50_000, "password": "x"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_nobody_can_sign_up(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "password1": "a-long-pass-phrase", "password2": "x"},
    )
    assert response.status_code == 200
    assert "Sign Up Closed" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_password_reset_sends_a_link_that_works(client, therapist):
    response = client.post(reverse("password_reset"), {"email": therapist.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/key/" in line
    )
    path = link.split("testserver", 1)[1].strip()
    form = client.get(path, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"password1": "a-fresh-long-secret-9", "password2": "a-fresh-long-secret-9"},
    )
    assert response.status_code == 302
    assert client.login(email=therapist.email, password="a-fresh-long-secret-9")


def test_the_old_reset_address_leads_to_the_new_one(client):
    response = client.get("/accounts/password_reset/")
    assert response["Location"] == reverse("account_reset_password")


def test_sign_out(client, therapist):
    client.force_login(therapist)
    client.post(reverse("logout"))
    assert client.get(reverse("workspace:caseload")).status_code == 302


def test_the_health_check(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_crisis_help_is_public(client):
    assert "TelefonSeelsorge" in client.get("/help/").content.decode()
