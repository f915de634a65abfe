"""Server-side SVGs (no script, no inline style: presentation attributes and classes only),
drawn only from figures the table beside each shows: recovery against England, and the
therapist plots (funnel and caterpillar)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from attune.engine.funnel import control_limits
from attune.outcomes.queries import Report
from attune.outcomes.therapists import TherapistOutcomes

WIDTH = 350
BAR_LEFT = 110
BAR_MAX = 180


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # percent
    y: int
    width: float
    css: str

    @property
    def text_x(self) -> float:
        return BAR_LEFT + self.width + 6


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int = WIDTH
    height: int = 0
    bar_left: int = BAR_LEFT


def recovery_bars(report: Report) -> BarChart | None:
    """Recovery (%) of this scope and of England; None when the practice's rate is withheld."""
    shown = report.total.recovery
    if shown.suppressed or shown.value is None:
        return None
    values = [
        (
            "This practice" if report.scope.by_therapist else "Your clients",
            float(shown.value),
            "bar-ours",
        )
    ]
    if report.national is not None:
        values.append((f"England {report.national.year}", report.national.recovery, "bar-national"))
    bars = [
        Bar(label, value, 10 + 34 * i, BAR_MAX * value / 100.0, css)
        for i, (label, value, css) in enumerate(values)
    ]
    return BarChart(title=f"Recovery, {report.period_label}", bars=bars, height=20 + 34 * len(bars))


# --------------------------------------------------------------------------- therapist plots
#
# Drawn on the server like the client's progress graph (portal/progress_chart.py): inline SVG,
# classes and presentation attributes only (no script, no style attribute, no external
# request), ``role="img"`` with a sentence for screen readers; the page gives every number in
# a table beside each picture.

F_WIDTH, F_HEIGHT = 480, 300
F_LEFT, F_RIGHT, F_TOP, F_BOTTOM = 46, 14, 12, 44


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_max(value: float, step: int) -> int:
    return max(step, int(math.ceil(value / step)) * step)


def funnel_svg(section: TherapistOutcomes) -> SafeString:
    """Recovery rate (y, %) against the recovery rate's denominator (x), the practice's rate as
    the centre line, the 95 % and 99.8 % control limits (Spiegelhalter 2005) as curves, one mark
    per placed therapist whose rate may be shown. Empty without a practice rate."""
    target = section.target_value
    if target is None or not section.compared:
        return mark_safe("")  # noqa: S308 - a constant
    config = section.config
    rows = section.drawn_funnel
    x_max = _nice_max(max([r.point.cases for r in rows] + [2 * section.min_cases]) * 1.1, 10)
    width, height = F_WIDTH - F_LEFT - F_RIGHT, F_HEIGHT - F_TOP - F_BOTTOM

    def x(n: float) -> float:
        return F_LEFT + width * n / x_max

    def y(rate: float) -> float:
        return F_TOP + height * (1.0 - min(max(rate, 0.0), 1.0))

    parts: list[SafeString] = []
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            format_html(
                '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{} %</text>',
                F_LEFT,
                _n(y(tick / 100)),
                F_LEFT + width,
                _n(y(tick / 100)),
                F_LEFT - 5,
                _n(y(tick / 100) + 4),
                tick,
            )
        )
    step = max(5, _nice_max(x_max / 5, 5))
    for tick in range(0, x_max + 1, step):
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(x(tick)),
                F_TOP + height + 16,
                tick,
            )
        )
    parts.append(
        format_html(
            '<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>',
            _n(F_LEFT + width / 2),
            F_HEIGHT - 6,
            "Finished courses at caseness (the rate’s denominator)",
        )
    )
    # the region where nobody is placed
    parts.append(
        format_html(
            '<rect class="not-placed-zone" x="{}" y="{}" width="{}" height="{}"/>'
            '<text class="zone-label" x="{}" y="{}">not placed</text>',
            F_LEFT,
            F_TOP,
            _n(x(section.min_cases) - F_LEFT),
            height,
            F_LEFT + 4,
            F_TOP + 12,
        )
    )
    ns = sorted({max(1, int(round(v))) for v in np.linspace(max(section.min_cases, 2), x_max, 60)})
    limits = [control_limits(n, target, config) for n in ns]
    for css, attr in (
        ("limit-outer", "outer_upper"),
        ("limit-outer", "outer_lower"),
        ("limit-inner", "inner_upper"),
        ("limit-inner", "inner_lower"),
    ):
        parts.append(
            format_html(
                '<polyline class="{}" points="{}"/>',
                css,
                " ".join(
                    f"{_n(x(n))},{_n(y(getattr(lim, attr)))}"
                    for n, lim in zip(ns, limits, strict=True)
                ),
            )
        )
    parts.append(
        format_html(
            '<line class="target" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            _n(x(section.min_cases)),
            _n(y(target)),
            F_LEFT + width,
            _n(y(target)),
        )
    )
    parts.append(
        format_html_join(
            "",
            '<circle class="funnel-mark {}" cx="{}" cy="{}" r="5">'
            "<title>{}: {}, {}</title></circle>",
            (
                (
                    r.point.place.name.lower(),
                    _n(x(r.point.cases)),
                    _n(y(r.point.rate or 0.0)),
                    r.label,
                    r.rate.text,
                    r.place_text,
                )
                for r in rows
            ),
        )
    )
    label = (
        f"Funnel plot of recovery against the number of finished courses: the practice's rate "
        f"{section.target.text} as the centre line, 95 % and 99.8 % control limits, "
        f"{len(rows)} therapist{'s' if len(rows) != 1 else ''} drawn. The table below gives "
        "the same figures."
    )
    return format_html(
        '<svg class="therapist-svg funnel-svg" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'data-testid="funnel-svg" data-marks="{}" focusable="false">{}</svg>',
        F_WIDTH,
        F_HEIGHT,
        label,
        len(rows),
        mark_safe("".join(parts)),  # noqa: S308 - every part built by format_html above
    )


