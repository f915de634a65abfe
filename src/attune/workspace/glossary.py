"""What the caseload's labels mean, in plain words: the severity levels, every alert kind and the
client's-voice badges. Shown under the caseload ("What the labels mean").

Labels come from where they are defined (``attune.engine.levels``, ``AlertKind``,
``client_voice.BADGES``); only the explanations live here. A test asks for an explanation of
every level and every kind, so a new kind cannot reach the caseload unexplained.
"""

from __future__ import annotations

from dataclasses import dataclass

from attune.alerts.models import AlertKind
from attune.engine.levels import LEVELS
from attune.engine.signals import GOOD_NEWS
from attune.workspace.client_voice import BADGES

#: The four severity levels people see (``attune.engine.levels``), by code.
LEVEL_MEANINGS: dict[str, str] = {
    "urgent": "Respond today: a safety answer that needs same-day follow-up.",
    "act_soon": "Respond soon: within a day for a safety answer, otherwise before or at the "
    "next session.",
    "watch": "Keep an eye on it and raise it with the client when it fits.",
    "note": "Good news or a marker: worth reading, nothing to acknowledge.",
}

#: Every alert kind the engine raises (``AlertKind``), by code.
KIND_MEANINGS: dict[str, str] = {
    "safety": "The client's answer to the PHQ-9 question on thoughts of self-harm (item 9) was "
    "above “not at all”. Follow up with a validated assessment; it stays pinned at the top "
    "until you record what was done.",
    "not_on_track": "PHQ-9 is above the range expected by now for clients who started alike, or "
    "has got reliably worse; the alert lists its reasons.",
    "unrepaired_rupture": "A drop in session feedback, or a difficult moment the client "
    "reported, was not repaired within the next few rated sessions.",
    "repeated_ruptures": "More than one rupture in this episode was left unrepaired.",
    "rupture": "Session feedback fell clearly below the client's own recent level, or the client "
    "reported a moment of feeling misunderstood, uneasy or disconnected.",
    "repair": "After a rupture, feedback came back to its earlier level or the client said it "
    "was talked through.",
    "low_alliance": "Session feedback has stayed low for consecutive sessions, or fell reliably "
    "below the client's first ratings.",
    "dropout_risk": "Several signs that the client may stop coming: missed or late-cancelled "
    "sessions, a long gap, low early feedback, thinking of stopping.",
    "as_if": "Session feedback has been at the very top for several sessions in a row while "
    "PHQ-9 has not moved: worth asking what may not be being said.",
    "fit_check": "The fit check-in shows doubts about the match: a low rating, an unsure "
    "answer, or client and therapist seeing it differently.",
    "sudden_gain": "A large drop in PHQ-9 between two sessions that has held.",
    "reliable_improvement": "PHQ-9 or GAD-7 has improved by more than measurement error since "
    "the start.",
}


@dataclass(frozen=True)
class Entry:
    label: str
    meaning: str
    css: str = ""  # the chip's class, so the glossary shows it as it looks


def glossary() -> dict[str, list[Entry]]:
    """The entries of the caseload's glossary: ``levels``, ``kinds`` (good news last, said to be
    notes) and ``badges``."""
    kinds = [
        Entry(label, KIND_MEANINGS[value] + (" Good news: always a note." if good else ""))
        for good in (False, True)
        for value, label in AlertKind.choices
        if (value in GOOD_NEWS) == good
    ]
    return {
        "levels": [Entry(lv.label, LEVEL_MEANINGS[lv.code], lv.css) for lv in LEVELS],
        "kinds": kinds,
        "badges": [Entry(b.label, b.meaning, "voice") for b in BADGES],
    }
