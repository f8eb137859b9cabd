"""What the job log shows: one human line per meaningful step of the deploy, and the step summary.

The only module besides :mod:`canary.github` that prints, and the only one that imports rich.

- Lines come from history events: task results are read by *API call* (``describeEndpoint`` shows the
  endpoint status and variant weights, ``describeAlarms`` the alarm states, …) and phases by *state
  name* — both in the tables below (:data:`PHASES`, :data:`TASK_LINES`), so a change in the state
  machine is a change in one table.
- Every piece of text that came from AWS (names, failure causes, alarm reasons, payloads) goes
  through :func:`canary.github.inert` and reaches rich as :class:`rich.text.Text`, never as markup.
- A printed line is exactly one log line: no wrapping (``soft_wrap``), no cropping.
- ``verbose`` adds every event with its payload as one line of JSON.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from rich.console import Console
from rich.text import Text

from canary.follow import HistoryEvent
from canary.github import Runner, inert
from canary.outcome import Outcome

Level = Literal["info", "ok", "warn", "error", "detail"]

STYLES: Mapping[Level, str] = {
    "info": "",
    "ok": "green",
    "warn": "yellow",
    "error": "bold red",
    "detail": "dim",
}
ICONS: Mapping[Level, str] = {"info": "•", "ok": "✓", "warn": "!", "error": "✗", "detail": " "}

PHASES: Mapping[str, str] = {
    # state entered → title of the log group it opens ({weight}: the step's canary weight)
    "ReadEndpoint": "Prepare",
    "CreateModelFirst": "First deploy",
    "CreateModel": "Canary {weight}%",
    "ShiftTraffic": "Canary {weight}%",
    "Bake": "Bake {weight}%",
    "ShortBake": "Bake {weight}%",
    "BakeWithoutAlarms": "Bake {weight}%",
    "CreateFinalConfig": "Promote",
    "Rollback": "Rollback",
}
"""Phase groups, by the state that starts them."""

_TERMINAL_LINES: Mapping[str, tuple[Level, str]] = {
    "ExecutionSucceeded": ("ok", "execution succeeded"),
    "ExecutionFailed": ("error", "execution failed"),
    "ExecutionAborted": ("error", "execution stopped (aborted)"),
    "ExecutionTimedOut": ("error", "execution timed out"),
}


def make_console(
    stream: TextIO,
    env: Mapping[str, str] | None = None,
    *,
    github: bool | None = None,
    width: int | None = None,
) -> Console:
    """A rich console for the job log (or a terminal).

    In GitHub Actions (``github`` True, or ``GITHUB_ACTIONS=true`` in ``env``) colours are forced on
    although the log is not a TTY. ``NO_COLOR`` in ``env`` turns them off. Markup, emoji codes and
    highlighting are off: text is shown as given. ``width`` fixes the width (snapshots).
    """
    env = env or {}
    if github is None:
        github = env.get("GITHUB_ACTIONS", "").lower() == "true"
    no_color = "NO_COLOR" in env
    return Console(
        file=stream,
        force_terminal=True if github and not no_color else None,
        color_system=None if no_color else ("256" if github else "auto"),
        no_color=no_color,
        width=width or (10_000 if github else None),
        soft_wrap=True,
        markup=False,
        emoji=False,
        highlight=False,
        legacy_windows=False,
        _environ=dict(env),
    )


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


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _json(raw: Any) -> Any:
    if not isinstance(raw, str):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _payload(details: Mapping[str, Any]) -> str:
    """An event's details as one line of JSON, embedded JSON documents (input, output, …) decoded."""
    decoded = {
        key: _json(value) if isinstance(_json(value), dict | list) else value
        for key, value in details.items()
    }
    return json.dumps(decoded, separators=(",", ":"), sort_keys=True, default=str, ensure_ascii=False)


def _name(value: Any) -> str:
    """A resource name from a name or an ARN (``…:endpoint-config/NAME`` → NAME)."""
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text


