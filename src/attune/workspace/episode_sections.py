"""How the episode page keeps long sections short: closed alerts as one line each ("Rupture
s. 23 → repaired s. 26"), the latest sessions in the table and the earlier ones behind "show
all"; and the private notes' timeline as plain rows.

Reads only what ``episode_for_page`` prefetched (sessions, alerts with their events), the
closed alerts of ``alerts.queries.episode_alerts`` and the notes ``notes.services.episode_notes``
opened: no query of its own.
"""

from __future__ import annotations

import html
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.safestring import SafeString, mark_safe

from attune.alerts.models import Alert, AlertKind
from attune.alerts.queries import ClosedAlert
from attune.care.models import Session
from attune.notes.services import EpisodeNotes
from attune.workspace.templatetags.session_rows import short_dates, url_for_ids

#: How many of the latest sessions the sessions table shows before "show all".
SESSIONS_SHOWN = 8


@dataclass(frozen=True)
class SessionTable:
    recent: list[Session]  # the latest SESSIONS_SHOWN, oldest first
    earlier: list[Session]  # the ones before, oldest first (behind "show all")

    @property
    def total(self) -> int:
        return len(self.recent) + len(self.earlier)


def session_table(sessions: Iterable[Session], shown: int = SESSIONS_SHOWN) -> SessionTable:
    ordered = sorted(sessions, key=lambda s: s.number)
    cut = max(len(ordered) - shown, 0)
    return SessionTable(recent=ordered[cut:], earlier=ordered[:cut])


@dataclass(frozen=True)
class HistoryLine:
    """One closed alert in one line: what, in which sessions, and how it ended."""

    closed: ClosedAlert
    what: str  # "Rupture"
    sessions: str  # "s. 23", "s. 4–9" or "" when no session is known
    outcome: str  # "repaired s. 26", "closed: Discussed in session"

    @property
    def alert(self) -> Alert:
        return self.closed.alert

    @property
    def text(self) -> str:
        where = f" {self.sessions}" if self.sessions else ""
        return f"{self.what}{where} → {self.outcome}"


def _session_number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _SessionClock:
    """Which session a moment belongs to: the latest one scheduled at or before it."""

    def __init__(self, sessions: Iterable[Session]) -> None:
        ordered = sorted(sessions, key=lambda s: s.scheduled_at)
        self._times = [s.scheduled_at for s in ordered]
        self._numbers = [s.number for s in ordered]

    def at(self, moment: datetime | None) -> int | None:
        if moment is None:
            return None
        i = bisect_right(self._times, moment)
        return self._numbers[i - 1] if i else None


def _span(first: int | None, last: int | None) -> str:
    if first is None and last is None:
        return ""
    if first is None or last is None or first == last:
        return f"s. {first if first is not None else last}"
    low, high = sorted((first, last))
    return f"s. {low}–{high}"


def closed_history(
    closed: Iterable[ClosedAlert], alerts: Iterable[Alert], sessions: Iterable[Session]
) -> list[HistoryLine]:
    """The closed alerts as one-line history, in the order given (most recently closed first).

    A rupture whose repair the engine saw (its "repair" note, same session key) reads
    "repaired s. N"; any other closed alert reads "closed: <what was recorded>".
    """
    clock = _SessionClock(sessions)
    repairs = {
        a.dedupe_key.removeprefix("repair:"): _session_number(a.evidence.get("repair_session"))
        for a in alerts
        if a.kind == AlertKind.REPAIR
    }
    lines = []
    for row in closed:
        alert = row.alert
        evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
        last = _session_number(evidence.get("session_number"))
        first = _session_number(evidence.get("rupture_session")) or clock.at(alert.opened_at)
        if first is not None and last is not None and first > last:
            first = last  # reopened since: the evidence session is where it began again
        key = alert.dedupe_key.partition(":")[2]
        repaired_at = repairs.get(key) if alert.kind in _RUPTURES else None
        if repaired_at is not None:
            outcome = f"repaired s. {repaired_at}"
        else:
            outcome = "closed: " + (", ".join(row.done) or "nothing recorded")
        lines.append(HistoryLine(row, alert.get_kind_display(), _span(first, last), outcome))
    return lines


_RUPTURES = frozenset({"rupture", AlertKind.UNREPAIRED_RUPTURE})


@dataclass(frozen=True)
class TimelineNote:
    """One private note in the timeline: its link, when, its themes (never its text)."""

    url: str
    when: str  # "Session 3 · 4 Feb 2026", or the day it was written when it has no session
    themes: list[str]
    for_supervision: bool


@dataclass(frozen=True)
class NoteToWrite:
    """An attended session without a note yet, with the link to write one."""

    url: str
    #: The session's number as the page writes it: text, which the template engine writes
    #: as it is, where an int is localised per use (three uses a session; issue 11).
    number: str


@dataclass(frozen=True)
class NotesTimeline:
    """What ``notes/_timeline.html`` renders: plain data, nothing left to decrypt or audit."""

    show: bool
    notes: list[TimelineNote]
    writable: list[NoteToWrite]
    error: str
    #: ``writable`` as the page's links, "session 3, session 5": written here, not by a
    #: template loop of four variables a session (issue 11, web load).
    writable_links: SafeString


def notes_timeline(notes: EpisodeNotes) -> NotesTimeline:
    """The reader's notes (already opened and audited) as the timeline's rows."""
    # The links' addresses made once each, not one {% url %} per note and session (issue 11).
    note_url, session_url = url_for_ids("notes:detail"), url_for_ids("notes:session")
    short_date = short_dates()
    rows = []
    for read in notes.notes:
        note, session = read.note, read.note.session
        when = (
            f"Session {session.number} · {short_date(session.scheduled_at)}"
            if session is not None
            else short_date(note.created_at)
        )
        rows.append(
            TimelineNote(
                url=note_url(note.pk),
                when=when,
                themes=read.content.theme_labels,
                for_supervision=bool(read.content.supervision),
            )
        )
    writable = [NoteToWrite(session_url(s.pk), str(s.number)) for s in notes.writable]
    links = ", ".join(
        f'<a href="{html.escape(w.url)}" data-testid="write-note-{w.number}" '
        f'aria-label="Write a private note for session {w.number}">session {w.number}</a>'
        for w in writable
    )
    return NotesTimeline(
        show=notes.show,
        notes=rows,
        writable=writable,
        error=notes.error,
        writable_links=mark_safe(links),  # noqa: S308 (an escaped address and digits)
    )
