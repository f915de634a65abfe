"""Deterministic simulation of a feedback-informed group practice (no Django).

``simulate_practice`` builds the demo practice (people, profiles, episodes, sessions) with every
client's true course known; ``simulate_phq9_courses`` is the fast vectorised path for benchmarks
and accuracy studies. Both use the trajectory code in :mod:`attune.simulation.trajectories`.
"""

from attune.simulation.practice import (
    MODALITIES,
    PROBLEM_AREAS,
    SimEpisode,
    SimFeedback,
    SimPerson,
    SimPractice,
    SimSession,
    SimTherapist,
    simulate_practice,
)
from attune.simulation.trajectories import (
    ARCHETYPE_MIX,
    ARCHETYPES,
    ATTENDANCE,
    OUTCOMES,
    SimulatedCourses,
    simulate_phq9_courses,
)

__all__ = [
    "ARCHETYPES",
    "ARCHETYPE_MIX",
    "ATTENDANCE",
    "MODALITIES",
    "OUTCOMES",
    "PROBLEM_AREAS",
    "SimEpisode",
    "SimFeedback",
    "SimPerson",
    "SimPractice",
    "SimSession",
    "SimTherapist",
    "SimulatedCourses",
    "simulate_phq9_courses",
    "simulate_practice",
]
