"""What a therapist can record on each kind of alert: the one place that says so.

The episode page offers these and nothing else; ``services.record_action`` refuses anything
else with a clear message. The choices follow what each signal asks of the therapist:
a safety item asks for a validated follow-up (NICE NG225); an alliance signal for a repair
conversation (Safran & Muran 2000; Eubanks, Muran & Safran 2018, *Psychotherapy* 55:508); an
outcome signal for a review of the approach, supervision or a referral (Lambert 2010, the OQ
clinical support tools).
"""

from __future__ import annotations

from collections.abc import Mapping

from attune.alerts.models import ActionKind

A = ActionKind

_OUTCOME = (A.DISCUSSED, A.MODALITY_CHANGED, A.SUPERVISION, A.REFERRED, A.OTHER)
_ALLIANCE = (A.DISCUSSED, A.REPAIR_ATTEMPTED, A.SUPERVISION, A.REFERRED, A.OTHER)
_GOOD_NEWS = (A.DISCUSSED, A.OTHER)

#: Alert kind → the actions that fit it, in the order the form shows them.
ACTIONS_BY_KIND: Mapping[str, tuple[ActionKind, ...]] = {
    "safety": (A.SAFETY_FOLLOW_UP, A.REFERRED, A.OTHER),
    "not_on_track": _OUTCOME,
    "reliable_deterioration": _OUTCOME,
    "modality_review": _OUTCOME,
    "sudden_loss": _OUTCOME,
    "as_if": (A.DISCUSSED, A.SUPERVISION, A.OTHER),
    "rupture": _ALLIANCE,
    "unrepaired_rupture": _ALLIANCE,
    "repeated_ruptures": _ALLIANCE,
    "low_alliance": _ALLIANCE,
    "fit_check": (
        A.DISCUSSED,
        A.REPAIR_ATTEMPTED,
        A.MODALITY_CHANGED,
        A.SUPERVISION,
        A.REFERRED,
        A.OTHER,
    ),
    "dropout_risk": (A.DISCUSSED, A.CONTACTED, A.SUPERVISION, A.OTHER),
    # Good news is stored as a note and needs nothing; an old open one may still be closed.
    "reliable_improvement": _GOOD_NEWS,
    "repair": _GOOD_NEWS,
    "sudden_gain": _GOOD_NEWS,
}

#: For a kind added to the engine before it is added here.
DEFAULT_ACTIONS: tuple[ActionKind, ...] = (A.DISCUSSED, A.SUPERVISION, A.OTHER)


def allowed_actions(kind: str) -> tuple[ActionKind, ...]:
    return ACTIONS_BY_KIND.get(kind, DEFAULT_ACTIONS)


def action_choices(kind: str) -> list[tuple[str, str]]:
    """(value, label) pairs for the alert's form."""
    return [(a.value, a.label) for a in allowed_actions(kind)]


def offers_discussed(kind: str) -> bool:
    """Whether the one-step "Discussed in session" fits this kind (never for safety)."""
    return ActionKind.DISCUSSED in allowed_actions(kind)


def needs_instrument(kind: str) -> bool:
    """Only a safety follow-up names the validated instrument it used."""
    return ActionKind.SAFETY_FOLLOW_UP in allowed_actions(kind)
