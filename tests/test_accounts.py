"""Signing in with an e-mail address, landing on the right home, resetting a password."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_login_page_answers(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


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
        "/accounts/login/", {"username": user.email.upper(), "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_a_wrong_password_is_refused(client, therapist):
    response = client.post("/accounts/login/", {"username": therapist.email, "password": "nope"})
    assert response.status_code == 200
    assert "That e-mail and password don't match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_that_works(client, therapist):
    client.post(reverse("password_reset"), {"email": therapist.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-fresh-long-secret-9", "new_password2": "a-fresh-long-secret-9"},
    )
    assert client.login(username=therapist.email, password="a-fresh-long-secret-9")


def test_sign_out(client, therapist):
    client.login(username=therapist.email, password=PASSWORD)
    client.post(reverse("logout"))
    assert client.get(reverse("workspace:caseload")).status_code == 302


def test_the_health_check(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_crisis_help_is_public(client):
    assert "TelefonSeelsorge" in client.get("/help/").content.decode()
