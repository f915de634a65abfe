"""The life of a consultation request, as plain functions with keyword arguments.

new → time offered / question asked → consultation booked → taken on as client, or declined /
withdrawn at any point before. The therapist answers in Attune; the person asking answers
through a private link (:class:`~attune.matching.models.ConsultationLink`, hashed like the
reminders' form links). Only after the consultation took place (its time has passed, or the
therapist marked it held) can the person be taken on: then, and only then, an account, a client
record and an episode are created and the invitation is sent. The first therapy session is
booked from the episode, as for every client.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from attune import outbox
from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.care.models import Client, Episode, EpisodeStatus
from attune.matching import consultation_emails as emails
from attune.matching.models import (
    OPEN_STATUSES,
    Author,
    ConsultationLink,
    ConsultationMessage,
    ConsultationRequest,
    ConsultationStatus,
    MessageKind,
)
from attune.matching.services import profile_path
from attune.practice.invitations import client_account
from attune.practice.models import ProblemArea, TherapistProfile
from attune.reminders.services import TOKEN_RE, hash_token

log = logging.getLogger(__name__)

#: How long a private link in an e-mail works. Every e-mail carries a fresh one.
LINK_DAYS = 60
MESSAGE_MAX = 2000

NOT_YOURS = "Only the therapist asked can answer this request."
CLOSED = "This request is closed: it was already decided or withdrawn."


# --------------------------------------------------------------------------- private links


def create_link(req: ConsultationRequest, now: datetime | None = None) -> str:
    """A new private link for the person asking; returns the token (stored only hashed)."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    ConsultationLink.objects.create(
        request=req,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(days=LINK_DAYS),
    )
    return token


