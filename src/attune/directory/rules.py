"""Who may edit a directory entry (django-rules): a therapist, her own only. The practice
administrator edits any entry in the Django admin."""

from __future__ import annotations

import rules

from attune.accounts.models import Role, User


@rules.predicate
def is_listed_therapist(user: User) -> bool:
    """A therapist with a profile (the directory lists profiles; a therapist without one has
    nothing to describe there)."""
    return getattr(user, "role", None) == Role.THERAPIST and hasattr(user, "therapist_profile")


rules.add_perm("directory.edit_own_entry", is_listed_therapist)
