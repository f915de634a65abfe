"""Find my match's rarer answers: nobody published, the format asked for, a budget with a
therapist who gives no fee, and the sentences of an area with and without enough data."""

from __future__ import annotations

import pytest

from attune.matching.services import AreaStrength, Match, Preferences, find_matches
from attune.practice.models import TherapistProfile
from tests import factories

pytestmark = pytest.mark.django_db


def test_nobody_published_is_no_match(therapist):
    TherapistProfile.objects.update(published=False)
    area = factories.ProblemAreaFactory()
    assert find_matches([area], Preferences()) == []


def test_the_format_and_a_budget_without_a_fee_are_said_as_reasons(practice):
    area = factories.ProblemAreaFactory()
    online = factories.TherapistFactory(practice=practice, last_name="Aalto").therapist_profile
    online.formats, online.fee_min = ["online"], None
    online.save()
    in_person = factories.TherapistFactory(practice=practice, last_name="Berg").therapist_profile
    in_person.formats, in_person.fee_min = ["in_person"], 60
    in_person.save()
    matches = {
        m.profile.pk: m for m in find_matches([area], Preferences(format="online", fee_max=80))
    }
    assert "offers sessions online" in matches[online.pk].reasons
    assert not any(r.startswith("fees from") for r in matches[online.pk].reasons)  # no fee given
    assert "does not offer sessions online" in matches[in_person.pk].misses
    assert "fees from 60 within your budget" in matches[in_person.pk].reasons


def test_an_area_without_enough_data_says_so_and_the_summary_names_the_best_measured():
    trauma = factories.ProblemAreaFactory.build(name="Trauma")
    grief = factories.ProblemAreaFactory.build(name="Grief")
    sleep = factories.ProblemAreaFactory.build(name="Sleep")
    strengths = [
        AreaStrength(area=trauma, enough_data=True, cases=20, improved=10),
        AreaStrength(area=grief, enough_data=True, cases=10, improved=8),
        AreaStrength(area=sleep, enough_data=False),
    ]
    assert strengths[2].sentence == "Sleep: not enough data yet"
    match = Match(
        profile=TherapistProfile(), score=1.0, fit=1.0, reasons=["works with grief"],
        strengths=strengths,
    )  # fmt: skip
    assert match.measured == strengths[:2]
    assert match.summary == "works with grief; of 10 clients with grief, 8 reliably improved"


def test_the_gender_asked_for_is_a_reason_and_a_summary_without_data_keeps_the_reasons(practice):
    area = factories.ProblemAreaFactory()
    profile = factories.TherapistFactory(practice=practice).therapist_profile
    profile.gender = "woman"
    profile.save()
    [match] = [m for m in find_matches([area], Preferences(gender="woman")) if m.profile == profile]
    assert "a woman" in match.reasons
    bare = Match(
        profile=profile, score=1.0, fit=1.0, reasons=["a woman"],
        strengths=[AreaStrength(area=area, enough_data=False)],
    )  # fmt: skip
    assert bare.summary == "a woman"
