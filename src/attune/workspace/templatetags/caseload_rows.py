"""``{% caseload_row row %}``: one row of the caseload table (``workspace.queries.CaseloadRow``).

The caseload's row loop was most of its template's time; drawn here in Python it costs a
fraction of it (issue 11, web load), as the episode page's session rows do
(``session_rows``). The markup is the template's, byte for byte, escaped the same way
(``session_rows._value`` does what the template engine does to a ``{{ variable }}``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from attune.alerts.templatetags.alert_levels import severity_css
from attune.workspace.queries import CaseloadRow
from attune.workspace.templatetags.session_rows import _value, local_dates, page_urls

register = template.Library()


def _badges(row: CaseloadRow) -> str:
    badges = row.voice.badges
    if not badges:
        return ""
    items = "".join(
        f'<li><span class="chip voice" data-badge="{_value(b.code)}" title="{_value(b.meaning)}">'
        f"{_value(b.label)}</span></li>"
        for b in badges
    )
    return (
        '<ul class="chips voice" data-testid="client-voice" aria-label="The client\'s voice">'
        f"{items}</ul>"
    )


def _chips(row: CaseloadRow) -> str:
    chips = row.chips
    if not chips:
        return '<span class="muted">—</span>'
    items = []
    for chip in chips:
        css = _value(severity_css(chip.severity)) + (" quiet" if chip.quiet else "")
        count = f" ×{_value(chip.count)}" if chip.count > 1 else ""
        items.append(
            f'<li><span class="chip {css}" title="{_value(chip.severity_label)}: '
            f'{_value(chip.title)}">{_value(chip.label)}{count}<span class="visually-hidden"> '
            f"({_value(str(chip.severity_label).lower())})</span></span></li>"
        )
    return f'<ul class="chips">{"".join(items)}</ul>'


def _open_alerts(row: CaseloadRow) -> str:
    open_count, new_count = row.open_count, row.new_count
    if not open_count:
        return '<span class="muted">—</span>'
    if new_count == open_count:
        return f'{open_count} <span class="row-meta">all new</span>'
    if new_count:
        return f'{open_count} <span class="row-meta">{new_count} new</span>'
    return str(open_count)


@register.simple_tag(takes_context=True)
def caseload_row(context: Any, row: CaseloadRow) -> SafeString:
    """The row ``workspace/caseload.html`` drew for ``row``, with the whitespace around it."""
    episode_url, report_url = page_urls(context, "workspace:episode", "workspace:report")
    dates = local_dates()

    def _date(value: datetime | None, layout: str) -> str:
        """``{{ value|date:layout }}``: "" for no date."""
        return conditional_escape(dates.format(value, layout))

    ep = row.episode
    pk = _value(ep.pk)
    attended = ep.sessions_attended
    trend = (
        f'{row.sparkline} <span class="latest">{_value(row.trend[-1])}</span>'
        if row.trend
        else '<span class="muted">—</span>'
    )
    gad7 = "—" if ep.gad7 is None else _value(ep.gad7)
    alliance = f"{_value(ep.alliance)}/40" if ep.alliance is not None else "—"
    last = _date(ep.last_session_at, "j M") or "—"
    if row.missed_since_last_attended:
        label = _value(row.last_past_attendance_label.lower())
        last += f'<span class="row-meta">then {_date(ep.last_past_at, "j M")}: {label}</span>'
    if ep.next_session_at:
        upcoming = (
            f"{_date(ep.next_session_at, 'D j M')} "
            f'<span class="time">{_date(ep.next_session_at, "H:i")}</span>'
        )
    else:
        upcoming = '<span class="muted">none booked</span>'
    return mark_safe(  # noqa: S308 (every value is escaped above)
        f'\n    <tr class="level-{_value(row.level)}" data-testid="caseload-row">\n'
        f'      <th scope="row" data-label="Client"><a href="{episode_url(ep.pk)}" '
        f'id="client-{pk}">{_value(ep.client.display_name)}</a><span class="row-meta">'
        f"{_value(attended)} session{'' if attended == 1 else 's'} attended</span>"
        f'{_badges(row)}<span class="row-meta row-actions"><a href="{report_url(ep.pk)}" '
        f'aria-describedby="client-{pk}">Progress report</a></span></th>\n'
        f'      <td data-label="Status">{_chips(row)}</td>\n'
        f'      <td data-label="Open alerts" data-testid="open-alerts">{_open_alerts(row)}</td>\n'
        f'      <td data-label="PHQ-9 trend" class="trend">{trend}</td>\n'
        f'      <td data-label="GAD-7">{gad7}</td>\n'
        f'      <td data-label="Alliance">{alliance}</td>\n'
        f'      <td data-label="Last session" class="when">{last}</td>\n'
        f'      <td data-label="Next session" class="when">{upcoming}</td>\n'
        "    </tr>\n    "
    )
