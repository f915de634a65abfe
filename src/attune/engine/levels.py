"""One severity scale for people: urgent / act soon / watch / note.

The engine and the database keep their five severity codes ("urgent", "high", "red",
"yellow", "info"); what a therapist sees is one of four levels, the same on the caseload, the
episode page, the supervision page and the report. Safety ("high", "urgent") and outcome
("red") signals share "act soon": two words for one urgency would be two scales.

Why four and not five: OQ-Analyst's clinical support shows one calibrated signal with a
colour per level of concern (Lambert, Whipple & Kleinstäuber 2018, *Psychotherapy*
55:520-537; Lambert 2010, *Prevention of Treatment Failure*, APA), and alarm research warns
that more categories than people can tell apart breed alarm fatigue (Sendelbach & Funk 2013,
*AACN Adv Crit Care* 24:378). Good news is a
"note": worth reading, never something to acknowledge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Level:
    """One step of the scale people see."""

    code: str  # "urgent" | "act_soon" | "watch" | "note"
    label: str  # as written on a chip or card ("Act soon")
    order: int  # 0 = most urgent; sorts cards and chips
    css: str  # class for the stylesheet

    @property
    def is_note(self) -> bool:
        """A note needs no acknowledgement and never counts as an open alert."""
        return self.code == "note"


URGENT: Final = Level("urgent", "Urgent", 0, "severity-urgent")
ACT_SOON: Final = Level("act_soon", "Act soon", 1, "severity-act-soon")
WATCH: Final = Level("watch", "Watch", 2, "severity-watch")
NOTE: Final = Level("note", "Note", 3, "severity-note")

#: Every level, most urgent first.
LEVELS: Final[tuple[Level, ...]] = (URGENT, ACT_SOON, WATCH, NOTE)

#: Stored severity code → level (the team's agreed mapping; docs/decisions.md).
BY_SEVERITY: Final[dict[str, Level]] = {
    "urgent": URGENT,
    "high": ACT_SOON,
    "red": ACT_SOON,
    "yellow": WATCH,
    "info": NOTE,
}


def level(severity: str) -> Level:
    """The level people see for a stored severity code; ``ValueError`` for an unknown code."""
    try:
        return BY_SEVERITY[severity]
    except KeyError:
        raise ValueError(f"unknown severity {severity!r}; known: {sorted(BY_SEVERITY)}") from None


def is_note(severity: str) -> bool:
    """True for severities stored as notes (good news, markers), never as open alerts."""
    return level(severity).is_note
