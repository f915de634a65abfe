"""Object-level permission predicates for the care model (django-rules).

Every view resolves its object through a scoped query first (``care.queries``) and then asks
these predicates, so a wrong id gives 404 and a wrong role gives 403 — never someone else's data.
"""

from __future__ import annotations

import rules

from attune.accounts.models import Role, User
from attune.accounts.rules import is_client, is_practice_admin, is_supervisor, is_therapist
from attune.care.models import Client, Episode
from attune.measures.models import Response
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
# Her own caseload, past clients, forms not completed, new-clients setting, adding clients.
rules.add_perm("care.keep_caseload", is_therapist)
# The practice administrator's pages for adding clients to a therapist of her practice.
rules.add_perm("care.invite_for_practice", is_practice_admin)


# --------------------------------------------------------------------------- adding clients
# (issue 10: care.intake). A therapist adds clients to her own caseload; the practice
# administrator to any therapist of her practice. Neither reads clinical records here.


@rules.predicate
def may_invite_clients(user: User) -> bool:
    return user.role == Role.THERAPIST or (
        user.role == Role.PRACTICE_ADMIN and user.practice_id is not None
    )


def _admin_of(user: User, practice_id: int | None) -> bool:
    return (
        user.role == Role.PRACTICE_ADMIN
        and practice_id is not None
        and (user.practice_id == practice_id)
    )


@rules.predicate
def may_resend_invitation(user: User, episode: Episode | None) -> bool:
    if episode is None:
        return False
    return is_episode_therapist(user, episode) or _admin_of(user, episode.client.practice_id)


@rules.predicate
def may_start_episode(user: User, client: Client | None) -> bool:
    """The client's last therapist (of their most recent episode). The administrator starts a
    new episode by inviting the same address (``care.intake.invite_client``)."""
    if client is None or user.role != Role.THERAPIST:
        return False
    last = client.episodes.order_by("-started_on", "-pk").values_list("therapist_id", flat=True)
    return last.first() == user.pk


rules.add_perm("care.invite_client", may_invite_clients)
rules.add_perm("care.resend_invitation", may_resend_invitation)
rules.add_perm("care.start_episode", may_start_episode)


# --------------------------------------------------------------------------- responses
# Who may read a response: the treating therapist and her supervisor; the client reads their
# own through the portal's scoped queries. (A response belongs to an episode, so its rule is
# the episode's; it lives here, not in measures, which sits below care.)


@rules.predicate
def may_read_response(user: User, response: Response | None) -> bool:
    if response is None:
        return False
    return is_episode_therapist.test(user, response.episode) or supervises_episode_therapist.test(
        user, response.episode
    )


rules.add_perm("measures.view_response", may_read_response)
