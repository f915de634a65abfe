"""Consultation requests for the demo practice: one new, one where the person replied to a
question (both counted in the navigation), one booked consultation that has taken place and
waits for "Take on as client". Stored directly: the demo sends no e-mail."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from attune.accounts.models import User
from attune.matching.models import (
    Author,
    ConsultationMessage,
    ConsultationRequest,
    ConsultationStatus,
    MessageKind,
)

_KEYS = uuid.UUID("0c3f5a52-8a2e-4d8e-b7f4-52a1c6d0e9a7")  # namespace for deterministic keys


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def write_demo_consultations(therapist: User, today: date) -> None:
    def ask(name: str, email: str, asked: date, **fields: object) -> ConsultationRequest:
        req = ConsultationRequest.objects.create(
            therapist=therapist,
            name=name,
            email=email,
            idempotency_key=uuid.uuid5(_KEYS, email),
            proposed_times=[
                _at(today + timedelta(days=3), 10).isoformat(),
                _at(today + timedelta(days=4), 17).isoformat(),
            ],
            **fields,
        )
        ConsultationRequest.objects.filter(pk=req.pk).update(created_at=_at(asked, 9))
        return req

    ask(
        "Mara Neumann",
        "mara.neumann@example.net",
        today - timedelta(days=1),
        hopes="To stop the panic before exams.",
        intake={
            "text": "Panic attacks before exams, I can't breathe.",
            "problem_areas": ["anxiety"],
            "preferences": {"times": ["weekday_afternoons"]},
        },
    )
    replied = ask(
        "Jonas Weber",
        "jonas.weber@example.net",
        today - timedelta(days=4),
        status=ConsultationStatus.QUESTION_ASKED,
        hopes="Sleeping again.",
        intake={"text": "", "problem_areas": ["sleep"], "preferences": {}},
    )
    ConsultationMessage.objects.create(
        request=replied,
        author=Author.THERAPIST,
        body="Thank you for writing. Would an online first consultation suit you?",
        created_at=_at(today - timedelta(days=3), 12),
    )
    ConsultationMessage.objects.create(
        request=replied,
        author=Author.PERSON,
        body="Yes, online is easier for me. Evenings are best.",
        created_at=_at(today - timedelta(days=2), 19),
    )
    held_at = _at(today - timedelta(days=1), 16)
    booked = ask(
        "Lea Hoffmann",
        "lea.hoffmann@example.net",
        today - timedelta(days=9),
        status=ConsultationStatus.BOOKED,
        waiting_for_therapist=False,
        offered_at=held_at,
        scheduled_at=held_at,
        hopes="To understand why my relationships end the same way.",
        intake={
            "text": "My relationships keep ending the same way.",
            "problem_areas": ["relationships"],
            "preferences": {"modality": "psychodynamic-therapy"},
        },
    )
    ConsultationMessage.objects.create(
        request=booked,
        author=Author.THERAPIST,
        kind=MessageKind.OFFER,
        offered_at=held_at,
        created_at=_at(today - timedelta(days=8), 11),
    )
    ConsultationMessage.objects.create(
        request=booked,
        author=Author.PERSON,
        kind=MessageKind.CONFIRM,
        offered_at=held_at,
        created_at=_at(today - timedelta(days=7), 20),
    )
