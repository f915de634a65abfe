"""The REST API (issue 14): personal access tokens, the same access as the web pages, the one
submission flow with its safety path, alerts through the alert services."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone
from ninja import NinjaAPI

from attune.alerts.models import Alert, AlertStatus
from attune.api.rest import api
from attune.audit.models import AuditEvent
from attune.integrations.models import PersonalAccessToken
from attune.integrations.tokens import digest_of
from attune.measures.models import Response
from attune.notifications.models import SafetyNotification
from tests.answers import FREQUENCY
from tests.api_helpers import bearer, stored_check_in, token_for
from tests.care_helpers import as_user

pytestmark = pytest.mark.django_db


def _check_in_payload(session, item9=0, key=None, gad7=True):
    answers = {"phq9": {f"phq9_{n}": FREQUENCY[1] for n in range(1, 9)}}
    answers["phq9"]["phq9_9"] = FREQUENCY[item9]
    if gad7:
        answers["gad7"] = {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)}
    return {
        "session_id": session.pk,
        "phase": "check_in",
        "answers": answers,
        "idempotency_key": str(key or uuid.uuid4()),
    }


# --------------------------------------------------------------------------- tokens


def test_the_token_page_shows_a_new_token_once_and_stores_only_its_digest(client, therapist):
    as_user(client, therapist)
    page = client.post("/api-tokens/", {"name": "Record system", "scope": "read", "days": "30"})
    assert page.status_code == 200
    raw = page.context["created"].raw
    assert raw.startswith("attune_pat_") and len(raw) > 40
    assert raw in page.content.decode()
    token = PersonalAccessToken.objects.get()
    assert token.digest == digest_of(raw) and raw not in (token.digest, token.prefix)
    assert token.expires_at - token.created_at == timedelta(days=30)
    # Shown once: the list never shows it again.
    again = client.get("/api-tokens/")
    assert raw not in again.content.decode() and token.prefix in again.content.decode()
    assert "<title>API tokens · Attune</title>" in again.content.decode()
    event = AuditEvent.objects.get(object_type="api.personalaccesstoken", action="create")
    assert raw not in event.detail and event.object_id == str(token.pk)


def test_a_bad_token_form_is_a_400_with_the_form_again(client, therapist):
    as_user(client, therapist)
    page = client.post("/api-tokens/", {"name": "", "scope": "admin", "days": "9999"})
    assert page.status_code == 400
    assert PersonalAccessToken.objects.count() == 0


def test_the_token_page_is_for_clinicians_and_the_administrator(
    client, client_user, practice_admin, supervisor
):
    for who, status in ((client_user, 403), (practice_admin, 200), (supervisor, 200)):
        as_user(client, who)
        assert client.get("/api-tokens/").status_code == status


def test_a_revoked_token_gets_401_and_only_its_holder_revokes_it(client, therapist, colleague):
    raw = token_for(therapist)
    assert client.get("/api/v1/clients", **bearer(raw)).status_code == 200
    token = PersonalAccessToken.objects.get()
    as_user(client, colleague)
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 404
    as_user(client, therapist)
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 302
    client.logout()
    assert client.get("/api/v1/clients", **bearer(raw)).status_code == 401
    assert client.get("/fhir/r4/Patient", **bearer(raw)).status_code == 401


def test_an_expired_token_gets_401(client, therapist):
    raw = token_for(therapist)
    PersonalAccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/clients", **bearer(raw)).status_code == 401
    response = client.get("/fhir/r4/QuestionnaireResponse", **bearer(raw))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/fhir+json"
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer attune_pat_wrong", "Basic abc", "Bearer " + "x" * 5000]
)
def test_no_or_a_wrong_token_gets_401(client, therapist, header):
    token_for(therapist)
    assert client.get("/api/v1/clients", HTTP_AUTHORIZATION=header).status_code == 401


def test_the_session_cookie_is_not_an_api_credential(client, therapist, episode):
    as_user(client, therapist)
    assert client.get("/api/v1/clients").status_code == 401
    assert client.get(f"/fhir/r4/Patient/{episode.client_id}").status_code == 401


def test_each_use_is_audited_without_the_token_or_content(client, therapist, episode):
    raw = token_for(therapist, scope="read")
    client.get(f"/api/v1/episodes/{episode.pk}", **bearer(raw))
    token = PersonalAccessToken.objects.get()
    uses = AuditEvent.objects.filter(object_type="api.personalaccesstoken", action="read")
    assert [(u.object_id, u.detail) for u in uses] == [(str(token.pk), "token use api GET")]
    read = AuditEvent.objects.get(object_type="care.episode")
    assert read.actor == therapist and read.episode_id == episode.pk
    for event in AuditEvent.objects.all():
        assert raw not in event.detail and token.prefix not in event.detail
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_read_token_cannot_write(client, therapist, episode, last_attended):
    raw = token_for(therapist, scope="read")
    response = client.post(
        f"/api/v1/episodes/{episode.pk}/responses",
        _check_in_payload(last_attended),
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403
    assert Response.all_objects.count() == 0


# --------------------------------------------------------------------------- access


def test_the_caller_sees_her_own_clients_only(client, therapist, episode, other_episode):
    raw = token_for(therapist)
    clients = client.get("/api/v1/clients", **bearer(raw)).json()
    assert [c["id"] for c in clients] == [episode.client_id]
    assert clients[0]["episode_ids"] == [episode.pk]
    episodes = client.get("/api/v1/episodes", **bearer(raw)).json()
    assert [e["id"] for e in episodes] == [episode.pk]
    sessions = client.get(f"/api/v1/episodes/{episode.pk}/sessions", **bearer(raw)).json()
    assert [s["number"] for s in sessions] == [1, 2]


def test_a_token_cannot_read_or_write_another_therapists_clients(
    client, therapist, colleague, episode, other_episode, record_ids
):
    """Every API endpoint, with the ids of a client in the colleague's care: 403 or 404."""
    raw = token_for(colleague)
    reads = [
        f"/api/v1/clients/{episode.client_id}",
        f"/api/v1/episodes/{episode.pk}",
        f"/api/v1/episodes/{episode.pk}/sessions",
        f"/api/v1/episodes/{episode.pk}/responses",
        f"/api/v1/episodes/{episode.pk}/outcomes",
        f"/api/v1/responses/{record_ids['response_id']}",
        f"/api/v1/alerts/{record_ids['alert_id']}",
    ]
    for url in reads:
        assert client.get(url, **bearer(raw)).status_code in (403, 404), url
    assert client.get("/api/v1/alerts", **bearer(raw)).json() == []
    assert client.get(f"/api/v1/alerts?episode_id={episode.pk}", **bearer(raw)).json() == []
    writes = [
        (f"/api/v1/episodes/{episode.pk}/responses", _check_in_payload(episode.sessions.last())),
        (f"/api/v1/alerts/{record_ids['alert_id']}/acknowledge", {}),
        (f"/api/v1/alerts/{record_ids['alert_id']}/actions", {"action": "discussed"}),
        (f"/api/v1/episodes/{episode.pk}/sessions", {"scheduled_at": "2030-01-01T10:00:00Z"}),
        (f"/api/v1/sessions/{record_ids['session_id']}/attendance", {"attendance": "cancelled"}),
    ]
    stored = Response.all_objects.count()
    for url, body in writes:
        status = client.post(url, body, content_type="application/json", **bearer(raw)).status_code
        assert status in (403, 404), url
    assert Response.all_objects.count() == stored
    assert Alert.objects.get(pk=record_ids["alert_id"]).status == AlertStatus.OPEN
    assert [s.attendance for s in episode.sessions.order_by("number")] == [
        "attended",
        "scheduled",
    ]


