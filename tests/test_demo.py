"""The demo practice: big enough, realistic, and every page of it renders for its people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from attune.accounts.demo_logins import DEMO_LOGINS, DEMO_PASSWORD
from attune.accounts.models import Role, User
from attune.alerts.models import Alert, AlertStatus
from attune.care.models import Attendance, Client, Episode, Session
from attune.measures.models import Response
from attune.simulation import ARCHETYPES
from attune.simulation.practice import WINDOW_DAYS

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_practice):
    # Loaded once for this module (tests/conftest.py), each test in its own savepoint.
    return demo_practice


def test_the_demo_practice_is_large_enough(demo):
    assert User.objects.filter(role=Role.THERAPIST).count() >= 6
    assert Client.objects.count() >= 60
    assert Session.objects.count() >= 900
    assert Session.objects.filter(attendance=Attendance.NO_SHOW).exists()
    before_its_past = demo.today - timedelta(days=WINDOW_DAYS + 3)  # 273 days, as before
    assert Session.objects.filter(scheduled_at__date__lt=before_its_past).count() == 0
    assert Response.objects.filter(phase="check_in").count() > 1000
    assert Response.objects.filter(phase="feedback").count() > 500


def test_the_integrative_therapist_has_a_case_of_every_kind(demo):
    archetypes = {e.archetype for e in demo.episodes if e.therapist_key == "therapist"}
    assert archetypes == set(ARCHETYPES)
    therapist = User.objects.get(email="therapist@example.org")
    modalities = set(therapist.therapist_profile.modalities.values_list("slug", flat=True))
    assert {"contemporary-psychoanalysis", "emdr", "somatic-experiencing",
            "clinical-hypnosis"} <= modalities  # fmt: skip


def test_safety_answers_have_alerts_old_ones_followed_up(demo):
    flagged = Response.objects.exclude(safety_level="")
    assert flagged.exists()
    assert Alert.objects.filter(kind="safety").count() == flagged.count()
    assert Alert.objects.filter(kind="safety", status=AlertStatus.CLOSED).exists()


@pytest.mark.parametrize(("email", "what"), DEMO_LOGINS)
def test_every_demo_login_reaches_its_home(demo, client, email, what):
    assert client.login(username=email, password=DEMO_PASSWORD)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] in {"/me/", "/caseload/", "/supervision/", "/practice/"}


def test_the_demo_client_has_a_check_in_and_a_feedback_waiting(demo, client, settings):
    client.login(username="client@example.org", password=DEMO_PASSWORD)
    episode = Episode.objects.get(client__user__email="client@example.org")
    assert episode.therapist.email == "therapist@example.org"
    page = client.get(reverse("portal:home")).content.decode()
    assert page.count('href="/me/sessions/') >= 1


def test_every_page_of_the_integrative_therapists_caseload_renders(demo, client):
    client.login(username="therapist@example.org", password=DEMO_PASSWORD)
    assert client.get(reverse("workspace:caseload")).status_code == 200
    episodes = Episode.objects.filter(therapist__email="therapist@example.org")
    for episode in episodes:
        assert client.get(reverse("workspace:episode", args=[episode.pk])).status_code == 200
    for response in Response.objects.filter(episode__in=episodes)[:40]:
        assert client.get(reverse("workspace:response", args=[response.pk])).status_code == 200


def test_the_supervisor_sees_her_supervisees(demo, client):
    client.login(username="supervisor@example.org", password=DEMO_PASSWORD)
    page = client.get(reverse("workspace:supervision")).content.decode()
    therapist = User.objects.get(email="therapist@example.org")
    assert therapist.get_full_name() in page
    assert client.get(reverse("workspace:caseload-of", args=[therapist.pk])).status_code == 200


@pytest.mark.parametrize("run", ["first", "second"])
def test_what_a_test_changes_in_the_shared_demo_is_rolled_back(demo, run):
    # The demo is loaded once for this module; each test changes it inside its own savepoint.
    therapist = User.objects.get(email="therapist@example.org")
    assert not therapist.last_name.endswith("(changed)")
    assert not Alert.objects.filter(kind="safety").filter(title="changed by a test").exists()
    therapist.last_name += " (changed)"
    therapist.save()
    Alert.objects.filter(kind="safety").update(title="changed by a test")
