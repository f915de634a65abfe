"""The client's progress graph: one questionnaire's check-in scores as an inline SVG.

Drawn on the server, so it needs no script and fits the CSP (no ``style`` attribute, no
external request): SVG presentation attributes and classes only (charts in ``attune.css``,
block "home"). One graph per questionnaire — PHQ-9 and GAD-7 are never mixed in one picture.

What it shows, for a client rather than a clinician:

* the scores in the order they were given, joined by a line, the latest one larger;
* the **usual range** shaded: scores below the questionnaire's clinical cut-off (caseness:
  PHQ-9 below 10, GAD-7 below 8 — NHS Talking Therapies manual; docs/sources.md, "Outcomes"),
  where most people who are not struggling score. The cut-off is the engine's
  (:func:`attune.care.engine_adapter.caseness` via ``ProgressLine.usual_below``), never a number
  written here;
* higher scores drawn higher, so a line going down is things easing ("lower is better" is said
  in words beside the graph).

The picture is ``role="img"`` with a one-sentence label; the page gives every score in a table
beside it (``portal/_progress_card.html``) for screen readers and for anyone who prefers
numbers.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from attune.portal.queries import ProgressLine

WIDTH, HEIGHT = 340, 150
LEFT, RIGHT, TOP, BOTTOM = 30, 12, 10, 28


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _day(line: ProgressLine, index: int) -> str:
    return f"{timezone.localtime(line.points[index].at):%-d %b}"


def chart_label(line: ProgressLine) -> str:
    """The sentence a screen reader hears for the picture (the table gives every score)."""
    count = len(line.points)
    if not count:
        return ""
    if count == 1:
        told = f"one check-in, {line.latest} on {_day(line, 0)}"
    else:
        told = (
            f"{count} check-ins, from {line.first} on {_day(line, 0)} "
            f"to {line.latest} on {_day(line, -1)}"
        )
    usual = (
        f" The shaded area is the usual range, below {line.usual_below}."
        if line.usual_below is not None
        else ""
    )
    return f"Graph of your {line.instrument} scores: {told}.{usual} Lower is better."


def progress_svg(line: ProgressLine) -> SafeString:
    """The graph of one questionnaire (empty when there is no score)."""
    points = line.points
    if not points:
        return mark_safe("")  # noqa: S308 - a constant
    maximum = max(line.maximum, max(p.score for p in points), 1)
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        if len(points) == 1:
            return LEFT + width / 2
        return LEFT + width * index / (len(points) - 1)

    def y(score: float) -> float:
        return TOP + height * (1 - min(max(score, 0), maximum) / maximum)

    parts: list[SafeString] = []
    if line.usual_below is not None:
        top = y(line.usual_below)
        parts.append(
            format_html(
                '<rect class="usual-range" x="{}" y="{}" width="{}" height="{}"/>'
                '<text class="usual-label" x="{}" y="{}">usual range</text>',
                LEFT,
                _n(top),
                width,
                _n(y(0) - top),
                LEFT + 6,
                _n(y(0) - 6),
            )
        )
    ticks = sorted({0, maximum} | ({line.usual_below} if line.usual_below is not None else set()))
    for tick in ticks:
        parts.append(
            format_html(
                '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                _n(y(tick)),
                LEFT + width,
                _n(y(tick)),
                LEFT - 5,
                _n(y(tick) + 4),
                tick,
            )
        )
    baseline = TOP + height + 18
    parts.append(
        format_html(
            '<text class="tick" x="{}" y="{}" text-anchor="start">{}</text>',
            LEFT,
            baseline,
            _day(line, 0),
        )
    )
    if len(points) > 1:
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT + width,
                baseline,
                _day(line, -1),
            )
        )
        parts.append(
            format_html(
                '<polyline class="score-line" points="{}"/>',
                " ".join(f"{_n(x(i))},{_n(y(p.score))}" for i, p in enumerate(points)),
            )
        )
    last = len(points) - 1
    parts.append(
        format_html_join(
            "",
            '<circle class="score-dot" cx="{}" cy="{}" r="3"/>',
            ((_n(x(i)), _n(y(p.score))) for i, p in enumerate(points[:-1])),
        )
    )
    parts.append(
        format_html(
            '<circle class="score-dot latest" cx="{}" cy="{}" r="5"/>',
            _n(x(last)),
            _n(y(points[last].score)),
        )
    )
    return format_html(
        '<svg class="progress-svg" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'data-measure="{}" data-points="{}" focusable="false">{}</svg>',
        WIDTH,
        HEIGHT,
        chart_label(line),
        line.code,
        len(points),
        mark_safe("".join(parts)),  # noqa: S308 - every part built by format_html above
    )
