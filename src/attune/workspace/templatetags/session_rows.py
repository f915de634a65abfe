"""``{% session_row session %}``: one row of the episode page's session table.

The table is the episode page's longest loop (every session, each with its forms); rendered
here in Python it costs a fraction of the template it replaces (issue 11, web load). The
output is the same markup, escaped the same way: ``_value`` does what the template engine does
to a ``{{ variable }}``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any, cast

from django import template
from django.conf import settings
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import add_truncation_text
from django.utils.timezone import get_current_timezone, is_aware
from django.utils.translation import get_language

from attune.alerts.templatetags.alert_levels import severity_css, severity_label
from attune.care.models import Session
from attune.measures.models import Response
from attune.workspace.charts import attendance_label
from attune.workspace.queries import loaded

register = template.Library()

#: What the template engine does to a ``{{ variable }}`` before ``localize`` (an aware datetime
#: to local time, anything else as it is).
template_localtime: Callable[[object], object] = timezone.template_localtime  # type: ignore[attr-defined]  # Django's (utils/timezone.py), not in django-stubs 6.1


def url_for_ids(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many ids at the cost of one ``reverse``: the id
    converter writes an id as its digits (``attune.converters.RecordId``), so the URL of id 0
    with its last "0" replaced is the URL of any id."""
    head, _, tail = reverse(name, args=[0]).rpartition("0")
    return lambda pk: f"{head}{int(pk)}{tail}"


def page_urls(context: Any, *names: str) -> tuple[Callable[[int], str], ...]:
    """``url_for_ids`` of each of ``names``, made once per rendering (kept in its render
    context) and shared by every row drawn with it."""
    cache = context.render_context.setdefault("page_urls", {})
    found: tuple[Callable[[int], str], ...] | None = cache.get(names)
    if found is None:
        found = cache[names] = tuple(url_for_ids(name) for name in names)
    return found


class LocalDates:
    """``{{ moment|date:layout }}`` for many moments and the few layouts the episode page's and
    the caseload's rows use: the time zone and the month and weekday names looked up once,
    not a ``DateFormat`` per value; each part written as Django's ``dateformat`` writes it
    (``j`` the day, ``M`` "Feb", ``D`` "Mon", ``Y`` four digits, ``H:i`` "09:05")."""

    def __init__(self) -> None:
        self._zone = get_current_timezone()
        self._months = {n: str(MONTHS_3[n]).title() for n in MONTHS_3}
        self._weekdays = {n: str(WEEKDAYS_ABBR[n]) for n in WEEKDAYS_ABBR}

    def _local(self, moment: datetime) -> datetime:
        aware = settings.USE_TZ and isinstance(moment, datetime) and is_aware(moment)
        return moment.astimezone(self._zone) if aware else moment

    def format(self, moment: datetime | None, layout: str) -> str:
        """ "" for no moment, as the filter gives."""
        if moment is None:
            return ""
        local = self._local(moment)
        if layout == "j M Y":
            return f"{local.day} {self._months[local.month]} {local.year:04d}"
        if layout == "j M":
            return f"{local.day} {self._months[local.month]}"
        if layout == "D j M":
            return f"{self._weekdays[local.weekday()]} {local.day} {self._months[local.month]}"
        if layout == "H:i":
            return f"{local.hour:02d}:{local.minute:02d}"
        raise ValueError(f"LocalDates does not write {layout!r}")


@lru_cache(maxsize=32)
def _local_dates_for(language: str | None, zone: tzinfo) -> LocalDates:
    return LocalDates()  # reads the language and the zone it is cached for: both active now


def local_dates() -> LocalDates:
    """``LocalDates`` for the active language and time zone, made once per process for each
    (its month and weekday names are a translation lookup each: ≈ 20 a page; issue 11)."""
    return _local_dates_for(get_language(), get_current_timezone())


def short_dates() -> Callable[[datetime | None], str]:
    """``{{ moment|date:"j M Y" }}`` ("4 Feb 2026", local time) for many moments."""
    dates = local_dates()
    return lambda moment: dates.format(moment, "j M Y")


