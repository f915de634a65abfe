"""``{% consultations_waiting user %}``: the count beside the therapist's "Consultations" link."""

from __future__ import annotations

from django import template

from attune.accounts.models import Role, User
from attune.matching.queries import waiting_count

register = template.Library()


@register.simple_tag
def consultations_waiting(user: User) -> int:
    """Requests waiting for this therapist's answer; 0 (and no query) for anyone else."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.THERAPIST:
        return 0
    return waiting_count(user)
