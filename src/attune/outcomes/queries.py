"""Reads of the practice outcomes page: the finished courses in a person's scope, aggregated.

Scope (one place for it, :func:`scope_for`): the practice administrator — every episode of her
practice; a supervisor — the episodes of the therapists she supervises; a therapist — her own.
The report is built in a fixed number of queries (six), however many episodes there are: the
years with an ending, the ended episodes with their attended-session count, their first and last
check-in scores, their problem areas, the approaches of their attended sessions, the therapists'
names. Nothing read here leaves this module except counts and rates (the engine's
:mod:`attune.engine.practice_outcomes`), with small counts suppressed.

Periods are the NHS reporting year, 1 April to 31 March ("2024-25"), and its quarters (Q1 April
to June … Q4 January to March); a course belongs to the period in which it ended.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import cast

import numpy as np
from django.db.models import Count, Max, Min, Q, QuerySet

from attune import conf
from attune.accounts.models import Role, User
from attune.care.engine_adapter import MEASURES, engine_config
from attune.care.models import Attendance, Episode, EpisodeStatus, Session
from attune.engine.practice_outcomes import (
    CourseCounts,
    EffectSize,
    Shown,
    SuppressionConfig,
    course_outcomes,
    effect_size,
    finished_course,
    group_codes,
    grouped_counts,
    show_count,
    show_rate,
)
from attune.measures.models import Phase, Response
from attune.outcomes.national import NationalYear, national_for
from attune.outcomes.therapists import TherapistOutcomes, therapist_outcomes

ENDED = (EpisodeStatus.ENDED_PLANNED, EpisodeStatus.ENDED_EARLY)
YEAR = re.compile(r"^(\d{4})-(\d{2})$")
NOT_RECORDED = "Not recorded"


class BadPeriod(ValueError):
    """The year or quarter asked for is not one the page offers."""


def suppression() -> SuppressionConfig:
    """``ATTUNE_OUTCOMES_SUPPRESS_BELOW`` (default 10): counts under it are withheld."""
    return SuppressionConfig(below=conf.outcomes_suppress_below())


# --------------------------------------------------------------------------- periods


def year_of(day: date) -> str:
    """The NHS reporting year of a day: 2025-03-31 -> "2024-25", 2025-04-01 -> "2025-26"."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def year_bounds(year: str) -> tuple[date, date]:
    m = YEAR.match(year)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)) or int(m.group(1)) < 1900:
        raise BadPeriod(year)
    start = int(m.group(1))
    return date(start, 4, 1), date(start + 1, 3, 31)


def quarter_of(day: date) -> int:
    """1 = April-June … 4 = January-March."""
    return ((day.month - 4) % 12) // 3 + 1


QUARTER_LABELS = {
    1: "Q1 (April–June)",
    2: "Q2 (July–September)",
    3: "Q3 (October–December)",
    4: "Q4 (January–March)",
}


# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    label: str  # "the whole practice", "your supervisees", "your clients"
    episodes: Q
    by_therapist: bool


def scope_for(user: User) -> Scope | None:
    """The episodes whose aggregates ``user`` may see; None when she has none (no practice)."""
    if user.role == Role.PRACTICE_ADMIN:
        if user.practice_id is None:
            return None
        return Scope("the whole practice", Q(client__practice_id=user.practice_id), True)
    if user.role == Role.SUPERVISOR:
        return Scope(
            "the therapists you supervise",
            Q(therapist__therapist_profile__supervisors=user),
            True,
        )
    if user.role == Role.THERAPIST:
        return Scope("your own clients", Q(therapist_id=user.pk), False)
    return None


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Row:
    """One line of a table: the aggregates of a group of finished courses, suppressed."""

    label: str
    counts: CourseCounts
    phq9: EffectSize
    gad7: EffectSize
    k: SuppressionConfig

    @property
    def finished(self) -> Shown:
        return show_count(self.counts.finished, self.k)

    @property
    def recovery(self) -> Shown:
        return show_rate(self.counts.recovered, self.counts.caseness_denominator, self.k)

    @property
    def reliable_recovery(self) -> Shown:
        return show_rate(self.counts.reliably_recovered, self.counts.caseness_denominator, self.k)

    @property
    def improvement(self) -> Shown:
        return show_rate(self.counts.improved, self.counts.finished, self.k)

    @property
    def deterioration(self) -> Shown:
        return show_rate(self.counts.deteriorated, self.counts.finished, self.k)

    def _effect(self, es: EffectSize) -> Shown:
        if es.n < self.k.below:
            return Shown(None, "not shown (small numbers)", True)
        if es.value is None:
            return Shown(None, "no spread", True)
        return Shown(round(es.value, 2), f"{es.value:.2f}", False)

    @property
    def phq9_effect(self) -> Shown:
        return self._effect(self.phq9)

    @property
    def gad7_effect(self) -> Shown:
        return self._effect(self.gad7)


