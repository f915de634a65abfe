"""Care's events reach alerts (issue 15: care no longer imports alerts), and an installation in
which the safety answer's event has no receiver refuses to start."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from attune.alerts.models import Alert, AlertKind
from attune.alerts.receivers import open_safety_alert
from attune.care.checks import check_events_have_receivers
from attune.care.events import safety_answer_stored
from attune.care.submission import submit_form
from attune.measures.models import Phase, Response
from tests.answers import FREQUENCY
from tests.factories import EpisodeFactory, SessionFactory

#: Item 9 answered "more than half the days", everything else left blank: kept in progress.
PHQ9_ITEM9_ONLY = {"phq9": {"phq9_9": FREQUENCY[2]}, "gad7": {}}


def test_every_care_event_has_its_receiver():
    assert check_events_have_receivers() == []


def test_without_the_safety_receiver_attune_check_refuses_to_start():
    uid = "alerts.open_safety_alert"
    assert safety_answer_stored.disconnect(dispatch_uid=uid)
    try:
        errors = check_events_have_receivers()
        with pytest.raises(SystemCheckError, match="care.E001"):
            call_command("check")
    finally:
        safety_answer_stored.connect(open_safety_alert, dispatch_uid=uid)
    assert [e.id for e in errors] == ["care.E001"]
    assert "safety answers would open no alert" in errors[0].msg


@pytest.mark.django_db
def test_a_safety_answer_reaches_alerts_through_the_event():
    """Care sends, alerts opens the alert for the stored response (that it is the same
    transaction is the next test's: a failing receiver rolls the response back)."""
    episode = EpisodeFactory()
    session = SessionFactory(episode=episode)
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase=Phase.CHECK_IN,
        answers=PHQ9_ITEM9_ONLY,
        idempotency_key=uuid.uuid4(),
    )
    assert result.kept_in_progress
    alert = Alert.objects.get(episode=episode, kind=AlertKind.SAFETY)
    assert alert.severity == "urgent"
    assert (
        alert.evidence["response_id"]
        == Response.all_objects.get(episode=episode, instrument_version__instrument__code="phq9").pk
    )


@pytest.mark.django_db
def test_a_failing_safety_receiver_stores_nothing():
    """The safety answer is never stored without its alert: an error opening it rolls back."""

    def broken(sender: object, **kwargs: object) -> None:
        raise RuntimeError("the alert could not be opened")

    uid = "alerts.open_safety_alert"
    safety_answer_stored.disconnect(dispatch_uid=uid)
    safety_answer_stored.connect(broken, dispatch_uid="test.broken")
    try:
        episode = EpisodeFactory()
        with pytest.raises(RuntimeError):
            submit_form(
                episode=episode,
                session=SessionFactory(episode=episode),
                respondent=episode.client.user,
                phase=Phase.CHECK_IN,
                answers=PHQ9_ITEM9_ONLY,
                idempotency_key=uuid.uuid4(),
            )
    finally:
        safety_answer_stored.disconnect(dispatch_uid="test.broken")
        safety_answer_stored.connect(open_safety_alert, dispatch_uid=uid)
    assert not Response.all_objects.filter(episode=episode).exists()
