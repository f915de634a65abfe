"""Making a warm referral to a colleague (who to offer is :mod:`attune.matching.referral`; the
e-mails it sends are :mod:`attune.care.referral_mail`)."""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from attune.accounts.models import Role, User
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.care import referral_mail
from attune.care.endings import end_episode
from attune.care.models import EndingKind, Episode, Referral
from attune.practice.models import TherapistProfile

log = logging.getLogger(__name__)

CONSENT_NOTE_MAX = 2_000


def refer(
    *,
    episode: Episode,
    to_therapist: User,
    consent_given: bool,
    consent_on: date,
    consent_note: str,
    by: User,
    portal_url: str,
    handover_email: bool = False,
    base_url: str = "",
    now: datetime | None = None,
) -> tuple[Referral, bool]:
    """A warm referral to a colleague of the same practice who accepts new clients, with the
    client's consent.

    Starts a new episode with the colleague (``referred_from`` set, the problem areas carried
    over), ends this one as transferred (which asks the client for exit feedback), and records
    the referral. Once it is stored, the colleague gets a notification with a sign-in link to
    the new episode (``base_url`` is the site's root) and — only with ``handover_email``, the
    client's agreement to it — the client an e-mail naming the colleague
    (:mod:`attune.care.referral_mail`). Sending it twice returns the referral made the first
    time and ``False``, and sends nothing again.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, str] = {}
    if not consent_given:
        errors["consent"] = (
            "Please record the client's consent: a warm referral is made with the client, "
            "not for them."
        )
    if consent_on > today:
        errors["consent_on"] = "The consent date can't be in the future."
    elif consent_on < episode.started_on:
        errors["consent_on"] = (
            f"The consent date can't be before the therapy started ({episode.started_on:%d %b %Y})."
        )
    if (
        to_therapist.role != Role.THERAPIST
        or not to_therapist.is_active
        or to_therapist.pk == episode.therapist_id
        or to_therapist.practice_id != episode.client.practice_id
    ):
        errors["to_therapist"] = "Please choose a colleague from this practice."
    elif not TherapistProfile.objects.filter(
        user=to_therapist, accepting_new_clients=True
    ).exists():
        errors["to_therapist"] = (
            f"{to_therapist.display_name} is not accepting new clients at the moment. "
            "Please choose a colleague who is, or speak with her first."
        )
    consent_note = consent_note.replace("\x00", "").strip()
    if len(consent_note) > CONSENT_NOTE_MAX:
        errors["consent_note"] = f"Please keep the note to {CONSENT_NOTE_MAX} characters."
    with transaction.atomic():
        locked = Episode.objects.select_for_update().select_related("client").get(pk=episode.pk)
        existing = Referral.objects.filter(from_episode=locked).first()
        if existing is not None:
            return existing, False
        if not locked.is_active:
            raise ValidationError("This episode has already ended, so it can't be referred.")
        if errors:
            raise ValidationError(errors)
        new = Episode.objects.create(
            client=locked.client,
            therapist=to_therapist,
            started_on=today,
            referred_from=locked,
        )
        new.problem_areas.set(locked.problem_areas.all())
        referral = Referral.objects.create(
            from_episode=locked,
            to_episode=new,
            to_therapist=to_therapist,
            consent_recorded_at=consent_on,
            consent_note=consent_note,
            handover_email_consent=handover_email,
            created_by=by,
        )
        audit(by, AuditAction.CREATE, new, new)
        audit(by, AuditAction.CREATE, referral, locked)
        end_episode(
            episode=locked,
            kind=EndingKind.TRANSFERRED,
            ended_on=max(today, locked.started_on),
            note=f"Warm referral to {to_therapist.display_name}.",
            by=by,
            portal_url=portal_url,
            now=now,
        )
        # After the commit: an e-mail is never sent for a referral that was rolled back.
        transaction.on_commit(lambda: referral_mail.tell_colleague(referral, base_url))
        if handover_email:
            transaction.on_commit(lambda: referral_mail.tell_client(referral, portal_url))
    episode.status, episode.ended_on = locked.status, locked.ended_on
    log.info(
        "referral made from=%s to=%s therapist=%s by=%s",
        locked.pk,
        new.pk,
        to_therapist.pk,
        by.pk,
    )
    return referral, True