@dataclass(frozen=True)
class Report:
    scope: Scope
    year: str
    quarter: int  # 0 = the whole year
    years: list[str]
    total: Row
    by_quarter: list[Row]
    by_therapist: list[Row]
    by_area: list[Row]
    by_approach: list[Row]
    national: NationalYear | None
    national_same_year: bool
    k: SuppressionConfig
    therapists: TherapistOutcomes | None = None

    @property
    def summary(self) -> list[Row]:
        return [self.total]

    @property
    def period_label(self) -> str:
        return f"{self.year}, {QUARTER_LABELS[self.quarter]}" if self.quarter else self.year


@dataclass(frozen=True)
class _Courses:
    """The ended episodes of the period, as arrays (one entry per episode)."""

    ids: list[int]
    therapist: list[int]
    quarter: np.ndarray
    finished: np.ndarray
    p0: np.ndarray
    p1: np.ndarray
    g0: np.ndarray
    g1: np.ndarray


def _rows(
    c: _Courses,
    pairs: list[tuple[int, str]],
    k: SuppressionConfig,
    order: Callable[[str], str] | None = None,
) -> list[Row]:
    """One row per label; ``pairs`` are (episode index, label), an episode may have several."""
    if not pairs:
        return []
    idx = np.asarray([i for i, _ in pairs], dtype=np.int64)
    labels, codes = group_codes([label for _, label in pairs])
    out = course_outcomes(
        c.p0[idx], c.p1[idx], c.g0[idx], c.g1[idx], engine_config().reliable_change
    )
    counts = grouped_counts(out, c.finished[idx], codes, len(labels))
    rows = []
    for g, label in enumerate(labels):
        sel = idx[(codes == g) & c.finished[idx]]
        rows.append(
            Row(
                label,
                counts[g],
                effect_size(c.p0[sel], c.p1[sel]),
                effect_size(c.g0[sel], c.g1[sel]),
                k,
            )
        )
    rows.sort(key=(lambda r: order(r.label)) if order else (lambda r: r.label.casefold()))
    return rows


def available_years(episodes: QuerySet[Episode], today: date) -> list[str]:
    """Reporting years from the first to the last ending in scope, newest first (one query);
    the current year when nothing has ended yet."""
    span = episodes.aggregate(first=Min("ended_on"), last=Max("ended_on"))
    if span["first"] is None:
        return [year_of(today)]
    start = int(year_of(span["first"])[:4])
    end = int(year_of(span["last"])[:4])
    return [f"{y}-{(y + 1) % 100:02d}" for y in range(end, start - 1, -1)]


def _load_courses(ended: QuerySet[Episode], start: date, end: date, q: int) -> _Courses:
    """The ended episodes of the period (quarter ``q``, 0 = the whole year) as arrays: two
    queries — the episodes with their attended-session count, their check-in scores."""
    # ended_on__gte leaves out the episodes without an end: ended_on is a date in every row.
    rows = cast(
        "list[tuple[int, int, date, int]]",
        list(
            ended.filter(ended_on__gte=start, ended_on__lte=end)
            .annotate(
                attended=Count("sessions", filter=Q(sessions__attendance=Attendance.ATTENDED))
            )
            .order_by("pk")
            .values_list("pk", "therapist_id", "ended_on", "attended")
        ),
    )
    if q:
        rows = [r for r in rows if quarter_of(r[2]) == q]
    ids = [r[0] for r in rows]
    n = len(ids)
    scores: dict[tuple[int, str], list[float]] = defaultdict(list)
    for episode_id, code, score in (
        Response.objects.filter(
            episode_id__in=ids,
            phase=Phase.CHECK_IN,
            instrument_version__instrument__code__in=MEASURES,
            score__isnull=False,
        )
        .order_by("submitted_at", "pk")
        .values_list("episode_id", "instrument_version__instrument__code", "score")
    ):
        assert score is not None  # score__isnull=False above
        scores[(episode_id, code)].append(float(score))

    def pair(code: str, which: int) -> np.ndarray:
        return np.asarray(
            [v[which] if len(v := scores.get((pk, code), [])) >= 2 else np.nan for pk in ids],
            dtype=np.float64,
        )

    return _Courses(
        ids=ids,
        therapist=[r[1] for r in rows],
        quarter=np.asarray([quarter_of(r[2]) for r in rows], dtype=np.int64),
        finished=finished_course([r[3] for r in rows], np.ones(n, dtype=bool)),
        p0=pair("phq9", 0),
        p1=pair("phq9", -1),
        g0=pair("gad7", 0),
        g1=pair("gad7", -1),
    )