def test_a_supervisor_reads_but_does_not_write(client, supervisor, episode, record_ids):
    raw = token_for(supervisor)
    assert client.get(f"/api/v1/episodes/{episode.pk}", **bearer(raw)).status_code == 200
    response = client.post(
        f"/api/v1/alerts/{record_ids['alert_id']}/acknowledge",
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403


def test_a_client_or_administrator_token_gets_403(client, client_user, practice_admin):
    for who in (client_user, practice_admin):
        raw = token_for(who)
        assert client.get("/api/v1/clients", **bearer(raw)).status_code == 403
        assert client.get("/fhir/r4/Patient", **bearer(raw)).status_code == 403


# --------------------------------------------------------------------------- responses


def test_an_api_check_in_with_item_9_at_2_opens_the_urgent_alert_with_the_response(
    client, therapist, episode, last_attended
):
    raw = token_for(therapist)
    response = client.post(
        f"/api/v1/episodes/{episode.pk}/responses",
        _check_in_payload(last_attended, item9=2),
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["complete"] and body["safety_level"] == "urgent"
    phq9 = Response.objects.get(instrument_version__instrument__code="phq9")
    assert phq9.respondent == episode.client.user and phq9.safety_level == "urgent"
    alert = Alert.objects.get(episode=episode, kind="safety")
    assert alert.severity == "urgent" and alert.response == phq9 and alert.is_open
    assert SafetyNotification.objects.get().alert == alert
    entered = AuditEvent.objects.filter(actor=therapist, action="create", detail="api entered")
    assert entered.count() == 2
    # The same key again: what was stored the first time, no second alert.
    again = client.post(
        f"/api/v1/episodes/{episode.pk}/responses",
        _check_in_payload(last_attended, item9=2, key=body and phq9.idempotency_key),
        content_type="application/json",
        **bearer(raw),
    )
    assert again.status_code == 200 and again.json()["already_stored"]
    assert Alert.objects.filter(kind="safety").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_alert_and_the_response_are_stored_in_one_transaction(
    client, therapist, episode, last_attended
):
    """When the alert cannot be written, the response is not stored either."""
    raw = token_for(therapist)

    def refuse_alerts(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and '"alerts_alert"' in sql:
            raise DatabaseError("alerts table refused the row")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_alerts), pytest.raises(DatabaseError):
        client.post(
            f"/api/v1/episodes/{episode.pk}/responses",
            _check_in_payload(last_attended, item9=2),
            content_type="application/json",
            **bearer(raw),
        )
    assert Response.all_objects.count() == 0
    assert Alert.objects.count() == 0


def test_a_partial_api_check_in_keeps_item_9_and_says_what_to_fix(
    client, therapist, episode, last_attended
):
    raw = token_for(therapist)
    response = client.post(
        f"/api/v1/episodes/{episode.pk}/responses",
        _check_in_payload(last_attended, item9=1, gad7=False),
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["stored"] and not body["complete"] and body["safety_level"] == "high"
    assert set(body["errors"]) == {"gad7"}
    assert Alert.objects.get(kind="safety").severity == "high"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"session_id": 1, "phase": "exit", "answers": {}, "idempotency_key": str(uuid.uuid4())},
        {"session_id": "x", "phase": "check_in", "answers": {}, "idempotency_key": "nope"},
        {"session_id": 10**30, "phase": "check_in", "answers": {}, "idempotency_key": "nope"},
    ],
)
def test_bad_submissions_are_422(client, therapist, episode, body):
    raw = token_for(therapist)
    response = client.post(
        f"/api/v1/episodes/{episode.pk}/responses",
        body,
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 422


def test_a_session_of_another_episode_is_404(client, therapist, episode, other_episode):
    raw = token_for(therapist)
    response = client.post(
        f"/api/v1/episodes/{episode.pk}/responses",
        _check_in_payload(other_episode.sessions.first()),
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 404


# --------------------------------------------------------------------------- alerts, outcomes


def test_alerts_are_acknowledged_and_acted_on_through_the_alert_services(
    client, therapist, episode, record_ids
):
    raw = token_for(therapist)
    alert_id = record_ids["alert_id"]
    listed = client.get("/api/v1/alerts", **bearer(raw)).json()
    assert alert_id in [a["id"] for a in listed]
    ack = client.post(
        f"/api/v1/alerts/{alert_id}/acknowledge", content_type="application/json", **bearer(raw)
    )
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    wrong = client.post(
        f"/api/v1/alerts/{alert_id}/actions",
        {"action": "safety_follow_up"},
        content_type="application/json",
        **bearer(raw),
    )
    assert wrong.status_code == 409 and "does not fit" in wrong.json()["detail"]
    done = client.post(
        f"/api/v1/alerts/{alert_id}/actions",
        {"action": "discussed", "note": "talked", "close": True},
        content_type="application/json",
        **bearer(raw),
    )
    assert done.status_code == 200 and done.json()["status"] == "closed"
    alert = Alert.objects.get(pk=alert_id)
    assert [e.kind for e in alert.events.order_by("pk")] == [
        "opened",
        "acknowledged",
        "action_recorded",
        "closed",
    ]
    assert alert_id not in [a["id"] for a in client.get("/api/v1/alerts", **bearer(raw)).json()]


def test_outcomes_give_first_and_latest_with_reliable_change(client, therapist, episode):
    sessions = list(episode.sessions.order_by("number"))
    for session, value in zip(sessions, (3, 0), strict=True):
        stored_check_in(episode, session, phq9=[value] * 9, gad7=[value] * 7)
    raw = token_for(therapist)
    body = client.get(f"/api/v1/episodes/{episode.pk}/outcomes", **bearer(raw)).json()
    phq9 = next(m for m in body["measures"] if m["instrument"] == "phq9")
    assert (phq9["first"], phq9["latest"], phq9["count"]) == (27, 0, 2)
    assert phq9["reliable_change"] == "improvement"


def test_the_reference_page_and_schema_load_nothing_from_other_hosts(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.1")
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/v1/episodes/{episode_id}/responses" in html
    assert "<script" not in html and "cdn" not in html.lower()
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_the_schema_built_once_is_the_schema_ninja_builds_and_each_caller_gets_a_copy():
    first = api.get_openapi_schema()
    assert first == NinjaAPI.get_openapi_schema(api)
    first["paths"].clear()
    again = api.get_openapi_schema()
    assert "/api/v1/episodes/{episode_id}/responses" in again["paths"]
    assert again == NinjaAPI.get_openapi_schema(api)


# --------------------------------------------------------------------------- query counts


def _queries(client, url, headers) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200, url
    return len(captured)


def test_lists_make_the_same_number_of_queries_for_1_and_4_clients(
    client, practice, therapist, supervisor, episode, last_attended
):
    """As the supervisor, whose permission checks are queries: asked once per episode or
    therapist, never once per row."""
    from attune.alerts.services import raise_alert
    from tests.conftest import make_episode

    def add_records(ep, session):
        stored_check_in(ep, session, phq9=[0] * 9, gad7=[0] * 7)
        raise_alert(
            episode=ep,
            kind="low_alliance",
            severity="yellow",
            title="Low alliance",
            explanation="test",
            evidence={},
            source="test",
            suggested_actions=[],
            dedupe_key="count",
        )

    add_records(episode, last_attended)
    headers = bearer(token_for(supervisor, scope="read"))
    urls = [
        "/api/v1/clients",
        "/api/v1/episodes",
        "/api/v1/alerts",
        f"/api/v1/episodes/{episode.pk}/responses",
        f"/api/v1/episodes/{episode.pk}/sessions",
        "/fhir/r4/Patient",
        "/fhir/r4/QuestionnaireResponse",
        "/fhir/r4/Observation",
    ]
    for url in urls:  # warm the per-process caches (parsed definitions, current versions)
        _queries(client, url, headers)
    before = {url: _queries(client, url, headers) for url in urls}
    for n in range(3):
        ep = make_episode(practice, f"more{n}@example.org", therapist)
        add_records(ep, ep.sessions.get(number=1))
    after = {url: _queries(client, url, headers) for url in urls}
    assert after == before


# --------------------------------------------------------------------------- sessions


def test_the_treating_therapist_books_a_session_and_records_attendance(
    client, therapist, episode, upcoming, supervisor, colleague
):
    raw = token_for(therapist)
    when = (upcoming.scheduled_at + timedelta(days=7)).isoformat()
    booked = client.post(
        f"/api/v1/episodes/{episode.pk}/sessions",
        {"scheduled_at": when, "duration_minutes": 50},
        content_type="application/json",
        **bearer(raw),
    )
    assert booked.status_code == 201 and booked.json()["number"] == 3
    again = client.post(
        f"/api/v1/episodes/{episode.pk}/sessions",
        {"scheduled_at": when},
        content_type="application/json",
        **bearer(raw),
    )
    assert again.status_code == 200 and again.json()["id"] == booked.json()["id"]
    too_early = client.post(
        f"/api/v1/episodes/{episode.pk}/sessions",
        {"scheduled_at": (upcoming.scheduled_at - timedelta(hours=1)).isoformat()},
        content_type="application/json",
        **bearer(raw),
    )
    assert too_early.status_code == 422 and "must come after" in too_early.json()["detail"]
    far = client.post(
        f"/api/v1/episodes/{episode.pk}/sessions",
        {"scheduled_at": "9999-12-31T23:00:00Z"},
        content_type="application/json",
        **bearer(raw),
    )
    assert far.status_code == 422
    upcoming.progress_note = "kept as it was"
    upcoming.save()
    future = client.post(
        f"/api/v1/sessions/{upcoming.pk}/attendance",
        {"attendance": "attended"},
        content_type="application/json",
        **bearer(raw),
    )
    assert future.status_code == 422  # attended is recorded once the session's time has come
    cancelled = client.post(
        f"/api/v1/sessions/{upcoming.pk}/attendance",
        {"attendance": "cancelled"},
        content_type="application/json",
        **bearer(raw),
    )
    assert cancelled.status_code == 200 and cancelled.json()["attendance"] == "cancelled"
    upcoming.refresh_from_db()
    assert upcoming.attendance == "cancelled" and upcoming.progress_note == "kept as it was"
    for other in (supervisor, colleague):
        response = client.post(
            f"/api/v1/sessions/{upcoming.pk}/attendance",
            {"attendance": "scheduled"},
            content_type="application/json",
            **bearer(token_for(other)),
        )
        assert response.status_code in (403, 404)
    upcoming.refresh_from_db()
    assert upcoming.attendance == "cancelled"
