"""The safety signal from PHQ-9 item 9 ("thoughts that you would be better off dead, or of
hurting yourself"), for batch analysis.

The app raises safety alerts at submission, in the same transaction that stores the answers
(see ``docs/clinical-rules.md``); this detector serves batch analysis and the command line and
applies the same rule: any answer of 1 ("several days") or more is a **high** flag for the
clinician, 2 ("more than half the days") or more is **urgent**.

Item 9 is a flag for a clinician to follow up with a validated assessment (C-SSRS, ASQ). It is
**never a risk score** and never rules risk out: 71.6 % of suicides in Louzon et al. followed a
"not at all" answer, and NICE NG225 advises against risk tools and scales for deciding care.
This module therefore returns one flag per answered session and computes nothing else.

Sources (clinical-science.md §8): Simon et al. (2013), *Psychiatr Serv* 64:1195-1202 (one-year
suicide-attempt risk 0.4 % at "not at all" up to 4 % at "nearly every day"); Louzon et al.
(2016), *Psychiatr Serv* (hazard ratios 1.75 / 2.15 / 2.85); NICE NG225 (2022), self-harm.

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from attune.engine.batch import EpisodeBatch
from attune.engine.instruments import Instrument, SafetyFlag, validate_answers
from attune.engine.signals import SAFETY_FOLLOW_UP, Severity, Signal

__all__ = [
    "DEFAULT_SAFETY",
    "ITEM9_ANSWERS",
    "SAFETY_ACTIONS",
    "SAFETY_SOURCE",
    "SafetyConfig",
    "SafetyWording",
    "detect_safety",
    "safety_flags",
    "safety_wording",
]

SAFETY_SOURCE = (
    "Simon et al. 2013, Psychiatr Serv 64:1195-1202; Louzon et al. 2016, Psychiatr Serv "
    "67:1036-1042; NICE NG225 (2022), self-harm: assessment, management and preventing "
    "recurrence — a flag for clinical follow-up, never a risk score"
)

#: What the therapist is asked to do, in order (NICE NG225; The Joint Commission NPSG 15.01.01:
#: screen → assess with a validated instrument → safety plan → document).
SAFETY_ACTIONS: tuple[str, ...] = (
    "Contact the client today.",
    "Assess with a validated instrument (C-SSRS or ASQ).",
    "Review or make a safety plan together.",
    "Record the safety follow-up on this alert.",
)

#: PHQ-9 answer labels by value.
ITEM9_ANSWERS: tuple[str, ...] = (
    "not at all",
    "several days",
    "more than half the days",
    "nearly every day",
)


@dataclass(frozen=True)
class SafetyConfig:
    """Item-9 flag levels: ``high_at = 1`` ("several days"), ``urgent_at = 2`` ("more than half
    the days") — Simon et al. 2013; Louzon et al. 2016; platform guidance, clinical-science.md
    §8. These are flag levels for a clinician, not a scale of risk."""

    high_at: float = 1.0
    urgent_at: float = 2.0


DEFAULT_SAFETY = SafetyConfig()


@dataclass(frozen=True)
class SafetyWording:
    """What the therapist reads on a safety alert: one text for the app and batch analysis."""

    title: str
    explanation: str
    actions: tuple[str, ...]
    source: str


def safety_wording(
    severity: Severity,
    *,
    instrument: str = "PHQ-9",
    session_number: int | None = None,
    answer: str | None = None,
    value: int | None = None,
    config: SafetyConfig = DEFAULT_SAFETY,
) -> SafetyWording:
    """The title, explanation, suggested actions and source of a safety alert.

    ``severity`` is ``"urgent"`` (item 9 >= ``urgent_at``) or ``"high"`` (>= ``high_at``). The
    text says what the client answered when it is known, that the flag is not a risk score
    (Louzon et al. 2016: most suicides followed a "not at all" answer; NICE NG225 advises
    against risk scales), and that a validated assessment follows (C-SSRS, ASQ). Sources:
    Simon et al. 2013; Louzon et al. 2016; NICE NG225 (2022).
    """
    urgent = severity == "urgent"
    title = (
        "Urgent: safety item answered — follow up today"
        if urgent
        else "Safety item answered: please follow up"
    )
    when = f"Before session {session_number} the client" if session_number else "The client"
    said = (
        f' answered "{answer}" ({value}) to'
        if answer is not None and value is not None
        else (" answered")
    )
    explanation = (
        f"{when}{said} the {instrument} item about thoughts of being better off dead or of "
        f"hurting themselves. Any answer of {config.high_at:g} or more opens this alert; "
        f"{config.urgent_at:g} or more makes it urgent. This is a flag, not a risk score: the "
        "answer alone neither predicts nor rules out risk, so follow up with a validated "
        "assessment and record what you did."
    )
    return SafetyWording(
        title=title, explanation=explanation, actions=SAFETY_ACTIONS, source=SAFETY_SOURCE
    )


def safety_flags(instrument: Instrument, answers: Mapping[str, object]) -> tuple[SafetyFlag, ...]:
    """The safety flags of a form, complete or not: every safety item with a valid answer counts
    even when other items are blank or invalid, so an item-9 answer is never lost to an
    unrelated mistake (Simon et al. 2013; NICE NG225). Thresholds are the definition's."""
    checked = validate_answers(instrument, answers)
    found: list[SafetyFlag] = []
    for item in instrument.safety_items:
        answer = checked.answers.get(item.code)
        value = None if answer is None or item.safety is None else item.value_of(answer)
        level = None if value is None or item.safety is None else item.safety.level(value)
        if value is not None and level is not None:
            found.append(SafetyFlag(item.code, value, level))
    return tuple(found)


def detect_safety(batch: EpisodeBatch, config: SafetyConfig = DEFAULT_SAFETY) -> list[Signal]:
    """ "safety" — high at PHQ-9 item 9 >= 1, urgent at >= 2 — at every session where it was
    answered so; key ``safety:s<N>``.

    Attendance does not matter: the check-in is completed before the session, and an answer
    given before a missed session needs follow-up all the more. Explicitly not a risk score
    (NICE NG225); sources: Simon et al. 2013; Louzon et al. 2016; NICE NG225.
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    item9 = np.nan_to_num(batch.phq9_item9, nan=-1.0)
    found: list[Signal] = []
    for i, j in np.argwhere(item9 >= config.high_at).tolist():
        value = int(item9[i, j])
        number = int(batch.session_number[i, j])
        severity: Severity = "urgent" if item9[i, j] >= config.urgent_at else "high"
        answer = ITEM9_ANSWERS[min(max(value, 0), len(ITEM9_ANSWERS) - 1)]
        total = float(batch.phq9[i, j])
        wording = safety_wording(
            severity, session_number=number, answer=answer, value=value, config=config
        )
        found.append(
            Signal(
                episode_id=int(batch.episode_ids[i]),
                kind="safety",
                severity=severity,
                session_number=number,
                key=f"safety:s{number}",
                title=wording.title,
                explanation=wording.explanation,
                evidence={
                    "session": number,
                    "item9": value,
                    "answer": answer,
                    "phq9_total": int(total) if np.isfinite(total) else None,
                    "high_at": float(config.high_at),
                    "urgent_at": float(config.urgent_at),
                },
                source=wording.source,
                actions=(SAFETY_FOLLOW_UP,),
            )
        )
    return found
