"""Find my match: ranking with reasons. (A consultation request's life is in
:mod:`attune.matching.consultations`.)

The maths is in :mod:`attune.engine.matching`; this module turns rows into arrays and back
into plain sentences. Public pages only ever see counts aggregated per therapist and area,
shrunk toward the practice mean, and only where a therapist has at least 15 cases.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.urls import NoReverseMatch, reverse

from attune.engine.matching import MIN_CASES, admissible, match_scores, preference_fit, rank
from attune.matching.queries import (
    GENDERS,
    PracticeStrength,
    language_name,
    practice_strength,
    published_profiles,
)
from attune.practice.models import Format, ProblemArea, TherapistProfile

log = logging.getLogger(__name__)

_GENDER_SYNONYMS = {"female": "woman", "f": "woman", "male": "man", "m": "man"}


@dataclass(frozen=True)
class Preferences:
    modality: str = ""  # slug
    gender: str = ""
    language: str = ""  # ISO 639-1
    format: str = ""  # in_person | online
    times: tuple[str, ...] = ()
    fee_max: int | None = None

    @classmethod
    def from_json(cls, data: object) -> Preferences:
        """The preferences as kept in the session (``as_json``); anything odd is dropped."""
        d = data if isinstance(data, dict) else {}

        def text(key: str) -> str:
            value = d.get(key)
            return value if isinstance(value, str) else ""

        times = d.get("times")
        fee = d.get("fee_max")
        return cls(
            modality=text("modality"),
            gender=text("gender"),
            language=text("language"),
            format=text("format"),
            times=tuple(t for t in times if isinstance(t, str)) if isinstance(times, list) else (),
            fee_max=fee if isinstance(fee, int) and not isinstance(fee, bool) else None,
        )

    def as_json(self) -> dict[str, object]:
        return {
            "modality": self.modality,
            "gender": self.gender,
            "language": self.language,
            "format": self.format,
            "times": list(self.times),
            "fee_max": self.fee_max,
        }


@dataclass(frozen=True)
class AreaStrength:
    area: ProblemArea
    enough_data: bool
    cases: int = 0  # only set when enough_data (never below MIN_CASES)
    improved: int = 0  # shrunk count, rounded

    @property
    def sentence(self) -> str:
        if not self.enough_data:
            return f"{self.area.name}: not enough data yet"
        return (
            f"{self.area.name}: of {self.cases} clients with this problem, "
            f"{self.improved} reliably improved"
        )


@dataclass
class Match:
    profile: TherapistProfile
    score: float
    fit: float
    reasons: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    strengths: list[AreaStrength] = field(default_factory=list)
    #: Meets every hard requirement (the language asked for): engine.matching.admissible.
    admissible: bool = True

    @property
    def entry(self) -> Any:
        """The therapist's directory entry (pronouns, district, photo…), or None: the directory's
        DirectoryEntry, loaded with the profile (matching does not import directory)."""
        return getattr(self.profile, "directory_entry", None)

    @property
    def measured(self) -> list[AreaStrength]:
        """Only the areas with enough cases: the others are never shown (issue 12)."""
        return [s for s in self.strengths if s.enough_data]

    @property
    def summary(self) -> str:
        """One line, e.g. "works with trauma and uses EMDR; of 23 clients with trauma, 17
        reliably improved"."""
        parts = ["; ".join(self.reasons[:2])] if self.reasons else []
        measured = [s for s in self.strengths if s.enough_data]
        if measured:
            best = max(measured, key=lambda s: s.improved / s.cases)
            parts.append(
                f"of {best.cases} clients with {best.area.name.lower()}, "
                f"{best.improved} reliably improved"
            )
        return "; ".join(parts)


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def find_matches(
    areas: Sequence[ProblemArea], preferences: Preferences, min_cases: int = MIN_CASES
) -> list[Match]:
    """Rank the published therapists for a person's problem areas and preferences: those who
    meet the hard requirements (the language) first, the others after them, marked
    ``admissible=False`` (Find my match does not list them; a warm referral shows them with
    the reason)."""
    profiles = list(published_profiles())
    if not profiles:
        return []
    wanted_slugs = [a.slug for a in areas]
    all_areas = list(ProblemArea.objects.order_by("slug"))
    slugs = [a.slug for a in all_areas]
    by_practice: dict[int, PracticeStrength] = {}
    for practice_id in sorted({p.practice_id for p in profiles}):
        by_practice[practice_id] = practice_strength(practice_id, slugs, min_cases)

    # Preference columns: each wanted area, then modality, gender, language, format, fee.
    columns: list[tuple[str, bool]] = [(f"area:{s}", True) for s in wanted_slugs] + [
        ("modality", bool(preferences.modality)),
        ("gender", bool(preferences.gender)),
        ("language", bool(preferences.language)),
        ("format", bool(preferences.format)),
        ("fee", preferences.fee_max is not None),
    ]
    matches = np.zeros((len(profiles), len(columns)), dtype=bool)
    for i, p in enumerate(profiles):
        listed = {a.slug for a in p.problem_areas.all()}
        modalities = {m.slug for m in p.modalities.all()}
        gender = p.gender.strip().lower()
        row = [s in listed for s in wanted_slugs] + [
            preferences.modality in modalities,
            _GENDER_SYNONYMS.get(gender, gender) == preferences.gender,
            preferences.language in p.languages,
            preferences.format in p.formats,
            preferences.fee_max is not None
            and (p.fee_min is None or p.fee_min <= preferences.fee_max),
        ]
        matches[i] = row
    asked = np.array([a for _, a in columns], dtype=bool)
    fit = preference_fit(matches, asked)

    # Strength: one (therapists × all areas) table in profile order, from each practice's
    # own empirical-Bayes estimate.
    shrunk_adv = np.zeros((len(profiles), len(slugs)))
    eligible = np.zeros((len(profiles), len(slugs)), dtype=bool)
    for i, p in enumerate(profiles):
        ps = by_practice[p.practice_id]
        row_i = ps.counts.therapist_ids.index(p.user_id)
        shrunk_adv[i] = ps.strength.advantage[row_i]
        eligible[i] = ps.strength.eligible[row_i]
    wanted = np.array([s in wanted_slugs for s in slugs], dtype=bool)
    accepting = np.array([p.accepting_new_clients for p in profiles], dtype=bool)
    scores, _ = match_scores(fit, shrunk_adv, eligible, wanted, accepting)
    modality_names = {m.slug: m.name for p in profiles for m in p.modalities.all()}
    # Hard requirements: the language (the column after the areas, modality and gender).
    language_col = len(wanted_slugs) + 2
    keep = admissible(matches[:, [language_col]], np.array([bool(preferences.language)]))

    result = []
    for i in np.concatenate([rank(scores, keep), rank(scores, ~keep)]):
        p = profiles[int(i)]
        m = Match(profile=p, score=float(scores[i]), fit=float(fit[i]), admissible=bool(keep[i]))
        listed = {a.slug for a in p.problem_areas.all()}
        worked = [a.name.lower() for a in areas if a.slug in listed]
        if worked:
            m.reasons.append(f"works with {_and(worked)}")
        if preferences.modality:
            name = modality_names.get(preferences.modality, preferences.modality)
            (m.reasons if matches[i, len(wanted_slugs)] else m.misses).append(
                f"uses {name}" if matches[i, len(wanted_slugs)] else f"does not offer {name}"
            )
        base = len(wanted_slugs)
        if preferences.gender and matches[i, base + 1]:
            m.reasons.append(GENDERS.get(preferences.gender, preferences.gender).lower())
        if preferences.language:
            language = language_name(preferences.language)
            (m.reasons if matches[i, base + 2] else m.misses).append(
                f"speaks {language}" if matches[i, base + 2] else f"does not speak {language}"
            )
        if preferences.format:
            label = Format(preferences.format).label.lower()
            (m.reasons if matches[i, base + 3] else m.misses).append(
                f"offers sessions {label}"
                if matches[i, base + 3]
                else f"does not offer sessions {label}"
            )
        if preferences.fee_max is not None:
            if matches[i, base + 4]:
                if p.fee_min is not None:
                    m.reasons.append(f"fees from {p.fee_min} within your budget")
            else:
                m.misses.append(f"fees start at {p.fee_min}, above your budget")
        if not p.accepting_new_clients:
            m.misses.append("not accepting new clients at the moment")
        ps = by_practice[p.practice_id]
        for a in areas:
            n, improved, ok = ps.cell(p.user_id, a.slug)
            m.strengths.append(
                AreaStrength(a, True, n, int(round(improved))) if ok else AreaStrength(a, False)
            )
        result.append(m)
    return result