C_WIDTH, C_LEFT, C_RIGHT, C_TOP, C_ROW = 480, 150, 16, 14, 28


def caterpillar_svg(section: TherapistOutcomes) -> SafeString:
    """Each placed therapist's effect (PHQ-9 points, adjusted for intake) with its 95 %
    interval, in alphabetical order (not sorted by effect: not a ranking), around 0 = the
    practice. Left of 0 = more improvement than expected. Empty without a placed therapist."""
    rows = section.placed_effects
    if section.model is None or not rows:
        return mark_safe("")  # noqa: S308 - a constant
    reach = max(
        [abs(v) for r in rows for v in (r.effect.lower, r.effect.upper) if v is not None] + [1.0]
    )
    bound = float(_nice_max(reach, 1))
    width = C_WIDTH - C_LEFT - C_RIGHT
    height = C_TOP + C_ROW * len(rows) + 44

    def x(v: float) -> float:
        return C_LEFT + width * (v + bound) / (2 * bound)

    bottom = C_TOP + C_ROW * len(rows)
    parts: list[SafeString] = [
        format_html(
            '<line class="zero" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            _n(x(0)),
            C_TOP - 6,
            _n(x(0)),
            bottom,
        )
    ]
    for tick in (-bound, -bound / 2, 0.0, bound / 2, bound):
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(x(tick)),
                bottom + 16,
                f"{tick:+g}" if tick else "0",
            )
        )
    parts.append(
        format_html(
            '<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>',
            _n(C_LEFT + width / 2),
            height - 6,
            "PHQ-9 points against the practice (left: more improvement)",
        )
    )
    for i, r in enumerate(rows):
        e = r.effect
        assert e.effect is not None and e.lower is not None and e.upper is not None
        cy = C_TOP + C_ROW * i + C_ROW / 2
        parts.append(
            format_html(
                '<text class="bar-label" x="{}" y="{}" text-anchor="end">{}</text>'
                '<line class="interval" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<circle class="effect-mark" cx="{}" cy="{}" r="5">'
                "<title>{}: {} ({})</title></circle>",
                C_LEFT - 8,
                _n(cy + 4),
                r.label,
                _n(x(e.lower)),
                _n(cy),
                _n(x(e.upper)),
                _n(cy),
                _n(x(e.effect)),
                _n(cy),
                r.label,
                r.effect_text,
                r.interval_text,
            )
        )
    label = (
        f"Therapist effects on PHQ-9 change, adjusted for intake severity, with 95 % intervals: "
        f"{len(rows)} therapist{'s' if len(rows) != 1 else ''} in alphabetical order around "
        "the practice (0). The table below gives the same figures."
    )
    return format_html(
        '<svg class="therapist-svg caterpillar-svg" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}" data-testid="caterpillar-svg" data-marks="{}" focusable="false">{}</svg>',
        C_WIDTH,
        height,
        label,
        len(rows),
        mark_safe("".join(parts)),  # noqa: S308 - every part built by format_html above
    )
