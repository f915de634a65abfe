"""Who someone is in the practice, as django-rules predicates: the building blocks every app's
permissions combine with its own object rules (``care.rules``, ``outcomes.rules``, ...)."""

from __future__ import annotations

import rules

from attune.accounts.models import Role, User


@rules.predicate
def is_therapist(user: User) -> bool:
    return user.role == Role.THERAPIST


@rules.predicate
def is_supervisor(user: User) -> bool:
    return user.role == Role.SUPERVISOR


@rules.predicate
def is_client(user: User) -> bool:
    return user.role == Role.CLIENT


@rules.predicate
def is_practice_admin(user: User) -> bool:
    return user.role == Role.PRACTICE_ADMIN
