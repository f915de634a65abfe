"""Adding clients (attune.care.intake) refused with a message: not a therapist of the practice,
no name or an over-long one, an account that is closed, a therapist of another practice, an
ended episode. Nothing is created and no e-mail goes out."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from attune.care import intake
from attune.care.models import Client, Episode, EpisodeStatus
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "https://attune.example/"
CHOOSE = {"therapist": ["Please choose a therapist of this practice."]}


def _invite(therapist, by, name="Ada Client", email="ada@example.org"):
    return intake.invite_client(therapist=therapist, by=by, name=name, email=email, base_url=BASE)


def test_only_an_active_therapist_of_a_practice_takes_clients(therapist, client_user):
    for not_a_therapist in (client_user, factories.TherapistFactory(is_active=False)):
        with pytest.raises(ValidationError) as refused:
            _invite(not_a_therapist, by=therapist)
        assert refused.value.message_dict == CHOOSE
    assert not Client.objects.filter(user__email="ada@example.org").exists()


def test_a_missing_name_and_a_bad_address_are_both_named(therapist):
    with pytest.raises(ValidationError) as refused:
        _invite(therapist, by=therapist, name=" \x00 ", email="not-an-address")
    assert set(refused.value.message_dict) == {"name", "email"}
    with pytest.raises(ValidationError) as long:
        _invite(therapist, by=therapist, name="A" * (intake.NAME_MAX + 1))
    assert long.value.message_dict == {
        "name": [f"Please keep the name to {intake.NAME_MAX} characters."]
    }
    assert mail.outbox == []


def test_a_closed_client_account_is_not_invited_again(therapist, episode, client_user):
    Episode.objects.filter(pk=episode.pk).update(
        status=EpisodeStatus.ENDED_PLANNED, ended_on=episode.started_on
    )
    type(client_user).objects.filter(pk=client_user.pk).update(is_active=False)
    with pytest.raises(ValidationError, match="account is closed"):
        _invite(therapist, by=therapist, email=client_user.email)
    client_user.refresh_from_db()
    with pytest.raises(ValidationError, match="account is closed"):
        intake.start_new_episode(
            client=episode.client, therapist=therapist, by=therapist, base_url=BASE
        )
    assert Episode.objects.filter(client=episode.client).count() == 1
    assert mail.outbox == []


def test_a_new_episode_is_with_a_therapist_of_the_clients_practice(episode):
    elsewhere = factories.TherapistFactory()
    with pytest.raises(ValidationError) as refused:
        intake.start_new_episode(
            client=episode.client, therapist=elsewhere, by=elsewhere, base_url=BASE
        )
    assert refused.value.message_dict == CHOOSE
    assert Episode.objects.filter(client=episode.client).count() == 1


def test_no_invitation_again_for_an_ended_episode(therapist, episode):
    Episode.objects.filter(pk=episode.pk).update(
        status=EpisodeStatus.ENDED_PLANNED, ended_on=episode.started_on
    )
    episode.refresh_from_db()
    with pytest.raises(ValidationError, match="This episode has ended"):
        intake.resend_invitation(episode=episode, by=therapist, base_url=BASE)
    assert mail.outbox == []


def test_no_invitation_again_to_a_closed_account(therapist, episode, client_user):
    client_user.set_unusable_password()
    client_user.last_login = None
    client_user.is_active = False
    client_user.save()
    episode.refresh_from_db()
    with pytest.raises(ValidationError, match="account is closed"):
        intake.resend_invitation(episode=episode, by=therapist, base_url=BASE)
    assert mail.outbox == []
