"""A deterministic simulated group practice: people, profiles, episodes and sessions.

``simulate_practice(today, seed, n_clients)`` builds the whole practice from one
``numpy.random.default_rng(seed)``; everything is dated relative to ``today`` (no wall clock).
The symptom and alliance courses come from :mod:`attune.simulation.trajectories` (the same code
as the benchmark path), so every client's true course and outcome are known.

Fixed demo people: therapist@ (Dr. Miriam Adler, integrative: contemporary psychoanalysis,
EMDR, Somatic Experiencing, clinical hypnosis), colleague@ (CBT + ACT), supervisor@ (supervises
both and more), admin@, and client@ (a client of therapist@ with a repaired rupture, an open
feedback form for the last session and a session booked in the next day or two).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from attune.simulation import text
from attune.simulation.trajectories import (
    ARCHETYPE_MIX,
    ARCHETYPES,
    AS_IF,
    ATTENDANCE,
    ATTENDED,
    DETERIORATOR,
    EARLY_DROPOUT,
    IMPROVER,
    LATE_CANCELLED,
    MIN_SESSIONS,
    NO_SHOW,
    NO_SHOW_PATTERN,
    NON_RESPONDER,
    NONE,
    OUTCOMES,
    RESOLVED,
    RUPTURE,
    RUPTURE_REPAIRED,
    RUPTURE_UNREPAIRED,
    SLOW_RESPONDER,
    STOPPING,
    SUDDEN_GAIN,
    Courses,
    FloatArray,
    IntArray,
    generate_courses,
)

PRACTICE_NAME = "Lindenhof Psychotherapy Group"
WINDOW_DAYS = 270  # all past sessions fall within the last ~9 months
SESSION_MINUTES = 50
FIRST_HOUR, LAST_START_HOUR = 8, 18  # sessions start 08:00-18:00 and end by 19:00
MIN_CLIENTS, MAX_CLIENTS = 20, 150

MODALITIES: tuple[str, ...] = (
    "contemporary-psychoanalysis",
    "psychodynamic-therapy",
    "emdr",
    "somatic-experiencing",
    "clinical-hypnosis",
    "cbt",
    "act",
    "dbt",
    "schema-therapy",
    "person-centred-therapy",
    "systemic-therapy",
    "mentalization-based-treatment",
    "compassion-focused-therapy",
)
PROBLEM_AREAS: tuple[str, ...] = (
    "depression",
    "anxiety",
    "trauma",
    "relationships",
    "family",
    "grief",
    "self-esteem",
    "stress-burnout",
    "anger",
    "addiction",
    "sleep",
    "identity",
    "eating",
    "ocd",
)
EPISODE_STATUSES: tuple[str, ...] = ("active", "ended_planned", "ended_early", "transferred")


# --------------------------------------------------------------------------------------------
# public dataclasses (the contract with the demo loader)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimPerson:
    key: str
    email: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class SimTherapist:
    person: SimPerson
    gender: str  # "woman" | "man" | "non-binary"
    credentials: str
    training: str
    years_experience: int
    modalities: tuple[str, ...]
    problem_areas: tuple[str, ...]
    languages: tuple[str, ...]  # ISO 639-1
    formats: tuple[str, ...]  # subset of ("in_person", "online")
    accepting_new_clients: bool
    how_i_work: str
    supervisor_key: str | None
    fee_min: int  # EUR per session
    fee_max: int


@dataclass(frozen=True)
class SimFeedback:
    bond: int
    goals: int
    approach: int
    overall: int
    rupture: str  # "no" | "a_little" | "yes"
    rupture_resolved: str | None  # None when rupture == "no"
    stopping: str | None  # None | "no" | "sometimes" | "yes"
    comment: str


@dataclass(frozen=True)
class SimSession:
    number: int
    scheduled_at: datetime  # tz-aware UTC
    attendance: str  # "attended" | "cancelled" | "late_cancelled" | "no_show" | "scheduled"
    modalities: tuple[str, ...]
    phq9: tuple[int, ...] | None
    gad7: tuple[int, ...] | None
    feedback: SimFeedback | None
    progress_note: str


@dataclass(frozen=True)
class SimEpisode:
    key: str
    client_key: str
    therapist_key: str
    archetype: str
    status: str  # "active" | "ended_planned" | "ended_early" | "transferred"
    started_on: date
    ended_on: date | None
    problem_areas: tuple[str, ...]
    goals: tuple[str, ...]
    sessions: tuple[SimSession, ...]
    true_phq9: tuple[float, ...]  # latent PHQ-9 total at each session
    true_outcome: str  # "recovered" | "improved" | "unchanged" | "deteriorated" | "dropped_out"


@dataclass(frozen=True)
class SimPractice:
    name: str
    today: date
    seed: int
    therapists: tuple[SimTherapist, ...]
    supervisors: tuple[SimPerson, ...]
    admins: tuple[SimPerson, ...]
    clients: tuple[SimPerson, ...]
    episodes: tuple[SimEpisode, ...]


# --------------------------------------------------------------------------------------------
# fixed people
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    key: str
    first: str
    last: str
    gender: str
    credentials: str
    training: str
    years: int
    modalities: tuple[str, ...]
    problem_areas: tuple[str, ...]
    languages: tuple[str, ...]
    formats: tuple[str, ...]
    accepting: bool
    fee_min: int
    fee_max: int
    lead_supervisor: bool  # supervised by "supervisor" (else by "supervisor-2")
    email: str | None = None


_BOTH = ("in_person", "online")
_PROFILES: tuple[_Profile, ...] = (
    _Profile(
        "therapist", "Miriam", "Adler", "woman",
        "Dr. phil., licensed psychological psychotherapist",
        "Relational psychoanalytic training; EMDR Europe accredited practitioner; Somatic "
        "Experiencing Practitioner (SEP); certificate in clinical hypnosis",
        19,
        ("contemporary-psychoanalysis", "emdr", "somatic-experiencing", "clinical-hypnosis"),
        ("trauma", "depression", "anxiety", "relationships", "grief", "identity"),
        ("en", "de"), _BOTH, True, 110, 150, True, "therapist@example.org",
    ),
    _Profile(
        "colleague", "Jonas", "Becker", "man",
        "M.Sc. Psychology, licensed psychological psychotherapist",
        "Postgraduate training in cognitive behavioural therapy; ACT workshops and peer "
        "supervision",
        9, ("cbt", "act"),
        ("anxiety", "ocd", "stress-burnout", "sleep", "depression"),
        ("en", "de"), _BOTH, True, 100, 120, True, "colleague@example.org",
    ),
    _Profile(
        "therapist-03", "Amara", "Osei", "woman",
        "M.Sc. Clinical Psychology, licensed psychotherapist",
        "Schema therapy certification (advanced); DBT intensive training; compassion-focused "
        "therapy foundation course",
        12, ("schema-therapy", "dbt", "compassion-focused-therapy"),
        ("self-esteem", "relationships", "anger", "eating", "depression"),
        ("en", "fr"), ("in_person",), False, 100, 130, True,
    ),
    _Profile(
        "therapist-04", "Tomás", "Herrera", "man",
        "Dipl.-Psych., licensed psychotherapist",
        "Systemic and family therapy training; person-centred counselling diploma",
        15, ("systemic-therapy", "person-centred-therapy"),
        ("family", "relationships", "grief", "addiction"),
        ("en", "es", "de"), _BOTH, True, 95, 130, False,
    ),
    _Profile(
        "therapist-05", "Leyla", "Demir", "woman",
        "M.Sc. Psychology, licensed psychological psychotherapist",
        "Psychodynamic psychotherapy training; mentalization-based treatment (MBT) "
        "practitioner",
        7, ("mentalization-based-treatment", "psychodynamic-therapy"),
        ("relationships", "identity", "depression", "self-esteem"),
        ("en", "de", "tr"), _BOTH, True, 100, 125, False,
    ),
    _Profile(
        "therapist-06", "Sam", "Whitfield", "non-binary",
        "MA Counselling Psychology, registered psychotherapist",
        "ACT and compassion-focused therapy training; person-centred core training",
        6, ("act", "compassion-focused-therapy", "person-centred-therapy"),
        ("identity", "anxiety", "self-esteem", "stress-burnout"),
        ("en",), ("online",), True, 90, 110, False,
    ),
    _Profile(
        "therapist-07", "Katarzyna", "Nowak", "woman",
        "M.Sc. Psychology, licensed psychological psychotherapist",
        "CBT training; EMDR Europe accredited practitioner; DBT skills trainer",
        11, ("emdr", "cbt", "dbt"),
        ("trauma", "anxiety", "anger", "addiction"),
        ("en", "pl", "de"), ("in_person",), False, 100, 130, False,
    ),
    _Profile(
        "therapist-08", "Daniel", "Rosen", "man",
        "Dr. med., psychiatrist and psychoanalyst",
        "Psychoanalytic training (IPA); psychodynamic psychotherapy",
        24, ("psychodynamic-therapy", "contemporary-psychoanalysis"),
        ("depression", "grief", "relationships", "anxiety"),
        ("en", "de", "he"), ("in_person",), False, 120, 160, False,
    ),
    _Profile(
        "therapist-09", "Yuki", "Tanaka-Berg", "woman",
        "M.Sc. Psychology, licensed psychotherapist",
        "Somatic Experiencing Practitioner (SEP); ACT training; clinical hypnosis certificate",
        8, ("somatic-experiencing", "act", "clinical-hypnosis"),
        ("stress-burnout", "sleep", "trauma", "anxiety"),
        ("en", "de", "ja"), _BOTH, True, 100, 130, False,
    ),
    _Profile(
        "therapist-10", "Rafael", "Costa", "man",
        "M.Sc. Psychology, psychotherapist in training (supervised)",
        "Final year of CBT training; introductory schema therapy course",
        2, ("cbt", "schema-therapy"),
        ("eating", "ocd", "depression", "anxiety"),
        ("en", "pt", "es"), ("in_person",), True, 70, 90, True,
    ),
)  # fmt: skip

_SUPERVISORS = (
    SimPerson("supervisor", "supervisor@example.org", "Helen", "Okafor"),
    SimPerson("supervisor-2", "ruth.lindqvist@example.org", "Ruth", "Lindqvist"),
)
_ADMIN = SimPerson("admin", "admin@example.org", "Alex", "Novak")
_CLIENT = SimPerson("client", "client@example.org", "Lea", "Brandt")
_CLIENT_PROBLEMS = ("trauma", "relationships")
_CLIENT_GOALS = (
    "Feel safe in my own body again",
    "Stop picking fights with my partner when I feel hurt",
)

_PHQ9_WEIGHTS = np.array([1.0, 1.1, 1.1, 1.25, 0.8, 1.0, 0.9, 0.5])  # items 1-8
_GAD7_WEIGHTS = np.array([1.1, 1.1, 1.15, 1.0, 0.7, 0.9, 0.8])


def email_for(first: str, last: str) -> str:
    """firstname.lastname@example.org, ASCII-folded, lower case."""

    def fold(s: str) -> str:
        plain = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
        return "".join(ch for ch in plain.lower() if ch.isalnum() or ch == "-")

    return f"{fold(first)}.{fold(last)}@example.org"


def _therapist(p: _Profile) -> SimTherapist:
    return SimTherapist(
        person=SimPerson(p.key, p.email or email_for(p.first, p.last), p.first, p.last),
        gender=p.gender,
        credentials=p.credentials,
        training=p.training,
        years_experience=p.years,
        modalities=p.modalities,
        problem_areas=p.problem_areas,
        languages=p.languages,
        formats=p.formats,
        accepting_new_clients=p.accepting,
        how_i_work=text.HOW_I_WORK[p.key],
        supervisor_key="supervisor" if p.lead_supervisor else "supervisor-2",
        fee_min=p.fee_min,
        fee_max=p.fee_max,
    )


# --------------------------------------------------------------------------------------------
# planning
# --------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    key: str
    therapist: int
    archetype: int
    required: bool = False
    status: str = "active"
    client: int = -1
    transfer_from: int = -1  # index of the episode this one continues (warm referral)
    step: int = 7
    weekday: int = 0
    hour: int = 9
    dates: list[date] = field(default_factory=list)  # past sessions
    future: date | None = None
    ended_on: date | None = None
    horizon: int = 0


def _pick(rng: np.random.Generator, items: Sequence[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _loads(n_episodes: int, n_therapists: int) -> list[int]:
    lead = int(np.clip(round(1.6 * n_episodes / n_therapists), 11, 16))
    rest = n_episodes - lead
    base, extra = divmod(rest, n_therapists - 1)
    return [lead] + [base + (1 if i < extra else 0) for i in range(n_therapists - 1)]


def _client_people(rng: np.random.Generator, n: int, taken: set[str]) -> list[SimPerson]:
    people = [_CLIENT]
    used = set(taken) | {_CLIENT.email}
    firsts, lasts = text.FIRST_NAMES, text.LAST_NAMES
    for code in rng.permutation(len(firsts) * len(lasts)):
        if len(people) == n:
            break
        first, last = firsts[int(code) // len(lasts)], lasts[int(code) % len(lasts)]
        email = email_for(first, last)
        if email in used:
            continue
        used.add(email)
        people.append(SimPerson(f"client-{len(people) + 1:03d}", email, first, last))
    return people


def _next_weekday_on_or_after(d: date, weekday: int) -> date:
    return d + timedelta(days=(weekday - d.weekday()) % 7)


def _dates_back(
    anchor: date, step: int, n: int, earliest: date, vacation: tuple[date, date]
) -> list[date]:
    """Up to n session dates before ``anchor`` (every ``step`` days), skipping the vacation."""
    out: list[date] = []
    d = anchor - timedelta(days=step)
    while len(out) < n and d >= earliest:
        if not vacation[0] <= d <= vacation[1]:
            out.append(d)
        d -= timedelta(days=step)
    return out[::-1]


def _client_future_date(today: date) -> date:
    """1-2 days ahead on a weekday; from a Friday the next Monday (3 days) is the nearest."""
    for days in (1, 2, 3):
        d = today + timedelta(days=days)
        if d.weekday() < 5:
            return d
    raise AssertionError("unreachable")  # pragma: no cover


def _plan_episodes(rng: np.random.Generator, n_clients: int, n_therapists: int) -> list[_Plan]:
    n_transfer = max(1, n_clients // 36)
    loads = _loads(n_clients + n_transfer, n_therapists)
    mix = np.array(ARCHETYPE_MIX)
    plans: list[_Plan] = []
    for t, load in enumerate(loads):
        archs = list(range(len(ARCHETYPES))) if t == 0 else []
        archs += [int(a) for a in rng.choice(len(ARCHETYPES), size=load - len(archs), p=mix)]
        for j, a in enumerate(archs):
            plans.append(_Plan(key="", therapist=t, archetype=a, required=t == 0 and j < 10))

    # warm referrals: a stuck episode ends "transferred", the client continues with a colleague
    free = [i for i, p in enumerate(plans) if not p.required]
    sources: list[int] = []
    for i in map(int, rng.permutation(free)):
        if len(sources) == n_transfer:
            break
        if plans[i].archetype in (NON_RESPONDER, RUPTURE_UNREPAIRED):
            sources.append(i)
    for i in map(int, rng.permutation(free)):
        if len(sources) == n_transfer:
            break
        if i not in sources and plans[i].archetype not in (EARLY_DROPOUT, AS_IF):
            plans[i].archetype = NON_RESPONDER
            sources.append(i)
    for s in sources:
        plans[s].status = "transferred"
        candidates = [
            i
            for i in free
            if i not in sources
            and plans[i].therapist != plans[s].therapist
            and plans[i].transfer_from < 0
            and not any(p.transfer_from == i for p in plans)
        ]
        good = [i for i in candidates if plans[i].archetype in (IMPROVER, SLOW_RESPONDER)]
        d = good[int(rng.integers(len(good)))] if good else candidates[0]
        plans[d].archetype = plans[d].archetype if good else IMPROVER
        plans[d].transfer_from = s

    # statuses
    for p in plans:
        if p.transfer_from >= 0 or p.status == "transferred":
            continue
        u = float(rng.random())
        if p.archetype == EARLY_DROPOUT:
            p.status = "ended_early"
        elif p.required:
            p.status = "active"
        elif p.archetype in (IMPROVER, SLOW_RESPONDER, SUDDEN_GAIN, RUPTURE_REPAIRED):
            p.status = "ended_planned" if u < 0.25 else "active"
        elif p.archetype in (NO_SHOW_PATTERN, RUPTURE_UNREPAIRED):
            p.status = "ended_early" if u < 0.33 else "active"
        elif p.archetype == NON_RESPONDER:
            p.status = "ended_early" if u < 0.12 else "active"

    # clients: client@ is therapist@'s rupture_repaired episode; referrals keep their client
    plans[_required(plans, RUPTURE_REPAIRED)].client = 0
    order = [i for i, p in enumerate(plans) if p.transfer_from < 0 and p.client < 0]
    for i, c in zip(order, rng.permutation(len(order)) + 1, strict=True):
        plans[i].client = int(c)
    for p in plans:
        if p.transfer_from >= 0:
            p.client = plans[p.transfer_from].client
    return plans


def _schedule(rng: np.random.Generator, today: date, plans: list[_Plan], n_therapists: int) -> None:
    earliest = today - timedelta(days=WINDOW_DAYS)
    yesterday = today - timedelta(days=1)
    wd_today = today.weekday()
    client_future = _client_future_date(today)
    vacations: list[tuple[date, date]] = []
    slots: list[list[tuple[int, int]]] = []
    # today's weekday has no future session within 1-6 days, so only ended episodes use it
    ended_slots: list[list[tuple[int, int]]] = []
    for _ in range(n_therapists):
        start = today - timedelta(days=int(rng.integers(45, 231)))
        start -= timedelta(days=start.weekday())
        vacations.append((start, start + timedelta(days=13)))
        days = [d for d in range(5) if d != wd_today]
        free = [(d, h) for d in days for h in range(FIRST_HOUR, LAST_START_HOUR + 1)]
        slots.append([free[int(i)] for i in rng.permutation(len(free))])
        hours = range(FIRST_HOUR, LAST_START_HOUR + 1) if wd_today < 5 else range(0)
        ended_slots.append([(wd_today, h) for h in rng.permutation(hours).tolist()])
    # client@'s slot is fixed by the date of the next session
    fixed = (client_future.weekday(), 16)
    if fixed in slots[0]:
        slots[0].remove(fixed)

    ordered = sorted(range(len(plans)), key=lambda i: (plans[i].transfer_from >= 0, i))
    for i in ordered:
        p = plans[i]
        is_client = p.client == 0
        vac = vacations[p.therapist]
        if is_client:
            p.weekday, p.hour = fixed
        elif p.status != "active" and ended_slots[p.therapist]:
            p.weekday, p.hour = ended_slots[p.therapist].pop(0)
        else:
            p.weekday, p.hour = slots[p.therapist].pop(0)
        fortnightly_ok = p.archetype in (IMPROVER, SLOW_RESPONDER, NON_RESPONDER)
        p.step = 14 if fortnightly_ok and not p.required and rng.random() < 0.15 else 7
        lo = MIN_SESSIONS[p.archetype]
        if p.required and p.archetype != EARLY_DROPOUT:
            lo = max(lo, 9)

        if p.status == "active":
            start_bound = earliest
            if p.transfer_from >= 0:
                src = plans[p.transfer_from]
                assert src.ended_on is not None
                start_bound = src.ended_on + timedelta(days=int(rng.integers(7, 22)))
            p.future = (
                client_future
                if is_client
                else _next_weekday_on_or_after(today + timedelta(days=1), p.weekday)
            )
            want = 11 if is_client else max(lo, round(float(rng.gamma(2.6, 7.0))))
            p.dates = _dates_back(p.future, p.step, want, start_bound, vac)
            p.horizon = max(len(p.dates) + 3, int(rng.integers(14, 31)))
            continue

        if p.status == "ended_planned":
            want = int(rng.integers(10, 26))
        elif p.status == "transferred":
            want = int(rng.integers(max(lo, 8), 17))
        elif p.archetype == EARLY_DROPOUT:
            want = int(rng.integers(2, 6))
        else:
            want = int(rng.integers(max(lo, 6), 17))
        span = p.step * (want + 2) + 14
        min_ago = 60 if p.status == "transferred" else 8
        days_ago = int(rng.integers(min_ago, max(min_ago + 1, WINDOW_DAYS - span)))
        last = _next_weekday_on_or_after(today - timedelta(days=days_ago + 6), p.weekday)
        while vac[0] <= last <= vac[1]:
            last -= timedelta(days=7)
        p.dates = _dates_back(last + timedelta(days=p.step), p.step, want, earliest, vac)
        p.horizon = len(p.dates)
        last = p.dates[-1]
        if p.status == "ended_planned":
            p.ended_on = last
        elif p.status == "transferred":
            p.ended_on = min(last + timedelta(days=int(rng.integers(1, 8))), yesterday)
        else:
            p.ended_on = min(last + timedelta(days=int(rng.integers(7, 22))), yesterday)


# --------------------------------------------------------------------------------------------
# item-level answers
# --------------------------------------------------------------------------------------------


def _allocate(total: int, weights: FloatArray, cap: int = 3) -> list[int]:
    """Spread ``total`` points over items (0..cap each) in proportion to ``weights``."""
    values = [0] * len(weights)
    w = [float(x) for x in weights]
    for _ in range(min(total, cap * len(values))):
        best, score = -1, -1.0
        for j, wj in enumerate(w):
            if values[j] < cap:
                s = wj / (values[j] + 1)
                if s > score:
                    best, score = j, s
        values[best] += 1
    return values


def _phq9_items(
    rng: np.random.Generator, total: int, item9: int, profile: FloatArray
) -> tuple[int, ...]:
    item9 = max(0, min(item9, 3, total))
    rest = min(total - item9, 24)
    noisy = profile * rng.gamma(8.0, 1.0 / 8.0, len(profile))
    return (*_allocate(rest, noisy), item9)


def _gad7_items(rng: np.random.Generator, total: int, profile: FloatArray) -> tuple[int, ...]:
    noisy = profile * rng.gamma(8.0, 1.0 / 8.0, len(profile))
    return tuple(_allocate(min(total, 21), noisy))


# --------------------------------------------------------------------------------------------
# assembly
# --------------------------------------------------------------------------------------------


def _at(dt: date, hour: int) -> datetime:
    return datetime(dt.year, dt.month, dt.day, hour, 0, tzinfo=UTC)


def _episode_modalities(
    rng: np.random.Generator, mix: tuple[str, ...], plan: _Plan, n_past: int
) -> tuple[list[frozenset[str]], int, str, str]:
    """Modalities per past session; returns (per session, switch column or -1, old, new)."""
    weights = np.array([3.0] + [1.0] * (len(mix) - 1))
    core = mix[int(rng.choice(len(mix), p=weights / weights.sum()))]
    others = [m for m in mix if m != core]
    n_adj = int(rng.integers(0, min(2, len(others)) + 1))
    adjuncts = [others[int(i)] for i in rng.permutation(len(others))[:n_adj]]
    switch, old, new = -1, "", ""
    stuck = plan.archetype in (NON_RESPONDER, RUPTURE_UNREPAIRED, DETERIORATOR)
    always = plan.required and plan.archetype == NON_RESPONDER
    if stuck and n_past >= 8 and (always or rng.random() < 0.4):
        switch = int(rng.integers(5, min(9, n_past - 2) + 1))
        options = [m for m in others if m not in adjuncts] or others
        old, new = core, options[int(rng.integers(len(options)))]
    per_session: list[frozenset[str]] = []
    for j in range(n_past):
        current = new if 0 <= switch <= j else core
        chosen = {current}
        if j >= 2:
            chosen |= {m for m in adjuncts if m != current and rng.random() < 0.45}
        per_session.append(frozenset(chosen))
    return per_session, switch, old, new


def _comment(rng: np.random.Generator, arch: int, j: int, c: Courses, i: int, total: int) -> str:
    u = float(rng.random())
    rupture, resolved, stopping = int(c.rupture[i, j]), int(c.resolved[i, j]), int(c.stopping[i, j])
    if arch == AS_IF:
        return "" if u < 0.55 else _pick(rng, text.BLAND_COMMENTS)
    if rupture >= 1 and resolved in (0, 1):
        return _pick(rng, text.CRITICAL_COMMENTS) if u < 0.75 else ""
    if rupture >= 1:
        p = 0.7 if j == int(c.rupture_index[i, 0]) else 0.4
        return _pick(rng, text.REPAIR_COMMENTS) if u < p else ""
    if stopping >= 1:
        return _pick(rng, text.DOUBT_COMMENTS) if u < 0.55 else ""
    if j == int(c.gain_index[i]):
        return _pick(rng, text.GAIN_COMMENTS) if u < 0.6 else ""
    if total <= 28:
        if u < 0.25:
            return _pick(rng, text.CRITICAL_COMMENTS)
        return _pick(rng, text.NEUTRAL_COMMENTS) if u < 0.5 else ""
    if u < 0.18:
        return _pick(rng, text.POSITIVE_COMMENTS)
    return _pick(rng, text.NEUTRAL_COMMENTS) if u < 0.26 else ""


def _note(
    rng: np.random.Generator,
    plan: _Plan,
    j: int,
    n_past: int,
    c: Courses,
    i: int,
    mods: frozenset[str],
    item9: int,
    problem: str,
    switch: tuple[int, str, str],
    change: float | None,
    previous: str,
) -> str:
    """One or two sentences for an attended session (``previous``: the last note)."""
    arch = plan.archetype
    if item9 > 0:
        return _pick(rng, text.RISK_NOTES).format(value=item9)
    if j == 0:
        return _pick(rng, text.INTAKE_NOTES).format(problem=text.PROBLEM_LABELS[problem])
    if j == n_past - 1 and plan.status == "ended_planned":
        return _pick(rng, text.ENDING_NOTES)
    if j == n_past - 1 and plan.status == "transferred":
        return _pick(rng, text.TRANSFER_NOTES)
    if arch == RUPTURE_REPAIRED and j == int(c.rupture_index[i, 0]):
        return _pick(rng, text.RUPTURE_REPAIRED_NOTES)
    if arch == RUPTURE_REPAIRED and j == int(c.repair_index[i]):
        return _pick(rng, text.REPAIR_NOTES)
    if arch == RUPTURE_UNREPAIRED and j in (int(c.rupture_index[i, 0]), int(c.rupture_index[i, 1])):
        return _pick(rng, text.RUPTURE_UNREPAIRED_NOTES)
    if j == int(c.gain_index[i]):
        return _pick(rng, text.GAIN_NOTES)
    if j == switch[0]:
        return _pick(rng, text.SWITCH_NOTES).format(
            old=switch[1].replace("-", " "), new=switch[2].replace("-", " ")
        )
    modality = sorted(mods)[int(rng.integers(len(mods)))]
    pool = text.MODALITY_NOTES[modality]
    if rng.random() < 0.3:
        pool = text.GENERAL_NOTES
    fresh = [x for x in pool if not previous.startswith(x)] or list(pool)
    note = _pick(rng, fresh)
    if rng.random() < 0.5:
        mood = "same"
        if change is not None and change <= -3:
            mood = "better"
        elif change is not None and change >= 3:
            mood = "worse"
        note = f"{note} {_pick(rng, text.RESPONSE_NOTES[mood])}"
    return note


def _required(plans: list[_Plan], archetype: int) -> int:
    """Index of therapist@'s fixed episode of an archetype."""
    return next(i for i, p in enumerate(plans) if p.required and p.archetype == archetype)


