"""Plain functions about the practice."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError

from attune.accounts.models import Role, User
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.practice.models import Practice, TherapistProfile

log = logging.getLogger(__name__)


def crisis_resources_for(practice: Practice | None) -> list[dict[str, str]]:
    """The practice's own crisis resources, or the defaults from the settings."""
    if practice is not None and practice.crisis_resources:
        return list(practice.crisis_resources)
    return list(settings.ATTUNE_CRISIS_RESOURCES)


def set_accepting_new_clients(*, therapist: User, accepting: bool, by: User) -> TherapistProfile:
    """The therapist's own switch: whether the directory, "Find my match", a colleague's warm
    referral and the administrator's invitation list show her as taking new clients. Only she
    changes it here (the administrator still can in the Django admin)."""
    if by.pk != therapist.pk or therapist.role != Role.THERAPIST:
        raise ValidationError("Only the therapist herself changes this setting.")
    profile = TherapistProfile.objects.filter(user=therapist).first()
    if profile is None:
        raise ValidationError(
            "You have no therapist profile yet. Please ask the practice administrator to create it."
        )
    if profile.accepting_new_clients != accepting:
        profile.accepting_new_clients = accepting
        profile.save(update_fields=["accepting_new_clients"])
        audit(by, AuditAction.UPDATE, profile, detail="accepting-new-clients")
        log.info("accepting new clients=%s therapist=%s", accepting, therapist.pk)
    return profile
