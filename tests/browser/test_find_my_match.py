"""A prospective client finds a therapist, reads a modality explainer and asks for a
consultation; she gets a receipt by e-mail. (The therapist's answers and taking her on as a
client: test_consultation_journey.py.)"""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from attune.matching.models import ConsultationRequest
from attune.practice.models import Modality, ProblemArea, TherapistProfile


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_find_my_match_to_first_check_in(new_page, live_server, therapist, colleague):
    profile = TherapistProfile.objects.get(user=therapist)
    profile.languages, profile.formats, profile.gender, profile.fee_min = (
        ["en", "de"],
        ["online"],
        "woman",
        90,
    )
    profile.save()
    profile.problem_areas.set(ProblemArea.objects.filter(slug__in=["trauma", "sleep"]))
    profile.modalities.set(Modality.objects.filter(slug="emdr"))
    TherapistProfile.objects.get(user=colleague).problem_areas.set(
        ProblemArea.objects.filter(slug="depression")
    )

    # 1. The prospective client describes what brings her and lets Attune read it.
    person = new_page()
    person.goto(f"{live_server.url}/match/")
    person.get_by_label("What brings you to therapy?").fill(
        "Since the car accident I have nightmares and flashbacks and I can't sleep."
    )
    with person.expect_navigation():
        person.get_by_test_id("read-words").click()
    expect(person.get_by_test_id("suggested")).to_be_visible()
    trauma = person.get_by_label("Trauma and difficult experiences")
    if not trauma.is_checked():  # the person can always change the ticks
        trauma.check()
    person.get_by_label("A way of working you'd like").select_option("emdr")
    with person.expect_navigation():
        person.get_by_test_id("find").click()
    assert person.url.endswith("/match/results/#results")
    first = person.get_by_test_id("match").first
    expect(first.get_by_role("heading")).to_have_text("Tara Therapist")
    expect(first).to_contain_text("Uses EMDR")
    expect(first).not_to_contain_text("not enough data yet")  # said once, at the top
    expect(person.get_by_test_id("outcome-floor")).to_contain_text("at least 15")
    consult_href = first.get_by_test_id("request-consultation").get_attribute("href")

    # 2. She reads the EMDR explainer (the directory's page), if it is built yet.
    explainer = person.request.get(f"{live_server.url}/approaches/emdr/")
    if explainer.status == 200:
        person.goto(f"{live_server.url}/approaches/emdr/")
        expect(person.locator("h1")).to_contain_text("EMDR")
    else:
        warnings.warn(
            f"/approaches/emdr/ answered {explainer.status}: the directory's modality "
            "explainer is not built yet, so this step was skipped.",
            stacklevel=1,
        )

    # 3. She asks Tara for a consultation, with the guide of questions on the page.
    person.goto(f"{live_server.url}{consult_href}")
    expect(person.get_by_test_id("question-guide")).to_contain_text("If it is not a fit")
    soon = timezone.localtime() + timedelta(days=2)
    person.get_by_label("Your name").fill("Pat Person")
    person.get_by_label("Your e-mail address").fill("pat.person@example.org")
    person.get_by_label("A time that suits you").fill(soon.strftime("%Y-%m-%dT10:00"))
    person.get_by_label("Another time").fill(soon.strftime("%Y-%m-%dT17:30"))
    person.get_by_label("What do you hope for from therapy?").fill("To sleep through the night.")
    mail.outbox.clear()
    with person.expect_navigation():
        person.get_by_role("button", name="Send the request").click()
    expect(person.get_by_test_id("consult-sent")).to_be_visible()
    req = ConsultationRequest.objects.get()
    assert "trauma" in req.intake["problem_areas"]
    assert req.intake["preferences"]["modality"] == "emdr"

    # 4. A receipt is on its way to her at once; what follows (an offered time, the booked
    # consultation, taking her on as a client) is tests/browser/test_consultation_journey.py.
    [receipt] = [m for m in mail.outbox if m.to == ["pat.person@example.org"]]
    assert "What happens next" in receipt.body and "car accident" not in receipt.body
