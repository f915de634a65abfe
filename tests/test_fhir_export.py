"""FHIR Bulk Data $export of a practice (issue 14): the administrator's token only, kick-off,
status manifest, NDJSON files that parse with fhir.resources, cancel; every step audited."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B import get_fhir_model_class

from attune.audit.models import AuditEvent
from tests.api_helpers import bearer, stored_check_in, token_for

pytestmark = pytest.mark.django_db

ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


@pytest.fixture
def check_in(episode, last_attended):
    return stored_check_in(episode, last_attended)


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_the_administrator_exports_the_practice_as_ndjson(
    client, practice_admin, episode, other_episode, check_in, therapist
):
    headers = bearer(token_for(practice_admin, scope="read"))
    kickoff = client.get("/fhir/r4/$export", **headers, **ASYNC)
    assert kickoff.status_code == 202
    status = client.get(_path(kickoff["Content-Location"]), **headers)
    assert status.status_code == 200
    manifest = status.json()
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    found: dict[str, list[dict]] = {}
    for output in manifest["output"]:
        response = client.get(_path(output["url"]), **headers)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+ndjson"
        text = b"".join(response.streaming_content).decode()
        rows = [json.loads(line) for line in text.splitlines()]
        for row in rows:
            assert row["resourceType"] == output["type"]
            get_fhir_model_class(row["resourceType"]).model_validate(row)
        found[output["type"]] = rows
    assert {p["id"] for p in found["Patient"]} == {
        str(episode.client_id),
        str(other_episode.client_id),
    }
    assert len(found["QuestionnaireResponse"]) == 2
    codes = {o["code"]["coding"][0]["code"] for o in found["Observation"]}
    assert codes == {"44261-6", "70274-6", "44260-8"}
    assert str(therapist.pk) in {p["id"] for p in found["Practitioner"]}
    exports = AuditEvent.objects.filter(actor=practice_admin, action="export")
    assert exports.count() == 1 + len(manifest["output"])


def test_since_and_type_narrow_the_export(client, practice_admin, check_in):
    headers = bearer(token_for(practice_admin))
    kickoff = client.get(
        "/fhir/r4/$export?_type=QuestionnaireResponse&_since=2999-01-01", **headers, **ASYNC
    )
    manifest = client.get(_path(kickoff["Content-Location"]), **headers).json()
    assert [o["type"] for o in manifest["output"]] == ["QuestionnaireResponse"]
    body = client.get(_path(manifest["output"][0]["url"]), **headers)
    assert b"".join(body.streaming_content) == b""


@pytest.mark.parametrize(
    "query", ["_type=Alert", "_outputFormat=text/csv", "_since=yesterday", "_type=,"]
)
def test_bad_kickoffs_are_400(client, practice_admin, query):
    headers = bearer(token_for(practice_admin))
    response = client.get(f"/fhir/r4/$export?{query}", **headers, **ASYNC)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_respond_async_is_required(client, practice_admin):
    response = client.get("/fhir/r4/$export", **bearer(token_for(practice_admin)))
    assert response.status_code == 400


def test_only_the_administrators_token_exports(client, therapist, supervisor, practice_admin):
    for who in (therapist, supervisor):
        response = client.get("/fhir/r4/$export", **bearer(token_for(who)), **ASYNC)
        assert response.status_code == 403
    assert client.get("/fhir/r4/$export", **ASYNC).status_code == 401
    # And the administrator's token reads no clinical endpoint.
    admin = bearer(token_for(practice_admin))
    assert client.get("/fhir/r4/QuestionnaireResponse", **admin).status_code == 403
    assert client.get("/api/v1/clients", **admin).status_code == 403


def test_another_persons_job_and_a_cancelled_one_are_404(client, practice, practice_admin):
    from tests.conftest import make_user

    headers = bearer(token_for(practice_admin))
    status_url = _path(client.get("/fhir/r4/$export", **headers, **ASYNC)["Content-Location"])
    other_admin = make_user(practice, "other.admin@example.org", "practice_admin")
    assert client.get(status_url, **bearer(token_for(other_admin))).status_code == 404
    assert client.delete(status_url, **headers).status_code == 202
    assert client.get(status_url, **headers).status_code == 404
