"""A tiny server-side sparkline: an inline SVG of a few scores, with its numbers as text.

No script and no ``style`` attribute (the CSP allows neither): the drawing uses SVG
presentation attributes (``stroke``, ``fill``), and the stylesheet may refine them by class.
The y axis is the whole scale (PHQ-9: 0–27), so two clients' lines can be compared at a glance;
higher is worse and is drawn higher. A faint line marks the caseness cut-off.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from django.utils.safestring import SafeString, mark_safe

from attune.care.engine_adapter import caseness


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def sparkline(
    values: Sequence[int | float],
    *,
    label: str = "PHQ-9 trend",
    maximum: float = 27,
    cutoff: float | str | None = "phq9",
    width: int = 88,
    height: int = 24,
) -> SafeString:
    """An inline ``<svg>`` of ``values`` (oldest first), named "``label``: 18, 16, 15, 12".

    Empty ``values`` give an empty string. One value is drawn as a dot. ``cutoff``: a number,
    a questionnaire code (its caseness from the engine's configuration, as the alerts use it)
    or None for no line.
    """
    if isinstance(cutoff, str):
        cutoff = caseness(cutoff)
    if not values:
        return mark_safe("")  # noqa: S308 - a constant
    text = f"{label}: " + ", ".join(_num(float(v)) for v in values)
    pad = 3.0
    inner_w, inner_h = width - 2 * pad, height - 2 * pad

    def y(value: float) -> float:
        clipped = min(max(float(value), 0.0), maximum)
        return pad + inner_h * (1 - clipped / maximum)

    step = inner_w / (len(values) - 1) if len(values) > 1 else 0.0
    points = [
        (pad + i * step if len(values) > 1 else width / 2, y(v)) for i, v in enumerate(values)
    ]
    # Written with f-strings: every value is a number formatted here but the label, escaped
    # once (``format_html`` per element cost the caseload a twentieth of its time; issue 11).
    parts = []
    if cutoff is not None:
        at = _num(y(cutoff))
        parts.append(
            f'<line class="spark-cutoff" x1="{_num(pad)}" y1="{at}" x2="{_num(width - pad)}" '
            f'y2="{at}" stroke="#9aa5b1" stroke-width="1" stroke-dasharray="2 2"/>'
        )
    if len(points) > 1:
        line = " ".join(f"{_num(x)},{_num(py)}" for x, py in points)
        parts.append(
            f'<polyline class="spark-line" points="{line}" fill="none" stroke="currentColor" '
            'stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    last_x, last_y = points[-1]
    parts.append(
        f'<circle class="spark-last" cx="{_num(last_x)}" cy="{_num(last_y)}" r="2.5" '
        'fill="currentColor"/>'
    )
    name = html.escape(text)
    return mark_safe(  # noqa: S308 (numbers written here, and the label escaped)
        f'<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{name}" '
        f'focusable="false"><title>{name}</title>{"".join(parts)}</svg>'
    )
