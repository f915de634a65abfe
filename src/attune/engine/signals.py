"""What the engine reports: a signal with its numbers, its rule in words, its source, and what
client and therapist might do about it together."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["info", "yellow", "red", "high", "urgent"]

#: Every signal the engine knows, in the order a therapist would want to read them.
KINDS: tuple[str, ...] = (
    "safety",
    "not_on_track",
    "unrepaired_rupture",
    "repeated_ruptures",
    "rupture",
    "repair",
    "low_alliance",
    "dropout_risk",
    "as_if",
    "fit_check",
    "sudden_gain",
    "reliable_improvement",
)

#: Good news: always a note (severity "info"), never an open alert (issue 9).
GOOD_NEWS: tuple[str, ...] = ("repair", "sudden_gain", "reliable_improvement")

#: Suggested actions, in the spirit of co-created therapy (the same wording everywhere).
INVITE_FEEDBACK = "Invite the client's feedback on how therapy is going — and on you."
REPAIR_CONVERSATION = (
    "Have a repair conversation: name the moment, own your part, ask what would help."
)
TALK_ABOUT_FIT = "Talk together about the fit: what works, what doesn't, what the client needs."
REVIEW_MODALITY = "Review the approach together: combine or switch modality."
WARM_REFERRAL = "If the fit doesn't improve, offer a warm referral to a colleague."
SAFETY_FOLLOW_UP = "Follow up on safety today with a validated assessment (C-SSRS or ASQ)."
REVIEW_IN_SUPERVISION = "Bring this episode to supervision."
ACKNOWLEDGE_PROGRESS = "Acknowledge the progress together and ask what made the difference."


@dataclass(frozen=True)
class Signal:
    """One finding about one episode.

    ``key`` identifies the event within its episode (e.g. ``rupture:s7``): evaluating again
    gives the same key, so the app updates the alert instead of opening a second one.
    """

    episode_id: int
    kind: str
    severity: Severity
    session_number: int
    key: str
    title: str
    explanation: str
    evidence: Mapping[str, object]
    source: str
    actions: tuple[str, ...] = field(default=())


def fingerprint(signals: Iterable[Signal]) -> str:
    """SHA-256 of the signals' ``repr``, one per line, in their order.

    Equal fingerprints mean equal output field by field, value by value and type by type
    (``repr`` tells ``1`` from ``1.0`` and a list from a tuple): the proof that a faster
    evaluation gives the same signals (``benchmarks/engine.py --sha``; issue 13).
    """
    digest = hashlib.sha256()
    for signal in signals:
        digest.update(repr(signal).encode())
        digest.update(b"\n")
    return digest.hexdigest()
