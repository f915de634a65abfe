"""attune.portal.composer's refusals: another person's episode, message, goal or request; an ended
therapy; bad words on an update; a request withdrawn twice. Each leaves the records unchanged."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from attune.audit.models import AuditEvent
from attune.care.models import EpisodeStatus, GoalRating
from attune.clientportal.models import EndingRequest, FeedbackMessage, Intent
from attune.portal import composer
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_message_is_written_only_by_the_client_of_the_episode(episode, client_user, other_client):
    with pytest.raises(ValidationError, match="Only the client writes messages"):
        composer.compose(
            by=other_client,
            episode=episode,
            text="Hello",
            intent=Intent.SHARE_NOW,
            share_at_session=False,
            idempotency_key=uuid.uuid4(),
        )
    assert not FeedbackMessage.objects.exists()


def test_a_key_already_used_by_another_client_is_refused(episode, other_episode, other_client):
    taken = factories.FeedbackMessageFactory(episode=episode, intent=Intent.DRAFT, shared_at=None)
    with pytest.raises(ValidationError, match="couldn't read part of the form"):
        composer.compose(
            by=other_client,
            episode=other_episode,
            text="Mine",
            intent=Intent.SHARE_NOW,
            share_at_session=False,
            idempotency_key=taken.idempotency_key,
        )
    assert list(FeedbackMessage.objects.all()) == [taken]


def test_no_message_after_the_therapy_has_ended(episode, client_user):
    episode.status, episode.ended_on = EpisodeStatus.ENDED_PLANNED, date.today()
    episode.save()
    with pytest.raises(ValidationError, match="Your therapy has ended"):
        composer.compose(
            by=client_user,
            episode=episode,
            text="One more thing",
            intent=Intent.SHARE_NOW,
            share_at_session=False,
            idempotency_key=uuid.uuid4(),
        )
    assert not FeedbackMessage.objects.exists()


def test_update_and_delete_of_someone_elses_message_are_refused(episode, other_client):
    draft = factories.FeedbackMessageFactory(
        episode=episode, intent=Intent.DRAFT, shared_at=None, text="Mine"
    )
    with pytest.raises(ValidationError, match="Only the client changes"):
        composer.update_message(
            message=draft, by=other_client, text="x", intent=Intent.DRAFT, share_at_session=False
        )
    with pytest.raises(ValidationError, match="Only the client deletes"):
        composer.delete_message(message=draft, by=other_client)
    draft.refresh_from_db()
    assert draft.text == "Mine"


def test_an_update_with_empty_words_keeps_the_draft(episode, client_user):
    draft = factories.FeedbackMessageFactory(
        episode=episode, intent=Intent.DRAFT, shared_at=None, text="Mine"
    )
    with pytest.raises(ValidationError) as refused:
        composer.update_message(
            message=draft, by=client_user, text="   ", intent="bogus", share_at_session=False
        )
    assert set(refused.value.message_dict) == {"text", "intent"}
    draft.refresh_from_db()
    assert (draft.text, draft.intent) == ("Mine", Intent.DRAFT)
    assert not AuditEvent.objects.exists()


def test_a_goal_is_rated_only_by_its_client(episode, client_user, other_client):
    goal = factories.GoalFactory(episode=episode)
    with pytest.raises(ValidationError, match="Only the client rates"):
        composer.rate_goal(goal=goal, by=other_client, rating="5")
    assert not GoalRating.objects.exists()


def test_an_ending_conversation_is_asked_by_the_client_of_an_active_therapy(
    episode, client_user, other_client
):
    with pytest.raises(ValidationError, match="Only the client asks"):
        composer.request_ending(episode=episode, by=other_client, reason="")
    episode.status, episode.ended_on = EpisodeStatus.ENDED_PLANNED, date.today()
    episode.save()
    with pytest.raises(ValidationError, match="already ended"):
        composer.request_ending(episode=episode, by=client_user, reason="")
    assert not EndingRequest.objects.exists()


def test_withdrawing_is_the_clients_and_twice_changes_nothing(episode, client_user, other_client):
    request = factories.EndingRequestFactory(episode=episode)
    with pytest.raises(ValidationError, match="Only the client withdraws"):
        composer.withdraw_ending_request(request=request, by=other_client)
    first = composer.withdraw_ending_request(request=request, by=client_user)
    withdrawn_at = first.withdrawn_at
    assert withdrawn_at is not None
    again = composer.withdraw_ending_request(request=request, by=client_user)
    assert again.withdrawn_at == withdrawn_at
    assert AuditEvent.objects.count() == 1  # the first withdrawal only