def _risk_plan(
    rng: np.random.Generator, plans: list[_Plan], c: Courses, n_clients: int
) -> dict[int, IntArray]:
    """Item-9 answers (per column) for the few clients who endorse it, at a few check-ins.

    therapist@'s deteriorator answers 1 on the latest check-in; at least one client in the
    practice answers 2 once (the most severe check-in of another therapist's client).
    """
    t = c.phq9.shape[1]
    forced = _required(plans, DETERIORATOR)
    candidates = [
        i
        for i, p in enumerate(plans)
        if p.archetype in (DETERIORATOR, NON_RESPONDER, RUPTURE_UNREPAIRED, NO_SHOW_PATTERN)
        and p.client != 0
        and i != forced
        and c.true_phq9[i, 0] >= 12
    ]
    k = max(2, round(0.05 * n_clients))
    chosen = [forced] + [int(i) for i in rng.permutation(candidates)[: k - 1]]
    out: dict[int, IntArray] = {}
    for i in chosen:
        totals = np.nan_to_num(c.phq9[i], nan=-1.0)
        v9 = np.zeros(t, dtype=np.int64)
        severe = np.flatnonzero(totals >= 12)
        if severe.size:
            picks = rng.permutation(severe)[: int(rng.integers(1, 4))]
            v9[picks] = np.where(rng.random(picks.size) < 0.2, 2, 1)
        out[i] = v9
    last = int(c.n_past[forced]) - 1
    out[forced][:] = 0
    out[forced][last] = 1
    if rng.random() < 0.6 and last >= 3:
        out[forced][last - int(rng.integers(2, 4))] = 1
    if not any((v >= 2).any() for v in out.values()):
        other = next((i for i in chosen if plans[i].therapist != 0), chosen[-1])
        col = int(np.argmax(np.nan_to_num(c.phq9[other], nan=-1.0)))
        out[other][col] = 2
    return out


