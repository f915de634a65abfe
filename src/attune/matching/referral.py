"""The warm referral's colleagues: which to offer, in what order and why.

The ranking is the matching engine's (``attune.matching.services.find_matches``, the maths in
``attune.engine.matching``): the client's problem areas, the language and the approach wanted.
This module only keeps the colleagues of the client's practice and adds their caseload.
Making the referral itself is ``attune.care.warm_referral.refer``; its two e-mails are
``attune.care.referral_mail``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Count, Q

from attune.accounts.models import User
from attune.care.models import Episode, EpisodeStatus
from attune.care.queries import referral_colleagues
from attune.matching.queries import LANGUAGE_NAMES, consultation_for_episode
from attune.matching.services import Match, Preferences, find_matches
from attune.practice.models import Modality

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Colleague(TypedDict):
        accepting: bool
        caseload: int

    #: A colleague as ``ranked_colleagues`` reads her: ``referral_colleagues`` annotates
    #: ``accepting`` (its ``QuerySet[User]`` does not say so), this module ``caseload``.
    AnnotatedColleague = WithAnnotations[User, _Colleague]

log = logging.getLogger(__name__)


@dataclass
class Colleague:
    """One colleague as the referring therapist sees her."""

    user: User
    accepting: bool
    caseload: int  # active episodes
    ranked: bool = False
    reasons: list[str] = field(default_factory=list)  # "works with trauma", "speaks German"
    misses: list[str] = field(default_factory=list)  # "does not offer EMDR"
    strengths: list[str] = field(default_factory=list)  # measured, 15 cases or more only

    @property
    def caseload_words(self) -> str:
        return "no active clients" if self.caseload == 0 else (
            "1 active client" if self.caseload == 1 else f"{self.caseload} active clients"
        )  # fmt: skip


def initial_preferences(episode: Episode) -> dict[str, object]:
    """The language the client asked for in their consultation request, when there was one;
    no approach (the therapist chooses it with the client)."""
    consultation = consultation_for_episode(episode)
    preferences = (consultation.intake or {}).get("preferences") or {} if consultation else {}
    language = str(preferences.get("language") or "")
    return {"approach": None, "language": language if language in LANGUAGE_NAMES else ""}


def language_choices() -> list[tuple[str, str]]:
    return sorted(LANGUAGE_NAMES.items(), key=lambda item: item[1])


def ranked_colleagues(
    episode: Episode, *, approach: Modality | None = None, language: str = ""
) -> list[Colleague]:
    """The treating therapist's colleagues, best match first.

    Those accepting new clients come first, ranked by the matching engine; then those whose
    profile is not published (the engine ranks published profiles only); those not accepting
    come last and cannot be chosen (``Colleague.accepting``). A fixed number of queries.
    """
    colleagues = list(
        referral_colleagues(episode).annotate(
            caseload=Count(
                "episodes_as_therapist",
                filter=Q(episodes_as_therapist__status=EpisodeStatus.ACTIVE),
            )
        )
    )
    if not colleagues:
        return []
    areas = list(episode.problem_areas.all())
    preferences = Preferences(modality=approach.slug if approach else "", language=language)
    mine = {c.pk for c in colleagues}
    matches: dict[int, Match] = {}
    position: dict[int, int] = {}  # the engine's rank among this practice's colleagues
    found = find_matches(areas, preferences)
    for candidate in found:
        if candidate.profile.user_id in mine:
            position[candidate.profile.user_id] = len(matches)
            matches[candidate.profile.user_id] = candidate
    rows = []
    for user in cast("list[AnnotatedColleague]", colleagues):
        row = Colleague(user=user, accepting=bool(user.accepting), caseload=user.caseload)
        match = matches.get(user.pk)
        if match is not None:
            row.ranked = True
            row.reasons = list(match.reasons)
            # "not accepting" is shown on its own; the rest are the engine's misses.
            row.misses = [m for m in match.misses if not m.startswith("not accepting")]
            row.strengths = [s.sentence for s in match.strengths if s.enough_data]
        rows.append(row)

    def order(row: Colleague) -> tuple[int, int, int]:
        rank = position.get(row.user.pk, len(position))
        return (0 if row.accepting else 1, 0 if row.ranked else 1, rank)

    return sorted(rows, key=order)  # stable: unranked ones keep the practice's name order
