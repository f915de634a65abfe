"""The audit trail holds who read or changed clinical records (issue 11): caseload reads, form
submissions, alert actions and changes made in the Django admin — ids and short codes only."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from attune.alerts.models import ActionKind
from attune.alerts.services import close, raise_alert, record_action
from attune.audit.models import AuditAction, AuditEvent
from attune.audit.services import record
from attune.care.submission import submit_form
from tests.answers import FREQUENCY
from tests.care_helpers import as_user
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def _trail(**filters):
    return list(
        AuditEvent.objects.filter(**filters)
        .order_by("pk")
        .values_list("action", "object_type", "detail")
    )


def test_reading_a_caseload_is_an_event(client, therapist, supervisor, episode):
    as_user(client, supervisor)
    assert client.get(reverse("workspace:caseload-of", args=[therapist.pk])).status_code == 200
    assert _trail(actor=supervisor) == [("read", "accounts.user", "caseload")]


def test_a_submitted_check_in_is_an_event_per_questionnaire_without_its_answers(
    episode, upcoming, client_user
):
    answers = {
        "phq9": {f"phq9_{n}": FREQUENCY[2] for n in range(1, 10)},
        "gad7": {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)},
    }
    kwargs = dict(episode=episode, session=upcoming, respondent=client_user, phase="check_in")
    submit_form(**kwargs, answers=answers, idempotency_key=uuid.uuid4())
    submit_form(**kwargs, answers=answers, idempotency_key=uuid.uuid4())  # a second tab
    trail = _trail(actor=client_user)
    assert trail == [("create", "measures.response", "phase=check_in")] * 2  # stored once
    assert set(AuditEvent.objects.values_list("episode_id", flat=True)) == {episode.pk}


def test_acting_on_an_alert_is_an_event_per_step(episode, therapist):
    alert = raise_alert(
        episode=episode,
        kind="low_alliance",
        severity="yellow",
        title="Low alliance",
        explanation="test",
        evidence={},
        source="test",
        suggested_actions=[],
        dedupe_key="audit",
    )
    record_action(alert, therapist, action=ActionKind.DISCUSSED, note="We talked about it.")
    close(alert, therapist)
    assert _trail(actor=therapist) == [
        ("update", "alerts.alert", "action=discussed"),
        ("update", "alerts.alert", "closed"),
    ]
    assert not AuditEvent.objects.filter(detail__icontains="talked").exists()


def test_a_password_set_in_the_django_admin_is_an_event(client, therapist, practice):
    from tests.conftest import make_user

    root = make_user(
        practice, "root.super@example.org", "practice_admin", is_staff=True, is_superuser=True
    )
    as_user(client, root)
    url = reverse("admin:auth_user_password_change", args=[therapist.pk])
    response = client.post(
        url, {"password1": "A-new-long-pass-42", "password2": "A-new-long-pass-42"}
    )
    assert response.status_code == 302
    assert (
        "update",
        "accounts.user",
        "admin",
    ) in _trail(actor=root, object_id=str(therapist.pk))


def test_an_event_names_its_episode_by_the_episode_or_its_id_never_another_record(
    episode, therapist
):
    """The trail sits below care and names the episode by its label ("care.episode"): a session
    passed where the episode belongs would store the session's id as the episode's."""
    session = SessionFactory(episode=episode)
    by_record = record(therapist, AuditAction.READ, session, episode=episode)
    by_id = record(therapist, AuditAction.READ, session, episode=episode.pk)
    assert by_record.episode_id == by_id.episode_id == episode.pk
    with pytest.raises(TypeError, match="not a care.Session"):
        record(therapist, AuditAction.READ, session, episode=session)