def simulate_practice(today: date, seed: int = 2026, n_clients: int = 72) -> SimPractice:
    """Simulate a group practice as of ``today`` (deterministic in today, seed, n_clients).

    All past sessions fall in the ``WINDOW_DAYS`` before ``today`` (none on ``today`` itself);
    every active episode ends with one ``scheduled`` session 1-6 days ahead (client@'s is 1-2
    days ahead, or the Monday after when ``today`` is a Friday). ``true_phq9`` is the latent
    total at each session; ``true_outcome`` is "dropped_out" for episodes that ended early and
    otherwise the Jacobson-Truax / NHS Talking Therapies category of the latent course at its
    planned end (for active episodes: where the course is heading, i.e. what an accurate
    engine should predict). ``n_clients`` must be between 20 and 150; the default gives 8
    therapists with 8-16 episodes each.
    """
    if not MIN_CLIENTS <= n_clients <= MAX_CLIENTS:
        raise ValueError(f"n_clients must be between {MIN_CLIENTS} and {MAX_CLIENTS}")
    rng = np.random.default_rng(seed)
    n_therapists = min(len(_PROFILES), max(6, round(n_clients / 9)))
    therapists = tuple(_therapist(p) for p in _PROFILES[:n_therapists])
    staff_emails = {t.person.email for t in therapists} | {s.email for s in _SUPERVISORS}
    clients = _client_people(rng, n_clients, staff_emails | {_ADMIN.email})

    plans = _plan_episodes(rng, n_clients, n_therapists)
    _schedule(rng, today, plans, n_therapists)
    for k, p in enumerate(plans):
        p.key = f"ep-{k + 1:03d}"

    n = len(plans)
    n_past = np.array([len(p.dates) for p in plans], dtype=np.int64)
    future = np.array([p.future is not None for p in plans])
    n_sessions = n_past + future
    t = int(n_sessions.max())
    forced_att = np.full((n, t), NONE, dtype=np.int8)
    forced_checkin = np.full((n, t), NONE, dtype=np.int8)
    forced_fb = np.full((n, t), NONE, dtype=np.int8)
    for i, p in enumerate(plans):
        last = int(n_past[i]) - 1
        if p.client == 0:
            forced_att[i, : last + 1] = ATTENDED
            forced_checkin[i, last] = 1
            forced_fb[i, last] = 0
        elif p.required and p.archetype == DETERIORATOR:
            forced_att[i, last] = ATTENDED
            forced_checkin[i, last] = 1
        elif p.status in ("ended_planned", "transferred"):
            forced_att[i, last] = ATTENDED
        elif p.status == "ended_early" and p.archetype != EARLY_DROPOUT:
            forced_att[i, last] = NO_SHOW
            if p.archetype == NO_SHOW_PATTERN and last >= 2:
                forced_att[i, last - 1] = LATE_CANCELLED

    c = generate_courses(
        rng,
        np.array([p.archetype for p in plans], dtype=np.int8),
        n_sessions,
        future=future,
        horizon=np.array([max(p.horizon, len(p.dates) + 1) for p in plans], dtype=np.int64),
        forced_attendance=forced_att,
        forced_checkin=forced_checkin,
        forced_feedback=forced_fb,
        intake=np.array([16.5 if p.client == 0 else np.nan for p in plans]),
    )
    item9 = _risk_plan(rng, plans, c, n_clients)

    episodes: list[SimEpisode] = []
    for i, p in enumerate(plans):
        ther = therapists[p.therapist]
        problems: tuple[str, ...] = _CLIENT_PROBLEMS
        goals: tuple[str, ...] = _CLIENT_GOALS
        if p.client != 0:
            areas = ther.problem_areas
            w = np.array([2.0] + [1.0] * (len(areas) - 1))
            k = int(rng.integers(1, 4))
            idx = rng.choice(len(areas), size=k, replace=False, p=w / w.sum())
            problems = tuple(areas[int(j)] for j in sorted(idx))
            pool = [g for a in problems for g in text.GOALS[a]]
            n_goals = min(len(pool), int(rng.integers(1, 4)))
            goals = tuple(pool[int(j)] for j in rng.permutation(len(pool))[:n_goals])
        np_i = int(n_past[i])
        mods, switch, old, new = _episode_modalities(rng, ther.modalities, p, np_i)
        phq_profile = _PHQ9_WEIGHTS * rng.lognormal(0.0, 0.35, 8)
        gad_profile = _GAD7_WEIGHTS * rng.lognormal(0.0, 0.3, 7)
        v9 = item9.get(i)
        sessions: list[SimSession] = []
        previous: float | None = None
        last_note = ""
        dates = [*p.dates, *([p.future] if p.future is not None else [])]
        for j, d in enumerate(dates):
            code = int(c.attendance[i, j])
            attendance = ATTENDANCE[code]
            if code != ATTENDED:
                sessions.append(
                    SimSession(j + 1, _at(d, p.hour), attendance, (), None, None, None, "")
                )
                continue
            phq: tuple[int, ...] | None = None
            gad: tuple[int, ...] | None = None
            change: float | None = None
            nine = 0
            if not np.isnan(c.phq9[i, j]):
                total = int(c.phq9[i, j])
                nine = int(v9[j]) if v9 is not None else 0
                phq = _phq9_items(rng, total, nine, phq_profile)
                nine = phq[8]
                current = float(sum(phq))
                change = None if previous is None else current - previous
                previous = current
            if not np.isnan(c.gad7[i, j]):
                gad = _gad7_items(rng, int(c.gad7[i, j]), gad_profile)
            fb: SimFeedback | None = None
            if c.feedback[i, j]:
                ratings = [int(x) for x in c.alliance[i, j]]
                rupture = int(c.rupture[i, j])
                resolved = int(c.resolved[i, j])
                stopping = int(c.stopping[i, j])
                fb = SimFeedback(
                    bond=ratings[0],
                    goals=ratings[1],
                    approach=ratings[2],
                    overall=ratings[3],
                    rupture=RUPTURE[rupture],
                    rupture_resolved=RESOLVED[resolved] if rupture > 0 else None,
                    stopping=STOPPING[stopping] if stopping >= 0 else None,
                    comment=_comment(rng, p.archetype, j, c, i, sum(ratings)),
                )
            modalities = tuple(m for m in ther.modalities if m in mods[j])
            switch_info = (switch, old, new)
            note = _note(
                rng, p, j, np_i, c, i, mods[j], nine, problems[0], switch_info, change, last_note
            )
            last_note = note
            sessions.append(
                SimSession(j + 1, _at(d, p.hour), attendance, modalities, phq, gad, fb, note)
            )
        status = p.status
        outcome = "dropped_out" if status == "ended_early" else OUTCOMES[int(c.outcome[i])]
        episodes.append(
            SimEpisode(
                key=p.key,
                client_key=clients[p.client].key,
                therapist_key=ther.person.key,
                archetype=ARCHETYPES[p.archetype],
                status=status,
                started_on=dates[0],
                ended_on=p.ended_on,
                problem_areas=problems,
                goals=goals,
                sessions=tuple(sessions),
                true_phq9=tuple(round(float(x), 2) for x in c.true_phq9[i, : len(dates)]),
                true_outcome=outcome,
            )
        )

    return SimPractice(
        name=PRACTICE_NAME,
        today=today,
        seed=seed,
        therapists=therapists,
        supervisors=_SUPERVISORS,
        admins=(_ADMIN,),
        clients=tuple(clients),
        episodes=tuple(episodes),
    )
