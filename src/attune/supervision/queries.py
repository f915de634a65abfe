"""Reads for the supervision pages and the episode page's supervision section, scoped to the
person asking; each a fixed number of queries however many rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from attune.accounts.models import User
from attune.alerts.queries import open_alerts_by_level
from attune.care.models import Episode
from attune.care.queries import with_active_clients
from attune.engine.levels import Level
from attune.practice.models import TherapistProfile
from attune.supervision.figures import SuperviseeFigures, supervisee_figures
from attune.supervision.models import SupervisionNote
from attune.supervision.queue import QueueItem, queue
from attune.supervision.rules import may_mark, may_write


@dataclass(frozen=True)
class SuperviseeRow:
    profile: TherapistProfile
    levels: list[tuple[Level, int]]
    items: list[QueueItem] = field(default_factory=list)

    @property
    def therapist(self) -> User:
        return self.profile.user


def supervisee_profiles(supervisor: User) -> list[TherapistProfile]:
    """The therapists she supervises, with their number of active clients: one query."""
    return list(with_active_clients(TherapistProfile.objects.filter(supervisors=supervisor)))


def supervision_home(supervisor: User) -> list[SuperviseeRow]:
    """Each supervisee with her open alerts by level and her queue: five queries in all."""
    profiles = supervisee_profiles(supervisor)
    ids = [p.user_id for p in profiles]
    by_level, items = open_alerts_by_level(ids), queue(ids)
    return [
        SuperviseeRow(profile=p, levels=by_level.get(p.user_id, []), items=items[p.user_id])
        for p in profiles
    ]


def supervisee_page(therapist: User) -> dict[str, object]:
    """One supervisee's queue, figures and the latest supervision notes on her clients."""
    items = queue([therapist.pk])[therapist.pk]
    figures: SuperviseeFigures = supervisee_figures([therapist.pk])[therapist.pk]
    notes = list(
        SupervisionNote.objects.filter(episode__therapist=therapist)
        .select_related("episode__client__user", "author")
        .order_by("-created_at", "-pk")[:20]
    )
    return {"items": items, "figures": figures, "notes": notes}


def episode_supervision(episode: Episode, user: User) -> dict[str, object]:
    """The episode page's supervision section (``_supervision.html``): its notes for the
    treating therapist and her supervisors, whether a supervisor may write one (the page adds
    the form), nothing for anyone else. One query for the notes (and one for a supervisor's
    permission)."""
    can_write = may_write(user, episode)
    can_mark = may_mark(user, episode)
    if not (can_write or can_mark):
        return {"supervision_notes": [], "supervision_shown": False}
    notes = list(
        SupervisionNote.objects.filter(episode=episode)
        .select_related("author")
        .order_by("-created_at", "-pk")
    )
    return {
        "supervision_shown": True,
        "supervision_notes": notes,
        "supervision_can_write": can_write,
        "supervision_can_mark": can_mark,
    }