def _weights(variants: Sequence[Mapping[str, Any]], weight_key: str, count_key: str) -> str:
    weights = [float(v.get(weight_key) or 0) for v in variants]
    total = sum(weights) or 1.0
    parts = []
    for variant, weight in zip(variants, weights, strict=True):
        count = variant.get(count_key)
        instances = f" x{count}" if count is not None else ""
        parts.append(f"{variant.get('VariantName', '?')} {weight / total * 100:.0f}%{instances}")
    return ", ".join(parts)


# -- task lines: (resource type, API call) → line ---------------------------------------------------

TaskLine = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[Level, str] | None]
"""(parameters, result) → (level, text), or None to show nothing."""


def _describe_endpoint(params: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Level, str]:
    status = str(result.get("EndpointStatus", "?"))
    variants = result.get("ProductionVariants") or []
    text = f"endpoint {result.get('EndpointName', params.get('EndpointName', '?'))} {status}"
    text += f" on {result.get('EndpointConfigName', '?')}"
    if variants:
        key = "CurrentWeight" if all("CurrentWeight" in v for v in variants) else "DesiredWeight"
        text += f": {_weights(variants, key, 'CurrentInstanceCount')}"
    level: Level = "ok" if status == "InService" else "warn" if status in {"Creating", "Updating"} else "info"
    if result.get("FailureReason"):
        text += f" — failure: {result['FailureReason']}"
        level = "error"
    elif status == "Failed":
        level = "error"
    return level, text


def _describe_alarms(params: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Level, str]:
    alarms = [*(result.get("MetricAlarms") or []), *(result.get("CompositeAlarms") or [])]
    watched = [str(n) for n in params.get("AlarmNames") or []]
    firing = [a for a in alarms if a.get("StateValue") == "ALARM"]
    if firing:
        reasons = "; ".join(f"{a.get('AlarmName', '?')}: {a.get('StateReason', '')}" for a in firing)
        return "error", f"ALARM: {reasons}"
    if params.get("StateValue") == "ALARM" or not alarms:
        return "ok", f"alarms OK: none of {len(watched)} in ALARM" if watched else "alarms OK"
    return "ok", "alarms OK: " + ", ".join(
        f"{a.get('AlarmName', '?')} {a.get('StateValue', '?')}" for a in alarms
    )


def _create_endpoint_config(params: Mapping[str, Any], _: Mapping[str, Any]) -> tuple[Level, str]:
    variants = params.get("ProductionVariants") or []
    shape = ", ".join(
        f"{v.get('VariantName', '?')} {v.get('InstanceType', '')}".rstrip()
        for v in variants
        if isinstance(v, Mapping)
    )
    weights = _weights(variants, "InitialVariantWeight", "InitialInstanceCount") if variants else ""
    text = f"created endpoint config {params.get('EndpointConfigName', '?')}"
    return "info", text + (f": {weights} ({shape})" if weights else "")


def _shift(params: Mapping[str, Any], _: Mapping[str, Any]) -> tuple[Level, str]:
    variants = params.get("DesiredWeightsAndCapacities") or []
    return "info", f"traffic shifting to {_weights(variants, 'DesiredWeight', 'DesiredInstanceCount')}"


def _simple(template: str, level: Level = "info") -> TaskLine:
    def line(params: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Level, str]:
        values = {**{k: _name(v) for k, v in result.items()}, **{k: _name(v) for k, v in params.items()}}
        try:
            return level, template.format_map(values)
        except (KeyError, ValueError, IndexError):
            return level, template.split(" {", 1)[0]

    return line


def _quiet(_: Mapping[str, Any], __: Mapping[str, Any]) -> None:
    return None


def _model(params: Mapping[str, Any], _: Mapping[str, Any]) -> tuple[Level, str]:
    container = params.get("PrimaryContainer") or {}
    image = container.get("Image", "?") if isinstance(container, Mapping) else "?"
    data = container.get("ModelDataUrl") if isinstance(container, Mapping) else None
    return "info", f"created model {params.get('ModelName', '?')}: {image}" + (f" + {data}" if data else "")


def _scalable_targets(_: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Level, str]:
    targets = result.get("ScalableTargets") or []
    if not targets:
        return "info", "auto scaling: none"
    target = targets[0]
    return (
        "info",
        f"auto scaling: {target.get('MinCapacity', '?')}-{target.get('MaxCapacity', '?')} instances",
    )


