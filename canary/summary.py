"""The step summary: outcome, what was deployed, a traffic chart and the deploy's timeline.

Split from :mod:`canary.render` (which re-exports :func:`summary_markdown`): the log's vocabulary
(levels, icons, timeline entries) lives here so both can use it. Everything here is text for GitHub
Markdown; every untrusted piece goes through :func:`md`.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from canary.github import inert
from canary.outcome import Outcome

if TYPE_CHECKING:
    from canary.comparison import Check

Level = Literal["info", "ok", "warn", "error", "detail"]
ICONS: Mapping[Level, str] = {"info": "•", "ok": "✓", "warn": "!", "error": "✗", "detail": " "}


@dataclass(frozen=True)
class TimelineEntry:
    """One milestone of the deploy, for the step summary."""

    at: dt.datetime
    elapsed: float
    """Seconds since the execution started."""
    phase: str
    text: str
    """Untrusted: escape it wherever it is shown."""
    level: Level


def clock(seconds: float) -> str:
    """``04:05`` (minutes:seconds), ``1:02:03`` past an hour."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def outcome_headline(o: Outcome) -> str:
    """One sentence saying how the deploy ended (contains untrusted text: the cause)."""
    summary = o.summary
    if o.outcome == "deployed":
        model = summary.get("ModelName")
        config = summary.get("EndpointConfigName")
        endpoint = summary.get("EndpointName")
        if model and endpoint:
            return f"Deployed: endpoint {endpoint} serves model {model} (config {config})"
        return "Deployed"
    label = {
        "rolled-back": "Rolled back",
        "failed": "Failed",
        "timed-out": "Timed out",
        "cancelled": "Cancelled",
    }[o.outcome]
    detail = ": ".join(part for part in (o.error, o.cause) if part)
    if o.outcome == "timed-out" and o.status == "RUNNING":
        detail = detail or "stopped following; the execution goes on"
    return f"{label} ({o.status})" + (f": {detail}" if detail else "")


# -- step summary ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def md(text: object) -> str:
    """Escape untrusted text for GitHub Markdown (one line; no HTML, links, mentions or table breaks)."""
    one_line = inert(str(text)).replace("⏎", " ")
    escaped = html.escape(one_line, quote=True)
    escaped = _MD_SPECIAL.sub(r"\\\1", escaped)
    return escaped.replace("@", "&#64;").replace("://", "&#58;//").replace("www.", "www&#46;")


_OUTCOME_ICON = {"deployed": "✅", "rolled-back": "↩️", "failed": "❌", "timed-out": "⏱️", "cancelled": "⏹️"}


def summary_markdown(
    outcome: Outcome,
    timeline: Sequence[TimelineEntry],
    *,
    endpoint_name: str = "",
    execution_arn: str = "",
    console_url: str = "",
    model_name: str = "",
    endpoint_config_name: str = "",
    checks: Sequence[Check] = (),
    notes: Sequence[str] = (),
) -> str:
    """The step summary: outcome, what was deployed, a link to the execution, a chart of the canary's
    traffic over time (:func:`traffic_chart`), the canary against its baseline at each check
    (:func:`canary.comparison.comparison_markdown`) and the timeline table. ``notes``: warnings said
    under the outcome (a first deploy; a bake that judged nothing)."""
    from canary.comparison import comparison_markdown

    icon = _OUTCOME_ICON.get(outcome.outcome, "")
    lines = [f"### {icon} SageMaker canary deploy: {md(endpoint_name or '?')} — {outcome.outcome}", ""]
    lines += [f"**{md(outcome_headline(outcome))}**", ""]
    lines += [line for note in notes for line in (f"⚠️ {md(note)}", "")]  # first deploy, not judged
    rows = [
        ("Outcome", f"{outcome.outcome} (Step Functions status {outcome.status})"),
        ("Endpoint", endpoint_name),
        ("Model", model_name or str(outcome.summary.get("ModelName", ""))),
        ("Endpoint config", endpoint_config_name or str(outcome.summary.get("EndpointConfigName", ""))),
    ]
    lines += ["| | |", "|---|---|"]
    lines += [f"| {label} | {md(value)} |" for label, value in rows if value]
    if execution_arn:
        link = f"[{md(execution_arn.rsplit(':', 1)[-1])}]({_url(console_url)})" if console_url else ""
        lines.append(f"| Execution | {link or md(execution_arn)} |")
    lines.append("")
    lines += traffic_chart(outcome, timeline)
    lines += comparison_markdown(checks)
    if timeline:
        lines += [
            "<details open><summary>Timeline</summary>",
            "",
            "| time | phase | event |",
            "|---:|---|---|",
        ]
        for entry in timeline:
            mark = ICONS[entry.level] if entry.level in {"ok", "warn", "error"} else ""
            text = f"{mark} {md(entry.text)}".strip()
            lines.append(f"| +{clock(entry.elapsed)} | {md(entry.phase)} | {text} |")
        lines += ["", "</details>", ""]
    return "\n".join(lines)


_CANARY_PHASE = re.compile(r"(?:Canary|Bake) (\d{1,3}(?:\.\d{1,3})?)%")
_PHASE_WEIGHTS: Mapping[str, float] = {"Prepare": 0.0, "First deploy": 0.0, "Promote": 100.0, "Rollback": 0.0}
CHART_MAX_INTERVALS = 60
"""At most this many sample intervals on the chart's time axis (61 points)."""


