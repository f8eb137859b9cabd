"""The step summary's Mermaid charts: the new model's traffic, and the canary against its baseline.

Every chart is an ``xychart-beta`` on one time axis (:func:`time_axis`: seconds, minutes or hours
since the execution started, the same for all charts of a summary), with:

- its series' colours set in an ``%%{init: …}%%`` block (xychart's ``themeVariables.xyChart.
  plotColorPalette``), colours that keep a 3:1 contrast (WCAG 2.1, 1.4.11 non-text contrast) on
  GitHub's light page (#ffffff), its dark one (#0d1117) and the dark theme's chart background
  (#333333): Mermaid's default first colour, #ECECFF, is invisible on white;
- a legend written in Markdown right after it, naming each series' colour (the released xychart
  draws none);
- where a relative gate is set, its limit as a line of its own.

Only numbers and fixed labels are written: nothing of the history's text reaches a chart.
``tests/presentation/test_summary_render.py`` draws them with Mermaid 11 in Chromium.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from canary.summary_facts import DeployFacts

if TYPE_CHECKING:
    from canary.comparison import Check, Numbers

Colour = tuple[str, str, str]
"""(hex, its name in the legend, its square in the legend)."""

NEW: Colour = ("#e8590c", "orange", "🟧")
"""The new model (the canary)."""
BASELINE: Colour = ("#3b82f6", "blue", "🟦")
"""The model serving before the deploy (the baseline)."""
LIMIT: Colour = ("#7d8590", "grey", "⬜")
"""A relative gate's limit."""
BACKGROUNDS = ("#ffffff", "#0d1117", "#333333")
"""GitHub's light and dark pages, and the plot of Mermaid's dark theme: the colours are chosen
against them."""
CHART_HEIGHT = 300
CHART_MAX_INTERVALS = 60
"""At most this many sample intervals on the time axis (61 points)."""

CHART_UNITS: Sequence[tuple[str, float, Sequence[float]]] = (
    # (unit, seconds per unit, sample steps in that unit), for deploys up to 60 steps of the largest
    ("seconds", 1.0, (1, 2, 5, 10)),
    ("minutes", 60.0, (0.25, 0.5, 1, 2, 5, 10)),
    ("hours", 3600.0, (0.25, 0.5, 1, 2, 4, 8, 12, 24)),
)
"""Units of the time axis, the shortest that spans the deploy in at most :data:`CHART_MAX_INTERVALS`
samples of one of its steps. Every step is a whole number or a power of two (exact in binary):
Mermaid spreads a line over a linear axis by adding ``(max - min) / (n - 1)`` to ``min`` until it
passes ``max``, so an inexact step would drop the last point."""


@dataclass(frozen=True)
class TimeAxis:
    """The x axis shared by all charts of a summary."""

    unit: str
    step: float
    """Sample step, in ``unit``."""
    intervals: int

    @property
    def seconds_per_step(self) -> float:
        return self.step * next(size for name, size, _ in CHART_UNITS if name == self.unit)

    def times(self) -> list[float]:
        """Seconds since the start of each sample."""
        return [i * self.seconds_per_step for i in range(self.intervals + 1)]

    def line(self) -> str:
        return f'    x-axis "{self.unit} since the start" 0 --> {number(self.step * self.intervals)}'


def chart_axis(seconds: float) -> tuple[str, float, int]:
    """``(unit, step in that unit, intervals)`` of the time axis of a deploy that lasted ``seconds``."""
    for unit, size, steps in CHART_UNITS:
        for step in steps:
            intervals = max(1, math.ceil(seconds / (step * size) - 1e-9))
            if intervals <= CHART_MAX_INTERVALS:
                return unit, step, intervals
    unit, size, steps = CHART_UNITS[-1]
    return unit, steps[-1], max(1, math.ceil(seconds / (steps[-1] * size) - 1e-9))


def time_axis(seconds: float) -> TimeAxis | None:
    """The axis of a deploy that lasted ``seconds`` (None: too short to draw)."""
    if not seconds > 0 or not math.isfinite(seconds):
        return None
    return TimeAxis(*chart_axis(seconds))


def sample(steps: Sequence[tuple[float, float]], axis: TimeAxis) -> list[float]:
    """The value in force at each sample time of ``axis`` (``steps``: ``(seconds, value)`` from which
    it holds, in order; 0 before the first). A value held for less than one interval still shows, at
    the first sample after it started (so no canary step, and no check, disappears)."""
    every = axis.seconds_per_step
    points = axis.intervals + 1
    values = [next((v for t, v in reversed(steps) if t <= i * every), 0.0) for i in range(points)]
    forced: set[int] = set()
    for (start, value), (end, _) in zip(steps, [*steps[1:], (math.inf, 0.0)], strict=True):
        first = min(math.ceil(start / every - 1e-9), points - 1)
        if first * every >= end and first not in forced:
            values[first] = value
            forced.add(first)
    return values