TASK_LINES: Mapping[tuple[str, str], TaskLine] = {
    ("sagemaker", "describeEndpoint"): _describe_endpoint,
    ("sagemaker", "describeEndpointConfig"): _quiet,
    ("sagemaker", "createModel"): _model,
    ("sagemaker", "createEndpointConfig"): _create_endpoint_config,
    ("sagemaker", "createEndpoint"): _simple("CreateEndpoint {EndpointName} on {EndpointConfigName}"),
    ("sagemaker", "updateEndpoint"): _simple("UpdateEndpoint {EndpointName} → {EndpointConfigName}"),
    ("sagemaker", "updateEndpointWeightsAndCapacities"): _shift,
    ("sagemaker", "deleteEndpoint"): _simple("deleted endpoint {EndpointName}"),
    ("sagemaker", "deleteEndpointConfig"): _simple("deleted endpoint config {EndpointConfigName}"),
    ("sagemaker", "deleteModel"): _simple("deleted model {ModelName}"),
    ("cloudwatch", "describeAlarms"): _describe_alarms,
    ("cloudwatch", "putMetricAlarm"): _simple("created alarm {AlarmName}: {MetricName} > {Threshold}"),
    ("cloudwatch", "deleteAlarms"): _simple("deleted the canary alarms"),
    ("applicationautoscaling", "describeScalableTargets"): _scalable_targets,
    ("applicationautoscaling", "describeScalingPolicies"): _quiet,
    ("applicationautoscaling", "registerScalableTarget"): _simple(
        "auto scaling: {MinCapacity}-{MaxCapacity} instances on {ResourceId}"
    ),
    ("applicationautoscaling", "deregisterScalableTarget"): _simple("auto scaling suspended on {ResourceId}"),
    ("applicationautoscaling", "putScalingPolicy"): _simple("scaling policy {PolicyName} on {ResourceId}"),
}
"""Human line of a successful task, by service and API call (``aws-sdk:SERVICE:call``)."""

_UPDATE_CALLS = frozenset({"createEndpoint", "updateEndpoint", "updateEndpointWeightsAndCapacities"})


def _service(resource_type: str) -> str:
    service = resource_type.rsplit(":", 1)[-1]
    return "applicationautoscaling" if service == "application-autoscaling" else service


def _call(resource: str) -> str:
    return resource.split(":", 1)[0].split(".", 1)[0]


