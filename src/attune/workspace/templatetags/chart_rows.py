"""``{% outcome_rows rows %}``, ``{% alliance_rows rows %}``, ``{% timeline_rows rows %}``: the
rows of the episode page's three chart tables (``workspace.charts``: ``chart_tables``); and
``{{ charts|chart_json:"id" }}``, the charts' data for the chart script.

Each table has a row per session; drawn here in Python they cost a fraction of the template
loops they replace (issue 11, web load), as the session table's rows do (``session_rows``).
The markup is the loops', byte for byte, escaped the same way (``session_rows._value`` does
what the template engine does to a ``{{ variable }}``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from attune.workspace.templatetags.session_rows import _value, short_dates

register = template.Library()

_OPEN = '\n          <tr>\n            <th scope="row">'
_CLOSE = "</td>\n          </tr>\n        "
_CASE = ' <span class="muted">(case)</span>'


def _note(row: Mapping[str, Any]) -> str:
    return "note" if row["note"] else ""


def _join(values: Iterable[object], separator: str) -> str:
    """``{{ values|join:separator }}`` with autoescaping."""
    return separator.join(_value(v) for v in values)


def _scored_rows(
    rows: Iterable[Mapping[str, Any]], tail: Callable[[Mapping[str, Any]], str]
) -> str:
    """Rows of the outcome or the alliance table: the session, then ``tail(row)``'s cells."""
    return "".join(
        f"{_OPEN}{_value(row['session'])}</th>\n            {tail(row)}"
        f"            <td>{_note(row)}{_CLOSE}"
        for row in rows
    )


def _outcome_cells(row: Mapping[str, Any]) -> str:
    cells = "".join(
        f"<td>{_value(c['score'])}{_CASE if c['case'] else ''}</td>"
        f"<td>{_value(c['expected'])}</td><td>{_value(c['band'])}</td>"
        f"<td>{_value(c['reliable'])}</td>"
        for c in row["cells"]
    )
    return f"{cells}\n"


def _alliance_cells(row: Mapping[str, Any]) -> str:
    domains = "".join(f"<td>{_value(v)}</td>" for v in row["domains"])
    return (
        f"{domains}\n            <td>{_value(row['total'])}</td>\n"
        f"            <td>{_join(row['markers'], '; ')}</td>\n"
    )


@register.simple_tag
def outcome_rows(rows: Iterable[Mapping[str, Any]]) -> SafeString:
    return mark_safe(_scored_rows(rows, _outcome_cells))  # noqa: S308 (escaped above)


@register.simple_tag
def alliance_rows(rows: Iterable[Mapping[str, Any]]) -> SafeString:
    return mark_safe(_scored_rows(rows, _alliance_cells))  # noqa: S308 (escaped above)


@register.simple_tag
def timeline_rows(rows: Iterable[Mapping[str, Any]]) -> SafeString:
    out = []
    short_date = short_dates()
    for row in rows:
        day = _value(short_date(row["date"]))
        out.append(
            f"{_OPEN}{_value(row['session'])}</th>\n"
            f"            <td>{day}</td>\n"
            f"            <td>{_value(row['attendance'])}</td>\n"
            f"            <td>{_join(row['modalities'], ', ')}</td>\n"
            f"            <td>{_note(row)}{_CLOSE}"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped above)


#: What ``json_script`` escapes, so the data can never close its <script> element.
_JSON_ESCAPES = (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"))


@register.filter
def chart_json(value: object, element_id: str) -> SafeString:
    """``{{ value|json_script:element_id }}``, byte for byte: Django's filter escapes with
    ``str.translate``, which walks a dictionary per character and cost the episode page
    about a millisecond for its 14 kB of chart data; three ``str.replace`` do the same."""
    text = json.dumps(value, cls=DjangoJSONEncoder)
    for char, escaped in _JSON_ESCAPES:
        text = text.replace(char, escaped)
    safe = mark_safe(text)  # noqa: S308 (escaped above, as json_script does)
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, safe)
