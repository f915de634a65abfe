"""A server-side SVG of recovery against England (no script, no inline style: presentation
attributes only), drawn only from figures the table beside it shows."""

from __future__ import annotations

from dataclasses import dataclass

from attune.outcomes.queries import Report

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
