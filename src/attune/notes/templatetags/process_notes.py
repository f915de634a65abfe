"""``{% private_notes episode %}``: the signed-in therapist's own process notes on the episode
page, as a timeline. Everybody else gets nothing at all — not even an empty section."""

from __future__ import annotations

import logging
from typing import Any

from django import template

from attune.care.models import Attendance
from attune.notes.crypto import NotesCryptoError
from attune.notes.queries import notes_for
from attune.notes.rules import may_write_for
from attune.workspace.templatetags.session_rows import url_for_ids

register = template.Library()
log = logging.getLogger(__name__)


@register.inclusion_tag("notes/_timeline.html", takes_context=True)
def private_notes(context: template.Context, episode: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or episode is None:
        return {"show": False}
    can_write = may_write_for(user, episode)
    error = ""
    try:
        notes = notes_for(user, episode)  # her own notes only; each one read is audited
    except NotesCryptoError as exc:
        log.error("private notes unavailable for user %s: %s", user.pk, type(exc).__name__)
        notes, error = [], str(exc)
    if not can_write and not notes and not error:
        return {"show": False}
    noted = {read.note.session_id for read in notes}
    writable = (
        [
            s
            for s in episode.sessions.all()
            if s.pk not in noted and s.attendance == Attendance.ATTENDED
        ]
        if can_write
        else []
    )
    # The links' addresses made once each, not one {% url %} per note and session (issue 11).
    note_url, session_url = url_for_ids("notes:detail"), url_for_ids("notes:session")
    return {
        "show": True,
        "notes": [(read, note_url(read.note.pk)) for read in notes],
        "writable": [(session, session_url(session.pk)) for session in writable],
        "error": error,
    }