def _phase_weight(phase: str) -> float | None:
    """The new model's share of traffic (%) a phase stands for, or None when the phase says nothing."""
    if (match := _CANARY_PHASE.fullmatch(phase)) is not None:
        weight = float(match[1])
        return weight if 0.0 <= weight <= 100.0 else None
    return _PHASE_WEIGHTS.get(phase)


def traffic_steps(outcome: Outcome, timeline: Sequence[TimelineEntry]) -> list[tuple[float, float]]:
    """``(seconds since start, traffic % to the new model)`` at each change, from the timeline.

    0 before the canary, each canary weight from its step's start (``Canary N%``), 100 from the
    promotion's start; 0 from a rollback's start. At the end: 100 when deployed, 0 when rolled back,
    otherwise (failed, stopped, still running) the last known weight. Only numbers come out: a phase
    title that is not one of the renderer's own (:data:`canary.render.PHASES`) changes nothing.
    """
    if not timeline:
        return []
    steps = [(0.0, 0.0)]
    for entry in timeline:
        weight = _phase_weight(entry.phase) if entry.phase else None
        if weight is not None and weight != steps[-1][1]:
            steps.append((max(entry.elapsed, steps[-1][0]), weight))
    end = max(timeline[-1].elapsed, steps[-1][0])
    final = {"deployed": 100.0, "rolled-back": 0.0}.get(outcome.outcome, steps[-1][1])
    if final != steps[-1][1]:
        steps.append((end, final))
    return steps


def _sample(steps: Sequence[tuple[float, float]], step_seconds: float, points: int) -> list[float]:
    """The weight in force at each sample time ``i * step_seconds``; a weight held for less than one
    interval still shows, at the first sample after it started (so no canary step disappears)."""
    values = []
    for i in range(points):
        at = i * step_seconds
        values.append(next((w for t, w in reversed(steps) if t <= at), 0.0))
    forced: set[int] = set()
    for (start, weight), (end, _) in zip(steps, [*steps[1:], (float("inf"), 0.0)], strict=True):
        first = min(math.ceil(start / step_seconds - 1e-9), points - 1)
        if first * step_seconds >= end and first not in forced:
            values[first] = weight
            forced.add(first)
    return values


CHART_UNITS: Sequence[tuple[str, float, Sequence[float]]] = (
    # (unit, seconds per unit, sample steps in that unit), for deploys up to 60 steps of the largest
    ("seconds", 1.0, (1, 2, 5, 10)),
    ("minutes", 60.0, (0.25, 0.5, 1, 2, 5, 10)),
    ("hours", 3600.0, (0.25, 0.5, 1, 2, 4, 8, 12, 24)),
)
"""Units of the chart's time axis, the shortest that spans the deploy in at most
:data:`CHART_MAX_INTERVALS` samples of one of its steps. Every step is a whole number or a power of
two (exact in binary): Mermaid spreads a line over a linear axis by adding ``(max - min) / (n - 1)``
to ``min`` until it passes ``max``, so an inexact step would drop the last point."""


def chart_axis(seconds: float) -> tuple[str, float, int]:
    """``(unit, step in that unit, intervals)`` of the time axis of a deploy that lasted ``seconds``."""
    for unit, size, steps in CHART_UNITS:
        for step in steps:
            intervals = max(1, math.ceil(seconds / (step * size) - 1e-9))
            if intervals <= CHART_MAX_INTERVALS:
                return unit, step, intervals
    unit, size, steps = CHART_UNITS[-1]
    return unit, steps[-1], max(1, math.ceil(seconds / (steps[-1] * size) - 1e-9))


def traffic_chart(outcome: Outcome, timeline: Sequence[TimelineEntry]) -> list[str]:
    """Markdown lines of a Mermaid ``xychart-beta`` of the new model's traffic (%) over the deploy
    (:func:`traffic_steps`), or no lines when the timeline is too short to draw.

    The x axis runs from 0 to N steps in seconds, minutes or hours (:func:`chart_axis`): ``0 --> 40``
    seconds for a demo, ``0 --> 45`` minutes for a real canary; the line has one value per sample.
    Only numbers and fixed labels are written: nothing of the timeline's text reaches the chart.
    """
    steps = traffic_steps(outcome, timeline)
    end = max(timeline[-1].elapsed, steps[-1][0]) if steps else 0.0
    if end <= 0:
        return []
    unit, step, intervals = chart_axis(end)
    size = next(seconds for name, seconds, _ in CHART_UNITS if name == unit)
    values = _sample(steps, step * size, intervals + 1)
    return [
        "```mermaid",
        "xychart-beta",
        '    title "Traffic to the new model (%)"',
        f'    x-axis "{unit} since the start" 0 --> {_number(step * intervals)}',
        '    y-axis "traffic (%)" 0 --> 100',
        f"    line [{', '.join(_number(v) for v in values)}]",
        "```",
        "",
    ]


def _number(value: float) -> str:
    """A finite number as Mermaid reads it (``10``, ``12.5``, ``0.015625``)."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    return str(int(value)) if value == int(value) else repr(value)


def _url(url: str) -> str:
    """A URL safe inside Markdown link parentheses (only https links are kept)."""
    if not url.startswith("https://"):
        return "#"
    return (
        url.replace("(", "%28")
        .replace(")", "%29")
        .replace(" ", "%20")
        .replace("<", "%3C")
        .replace(">", "%3E")
    )
