"""Object-level permission predicates for the care model (django-rules).

Every view resolves its object through a scoped query first (``care.queries``) and then asks
these predicates, so a wrong id gives 404 and a wrong role gives 403 — never someone else's data.
"""

from __future__ import annotations

import rules

from attune.accounts.models import Role, User
from attune.care.models import Episode
from attune.practice.models import TherapistProfile


@rules.predicate
def is_episode_therapist(user: User, episode: Episode | None) -> bool:
    return episode is not None and user.role == Role.THERAPIST and episode.therapist_id == user.pk


@rules.predicate
def is_episode_client(user: User, episode: Episode | None) -> bool:
    return episode is not None and user.role == Role.CLIENT and episode.client.user_id == user.pk


@rules.predicate
def supervises_episode_therapist(user: User, episode: Episode | None) -> bool:
    return (
        episode is not None
        and user.role == Role.SUPERVISOR
        and TherapistProfile.objects.filter(user_id=episode.therapist_id, supervisors=user).exists()
    )


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


@rules.predicate
def is_self_or_supervises(user: User, therapist: User | None) -> bool:
    if therapist is None or therapist.role != Role.THERAPIST:
        return False
    if therapist.pk == user.pk:
        return True
    return (
        user.role == Role.SUPERVISOR
        and TherapistProfile.objects.filter(user=therapist, supervisors=user).exists()
    )


# Clinicians read the episode; only the treating therapist writes to it.
rules.add_perm("care.view_episode", is_episode_therapist | supervises_episode_therapist)
rules.add_perm("care.change_episode", is_episode_therapist)
rules.add_perm("care.answer_forms", is_episode_client)
rules.add_perm("care.view_caseload", is_self_or_supervises)
rules.add_perm("care.use_workspace", is_therapist | is_supervisor)
rules.add_perm("care.use_portal", is_client)