def _value(value: object) -> str:
    """``{{ value }}`` with autoescaping: local time, localised numbers, escaped text."""
    kind = type(value)
    if kind is int:  # what localize() gives an integer without thousand separators
        return str(value)
    if kind is str:  # neither localised nor converted: escaped only (as escape() does)
        return html.escape(cast(str, value))
    return conditional_escape(str(localize(template_localtime(value))))


def _check_ins(responses: list[Response], response_url: Callable[[int], str]) -> str:
    parts = []
    for response in responses:
        if response.phase != "check_in":
            continue
        name = _value(response.instrument_version.instrument.short_name)
        parts.append(f'<a href="{response_url(response.pk)}">{name} {_value(response.score)}</a>')
        if response.safety_level:
            css = conditional_escape(severity_css(response.safety_level))
            title = conditional_escape(severity_label(response.safety_level))
            parts.append(f' <span class="chip {css}" title="{title}">item 9</span>')
        parts.append("<br>")
    return "".join(parts)


def _feedback(responses: list[Response], response_url: Callable[[int], str]) -> str:
    parts = []
    for response in responses:
        if response.phase != "feedback":
            continue
        parts.append(f'<a href="{response_url(response.pk)}">{_value(response.score)}/40</a>')
        answers = response.answers if isinstance(response.answers, dict) else {}
        rupture = answers.get("rupture")
        if rupture and rupture != "no":
            parts.append(' <span class="chip yellow">rupture</span>')
    return "".join(parts)


def _progress_note(session: Session) -> str:
    """``{% if note|wordcount > 14 %}`` a summary of its first 10 words (``truncatewords:10``)
    opening onto the whole note, else the note, line breaks kept: the filters' own rules,
    without their wrappers per row."""
    note = session.progress_note
    if not note:
        return ""
    words = note.split()
    if len(words) > 14:
        return format_html(
            '<details class="progress-note"><summary>{}</summary>{}</details>',
            add_truncation_text(" ".join(words[:10]), " …"),
            linebreaksbr(note, autoescape=True),
        )
    return linebreaksbr(note, autoescape=True)


@register.simple_tag(takes_context=True)
def session_row(context: Any, session: Session) -> SafeString:
    """The row the template ``workspace/episode/_session_row.html`` drew, for ``session``;
    reads ``note_sessions``, ``fit``, ``can_act`` and ``episode`` from the page's context."""
    number = _value(session.number)
    first = [number]
    note_sessions = context.get("note_sessions")
    if note_sessions and session.number in note_sessions:
        first.append(
            ' <span class="chip info" title="You wrote a private process note">note</span>'
        )
    fit = context.get("fit")
    fit_session = getattr(fit, "session", None)
    if fit_session and fit_session.pk == session.pk:
        first.append(
            ' <span class="chip info" title="Client and therapist are asked about the fit after '
            'this session">fit check-in</span>'
        )
    responses = loaded(session, "responses")
    response_url, record_url = page_urls(context, "workspace:response", "care:session-record")
    day = local_dates().format(session.scheduled_at, "j M Y")
    modalities = ", ".join(_value(m.name) for m in loaded(session, "modalities"))
    cells = [
        f"<tr>\n  <td>{''.join(first)}</td>",
        f"  <td>{_value(day)}</td>",
        f"  <td>{_value(attendance_label(session.attendance))}</td>",
        f"  <td>{modalities}</td>",
        f"  <td>{_check_ins(responses, response_url)}</td>",
        f"  <td>{_feedback(responses, response_url)}</td>",
        f"  <td>{_progress_note(session)}</td>",
    ]
    episode = context.get("episode")
    record = ""
    if context.get("can_act") and episode is not None and episode.is_active:
        record = (
            f'<td><a href="{record_url(session.pk)}" aria-label="Record session {number}">'
            "Record</a></td>"
        )
    cells.append(f"  {record}\n</tr>\n")
    return mark_safe("\n".join(cells))  # noqa: S308 (every value above is escaped)