class Renderer:
    """Turns history events into log lines, phase groups and a timeline."""

    def __init__(self, console: Console, runner: Runner, *, verbose: bool = False) -> None:
        """Write with ``console`` (see :func:`make_console`); groups and annotations through ``runner``."""
        self.console = console
        self.runner = runner
        self.verbose = verbose
        self.timeline: list[TimelineEntry] = []
        """Milestones of the deploy, for :func:`summary_markdown`."""
        self.phase = ""
        self._phase_started: dt.datetime | None = None
        self._started: dt.datetime | None = None
        self._input: Mapping[str, Any] = {}
        self._entered: dict[str, dt.datetime] = {}
        self._state = ""
        self._params: Mapping[str, Any] = {}
        self._update_started: dt.datetime | None = None
        self._last_problem: tuple[str, str] | None = None

    # -- output ------------------------------------------------------------------------------------

    def _elapsed(self, at: dt.datetime) -> float:
        return (at - self._started).total_seconds() if self._started else 0.0

    def _print(self, at: dt.datetime, level: Level, text: str, *, milestone: bool = False) -> None:
        line = Text(no_wrap=True, overflow="ignore")
        line.append(f"{_clock(self._elapsed(at)):>5} ", style="dim")
        line.append(f"{ICONS[level]} ", style=STYLES[level])
        line.append(inert(text), style=STYLES[level])
        self.console.print(line, soft_wrap=True)
        if milestone:
            self.timeline.append(TimelineEntry(at, self._elapsed(at), self.phase, text, level))

    def _open_phase(self, title: str, at: dt.datetime) -> None:
        if title == self.phase:
            return
        self.phase = title  # runner.group() ends the open group in the same resume
        self._phase_started = at
        self.runner.group(title)
        self.timeline.append(TimelineEntry(at, self._elapsed(at), title, f"{title} started", "info"))

    def _close_group(self) -> None:
        self.runner.endgroup()  # no-op when none is open

    # -- events ------------------------------------------------------------------------------------

    def event(self, ev: HistoryEvent) -> None:
        """Render one history event (events must come in order, each once)."""
        if self._started is None:
            self._started = ev.timestamp
        if ev.terminal:
            self._close_group()
        if self.verbose:
            self._print(ev.timestamp, "detail", f"#{ev.id} {ev.type} {_payload(ev.details)}")
        handler = getattr(self, f"_on_{ev.type}", None)
        if handler is not None:
            handler(ev)
        elif ev.type.endswith("StateEntered"):
            self._state_entered(ev)

    # Handlers are named after the event types they render (``_on_<type>``).

    def _on_ExecutionStarted(self, ev: HistoryEvent) -> None:
        document = _json(ev.details.get("input"))
        self._input = document if isinstance(document, Mapping) else {}
        endpoint = self._input.get("EndpointName")
        container = self._input.get("Container") or {}
        image = container.get("Image") if isinstance(container, Mapping) else None
        text = f"deploying {image} to endpoint {endpoint}" if endpoint and image else "execution started"
        weights = self._input.get("CanaryWeights")
        if isinstance(weights, list) and weights:
            bake = self._input.get("BakeSeconds")
            text += f" (canary {' → '.join(f'{w}%' for w in weights)}"
            text += f", bake {duration(float(bake))} each)" if isinstance(bake, int | float) else ")"
        self._print(ev.timestamp, "info", text, milestone=True)

    def _state_entered(self, ev: HistoryEvent) -> None:
        name = str(ev.details.get("name", ""))
        self._entered[name] = ev.timestamp
        template = PHASES.get(name)
        if template is None:
            return
        weight: Any = None
        state_input = _json(ev.details.get("input"))
        if isinstance(state_input, Mapping):
            weight = state_input.get("Weight")
        if weight is None:
            weights = self._input.get("CanaryWeights")
            weight = weights[0] if isinstance(weights, list) and weights else None
        title = template.format(weight=weight) if weight is not None else template.replace(" {weight}%", "")
        self._open_phase(title, ev.timestamp)

    def _on_TaskStateEntered(self, ev: HistoryEvent) -> None:
        name = str(ev.details.get("name", ""))
        if name != self._state:
            self._last_problem = None
        self._state = name
        self._state_entered(ev)

    def _on_TaskScheduled(self, ev: HistoryEvent) -> None:
        params = _json(ev.details.get("parameters"))
        self._params = params if isinstance(params, Mapping) else {}

    def _on_TaskSucceeded(self, ev: HistoryEvent) -> None:
        resource = str(ev.details.get("resource", ""))
        call = _call(resource)
        key = (_service(str(ev.details.get("resourceType", ""))), call)
        result = _json(ev.details.get("output"))
        result = result if isinstance(result, Mapping) else {}
        line = TASK_LINES.get(key)
        shown: tuple[Level, str] | None
        try:
            shown = line(self._params, result) if line else ("info", f"{self._state}: {call} done")
        except (AttributeError, TypeError, ValueError, KeyError):
            shown = ("info", f"{self._state}: {call} done")
        if call in _UPDATE_CALLS:
            self._update_started = ev.timestamp
        if shown is None:
            return
        level, text = shown
        milestone = level != "warn"
        if call == "describeEndpoint" and self._update_started is not None and level == "ok":
            text += f" (after {duration((ev.timestamp - self._update_started).total_seconds())})"
            self._update_started = None
        if call == "describeAlarms":
            milestone = level == "error"
            if self.phase.startswith("Bake") and self._phase_started is not None:
                into = (ev.timestamp - self._phase_started).total_seconds()
                text += f" ({duration(into)} into the bake)"
        self._print(ev.timestamp, level, text, milestone=milestone)

    def _task_problem(self, ev: HistoryEvent, what: str) -> None:
        error = str(ev.details.get("error") or what)
        if (self._state, error) == self._last_problem:
            return  # a retry failing the same way: shown once (verbose shows every event)
        self._last_problem = (self._state, error)
        cause = ev.details.get("cause") or ""
        text = f"{self._state}: {error}" + (f": {cause}" if cause else "")
        self._print(ev.timestamp, "warn", text)

    def _on_TaskFailed(self, ev: HistoryEvent) -> None:
        self._task_problem(ev, "failed")

    def _on_TaskTimedOut(self, ev: HistoryEvent) -> None:
        self._task_problem(ev, "timed out")

    def _on_TaskStartFailed(self, ev: HistoryEvent) -> None:
        self._task_problem(ev, "could not start")

    def _on_TaskSubmitFailed(self, ev: HistoryEvent) -> None:
        self._task_problem(ev, "could not submit")

    def _terminal(self, ev: HistoryEvent) -> None:
        level, text = _TERMINAL_LINES[ev.type]
        error = ev.details.get("error")
        cause = ev.details.get("cause")
        total = duration(self._elapsed(ev.timestamp))
        self.phase = ""
        # The log line names the error (the outcome line that follows gives the cause); the
        # timeline keeps both.
        self._print(ev.timestamp, level, f"{text}{f': {error}' if error else ''} (after {total})")
        full = text + "".join(f": {part}" for part in (error, cause) if part)
        self.timeline.append(TimelineEntry(ev.timestamp, self._elapsed(ev.timestamp), "", full, level))

    _on_ExecutionSucceeded = _terminal
    _on_ExecutionFailed = _terminal
    _on_ExecutionAborted = _terminal
    _on_ExecutionTimedOut = _terminal

    # -- outcome -----------------------------------------------------------------------------------

    def outcome(self, o: Outcome) -> None:
        """Print the deploy's outcome; annotate the run (error unless deployed, notice when deployed)."""
        self._close_group()
        headline = outcome_headline(o)
        level: Level = "ok" if o.succeeded else "error"
        line = Text(no_wrap=True, overflow="ignore")
        line.append(f"{ICONS[level]} {inert(headline)}", style=STYLES[level])
        self.console.print(line, soft_wrap=True)
        if not self.runner.is_actions:
            return
        if o.succeeded:
            self.runner.notice(headline, title="SageMaker canary deploy: deployed")
        else:
            self.runner.error(headline, title=f"SageMaker canary deploy: {o.outcome}")


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
) -> str:
    """The step summary: outcome, what was deployed, a link to the execution, a chart of the canary's
    traffic over time (:func:`traffic_chart`) and the timeline table."""
    icon = _OUTCOME_ICON.get(outcome.outcome, "")
    lines = [f"### {icon} SageMaker canary deploy: {md(endpoint_name or '?')} — {outcome.outcome}", ""]
    lines += [f"**{md(outcome_headline(outcome))}**", ""]
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
            lines.append(f"| +{_clock(entry.elapsed)} | {md(entry.phase)} | {text} |")
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
    title that is not one of the renderer's own (:data:`PHASES`) changes nothing.
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


def traffic_chart(outcome: Outcome, timeline: Sequence[TimelineEntry]) -> list[str]:
    """Markdown lines of a Mermaid ``xychart-beta`` of the new model's traffic (%) over the deploy's
    minutes (:func:`traffic_steps`), or no lines when the timeline is too short to draw.

    The x axis is linear from 0 to N x step minutes, with step a power of two (1/64 min and up) so
    Mermaid's own float stepping lands exactly on each sample; the line has one value per sample.
    Only numbers and fixed labels are written: nothing of the timeline's text reaches the chart.
    """
    steps = traffic_steps(outcome, timeline)
    end = max(timeline[-1].elapsed, steps[-1][0]) if steps else 0.0
    if end <= 0:
        return []
    minutes = end / 60
    step = 2.0**-6
    while minutes / step > CHART_MAX_INTERVALS:
        step *= 2
    intervals = max(1, math.ceil(minutes / step - 1e-9))
    values = _sample(steps, step * 60, intervals + 1)
    return [
        "```mermaid",
        "xychart-beta",
        '    title "Traffic to the new model (%)"',
        f'    x-axis "minutes since the start" 0 --> {_number(step * intervals)}',
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
