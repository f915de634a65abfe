"""Reads of the care model, always scoped to what the person asking may see."""

from __future__ import annotations

from django.db.models import QuerySet

from attune.accounts.models import Role, User
from attune.care.models import Episode, EpisodeStatus, Session


def episodes_visible_to(user: User) -> QuerySet[Episode]:
    """Episodes a person may open: her own clients (therapist), her supervisees' clients
    (supervisor), their own (client). Practice admins manage the practice, not clinical records."""
    episodes = Episode.objects.all()
    if user.role == Role.THERAPIST:
        return episodes.filter(therapist=user)
    if user.role == Role.SUPERVISOR:
        return episodes.filter(therapist__therapist_profile__supervisors=user)
    if user.role == Role.CLIENT:
        return episodes.filter(client__user=user)
    return episodes.none()


def active_episode_of_client(user: User) -> Episode | None:
    return (
        Episode.objects.filter(client__user=user, status=EpisodeStatus.ACTIVE)
        .select_related("therapist", "client")
        .order_by("-started_on")
        .first()
    )


def sessions_of_client(user: User) -> QuerySet[Session]:
    return Session.objects.filter(episode__client__user=user)