def number(value: float) -> str:
    """A finite number as Mermaid reads it (``10``, ``12.5``, ``0.015625``)."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    return str(int(value)) if value == int(value) else repr(value)


@dataclass(frozen=True)
class Series:
    """One line of a chart."""

    label: str
    """Fixed text (the legend's), never from the history."""
    colour: Colour
    values: Sequence[float]


def chart(title: str, y_axis: str, axis: TimeAxis, series: Sequence[Series], note: str = "") -> list[str]:
    """Markdown lines: a Mermaid xychart of ``series`` over ``axis``, then its legend."""
    top = max((v for s in series for v in s.values), default=0.0)
    y_max = 100.0 if y_axis == "traffic (%)" else _ceiling(top * 1.1) if top > 0 else 1.0
    config: dict[str, Any] = {
        "xyChart": {"height": CHART_HEIGHT},
        "themeVariables": {"xyChart": {"plotColorPalette": ", ".join(s.colour[0] for s in series)}},
    }
    lines = [
        "```mermaid",
        f"%%{{init: {json.dumps(config, separators=(', ', ': '))}}}%%",
        "xychart-beta",
        f'    title "{title}"',
        axis.line(),
        f'    y-axis "{y_axis}" 0 --> {number(y_max)}',
    ]
    lines += [f"    line [{', '.join(number(round(v, 3)) for v in s.values)}]" for s in series]
    legend = " · ".join(f"{s.colour[2]} {s.colour[1]}: {s.label}" for s in series)
    return [*lines, "```", f"Legend: {legend}" + (f" ({note})" if note else ""), ""]


def _ceiling(value: float) -> float:
    """``value`` rounded up to two significant digits (an axis end that reads well)."""
    scale = 10.0 ** (math.floor(math.log10(value)) - 1)
    return round(math.ceil(value / scale - 1e-9) * scale, 10)


def traffic_chart(facts: DeployFacts, axis: TimeAxis) -> list[str]:
    """The new model's share of traffic, as the endpoint reported it when each update settled."""
    steps = facts.traffic or [(0.0, 0.0)]
    label = (
        "the new model's share of traffic, read from the endpoint (CurrentWeight) when each update settled"
    )
    return chart(
        "Traffic to the new model (%)", "traffic (%)", axis, [Series(label, NEW, sample(steps, axis))]
    )


def _checks_series(checks: Sequence[Check], axis: TimeAxis, pick: Any) -> tuple[list[float], list[float]]:
    canary = sample([(c.elapsed, float(pick(c.canary))) for c in checks], axis)
    baseline = sample([(c.elapsed, float(pick(c.baseline))) for c in checks], axis)
    return canary, baseline


def comparison_charts(checks: Sequence[Check], axis: TimeAxis, facts: DeployFacts) -> list[str]:
    """Charts of the canary against its baseline at each check: 5xx rate, and latency when read (p99, or
    Average where CloudWatch has no p99, as the gate judged it: :func:`canary.comparison.latency`);
    each with its gate's limit (the baseline's value plus the allowed increase) when the gate is set."""
    if not checks:
        return []
    from canary.comparison import latency
    from canary.summary import clock

    note = f"0 before the first check, at +{clock(checks[0].elapsed)}"
    canary, baseline = _checks_series(checks, axis, lambda n: n.rate5xx)
    series = [
        Series("canary (new model)", NEW, canary),
        Series("baseline (current model)", BASELINE, baseline),
    ]
    if (points := facts.max_error_rate_increase) is not None:
        limit = [_limit_5xx(c.baseline, points) for c in checks]
        unit = "point" if points == 1 else "points"
        label = f"limit, the baseline's rate + {number(points)} {unit} (max-error-rate-increase)"
        series.append(
            Series(label, LIMIT, sample([(c.elapsed, v) for c, v in zip(checks, limit, strict=True)], axis))
        )
    lines = chart("5xx rate (%)", "5xx (%)", axis, series, note)
    statistic = latency(checks[-1].canary, checks[-1].baseline)[0]  # as the last check judged it
    field = "p99_us" if statistic == "p99" else "average_us"

    def ms(numbers: Numbers) -> float:
        return float(getattr(numbers, field) or 0) / 1000

    if any(getattr(c.canary, field) is not None or getattr(c.baseline, field) is not None for c in checks):
        canary, baseline = _checks_series(checks, axis, ms)
        series = [
            Series("canary (new model)", NEW, canary),
            Series("baseline (current model)", BASELINE, baseline),
        ]
        if (percent := facts.max_latency_increase) is not None:
            limit = [ms(c.baseline) * (1 + percent / 100) for c in checks]
            label = f"limit, the baseline's {statistic} + {number(percent)} % (max-latency-increase)"
            series.append(
                Series(
                    label, LIMIT, sample([(c.elapsed, v) for c, v in zip(checks, limit, strict=True)], axis)
                )
            )
        lines += chart(f"{statistic} ModelLatency (ms)", f"{statistic} (ms)", axis, series, note)
    return lines


def _limit_5xx(baseline: Numbers, points: float) -> float:
    return min(100.0, float(baseline.rate5xx) + points)