def _therapist_section(
    user: User,
    scope_courses: _Courses,
    practice_courses: _Courses,
    names: dict[int, str],
    k: SuppressionConfig,
) -> TherapistOutcomes:
    """The funnel and the therapist model: the practice's courses, shown as far as the scope."""
    c = practice_courses
    visible = {user.pk} if user.role == Role.THERAPIST else set(scope_courses.therapist)
    per: dict[int, CourseCounts] = {}
    if c.ids:
        labels, codes = group_codes([str(t) for t in c.therapist])
        out = course_outcomes(c.p0, c.p1, c.g0, c.g1, engine_config().reliable_change)
        counts = grouped_counts(out, c.finished, codes, len(labels))
        per = {int(label): counts[g] for g, label in enumerate(labels)}
    return therapist_outcomes(
        therapist=c.therapist,
        finished=c.finished,
        outcomes_counts=per,
        phq9_first=c.p0,
        phq9_last=c.p1,
        visible=visible,
        names=names,
        k=k,
    )


def outcomes_report(
    user: User,
    *,
    year: str | None,
    quarter: str | None,
    today: date,
    therapists: bool = False,
) -> Report | None:
    """The page's figures for ``user``'s scope (None: nothing to show). Raises
    :class:`BadPeriod` for a year or quarter the page does not offer. ``therapists``: add the
    funnel plot and the therapist model (:mod:`attune.outcomes.therapists`) — the practice's
    courses of the period: no more query for the administrator (her scope is the practice),
    two more for a supervisor or a therapist."""
    scope = scope_for(user)
    if scope is None:
        return None
    k = suppression()
    ended = Episode.objects.filter(scope.episodes, status__in=ENDED, ended_on__isnull=False)
    years = available_years(ended, today)
    year = year or years[0]
    start, end = year_bounds(year)
    if year not in years:
        raise BadPeriod(year)
    q = 0
    if quarter not in (None, "", "all"):
        if quarter not in {"1", "2", "3", "4"}:
            raise BadPeriod(str(quarter))
        q = int(quarter)

    courses = _load_courses(ended, start, end, q)
    ids, n = courses.ids, len(courses.ids)
    index = {pk: i for i, pk in enumerate(ids)}
    everyone = [(i, "All finished courses") for i in range(n)]
    total = _rows(courses, everyone, k) or [
        Row("All finished courses", CourseCounts(), effect_size([], []), effect_size([], []), k)
    ]
    by_quarter = (
        []
        if q
        else _rows(
            courses,
            [(i, QUARTER_LABELS[int(courses.quarter[i])]) for i in range(n)],
            k,
            order=lambda label: label,
        )
    )
    by_therapist: list[Row] = []
    names: dict[int, str] = {user.pk: user.display_name}
    if scope.by_therapist and n:
        names = {
            u.pk: u.display_name
            for u in User.objects.filter(pk__in=set(courses.therapist)).order_by()
        }
        by_therapist = _rows(
            courses,
            [(i, names.get(t, "A former therapist")) for i, t in enumerate(courses.therapist)],
            k,
        )
    areas: dict[int, list[str]] = defaultdict(list)
    for episode_id, name in Episode.problem_areas.through.objects.filter(
        episode_id__in=ids
    ).values_list("episode_id", "problemarea__name"):
        areas[episode_id].append(name)
    approaches: dict[int, set[str]] = defaultdict(set)
    for episode_id, name in Session.modalities.through.objects.filter(
        session__episode_id__in=ids, session__attendance=Attendance.ATTENDED
    ).values_list("session__episode_id", "modality__name"):
        approaches[episode_id].add(name)
    by_area = _rows(
        courses,
        [(index[pk], a) for pk in ids for a in (areas.get(pk) or [NOT_RECORDED])],
        k,
    )
    by_approach = _rows(
        courses,
        [(index[pk], a) for pk in ids for a in (sorted(approaches.get(pk, ())) or [NOT_RECORDED])],
        k,
    )
    national, same = national_for(year)
    section = None
    if therapists:
        if user.role == Role.PRACTICE_ADMIN:
            practice_courses = courses  # her scope is the practice
        elif user.practice_id is not None:
            practice_courses = _load_courses(
                Episode.objects.filter(
                    client__practice_id=user.practice_id, status__in=ENDED, ended_on__isnull=False
                ),
                start,
                end,
                q,
            )
        else:
            practice_courses = None
        if practice_courses is not None:
            section = _therapist_section(user, courses, practice_courses, names, k)
    return Report(
        scope=scope,
        year=year,
        quarter=q,
        years=years,
        total=total[0],
        by_quarter=by_quarter,
        by_therapist=by_therapist,
        by_area=by_area,
        by_approach=by_approach,
        national=national,
        national_same_year=same,
        k=k,
        therapists=section,
    )