def link_url(token: str, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("matching:person", args=[token])


def find_link(token: str) -> ConsultationLink | None:
    """The link this token opens (expired or not), or ``None`` for a wrong one."""
    if not TOKEN_RE.match(token or ""):
        return None
    return (
        ConsultationLink.objects.select_related("request__therapist__practice")
        .filter(token_hash=hash_token(token))
        .first()
    )


def _fresh_link(req: ConsultationRequest, base_url: str) -> str:
    return link_url(create_link(req), base_url)


# --------------------------------------------------------------------------- the person asks


def submit_request(
    *,
    therapist: User,
    name: str,
    email: str,
    proposed_times: Sequence[datetime],
    hopes: str,
    intake: Mapping[str, object],
    idempotency_key: UUID | str,
    base_url: str = "",
) -> ConsultationRequest:
    """Store the request once (the same idempotency key returns the stored one), send the
    person a receipt with their private link and tell the therapist."""
    existing = ConsultationRequest.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            req = ConsultationRequest.objects.create(
                therapist=therapist,
                name=name.strip(),
                email=email.strip().lower(),
                proposed_times=[t.isoformat() for t in proposed_times],
                hopes=hopes.strip(),
                intake=dict(intake),
                idempotency_key=idempotency_key,
            )
            link = _fresh_link(req, base_url)
    except IntegrityError:
        return ConsultationRequest.objects.get(idempotency_key=idempotency_key)
    log.info("consultation request %s for therapist %s", req.pk, therapist.pk)
    emails.receipt(req, link)
    emails.new_request(req, base_url)
    return req


def _locked_open(req: ConsultationRequest) -> ConsultationRequest:
    locked = ConsultationRequest.objects.select_for_update().get(pk=req.pk)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(CLOSED)
    return locked


def _check_therapist(req: ConsultationRequest, by: User) -> None:
    if req.therapist_id != by.pk:
        raise ValidationError(NOT_YOURS)


def _clean_body(body: str, *, required: bool, field: str = "body") -> str:
    body = (body or "").strip()
    if required and not body:
        raise ValidationError({field: "Please write a message."})
    if len(body) > MESSAGE_MAX:
        raise ValidationError({field: f"Please keep it under {MESSAGE_MAX} characters."})
    return body


# --------------------------------------------------------------------------- the therapist answers


def offer_time(
    *, request_obj: ConsultationRequest, by: User, at: datetime, message: str = "", base_url: str
) -> ConsultationRequest:
    """Offer a time for the consultation (one the person proposed or another); an earlier offer
    not yet confirmed is replaced. The person confirms or replies through the link."""
    _check_therapist(request_obj, by)
    if at <= timezone.now():
        raise ValidationError({"offered_at": "Choose a time in the future."})
    body = _clean_body(message, required=False, field="message")
    with transaction.atomic():
        req = _locked_open(request_obj)
        if req.status == ConsultationStatus.BOOKED:
            raise ValidationError("This consultation is already booked.")
        req.status = ConsultationStatus.TIME_OFFERED
        req.offered_at = at
        req.waiting_for_therapist = False
        req.save(update_fields=["status", "offered_at", "waiting_for_therapist"])
        ConsultationMessage.objects.create(
            request=req, author=Author.THERAPIST, kind=MessageKind.OFFER, body=body, offered_at=at
        )
        record(by, AuditAction.UPDATE, req, detail="offer")
        link = _fresh_link(req, base_url)
    emails.time_offered(req, link)
    log.info("consultation request %s: time offered", req.pk)
    return req


def write_to_person(
    *, request_obj: ConsultationRequest, by: User, body: str, base_url: str
) -> ConsultationRequest:
    """A question or a message to the person. A new request becomes "question asked"; an
    offered time or a booked consultation stays as it is."""
    _check_therapist(request_obj, by)
    body = _clean_body(body, required=True)
    with transaction.atomic():
        req = _locked_open(request_obj)
        if req.status == ConsultationStatus.NEW:
            req.status = ConsultationStatus.QUESTION_ASKED
        req.waiting_for_therapist = False
        req.save(update_fields=["status", "waiting_for_therapist"])
        ConsultationMessage.objects.create(request=req, author=Author.THERAPIST, body=body)
        record(by, AuditAction.UPDATE, req, detail="message")
        link = _fresh_link(req, base_url)
    emails.message_from_therapist(req, link)
    return req


def mark_held(*, request_obj: ConsultationRequest, by: User) -> ConsultationRequest:
    """The booked consultation took place (perhaps earlier than booked, or by telephone)."""
    _check_therapist(request_obj, by)
    with transaction.atomic():
        req = _locked_open(request_obj)
        if req.status != ConsultationStatus.BOOKED:
            raise ValidationError("Only a booked consultation can be marked as held.")
        req.held_at = timezone.now()
        req.save(update_fields=["held_at"])
        record(by, AuditAction.UPDATE, req, detail="held")
    return req


def take_on(*, request_obj: ConsultationRequest, by: User, base_url: str) -> ConsultationRequest:
    """After the consultation: the person becomes a client of this therapist. Creates (or finds)
    the client's account with no usable password, the client record and an episode whose
    problem areas come from the intake, then e-mails the set-a-password link. No session is
    made up: the therapist books the first one from the episode.

    ``base_url`` is the site's root (``request.build_absolute_uri("/")``).
    """
    _check_therapist(request_obj, by)
    with transaction.atomic():
        req = _locked_open(request_obj)
        if not req.consultation_has_taken_place():
            raise ValidationError(
                "You can take someone on after the consultation: once its time has passed, "
                "or after you mark it as held."
            )
        practice = by.practice
        if practice is None:  # a therapist belongs to a practice; without one, no client
            raise ValidationError("You are not a member of a practice.")
        user = client_account(practice=practice, email=req.email, name=req.name)
        client, _ = Client.objects.get_or_create(user=user, defaults={"practice": practice})
        if Episode.objects.filter(client=client, status=EpisodeStatus.ACTIVE).exists():
            raise ValidationError("This person already has an active therapy in the practice.")
        episode = Episode.objects.create(
            client=client, therapist=by, started_on=timezone.localdate()
        )
        slugs = list(req.intake.get("problem_areas", []) or [])
        episode.problem_areas.set(ProblemArea.objects.filter(slug__in=slugs))
        req.status = ConsultationStatus.TAKEN_ON
        req.decided_at = timezone.now()
        req.waiting_for_therapist = False
        req.client = client
        req.episode = episode  # the intake is shown on this episode from now on
        req.save()
        for obj in (client, episode):
            record(by, AuditAction.CREATE, obj, episode=episode)
    emails.invitation(req, user, base_url)
    log.info("consultation request %s: taken on, episode %s", req.pk, episode.pk)
    return req


def decline(
    *,
    request_obj: ConsultationRequest,
    by: User,
    reason: str,
    colleague: TherapistProfile | None,
    base_url: str,
) -> ConsultationRequest:
    """Decline kindly (before or after the consultation), naming a colleague's public profile
    when one is suggested."""
    _check_therapist(request_obj, by)
    if colleague is not None and (
        colleague.user_id == by.pk or colleague.practice_id != by.practice_id
    ):
        raise ValidationError({"colleague": "Choose a colleague from your practice."})
    with transaction.atomic():
        req = _locked_open(request_obj)
        req.status = ConsultationStatus.DECLINED
        req.decided_at = timezone.now()
        req.decline_reason = reason.strip()
        req.suggested_colleague = colleague.user if colleague else None
        req.waiting_for_therapist = False
        req.save()
        record(by, AuditAction.UPDATE, req, detail="declined")
    therapist = by.display_name
    body = [
        f"Dear {req.name},\n",
        f"thank you for asking {therapist} for a consultation. {therapist} is not able to "
        "offer you a place at the moment.",
    ]
    if req.decline_reason:
        body.append(f"\n{req.decline_reason}\n")
    if colleague is not None:
        url = base_url.rstrip("/") + profile_path(colleague)
        body.append(
            f"\n{therapist} suggests a colleague, {colleague.user.display_name}, who may be a "
            f"good fit for you. You can read about how they work here:\n{url}\n"
        )
    body.append(
        "\nAsking for help is a real step, and we hope you find the right person soon. "
        'You can also try "Find my match" again at any time.'
    )
    outbox.send([req.email], "About your consultation request", "\n".join(body))
    log.info("consultation request %s declined", req.pk)
    return req


# --------------------------------------------------------------------------- the person answers


def person_reply(*, request_obj: ConsultationRequest, body: str, base_url: str) -> None:
    body = _clean_body(body, required=True)
    with transaction.atomic():
        req = _locked_open(request_obj)
        ConsultationMessage.objects.create(request=req, author=Author.PERSON, body=body)
        req.waiting_for_therapist = True
        req.save(update_fields=["waiting_for_therapist"])
    emails.reply_from_person(req, base_url)


def person_confirm(
    *, request_obj: ConsultationRequest, offered_at: datetime | None, base_url: str
) -> ConsultationRequest:
    """Confirm the time offered. ``offered_at`` is the time the person saw on the page: if the
    therapist offered another one meanwhile, nothing is booked and the page says so."""
    with transaction.atomic():
        req = _locked_open(request_obj)
        if req.status == ConsultationStatus.BOOKED and req.scheduled_at == offered_at:
            return req  # a double click
        if req.status != ConsultationStatus.TIME_OFFERED or req.offered_at is None:
            raise ValidationError("There is no time to confirm at the moment.")
        if offered_at is None or req.offered_at != offered_at:
            raise ValidationError("The therapist has offered another time: please look again.")
        if req.offered_at <= timezone.now():
            raise ValidationError(
                "This time has passed. Please write to the therapist for another one."
            )
        req.status = ConsultationStatus.BOOKED
        req.scheduled_at = req.offered_at
        req.waiting_for_therapist = False
        req.save(update_fields=["status", "scheduled_at", "waiting_for_therapist"])
        ConsultationMessage.objects.create(
            request=req, author=Author.PERSON, kind=MessageKind.CONFIRM, offered_at=req.offered_at
        )
        link = _fresh_link(req, base_url)
    emails.booked(req, link, base_url)
    return req


def person_withdraw(*, request_obj: ConsultationRequest, base_url: str) -> ConsultationRequest:
    with transaction.atomic():
        req = _locked_open(request_obj)
        req.status = ConsultationStatus.WITHDRAWN
        req.decided_at = timezone.now()
        req.waiting_for_therapist = False
        req.save(update_fields=["status", "decided_at", "waiting_for_therapist"])
        ConsultationMessage.objects.create(
            request=req, author=Author.PERSON, kind=MessageKind.WITHDRAW
        )
    emails.withdrawn(req, base_url)
    return req
