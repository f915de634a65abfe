"""Reads for matching: published therapists, their measured strength by problem area (counts
only, aggregated per therapist and area), and a therapist's own consultation requests."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf.locale import LANG_INFO
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from attune import conf
from attune.accounts.models import Role, User
from attune.care.models import Episode, EpisodeStatus
from attune.engine.matching import MIN_CASES, Strength, shrink
from attune.engine.outcomes import talking_therapies_outcomes
from attune.matching.models import ConsultationMessage, ConsultationRequest, ConsultationStatus
from attune.measures.models import Phase, Response
from attune.practice.models import Modality, ProblemArea, TherapistProfile

GENDERS = {"woman": "A woman", "man": "A man", "non-binary": "A non-binary therapist"}
LANGUAGE_NAMES = {
    "de": "German",
    "en": "English",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "tr": "Turkish",
    "pl": "Polish",
    "ru": "Russian",
    "ar": "Arabic",
    "uk": "Ukrainian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "he": "Hebrew",
    "fa": "Persian",
    "el": "Greek",
    "sr": "Serbian",
    "hr": "Croatian",
    "vi": "Vietnamese",
    "zh": "Chinese",
    "ja": "Japanese",
    "sv": "Swedish",
}


def language_name(code: str) -> str:
    """ "Hebrew" for "he": the name, never the bare code, for any language Django knows."""
    return LANGUAGE_NAMES.get(code) or LANG_INFO.get(code, {}).get("name") or code


TIMES = {
    "weekday_mornings": "Weekday mornings",
    "weekday_afternoons": "Weekday afternoons",
    "weekday_evenings": "Weekday evenings",
}


def published_profiles() -> QuerySet[TherapistProfile]:
    """Therapists shown to the public, with what matching needs (a fixed number of queries)."""
    return (
        TherapistProfile.objects.filter(published=True, user__is_active=True)
        .select_related("user", "practice", "directory_entry")
        .prefetch_related("modalities", "problem_areas")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def problem_areas() -> list[ProblemArea]:
    return list(ProblemArea.objects.order_by("name"))


@dataclass(frozen=True)
class AreaCounts:
    """Cases and reliable improvements per (therapist, area) of one practice."""

    therapist_ids: list[int]
    area_slugs: list[str]
    cases: np.ndarray
    successes: np.ndarray


def area_counts(therapist_ids: Sequence[int], area_slugs: Sequence[str]) -> AreaCounts:
    """Count, per therapist and problem area, the cases and those that reliably improved.

    A case is an episode with the area that has ended (any ending) or has PHQ-9/GAD-7 check-ins
    at ≥ 2 sessions; it reliably improved by the NHS Talking Therapies rule on the first vs the
    latest score (:func:`attune.engine.outcomes.talking_therapies_outcomes`). An ended episode
    with fewer than two scores counts as a case that did not reliably improve.
    """
    t_index = {t: i for i, t in enumerate(therapist_ids)}
    a_index = {a: j for j, a in enumerate(area_slugs)}
    cases = np.zeros((len(therapist_ids), len(area_slugs)), dtype=np.int64)
    successes = np.zeros_like(cases)
    episodes = list(
        Episode.objects.filter(therapist_id__in=list(therapist_ids)).values_list(
            "pk", "therapist_id", "status"
        )
    )
    if not episodes:
        return AreaCounts(list(therapist_ids), list(area_slugs), cases, successes)
    ids = [e[0] for e in episodes]
    areas: dict[int, list[str]] = defaultdict(list)
    for ep_id, slug in Episode.problem_areas.through.objects.filter(episode_id__in=ids).values_list(
        "episode_id", "problemarea__slug"
    ):
        areas[ep_id].append(slug)
    scores: dict[tuple[int, str], list[float]] = defaultdict(list)
    sessions: dict[int, set[int]] = defaultdict(set)
    for ep_id, code, session_id, score in (
        Response.objects.filter(
            episode_id__in=[i for i in ids if areas.get(i)],
            phase=Phase.CHECK_IN,
            instrument_version__instrument__code__in=("phq9", "gad7"),
            score__isnull=False,
        )
        .order_by("submitted_at", "pk")
        .values_list("episode_id", "instrument_version__instrument__code", "session_id", "score")
    ):
        scores[(ep_id, code)].append(float(score))  # type: ignore[arg-type]  # score__isnull=False
        sessions[ep_id].add(session_id)

    rows = [e for e in episodes if areas.get(e[0])]
    rows = [e for e in rows if e[2] != EpisodeStatus.ACTIVE or len(sessions[e[0]]) >= 2]
    if not rows:
        return AreaCounts(list(therapist_ids), list(area_slugs), cases, successes)

    def first_last(ep_id: int, code: str) -> tuple[float, float]:
        values = scores.get((ep_id, code), [])
        return (values[0], values[-1]) if len(values) >= 2 else (np.nan, np.nan)

    phq = np.array([first_last(e[0], "phq9") for e in rows], dtype=np.float64)
    gad = np.array([first_last(e[0], "gad7") for e in rows], dtype=np.float64)
    improved = talking_therapies_outcomes(
        phq[:, 0], phq[:, 1], gad[:, 0], gad[:, 1]
    ).reliable_improvement
    for (ep_id, therapist_id, _), ok in zip(rows, improved, strict=True):
        i = t_index[therapist_id]
        for slug in areas[ep_id]:
            if slug in a_index:
                cases[i, a_index[slug]] += 1
                successes[i, a_index[slug]] += int(ok)
    return AreaCounts(list(therapist_ids), list(area_slugs), cases, successes)


@dataclass(frozen=True)
class PracticeStrength:
    """Shrunk strength of every therapist of one practice, looked up by (user id, slug)."""

    counts: AreaCounts
    strength: Strength

    def cell(self, therapist_id: int, slug: str) -> tuple[int, float, bool]:
        """(cases, shrunk number who reliably improved, eligible) of one therapist and area."""
        i = self.counts.therapist_ids.index(therapist_id)
        j = self.counts.area_slugs.index(slug)
        n = int(self.strength.cases[i, j])
        return n, float(self.strength.shrunk_successes[i, j]), bool(self.strength.eligible[i, j])


def practice_strength(
    practice_id: int, area_slugs: Sequence[str], min_cases: int = MIN_CASES
) -> PracticeStrength:
    """Empirical-Bayes strength of all therapists of a practice (published or not: the practice
    mean and the between-therapist variance need every therapist's cases). Kept in the cache
    for ``ATTUNE_MATCHING_CACHE_SECONDS`` (600; 0 turns it off): it reads every check-in of
    the practice, and a few minutes' delay does not matter for a ranking."""
    seconds = conf.matching_cache_seconds()
    therapist_ids = list(
        User.objects.filter(practice_id=practice_id, role=Role.THERAPIST)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # The team is part of the key: a therapist who joins gets figures that include her at once
    # (before, the cached table lacked her row and Find my match failed for ten minutes).
    team = hashlib.sha256(",".join(map(str, therapist_ids)).encode()).hexdigest()[:16]
    key = f"matching:strength:{practice_id}:{min_cases}:{team}:{','.join(area_slugs)}"
    cached = cache.get(key) if seconds > 0 else None
    if isinstance(cached, PracticeStrength):
        return cached
    counts = area_counts(therapist_ids, area_slugs)
    result = PracticeStrength(counts, shrink(counts.successes, counts.cases, min_cases))
    if seconds > 0:
        cache.set(key, result, seconds)
    return result


def requests_for(user: User) -> QuerySet[ConsultationRequest]:
    """The consultation requests addressed to this therapist (nobody else's)."""
    return ConsultationRequest.objects.filter(therapist=user).select_related(
        "suggested_colleague", "episode"
    )


#: The inbox lists this many closed requests (the newest); the open ones are always all there.
CLOSED_SHOWN = 30


@dataclass(frozen=True)
class InboxGroup:
    key: str
    title: str
    hint: str
    rows: list[ConsultationRequest]


def inbox_groups(requests: QuerySet[ConsultationRequest]) -> list[InboxGroup]:
    """The therapist's requests in the order she acts on them (one query, however many)."""
    now = timezone.now()
    rows = list(requests)
    waiting = [r for r in rows if r.is_open and r.waiting_for_therapist]
    rest = [r for r in rows if r.is_open and not r.waiting_for_therapist]
    held = [r for r in rest if r.consultation_has_taken_place(now)]
    booked = [r for r in rest if r.status == ConsultationStatus.BOOKED and r not in held]
    with_person = [r for r in rest if r.status != ConsultationStatus.BOOKED]
    closed = [r for r in rows if not r.is_open][:CLOSED_SHOWN]
    booked.sort(key=lambda r: r.scheduled_at or now)
    return [
        InboxGroup("waiting", "Waiting for your answer", "New requests and replies.", waiting),
        InboxGroup(
            "decide",
            "After the consultation",
            "Take on as client, or decline kindly.",
            held,
        ),
        InboxGroup("booked", "Consultations booked", "", booked),
        InboxGroup(
            "with-person",
            "Waiting for the person",
            "A time offered or a question asked.",
            with_person,
        ),
        InboxGroup(
            "closed",
            "Closed",
            f"The latest {CLOSED_SHOWN}: taken on, declined or withdrawn.",
            closed,
        ),
    ]


def waiting_count(user: User) -> int:
    """How many of her requests wait for this therapist's answer (one indexed COUNT query)."""
    return ConsultationRequest.objects.filter(therapist=user, waiting_for_therapist=True).count()


def thread(req: ConsultationRequest) -> list[ConsultationMessage]:
    """The messages between the therapist and the person, oldest first."""
    return list(req.messages.all())


def colleagues_of(user: User) -> QuerySet[TherapistProfile]:
    """Published therapists of the same practice, to suggest when declining."""
    if user.practice_id is None:  # a therapist without a practice has no colleagues
        return TherapistProfile.objects.none()
    return (
        published_profiles()
        .filter(practice_id=user.practice_id)
        .exclude(user=user)
        .filter(accepting_new_clients=True)
    )


def consultation_for_episode(episode: Episode) -> ConsultationRequest | None:
    """The consultation request that started this episode, if any (for the episode
    page: ``{% include "matching/_intake.html" with consultation=… %}``)."""
    return ConsultationRequest.objects.filter(episode=episode).first()


def intake_summary(intake: dict[str, Any]) -> dict[str, Any]:
    """The intake with names instead of slugs, for the templates."""
    if not intake:
        return {}
    prefs = dict(intake.get("preferences") or {})
    areas = list(ProblemArea.objects.filter(slug__in=intake.get("problem_areas") or []))
    modality = Modality.objects.filter(slug=prefs.get("modality") or "").first()
    return {
        "text": intake.get("text", ""),
        "areas": [a.name for a in areas],
        "modality": modality.name if modality else "",
        "gender": GENDERS.get(prefs.get("gender") or "", ""),
        "language": language_name(prefs.get("language") or ""),
        "format": {"in_person": "In person", "online": "Online"}.get(prefs.get("format") or "", ""),
        "times": [TIMES.get(t, t) for t in prefs.get("times") or []],
        "fee_max": prefs.get("fee_max"),
    }
