"""The printable report's outcome chart: PHQ-9 and GAD-7 by session as one inline SVG.

Drawn on the server so it prints without a script and fits the CSP (no ``style`` attribute,
no external request): SVG presentation attributes only, black-and-white safe (PHQ-9 a solid
line with dots, GAD-7 a dashed line with squares). The data are the episode page's
(``charts.outcome_series``): caseness and the expected-recovery band come from the engine's
configuration and curves, never from here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 96, 14, 64  # room for the cut-off labels and the legend
#: How each measure is drawn: colour, line dash, marker shape.
STYLE = {
    "phq9": ("#1f4e79", "", "circle", "depression"),
    "gad7": ("#8a4b08", "6 3", "square", "anxiety"),
}
_DEFAULT_STYLE = ("#333333", "2 2", "circle", "")


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Frame:
    """Session number → x, score → y (higher score drawn higher: higher is worse)."""

    def __init__(self, first: int, last: int, maximum: float) -> None:
        self.first, self.last, self.maximum = first, last, maximum
        self.width = WIDTH - LEFT - RIGHT
        self.height = HEIGHT - TOP - BOTTOM

    def x(self, session: float) -> float:
        if self.last == self.first:
            return LEFT + self.width / 2
        return LEFT + self.width * (session - self.first) / (self.last - self.first)

    def y(self, score: float) -> float:
        clipped = min(max(float(score), 0.0), self.maximum)
        return TOP + self.height * (1 - clipped / self.maximum)


def _axes(frame: _Frame, sessions: Sequence[int]) -> list[SafeString]:
    parts = []
    for tick in range(0, int(frame.maximum) + 1, 5):
        y = frame.y(tick)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d9dee3" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#333">{}</text>',
                LEFT,
                _n(y),
                LEFT + frame.width,
                _n(y),
                LEFT - 6,
                _n(y + 4),
                tick,
            )
        )
    step = max(1, math.ceil(len(sessions) / 12))
    for number in sessions[::step]:
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#333">{}</text>',
                _n(frame.x(number)),
                TOP + frame.height + 16,
                number,
            )
        )
    parts.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333" stroke-width="1"/>'
            '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#333">Session</text>',
            LEFT,
            TOP + frame.height,
            LEFT + frame.width,
            TOP + frame.height,
            _n(LEFT + frame.width / 2),
            TOP + frame.height + 32,
        )
    )
    return parts


def _band(frame: _Frame, measure: dict[str, Any]) -> list[SafeString]:
    points = measure["band"]["points"]
    if not points:
        return []
    outline = [(p["x"], p["upper"]) for p in points] + [(p["x"], p["lower"]) for p in points[::-1]]
    expected = " ".join(f"{_n(frame.x(p['x']))},{_n(frame.y(p['expected']))}" for p in points)
    return [
        format_html(
            '<polygon class="report-band" points="{}" fill="#dbe7f3" stroke="none"/>',
            " ".join(f"{_n(frame.x(x))},{_n(frame.y(y))}" for x, y in outline),
        ),
        format_html(
            '<polyline class="report-expected" points="{}" fill="none" stroke="#5b7a99" '
            'stroke-width="1" stroke-dasharray="1 3"/>',
            expected,
        ),
    ]


def _cutoff(frame: _Frame, measure: dict[str, Any]) -> SafeString:
    colour = STYLE.get(measure["code"], _DEFAULT_STYLE)[0]
    y = frame.y(measure["caseness"])
    return format_html(
        '<line class="report-cutoff" data-measure="{}" x1="{}" y1="{}" x2="{}" y2="{}" '
        'stroke="{}" stroke-width="1" stroke-dasharray="4 4"/>'
        '<text x="{}" y="{}" font-size="10" fill="{}">{} cut-off {}</text>',
        measure["code"],
        LEFT,
        _n(y),
        LEFT + frame.width,
        _n(y),
        colour,
        LEFT + frame.width + 4,
        _n(y + 3),
        colour,
        measure["label"],
        _n(measure["caseness"]),
    )


def _marker(shape: str, x: float, y: float, colour: str) -> SafeString:
    if shape == "square":
        return format_html(
            '<rect x="{}" y="{}" width="7" height="7" fill="{}"/>', _n(x - 3.5), _n(y - 3.5), colour
        )
    return format_html('<circle cx="{}" cy="{}" r="3.5" fill="{}"/>', _n(x), _n(y), colour)


def _scores(frame: _Frame, measure: dict[str, Any]) -> list[SafeString]:
    colour, dash, shape, _ = STYLE.get(measure["code"], _DEFAULT_STYLE)
    points = [(p["x"], p["y"]) for p in measure["scores"]]
    parts = []
    if len(points) > 1:
        parts.append(
            format_html(
                '<polyline class="report-line" data-measure="{}" points="{}" fill="none" '
                'stroke="{}" stroke-width="2" stroke-dasharray="{}" stroke-linejoin="round"/>',
                measure["code"],
                " ".join(f"{_n(frame.x(x))},{_n(frame.y(y))}" for x, y in points),
                colour,
                dash or "none",
            )
        )
    for session, score in points:
        parts.append(
            format_html(
                '<g class="report-point" data-measure="{}" data-session="{}">'
                "<title>{} session {}: {}</title>{}</g>",
                measure["code"],
                session,
                measure["label"],
                session,
                _n(score),
                _marker(shape, frame.x(session), frame.y(score), colour),
            )
        )
    return parts


def _legend(measures: Sequence[dict[str, Any]], band_of: str) -> list[SafeString]:
    y = HEIGHT - 12
    x = float(LEFT)
    parts = []
    for m in measures:
        colour, dash, shape, meaning = STYLE.get(m["code"], _DEFAULT_STYLE)
        name = f"{m['label']} ({meaning})" if meaning else m["label"]
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" '
                'stroke-dasharray="{}"/>{}<text x="{}" y="{}" font-size="11" fill="#333">{}</text>',
                _n(x),
                y - 4,
                _n(x + 22),
                y - 4,
                colour,
                dash or "none",
                _marker(shape, x + 11, y - 4, colour),
                _n(x + 28),
                y,
                name,
            )
        )
        x += 40 + 6.5 * len(name)
    if band_of:
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="22" height="10" fill="#dbe7f3"/>'
                '<text x="{}" y="{}" font-size="11" fill="#333">expected range ({})</text>',
                _n(x),
                y - 9,
                _n(x + 28),
                y,
                band_of,
            )
        )
    return parts


def outcome_chart(
    measures: Sequence[dict[str, Any]], sessions: Sequence[int], *, show_band: bool = True
) -> SafeString:
    """The inline ``<svg>`` of ``measures`` (``charts.outcome_series``) over ``sessions`` (the
    session numbers on the axis). Empty when no measure has a score. ``show_band`` draws the
    expected-recovery band of the measure the engine judges progress on."""
    scored = [m for m in measures if m["scores"]]
    if not scored or not sessions:
        return mark_safe("")  # noqa: S308 - a constant
    numbers = sorted(sessions)
    frame = _Frame(numbers[0], numbers[-1], max(float(m["max"]) for m in scored))
    parts = _axes(frame, numbers)
    band_of = ""  # the label of the measure whose band is drawn
    if show_band:
        for m in scored:
            if m.get("judged") and m["band"]["points"]:
                parts += _band(frame, m)
                band_of = m["label"]
    parts += [_cutoff(frame, m) for m in scored if m.get("caseness") is not None]
    for m in scored:
        parts += _scores(frame, m)
    parts += _legend(scored, band_of)
    summary = "; ".join(
        f"{m['label']}: " + ", ".join(f"session {p['x']} {_n(p['y'])}" for p in m["scores"])
        for m in scored
    )
    return format_html(
        '<svg class="report-chart" data-testid="report-chart" xmlns="http://www.w3.org/2000/svg" '
        'viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="report-chart-title '
        'report-chart-desc"><title id="report-chart-title">Questionnaire scores by session '
        '(lower is better)</title><desc id="report-chart-desc">{}</desc>{}</svg>',
        WIDTH,
        HEIGHT,
        summary,
        format_html_join("", "{}", ((p,) for p in parts)),
    )
