"""The public directory, therapist profiles and approach pages (issue 6)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attune.accounts.models import Role
from attune.directory.abuse import HoneypotMixin, is_bot
from attune.directory.models import Article
from attune.practice.models import Modality, ProblemArea, TherapistProfile
from tests import factories
from tests.conftest import make_therapist, make_user

pytestmark = pytest.mark.django_db

DIRECTORY = "/directory/"


def profile_of(user, **fields) -> TherapistProfile:
    profile = user.therapist_profile
    modalities = fields.pop("modalities", ())
    areas = fields.pop("problem_areas", ())
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    profile.modalities.set(Modality.objects.filter(slug__in=modalities))
    profile.problem_areas.set(ProblemArea.objects.filter(slug__in=areas))
    return profile


@pytest.fixture
def adler(practice):
    user = make_therapist(practice, "miriam.adler@example.org")
    return profile_of(
        user,
        credentials="Dr. phil., psychotherapist",
        training="Relational psychoanalytic training; EMDR Europe accredited",
        years_experience=19,
        languages=["en", "de"],
        formats=["in_person", "online"],
        accepting_new_clients=True,
        how_i_work="I work in an integrative way.",
        fee_min=110,
        fee_max=150,
        modalities=["contemporary-psychoanalysis", "emdr"],
        problem_areas=["trauma", "depression"],
    )


@pytest.fixture
def becker(practice):
    user = make_therapist(practice, "jonas.becker@example.org")
    return profile_of(
        user,
        credentials="M.Sc. Psychology",
        years_experience=9,
        languages=["en", "pl"],
        formats=["online"],
        accepting_new_clients=False,
        fee_min=80,
        fee_max=100,
        modalities=["cbt", "act"],
        problem_areas=["anxiety", "ocd"],
    )


@pytest.fixture
def hidden(practice):
    user = make_therapist(practice, "hidden.person@example.org")
    return profile_of(user, published=False, modalities=["emdr"], problem_areas=["trauma"])


def names(response) -> list[str]:
    return [card["name"] for card in response.context["cards"]]


def test_the_directory_lists_published_profiles_only(client, adler, becker, hidden):
    response = client.get(DIRECTORY)
    assert response.status_code == 200
    assert sorted(names(response)) == ["Jonas Becker", "Miriam Adler"]
    assert "Hidden" not in response.content.decode()
    assert 'href="/match/"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("problem=trauma", ["Miriam Adler"]),
        ("problem=ocd", ["Jonas Becker"]),
        ("approach=cbt", ["Jonas Becker"]),
        ("approach=emdr&problem=trauma", ["Miriam Adler"]),
        ("approach=emdr&problem=ocd", []),
        ("language=de", ["Miriam Adler"]),
        ("language=pl", ["Jonas Becker"]),
        ("language=en", ["Jonas Becker", "Miriam Adler"]),
        ("format=in_person", ["Miriam Adler"]),
        ("format=online", ["Jonas Becker", "Miriam Adler"]),
        ("accepting=on", ["Miriam Adler"]),
        ("fee_max=90", ["Jonas Becker"]),
        ("fee_max=110", ["Jonas Becker", "Miriam Adler"]),
        ("fee_min=120", ["Miriam Adler"]),
        ("fee_min=90&fee_max=105", ["Jonas Becker"]),
        ("fee_min=105&fee_max=90", ["Jonas Becker"]),  # swapped, with a note
    ],
)
def test_filters(client, adler, becker, hidden, query, expected):
    response = client.get(f"{DIRECTORY}?{query}")
    assert response.status_code == 200
    assert sorted(names(response)) == expected


@pytest.mark.parametrize(
    ("query", "noted"),
    [
        ("problem=not-a-thing", True),
        ("approach=%3Cscript%3E", True),
        ("language=xx", True),
        ("format=carrier-pigeon", True),
        ("fee_max=cheap", True),
        ("fee_min=-5", True),
        ("fee_max=99999999999999999999999", True),
        ("fee_min=1e9", True),
        ("language=%00", True),
        ("problem=", False),
        ("unknown=1", False),
        ("accepting=maybe", False),
    ],
)
def test_bad_filter_values_are_ignored_with_a_note_never_an_error(
    client, adler, becker, query, noted
):
    response = client.get(f"{DIRECTORY}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert bool(response.context["notes"]) is noted
    assert ("We ignored" in html) is noted
    assert "not-a-thing" not in html  # a bad value is not echoed back into the form
    assert "carrier-pigeon" not in html
    assert len(names(response)) >= 1


def test_a_bad_value_leaves_the_other_filters_working(client, adler, becker):
    response = client.get(f"{DIRECTORY}?problem=nope&approach=cbt")
    assert names(response) == ["Jonas Becker"]
    assert len(response.context["notes"]) == 1


def test_the_directory_only_answers_get(client):
    assert client.post(DIRECTORY).status_code == 405


def _many_therapists(practice, n: int) -> None:
    for i in range(n):
        user = make_therapist(practice, f"t{i}.person{i}@example.org")
        profile_of(
            user,
            languages=["en", "de"],
            formats=["online"],
            fee_min=90,
            fee_max=120,
            modalities=["cbt", "emdr", "act"],
            problem_areas=["anxiety", "trauma", "sleep"],
        )


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        DIRECTORY,
        f"{DIRECTORY}?problem=anxiety&approach=cbt&language=de&format=online&fee_max=200",
        "/approaches/emdr/",
        "/approaches/",
    ],
)
def test_query_count_does_not_grow_with_the_number_of_therapists(client, practice, url):
    _many_therapists(practice, 1)
    one = _count(client, url)
    for i in range(19):
        user = make_therapist(practice, f"more{i}.person@example.org")
        profile_of(user, languages=["en"], formats=["online"], modalities=["cbt", "emdr"],
                   problem_areas=["anxiety"], fee_min=90, fee_max=100)  # fmt: skip
    twenty = _count(client, url)
    assert one == twenty
    assert twenty <= 8


def test_profile_page_shows_published_profile_data(client, adler):
    response = client.get(reverse("directory:therapist", args=[adler.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Miriam Adler",
        "Dr. phil., psychotherapist",
        "Relational psychoanalytic training",
        "19 years",
        "English, German",
        "In person, Online",
        "€110–150 per session",
        "I work in an integrative way.",
        "Contemporary psychoanalysis",
        "EMDR",
        "Trauma and difficult experiences",
        "What a session is like",  # the modality's explainer, rendered
        'href="/match/"',
    ):
        assert text in html, text
    assert "<h3>What it is" not in html  # explainer headings sit under the modality's h3
    assert "<h4>What it is</h4>" in html


def test_profile_query_count_is_fixed(client, adler):
    assert _count(client, reverse("directory:therapist", args=[adler.pk])) <= 6


def test_unpublished_inactive_and_unknown_profiles_are_404(client, hidden, adler, practice):
    assert client.get(reverse("directory:therapist", args=[hidden.pk])).status_code == 404
    assert client.get("/directory/999999/").status_code == 404
    assert client.get("/directory/not-a-number/").status_code == 404
    adler.user.is_active = False
    adler.user.save()
    assert client.get(reverse("directory:therapist", args=[adler.pk])).status_code == 404
    assert "Miriam" not in client.get(DIRECTORY).content.decode()


def test_no_email_and_nothing_clinical_on_public_pages(client, practice, adler, becker):
    # Adler has clients, episodes and a nameless colleague: none of it may show.
    for i in range(3):
        user = make_user(practice, f"secret.client{i}@example.org", Role.CLIENT)
        client_row = factories.ClientFactory(user=user, practice=practice)
        factories.EpisodeFactory(client=client_row, therapist=adler.user, started_on="2026-01-01")
    nameless = make_therapist(practice, "nameless@example.org")
    nameless.first_name = nameless.last_name = ""
    nameless.save()
    Article.objects.create(slug="a", title="An article", body="Text", author=adler, published=True)
    pages = [
        DIRECTORY,
        reverse("directory:therapist", args=[adler.pk]),
        reverse("directory:therapist", args=[nameless.therapist_profile.pk]),
        "/approaches/",
        "/approaches/emdr/",
        "/articles/",
        "/articles/a/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode().lower()
        assert "@example.org" not in html, url
        assert "secret" not in html, url
        for word in ("caseload", "episode", "outcome", "phq", "alert", "recovered", "clients)"):
            assert word not in html, (url, word)
    assert "A therapist of the practice" in client.get(pages[2]).content.decode()


def test_approach_pages(client, adler, becker, hidden):
    response = client.get("/approaches/")
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("directory:approach", args=["somatic-experiencing"]) in html
    assert "Clinical hypnosis" in html

    response = client.get(reverse("directory:approach", args=["emdr"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2>What it is</h2>" in html  # explainer Markdown rendered, headings under the h1
    assert "###" not in html
    assert names(response) == ["Miriam Adler"]  # published profiles only
    assert client.get("/approaches/no-such-approach/").status_code == 404


def test_approach_pages_list_their_articles(client, adler):
    emdr = Modality.objects.get(slug="emdr")
    about = Article.objects.create(slug="emdr-x", title="All about EMDR", body="b", published=True)
    about.modalities.add(emdr)
    draft = Article.objects.create(slug="emdr-y", title="Draft EMDR", body="b", published=False)
    draft.modalities.add(emdr)
    html = client.get("/approaches/emdr/").content.decode()
    assert "All about EMDR" in html
    assert "Draft EMDR" not in html


def test_explainer_markdown_is_sanitised_on_approach_pages(client):
    Modality.objects.filter(slug="emdr").update(
        explainer="### Hi\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    )
    html = client.get("/approaches/emdr/").content.decode()
    assert "<script>alert" not in html
    assert 'href="javascript' not in html


def test_honeypot_helper():
    from django import forms

    class Form(HoneypotMixin, forms.Form):
        name = forms.CharField()

    human = Form({"name": "Lea"})
    assert human.is_valid() and not is_bot(human)
    bot = Form({"name": "Lea", "website": "http://spam.example"})
    assert bot.is_valid() and is_bot(bot)
