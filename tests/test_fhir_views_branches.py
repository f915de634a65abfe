"""The FHIR read API's rarer queries: a date that is not one, a date with its own offset, a code
of another system, an Observation part that does not exist, a client seen in two episodes with
the same therapist."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from attune.care.models import Episode, EpisodeStatus
from tests import factories
from tests.api_helpers import bearer, stored_check_in, token_for

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 20, 10, 15, tzinfo=UTC)


@pytest.fixture
def auth(therapist) -> dict[str, str]:
    return bearer(token_for(therapist, scope="read"))


@pytest.fixture
def phq9(episode, last_attended):
    result = stored_check_in(episode, last_attended, at=AT)
    return next(r for r in result.responses if r.instrument_version.instrument.code == "phq9")


def _get(client, url, auth, status=200) -> dict:
    response = client.get(url, **auth)
    assert response.status_code == status, (url, response.content[:300])
    return response.json()


def test_a_date_that_is_not_one_is_a_400(client, auth, phq9):
    outcome = _get(client, "/fhir/r4/Observation?date=ge2026-13-45T10:00:00", auth, 400)
    assert outcome["resourceType"] == "OperationOutcome"
    assert "Not a date" in outcome["issue"][0]["diagnostics"]


def test_a_date_with_its_own_offset_is_taken_as_given(client, auth, phq9):
    inside = _get(
        client, "/fhir/r4/QuestionnaireResponse?authored=ge2026-11-20T11:00:00%2B01:00", auth
    )
    after = _get(
        client, "/fhir/r4/QuestionnaireResponse?authored=ge2026-11-20T11:16:00%2B01:00", auth
    )
    assert inside["total"] >= 1 and phq9.pk in {int(e["resource"]["id"]) for e in inside["entry"]}
    assert after["total"] == 0


def test_a_code_of_another_system_matches_nothing(client, auth, phq9):
    loinc = _get(client, "/fhir/r4/Observation?code=http://loinc.org|44261-6", auth)
    other = _get(client, "/fhir/r4/Observation?code=http://snomed.info/sct|44261-6", auth)
    assert loinc["total"] == 1
    assert other["total"] == 0


def test_an_observation_part_that_does_not_exist_is_a_404(client, auth, phq9):
    outcome = _get(client, f"/fhir/r4/Observation/{phq9.pk}-nothing", auth, 404)
    assert outcome["resourceType"] == "OperationOutcome"


def test_a_client_back_with_the_same_therapist_lists_her_once(client, auth, episode, therapist):
    Episode.objects.filter(pk=episode.pk).update(
        status=EpisodeStatus.ENDED_PLANNED, ended_on=episode.started_on
    )
    factories.EpisodeFactory(client=episode.client, therapist=therapist)
    patient = _get(client, f"/fhir/r4/Patient/{episode.client_id}", auth)
    assert patient["generalPractitioner"] == [{"reference": f"Practitioner/{therapist.pk}"}]
