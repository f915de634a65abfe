"""Reads for adding clients: who may be chosen as therapist, and invitations not yet taken up.
Scoped to the person asking; a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import QuerySet

from attune.accounts.models import Role, User
from attune.care.models import Client, Episode, EpisodeStatus


def therapists_to_invite_to(user: User) -> QuerySet[User]:
    """The therapists a client may be added to by ``user``: herself (a therapist), every active
    therapist of her practice (the practice administrator), nobody otherwise."""
    therapists = User.objects.filter(role=Role.THERAPIST, is_active=True)
    if user.role == Role.THERAPIST:
        return therapists.filter(pk=user.pk)
    if user.role == Role.PRACTICE_ADMIN and user.practice_id is not None:
        return therapists.filter(practice_id=user.practice_id).order_by(
            "last_name", "first_name", "email"
        )
    return therapists.none()


def invitations_waiting(user: User) -> list[Episode]:
    """Active episodes whose client has not chosen a password yet (an unusable password
    starts with "!", Django's mark) and never signed in: the therapist's own, or every one of
    the practice for its administrator. One query."""
    episodes = Episode.objects.filter(
        status=EpisodeStatus.ACTIVE,
        client__user__last_login__isnull=True,
        client__user__password__startswith=UNUSABLE_PASSWORD_PREFIX,
        client__user__is_active=True,
    )
    if user.role == Role.THERAPIST:
        episodes = episodes.filter(therapist=user)
    elif user.role == Role.PRACTICE_ADMIN and user.practice_id is not None:
        episodes = episodes.filter(client__practice_id=user.practice_id)
    else:
        return []
    return list(episodes.select_related("client__user", "therapist").order_by("-started_on", "-pk"))


def last_episode(client: Client) -> Episode | None:
    return (
        client.episodes.select_related("therapist")
        .prefetch_related("problem_areas")
        .order_by("-started_on", "-pk")
        .first()
    )
