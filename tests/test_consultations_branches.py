"""Consultation requests' refusals and rarer turns: another therapist's request, an empty or
over-long message, an offer on a booked consultation, a confirmation with nothing to confirm or
a time that has passed, a double click, a person who already has an active therapy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from attune.care.models import Episode
from attune.matching import consultations as cs
from attune.matching.models import ConsultationMessage, ConsultationStatus
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "https://attune.example/"


def _request(therapist, **extra):
    return factories.ConsultationRequestFactory(therapist=therapist, **extra)


def test_only_the_therapist_asked_answers_and_a_message_has_words(therapist, colleague):
    req = _request(therapist)
    later = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError, match=cs.NOT_YOURS):
        cs.offer_time(request_obj=req, by=colleague, at=later, base_url=BASE)
    with pytest.raises(ValidationError) as empty:
        cs.write_to_person(request_obj=req, by=therapist, body="  ", base_url=BASE)
    assert empty.value.message_dict == {"body": ["Please write a message."]}
    with pytest.raises(ValidationError) as long:
        cs.write_to_person(
            request_obj=req, by=therapist, body="x" * (cs.MESSAGE_MAX + 1), base_url=BASE
        )
    assert long.value.message_dict == {
        "body": [f"Please keep it under {cs.MESSAGE_MAX} characters."]
    }
    assert not ConsultationMessage.objects.exists()


def test_a_message_after_an_offer_keeps_the_offer(therapist):
    req = _request(therapist)
    at = timezone.now() + timedelta(days=3)
    cs.offer_time(request_obj=req, by=therapist, at=at, base_url=BASE)
    cs.write_to_person(request_obj=req, by=therapist, body="See you then.", base_url=BASE)
    req.refresh_from_db()
    assert (req.status, req.offered_at) == (ConsultationStatus.TIME_OFFERED, at)


def test_confirming_twice_is_one_booking_and_a_booked_consultation_takes_no_offer(therapist):
    req = _request(therapist)
    at = timezone.now() + timedelta(days=3)
    cs.offer_time(request_obj=req, by=therapist, at=at, base_url=BASE)
    booked = cs.person_confirm(request_obj=req, offered_at=at, base_url=BASE)
    sent = len(mail.outbox)
    again = cs.person_confirm(request_obj=req, offered_at=at, base_url=BASE)
    assert (again.pk, again.status, again.scheduled_at) == (
        booked.pk,
        ConsultationStatus.BOOKED,
        at,
    )
    assert len(mail.outbox) == sent  # the double click mails nobody
    with pytest.raises(ValidationError, match="already booked"):
        cs.offer_time(request_obj=req, by=therapist, at=at + timedelta(days=1), base_url=BASE)


def test_nothing_to_confirm_or_a_time_that_has_passed(therapist):
    req = _request(therapist)
    with pytest.raises(ValidationError, match="no time to confirm"):
        cs.person_confirm(request_obj=req, offered_at=timezone.now(), base_url=BASE)
    past = timezone.now() - timedelta(hours=1)
    type(req).objects.filter(pk=req.pk).update(
        status=ConsultationStatus.TIME_OFFERED, offered_at=past
    )
    with pytest.raises(ValidationError, match="This time has passed"):
        cs.person_confirm(request_obj=req, offered_at=past, base_url=BASE)
    req.refresh_from_db()
    assert req.status == ConsultationStatus.TIME_OFFERED


def test_a_person_in_therapy_already_is_not_taken_on_twice(therapist, episode, client_user):
    req = _request(
        therapist,
        email=client_user.email,
        status=ConsultationStatus.BOOKED,
        scheduled_at=timezone.now() - timedelta(days=1),
        held_at=timezone.now() - timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="already has an active therapy"):
        cs.take_on(request_obj=req, by=therapist, base_url=BASE)
    assert Episode.objects.filter(client=episode.client).count() == 1
    req.refresh_from_db()
    assert req.status == ConsultationStatus.BOOKED


def test_declining_without_a_colleague_names_none(therapist):
    req = _request(therapist)
    cs.decline(request_obj=req, by=therapist, reason="", colleague=None, base_url=BASE)
    req.refresh_from_db()
    assert (req.status, req.suggested_colleague) == (ConsultationStatus.DECLINED, None)
    [message] = [m for m in mail.outbox if m.subject == "About your consultation request"]
    assert "suggests a colleague" not in message.body


def test_the_colleague_suggested_is_another_therapist_of_the_practice(therapist):
    req = _request(therapist)
    own = therapist.therapist_profile
    elsewhere = factories.TherapistFactory().therapist_profile
    for colleague in (own, elsewhere):
        with pytest.raises(ValidationError) as refused:
            cs.decline(request_obj=req, by=therapist, reason="", colleague=colleague, base_url=BASE)
        assert refused.value.message_dict == {
            "colleague": ["Choose a colleague from your practice."]
        }
    req.refresh_from_db()
    assert req.status == ConsultationStatus.NEW
