"""Who may write, read and mark a supervision note.

* write: a clinical supervisor of the episode's therapist (``TherapistProfile.supervisors``);
* read: that supervisor and the treating therapist;
* mark read / done: the treating therapist only.

Nobody else — another therapist, a supervisor of someone else, the client, a practice
administrator — gets anything. As in ``notes.rules``, views ask these rules directly
(``rules.has_perm``), never ``user.has_perm``, which lets every active superuser through (the
demo's practice administrator is one).
"""

from __future__ import annotations

import rules

from attune.accounts.models import Role, User
from attune.accounts.rules import is_supervisor
from attune.care.models import Episode
from attune.practice.models import TherapistProfile


def _active(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


@rules.predicate
def supervises_therapist(user: User, therapist: User | None) -> bool:
    return (
        therapist is not None
        and _active(user)
        and user.role == Role.SUPERVISOR
        and TherapistProfile.objects.filter(user=therapist, supervisors=user).exists()
    )


@rules.predicate
def supervises_episode(user: User, episode: Episode | None) -> bool:
    return (
        episode is not None
        and _active(user)
        and user.role == Role.SUPERVISOR
        and TherapistProfile.objects.filter(user_id=episode.therapist_id, supervisors=user).exists()
    )


@rules.predicate
def treats_episode(user: User, episode: Episode | None) -> bool:
    return (
        episode is not None
        and _active(user)
        and user.role == Role.THERAPIST
        and episode.therapist_id == user.pk
    )


rules.add_perm("supervision.use_supervision", is_supervisor)
rules.add_perm("supervision.view_supervisee", supervises_therapist)
rules.add_perm("supervision.add_note", supervises_episode)
rules.add_perm("supervision.view_notes", supervises_episode | treats_episode)
rules.add_perm("supervision.mark_note", treats_episode)


def may_supervise(user: User, therapist: User) -> bool:
    return rules.has_perm("supervision.view_supervisee", user, therapist)


def may_write(user: User, episode: Episode) -> bool:
    return rules.has_perm("supervision.add_note", user, episode)


def may_read(user: User, episode: Episode) -> bool:
    return rules.has_perm("supervision.view_notes", user, episode)


def may_mark(user: User, episode: Episode) -> bool:
    return rules.has_perm("supervision.mark_note", user, episode)