@dataclass(frozen=True)
class MatchResults:
    """What Find my match shows: the therapists who meet the hard requirements, those taking
    new clients apart from those with a waiting list, and how many were left out."""

    accepting: list[Match]
    waiting: list[Match]
    left_out: int  # did not speak the language asked for
    language: str  # its name, "" when none was asked for

    @property
    def any_measured(self) -> bool:
        return any(m.measured for m in (*self.accepting, *self.waiting))


def match_results(
    areas: Sequence[ProblemArea], preferences: Preferences, min_cases: int = MIN_CASES
) -> MatchResults:
    """Find my match: only the therapists who speak the language asked for are listed
    (engine.matching.admissible), those on a waiting list grouped apart."""
    found = find_matches(areas, preferences, min_cases)
    listed = [m for m in found if m.admissible]
    return MatchResults(
        accepting=[m for m in listed if m.profile.accepting_new_clients],
        waiting=[m for m in listed if not m.profile.accepting_new_clients],
        left_out=len(found) - len(listed),
        language=language_name(preferences.language) if preferences.language else "",
    )


def profile_path(profile: TherapistProfile) -> str:
    """The therapist's public profile (the directory's ``directory:therapist`` page, by profile
    id), or the directory itself should that page not exist."""
    try:
        return reverse("directory:therapist", args=[profile.pk])
    except NoReverseMatch:
        return "/directory/"
