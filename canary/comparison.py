"""The canary against its baseline: the numbers of each check, as log lines and step-summary Markdown.

The state machine's ``ReadMetrics`` task (one CloudWatch GetMetricData call; docs/state-machine.md,
"Canary vs baseline") returns one ``MetricDataResult`` per query, with the ids ``canary_…`` and
``baseline_…`` (``_invocations``, ``_4xx``, ``_5xx``: sums; ``_p99``, ``_average``: ModelLatency in
microseconds) over the bake so far; latency is shown, as it is judged, by p99 where CloudWatch has it
for both variants, else by Average (SageMaker lists no percentile for ModelLatency).
:func:`numbers_of` reads them; the renderer keeps one :class:`Check` per read. Plain text only: the
renderer makes it inert; the Markdown has numbers and fixed labels only (the phase titles are the
renderer's own).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canary.summary import Level, md

SIDES = ("canary", "baseline")


@dataclass(frozen=True)
class Numbers:
    """One variant's numbers over the bake so far."""

    invocations: float
    errors4xx: float
    errors5xx: float
    p99_us: float | None
    """p99 ModelLatency, microseconds (None: no datapoint)."""
    average_us: float | None = None
    """Average ModelLatency, microseconds (None: no datapoint)."""

    @property
    def rate5xx(self) -> float:
        """5xx errors as % of invocations (0 without invocations)."""
        return self.errors5xx / self.invocations * 100 if self.invocations else 0.0

    @property
    def rate4xx(self) -> float:
        """4xx errors as % of invocations (0 without invocations)."""
        return self.errors4xx / self.invocations * 100 if self.invocations else 0.0


@dataclass(frozen=True)
class Check:
    """One ReadMetrics of a bake."""

    elapsed: float
    """Seconds since the execution started."""
    phase: str
    """The renderer's phase title (``Bake 20%``)."""
    canary: Numbers
    baseline: Numbers


def _values(results: Sequence[Any], query_id: str) -> list[float]:
    for result in results:
        if isinstance(result, Mapping) and result.get("Id") == query_id:
            values = result.get("Values") or []
            return [float(v) for v in values if isinstance(v, int | float) and math.isfinite(v)]
    return []


def numbers_of(result: Mapping[str, Any]) -> tuple[Numbers, Numbers] | None:
    """(canary, baseline) from a GetMetricData result, or None when it is not ReadMetrics' read."""
    results = result.get("MetricDataResults")
    if not isinstance(results, list) or not any(
        isinstance(r, Mapping) and r.get("Id") == "canary_invocations" for r in results
    ):
        return None
    sides = []
    for side in SIDES:
        p99, average = _values(results, f"{side}_p99"), _values(results, f"{side}_average")
        sides.append(
            Numbers(
                invocations=sum(_values(results, f"{side}_invocations")),
                errors4xx=sum(_values(results, f"{side}_4xx")),
                errors5xx=sum(_values(results, f"{side}_5xx")),
                p99_us=max(p99) if p99 else None,
                average_us=max(average) if average else None,
            )
        )
    return sides[0], sides[1]


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _ms(p99_us: float | None) -> str:
    return "n/a" if p99_us is None else f"{p99_us / 1000:,.0f} ms"


def latency(canary: Numbers, baseline: Numbers) -> tuple[str, float | None, float | None]:
    """The ModelLatency statistic the definition judges on, and each side's value: p99 when both
    variants have one, else Average when either has it (docs/state-machine.md, "Canary vs baseline")."""
    if (canary.p99_us is None or baseline.p99_us is None) and (
        canary.average_us is not None or baseline.average_us is not None
    ):
        return "Average", canary.average_us, baseline.average_us
    return "p99", canary.p99_us, baseline.p99_us


def check_line(canary: Numbers, baseline: Numbers) -> str:
    """``canary 5xx 0.20 % (3/1,500) vs baseline 0.08 % (1/1,250); 4xx … ; p99 812 ms vs 790 ms``."""
    c, b = canary, baseline
    statistic, canary_us, baseline_us = latency(canary, baseline)
    return (
        f"canary 5xx {c.rate5xx:.2f} % ({_count(c.errors5xx)}/{_count(c.invocations)}) "
        f"vs baseline {b.rate5xx:.2f} % ({_count(b.errors5xx)}/{_count(b.invocations)}); "
        f"4xx {canary.rate4xx:.2f} % vs {baseline.rate4xx:.2f} %; "
        f"{statistic} {_ms(canary_us)} vs {_ms(baseline_us)}"
    )


def verdict_line(verdict: Mapping[str, Any]) -> tuple[Level, str] | None:
    """The low-traffic rule's decision (``$verdict`` of BakeVerdict), or None for a plain pass."""
    action = verdict.get("action")
    if action not in {"extend", "promote"}:
        return None
    invocations = verdict.get("invocations")
    served = _count(float(invocations)) if isinstance(invocations, int | float) else "?"
    text = f"low traffic: the canary served {served} invocations, fewer than min-canary-invocations "
    text += f"{verdict.get('minimum', '?')}"
    if action == "extend":
        extensions = verdict.get("extensions")
        number = extensions + 1 if isinstance(extensions, int) else "?"
        return "warn", f"{text}: baking longer (extension {number})"
    return "warn", f"{text}: promoting anyway (on-low-traffic: promote)"


def not_judged(verdict: Mapping[str, Any], weight: object) -> str | None:
    """A step that passed while its canary served no request (``$verdict`` from the step's last
    metrics read): its alarms and numbers judged nothing. None when requests were served, or unknown.
    """
    invocations = verdict.get("invocations")
    if verdict.get("action") != "pass" or not isinstance(invocations, int | float) or invocations != 0:
        return None
    step = f"the {weight}% step" if isinstance(weight, int | float) else "this step"
    return (
        f"not judged: 0 requests reached the canary in {step}, so its alarms and numbers had nothing to "
        "judge and it passed; set min-canary-invocations (and on-low-traffic) to require traffic"
    )


# -- step summary ---------------------------------------------------------------------------------


def _last_per_phase(checks: Sequence[Check]) -> list[tuple[Check, int]]:
    """The last check of each phase (the step's verdict numbers), with the phase's count of checks."""
    rows: dict[str, tuple[Check, int]] = {}
    for check in checks:
        count = rows[check.phase][1] + 1 if check.phase in rows else 1
        rows[check.phase] = (check, count)
    return list(rows.values())


def comparison_markdown(checks: Sequence[Check]) -> list[str]:
    """Markdown lines: a per-step table, each step's last check (its verdict's numbers; latency as
    judged, p99 or else Average). The charts of every check are
    :func:`canary.summary_charts.comparison_charts`."""
    if not checks:
        return []
    lines = [
        "| step | checks | canary invocations | canary 5xx | baseline 5xx "
        "| canary latency | baseline latency |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for check, count in _last_per_phase(checks):
        c, b = check.canary, check.baseline
        statistic, canary_us, baseline_us = latency(c, b)
        label = "" if statistic == "p99" else f" ({statistic})"
        lines.append(
            f"| {md(check.phase.removeprefix('Bake '))} | {count} | {_count(c.invocations)} "
            f"| {c.rate5xx:.2f} % ({_count(c.errors5xx)}) | {b.rate5xx:.2f} % ({_count(b.errors5xx)}) "
            f"| {_ms(canary_us)}{label} | {_ms(baseline_us)}{label} |"
        )
    return [*lines, ""]
