"""The step summary: outcome, what was deployed, a traffic chart and the deploy's timeline.

Split from :mod:`canary.render` (which re-exports :func:`summary_markdown`): the log's vocabulary
(levels, icons, timeline entries) lives here so both can use it. Everything here is text for GitHub
Markdown; every untrusted piece goes through :func:`md`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from canary.github import inert
from canary.outcome import Outcome

if TYPE_CHECKING:
    from canary.comparison import Check
    from canary.summary_facts import DeployFacts

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
    """One sentence saying how the deploy ended (contains untrusted text: the cause).

    ``Rolled back (Canary.RolledBack): endpoint E is on C again. Alarm …``: the label once (a cause
    that starts with it, as the state machine's rollback causes do, does not repeat it), then the
    error's name, or the execution's status when there is none.
    """
    summary = o.summary
    if o.outcome == "deployed":
        model = summary.get("ModelName")
        config = summary.get("EndpointConfigName")
        endpoint = summary.get("EndpointName")
        component = summary.get("InferenceComponentName")
        if component and endpoint:  # the endpoint and its config are unchanged: the IC took the model
            return f"Deployed: inference component {component} of endpoint {endpoint} serves " + (
                f"model {model}" if model else "its new container"
            )
        if model and endpoint:
            return f"Deployed: endpoint {endpoint} serves model {model} (config {config})"
        return "Deployed"
    label = {
        "rolled-back": "Rolled back",
        "failed": "Failed",
        "timed-out": "Timed out",
        "cancelled": "Cancelled",
    }[o.outcome]
    detail = o.cause or ""
    if detail.lower().startswith(f"{label.lower()}: "):
        detail = detail[len(label) + 2 :]
    if o.outcome == "timed-out" and o.status == "RUNNING":
        detail = detail or "stopped following; the execution goes on"
    return f"{label} ({o.error or o.status})" + (f": {detail}" if detail else "")


# -- step summary ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def md(text: object) -> str:
    """Escape untrusted text for GitHub Markdown (one line; no HTML, links, mentions or table breaks)."""
    one_line = inert(str(text)).replace("⏎", " ")
    # Markdown's characters first, then HTML's (only & < >: quotes are plain text outside a tag): the
    # other way round, an entity's "#" would be escaped and show as text ("baseline&#x27;s").
    escaped = html.escape(_MD_SPECIAL.sub(r"\\\1", one_line), quote=False)
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
    facts: DeployFacts | None = None,
    commit: str = "",
    commit_url: str = "",
    notes: Sequence[str] = (),
) -> str:
    """The step summary: the outcome in one sentence and the warnings said under it (``notes``: a first
    deploy; a bake that judged nothing); what serves now, what was deployed (image, model data, commit)
    and the plan; each step's duration; charts of the new model's traffic and of the canary against its
    baseline on one time axis (:mod:`canary.summary_charts`); the numbers of each bake step
    (:func:`canary.comparison.comparison_markdown`); the timeline.
    ``facts``: what the history said beside the timeline (:class:`canary.summary_facts.FactsReader`)."""
    from canary.comparison import comparison_markdown
    from canary.summary_charts import comparison_charts, time_axis, traffic_chart
    from canary.summary_facts import DeployFacts

    facts = facts or DeployFacts()
    icon = _OUTCOME_ICON.get(outcome.outcome, "")
    words = outcome.outcome.replace("-", " ")
    lines = [f"### {icon} SageMaker canary deploy: {md(endpoint_name or '?')} — {words}", ""]
    lines += [f"**{md(outcome_headline(outcome))}**", ""]
    lines += [line for note in notes for line in (f"⚠️ {md(note)}", "")]  # first deploy, not judged
    new_model = model_name or str(outcome.summary.get("ModelName", "")) or facts.new_model
    rows = [
        ("Serving now", serving_now(outcome, facts, new_model, endpoint_config_name)),
        ("Image", facts.image),
        ("Model data", facts.model_data),
        ("Plan", plan_text(facts, first_deploy=_first_deploy(facts, timeline))),
        ("Endpoint", endpoint_name),
        ("New model", new_model),
        ("Endpoint config", endpoint_config_name or str(outcome.summary.get("EndpointConfigName", ""))),
    ]
    # The first row is the table's header: a GFM table has one, and an empty one shows as a blank bar.
    lines += [
        f"| Outcome | {md(outcome.outcome)} (Step Functions status {md(outcome.status)}) |",
        "|---|---|",
    ]
    lines += [f"| {label} | {md(value)} |" for label, value in rows if value]
    if commit:
        shown, target = md(commit[:7]), _url(commit_url)
        lines.append(f"| Commit | {f'[{shown}]({target})' if target != '#' else shown} |")
    if execution_arn:
        link = f"[{md(execution_arn.rsplit(':', 1)[-1])}]({_url(console_url)})" if console_url else ""
        lines.append(f"| Execution | {link or md(execution_arn)} |")
    lines.append("")
    lines += steps_table(timeline)
    axis = time_axis(timeline[-1].elapsed) if len(timeline) > 1 else None
    if axis is not None and not facts.component:  # an IC has no traffic weight to chart
        lines += traffic_chart(facts, axis)
    if checks:
        lines += ["<details open><summary>Canary vs baseline</summary>", ""]
        lines += comparison_markdown(checks)
        if axis is not None:
            lines += comparison_charts(checks, axis, facts)
        lines += ["</details>", ""]
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


def _first_deploy(facts: DeployFacts, timeline: Sequence[TimelineEntry]) -> bool:
    return facts.first_deploy or any(e.phase == "First deploy" for e in timeline)


def serving_now(outcome: Outcome, facts: DeployFacts, new_model: str, config: str) -> str:
    """Which model takes the endpoint's traffic at the end (empty: unknown)."""
    before = facts.before_model or "the model before this deploy"
    where = f" (config {facts.before_config})" if facts.before_config else ""
    if outcome.outcome == "deployed":
        return f"the new model {new_model}" + (f" (config {config})" if config else "") if new_model else ""
    if outcome.outcome == "rolled-back":
        return f"{before}{where}: the model before this deploy; the new model serves nothing"
    last = facts.traffic[-1][1] if facts.traffic else None
    if last is None or outcome.status == "RUNNING":
        return ""
    if last == 0:
        return f"{before}{where}, as the endpoint's last read showed"
    if last == 100:
        return f"the new model {new_model}, as the endpoint's last read showed"
    return f"both: the new model {new_model} takes {last:g} % (the endpoint's last read)"


def plan_text(facts: DeployFacts, *, first_deploy: bool) -> str:
    """The deploy's plan in one line: strategy, weights, bake, checks, gates, approval."""
    from canary.task_lines import duration

    if first_deploy:
        return "first deploy: the new model takes all traffic once the endpoint is InService"
    if facts.component:
        bake = f", each batch baked {duration(facts.bake_seconds)}" if facts.bake_seconds is not None else ""
        return f"inference component {facts.component}: SageMaker's rolling update of its copies{bake}"
    if not facts.weights:
        return ""
    parts = [f"canary {' → '.join(f'{w:g} %' for w in [*facts.weights, 100.0])}"]
    if facts.bake_seconds is not None:
        parts.append(f"bake {duration(facts.bake_seconds)} per step")
    alarms = len(facts.alarms) + (2 if facts.error_alarms else 0)
    gated = facts.max_error_rate_increase is not None or facts.max_latency_increase is not None
    if facts.check_seconds is not None and (alarms or gated):
        what = f"{alarms} alarm(s)" if alarms else "the gates"
        parts.append(f"{what} checked every {duration(facts.check_seconds)}")
    if facts.max_error_rate_increase is not None:
        points = facts.max_error_rate_increase
        parts.append(f"canary 5xx rate at most baseline + {points:g} point{'' if points == 1 else 's'}")
    if facts.max_latency_increase is not None:
        parts.append(f"canary p99 at most baseline + {facts.max_latency_increase:g} %")
    if facts.min_canary_invocations:
        parts.append(f"under {facts.min_canary_invocations} canary invocations: {facts.on_low_traffic}")
    if facts.approval:
        parts.append(f"approval {facts.approval}")
    return "; ".join(parts)


def steps_table(timeline: Sequence[TimelineEntry]) -> list[str]:
    """Markdown lines: each phase of the deploy, when it began and how long it took."""
    spans: list[tuple[str, float]] = []
    for entry in timeline:
        if entry.phase and (not spans or spans[-1][0] != entry.phase):
            spans.append((entry.phase, entry.elapsed))
    if not spans:
        return []
    end = timeline[-1].elapsed
    from canary.task_lines import duration

    lines = ["| step | began | took |", "|---|---:|---:|"]
    for (phase, began), (_, until) in zip(spans, [*spans[1:], ("", end)], strict=True):
        lines.append(f"| {md(phase)} | +{clock(began)} | {duration(until - began)} |")
    return [*lines, ""]


def _url(url: str) -> str:
    """A URL safe inside Markdown link parentheses (only https links without spaces or controls)."""
    if not url.startswith("https://") or any(c.isspace() or ord(c) < 32 for c in url):
        return "#"
    return (
        url.replace("(", "%28")
        .replace(")", "%29")
        .replace(" ", "%20")
        .replace("<", "%3C")
        .replace(">", "%3E")
    )
