"""The front page (issue 12): a visitor meets the practice, a way to a therapist, the approaches
and articles, the crisis numbers as ``tel:`` links and the sign-in; in demo mode the demo logins.
Signed-in people still land on their own home."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from attune.accounts.demo_logins import DEMO_LOGINS, DEMO_PASSWORD
from attune.accounts.models import Role
from attune.practice.front import DEFAULT_WELCOME
from attune.practice.templatetags.attune_crisis import phone_links
from attune.public_pages import HOME_BY_ROLE
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_a_visitor_meets_the_practice_and_every_way_in(client, practice):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1" in page and "Test Practice" in page
    assert DEFAULT_WELCOME in page
    for href in ("/match/", "/directory/", "/approaches/", "/articles/", "/accounts/login/"):
        assert f'href="{href}"' in page, href
    assert 'href="tel:112"' in page
    assert 'href="tel:08001110111"' in page and 'href="tel:08001110222"' in page
    assert 'data-testid="demo-logins"' not in page  # not in demo mode
    assert "<script" not in page and "style=" not in page  # strict CSP: nothing inline


def test_the_practice_writes_its_own_paragraph_and_crisis_contacts(client, practice):
    practice.welcome = "We are four therapists near the station.\n\nWe speak German & English."
    practice.crisis_resources = [{"name": "Our duty line", "contact": "+49 30 1234 5678"}]
    practice.save()
    page = client.get("/").content.decode()
    assert "<p>We are four therapists near the station.</p>" in page
    assert "German &amp; English" in page
    assert DEFAULT_WELCOME not in page
    assert '<a href="tel:+493012345678">+49 30 1234 5678</a>' in page


def test_without_any_practice_the_page_still_answers(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "Attune" in response.content.decode()


def test_the_front_page_costs_a_fixed_number_of_queries(
    client, practice, therapist, colleague, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        assert client.get("/").status_code == 200


def test_in_demo_mode_the_logins_are_on_the_front_page_and_the_sign_in_page(
    client, practice, settings
):
    settings.ATTUNE_DEMO = True
    for path in ("/", "/accounts/login/"):
        page = client.get(path).content.decode()
        assert 'data-testid="demo-logins"' in page, path
        assert DEMO_PASSWORD in page
        for email, _ in DEMO_LOGINS:
            assert email in page
    assert 'href="#demo-logins-title"' in client.get("/").content.decode()


def test_outside_demo_mode_the_sign_in_page_lists_no_logins(client, settings):
    settings.ATTUNE_DEMO = False
    page = client.get("/accounts/login/").content.decode()
    assert 'data-testid="demo-logins"' not in page
    assert DEMO_PASSWORD not in page


#: A person of each role, by their fixture.
PERSON_OF_ROLE = {
    Role.CLIENT: "client_user",
    Role.THERAPIST: "therapist",
    Role.SUPERVISOR: "supervisor",
    Role.PRACTICE_ADMIN: "practice_admin",
}


@pytest.mark.parametrize("role", list(HOME_BY_ROLE))
def test_signed_in_people_go_to_their_home(request, client, role, episode):
    user = request.getfixturevalue(PERSON_OF_ROLE[role])
    sign_in(client, user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(HOME_BY_ROLE[role])


def test_a_post_to_the_front_page_is_refused_plainly(client, practice):
    assert client.post("/").status_code == 405


def test_the_crisis_page_calls_with_one_tap(client):
    page = client.get("/help/").content.decode()
    assert '<a href="tel:112">112</a>' in page
    assert '<a href="tel:08001110111">0800 111 0 111</a> or' in page


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        ("112", '<a href="tel:112">112</a>'),
        (
            "0800 111 0 111 or 0800 111 0 222",
            '<a href="tel:08001110111">0800 111 0 111</a> or '
            '<a href="tel:08001110222">0800 111 0 222</a>',
        ),
        ("+44 (0)20 7946-0958", '<a href="tel:+442079460958">+44 (0)20 7946-0958</a>'),
        ("call 030/123 456 (24/7)", 'call <a href="tel:030123456">030/123 456</a> (24/7)'),
        ("12", "12"),
        ("<b>116 123</b>", '&lt;b&gt;<a href="tel:116123">116 123</a>&lt;/b&gt;'),
        ("ask at the desk", "ask at the desk"),
        ("", ""),
    ],
)
def test_phone_numbers_become_tel_links(contact, expected):
    assert phone_links(contact) == expected


def test_the_filter_in_a_template_escapes_everything_else():
    html = Template("{% load attune_crisis %}{{ c|phone_links }}").render(
        Context({"c": 'Ring "Line" 116 123 & ask'})
    )
    assert html == 'Ring &quot;Line&quot; <a href="tel:116123">116 123</a> &amp; ask'
