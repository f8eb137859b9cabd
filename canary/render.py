"""What the job log shows: one human line per meaningful step of the deploy.

The only module besides :mod:`canary.github` that prints, and the only one that imports rich (the
step summary is :mod:`canary.summary`).

- Lines come from history events: task results are read by *API call* (``describeEndpoint`` shows the
  endpoint status and variant weights, ``describeAlarms`` the alarm states, …) and phases by *state
  name* — both in the tables below (:data:`PHASES`, :data:`TASK_LINES`), so a change in the state
  machine is a change in one table. The bundled machine (canary/statemachine.asl.yaml) keeps its
  state in variables: the renderer reads them from the ``…StateExited`` events' ``assignedVariables``
  (``$step`` for the weight of a phase, ``$wait.config`` for the config an endpoint wait expects).
- Every piece of text that came from AWS (names, failure causes, alarm reasons, payloads) goes
  through :func:`canary.github.inert` and reaches rich as :class:`rich.text.Text`, never as markup.
- A printed line is exactly one log line: no wrapping (``soft_wrap``), no cropping.
- ``verbose`` adds every event with its payload as one line of JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from canary.comparison import Check, not_judged, numbers_of, verdict_line
from canary.follow import HistoryEvent
from canary.gate_lines import GATE_RESOURCE, gate_line
from canary.github import Runner, inert
from canary.guardrail_lines import (
    GUARDED_PHASE,
    QUIET_WHEN_OK,
    guarded_plan,
    pending_deployment,
    with_progress,
)
from canary.outcome import Outcome
from canary.phases import _TERMINAL_LINES, PHASES, PHASES_AFTER, PHASES_WHEN
from canary.schedule_lines import left_out
from canary.summary import ICONS, Level, TimelineEntry, clock, md, outcome_headline, summary_markdown
from canary.summary_facts import FactsReader
from canary.task_lines import (
    EXPECTED_FAILURES,
    HARMLESS_FAILURES,
    TASK_LINES,
    UPDATE_CALLS,
    api_call,
    describe_alarms,
    describe_endpoint,
    duration,
    fill,
    service_of,
    smoke_test_line,
)
from canary.waits import assigned_variables

__all__ = [
    "PHASES",
    "TASK_LINES",
    "Renderer",
    "TimelineEntry",
    "make_console",
    "md",
    "outcome_headline",
    "summary_markdown",
]

STYLES: Mapping[Level, str] = {
    "info": "",
    "ok": "green",
    "warn": "yellow",
    "error": "bold red",
    "detail": "dim",
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


class Renderer:
    """Turns history events into log lines, phase groups and a timeline."""

    def __init__(self, console: Console, runner: Runner, *, verbose: bool = False) -> None:
        """Write with ``console`` (see :func:`make_console`); groups and annotations through ``runner``."""
        self.console = console
        self.runner = runner
        self.verbose = verbose
        self.timeline: list[TimelineEntry] = []
        """Milestones of the deploy, for :func:`summary_markdown`."""
        self.checks: list[Check] = []
        """Each bake check's canary and baseline numbers, for :func:`summary_markdown`."""
        self.facts = FactsReader()
        """The plan, the reported traffic and the endpoint before the deploy, for :func:`summary_markdown`."""
        self.notes: list[str] = []
        """Warnings for the summary's outcome section (a step that judged nothing: 0 requests)."""
        self.phase = ""
        self.variables: dict[str, Any] = {}
        """The execution's variables so far, from the ``…StateExited`` events."""
        self._phase_started: dt.datetime | None = None
        self._started: dt.datetime | None = None
        self._input: Mapping[str, Any] = {}
        self._state = ""
        self._exited = ""
        self._params: Mapping[str, Any] = {}
        self._update_started: dt.datetime | None = None
        self._last_problem: tuple[str, str] | None = None
        self._last_endpoint: tuple[Any, ...] | None = None
        self._last_firing = ""
        self._planned = False

    # -- output ------------------------------------------------------------------------------------

    def _elapsed(self, at: dt.datetime) -> float:
        return (at - self._started).total_seconds() if self._started else 0.0

    def _print(self, at: dt.datetime, level: Level, text: str, *, milestone: bool = False) -> None:
        line = Text(no_wrap=True, overflow="ignore")
        line.append(f"{clock(self._elapsed(at)):>5} ", style="dim")
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
        if title == "First deploy":
            self._print(at, "info", "first deploy: no canary, the new model takes all traffic once InService")
        elif title == GUARDED_PHASE:
            plan = self.variables.get("plan")
            fleet = plan.get("instances") if isinstance(plan, Mapping) else None
            self._print(at, "info", guarded_plan(self._in(), fleet))
        elif title.startswith("Canary") and not self._planned:
            self._planned = True
            self._print(at, "info", self._plan())

    def _close_group(self) -> None:
        self.runner.endgroup()  # no-op when none is open

    # -- what the execution knows ------------------------------------------------------------------

    def _in(self) -> Mapping[str, Any]:
        document = self.variables.get("in")
        return document if isinstance(document, Mapping) else self._input

    def _weight(self) -> Any:
        """The current step's canary weight, ``$in.CanaryWeights[$step]`` (None when unknown)."""
        weights = self._in().get("CanaryWeights")
        step = self.variables.get("step", 0)
        if isinstance(weights, list) and isinstance(step, int) and 0 <= step < len(weights):
            return weights[step]
        return None

    def _plan(self) -> str:
        """The canary's plan, said when the canary begins (a first deploy has none)."""
        document = self._in()
        weights = document.get("CanaryWeights")
        text = "canary"
        if isinstance(weights, list) and weights:
            text += f" {' → '.join(f'{w}%' for w in weights)}"
        bake, check = document.get("BakeSeconds"), document.get("AlarmCheckSeconds")
        if isinstance(bake, int | float):
            text += f", bake {duration(float(bake))} each step"
            delay = self.variables.get("metricsDelay")
            if isinstance(delay, int | float) and delay > 0:  # docs/state-machine.md, "Late data"
                text += f" (+{duration(float(delay))} for late metrics)"
            alarms = self.variables.get("alarms")
            abort = self._abort_alarm()
            alarms = [a for a in alarms if a != abort] if isinstance(alarms, list) else alarms
            if alarms and isinstance(check, int | float):
                text += f", {len(alarms)} alarm(s) checked every {duration(float(check))}"
            elif alarms == []:
                text += ", no alarm to check"
        return text + ", then promotion"

    def _abort_alarm(self) -> str | None:
        """The deploy's ``…-abort`` alarm (it exists only once someone aborts)."""
        names = self._in().get("Names")
        return f"{names.get('AlarmPrefix')}-abort" if isinstance(names, Mapping) else None

    def _expected_config(self) -> str | None:
        """The config the current endpoint read waits for (``$wait.config``); None while preparing."""
        wait = self.variables.get("wait")
        if self.phase == "Prepare" or not isinstance(wait, Mapping):
            return None
        config = wait.get("config")
        return config if isinstance(config, str) else None

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
        if ev.type.endswith("StateExited"):
            assigned = assigned_variables(ev.details)
            self.variables.update(assigned)
            self._exited = str(ev.details.get("name", ""))
            if self._exited == "BakeVerdict":
                self._verdict(ev, assigned)
            if self._exited == "SmokeTest":
                self._smoke_test(ev)
            for level, text in left_out(assigned.get("schedulesPassed")):
                self._print(ev.timestamp, level, text, milestone=True)
        self.facts.event(ev, self.variables)

    def _smoke_test(self, ev: HistoryEvent) -> None:
        wait = self.variables.get("wait")
        shown = smoke_test_line(wait, self._in()) if isinstance(wait, Mapping) else None
        if shown is not None:
            self._print(ev.timestamp, *shown, milestone=True)

    # Handlers are named after the event types they render (``_on_<type>``).

    def _on_ExecutionStarted(self, ev: HistoryEvent) -> None:
        document = _json(ev.details.get("input"))
        self._input = document if isinstance(document, Mapping) else {}
        endpoint = self._input.get("EndpointName")
        container = self._input.get("Container") or {}
        image = container.get("Image") if isinstance(container, Mapping) else None
        text = f"deploying {image} to endpoint {endpoint}" if endpoint and image else "execution started"
        self._print(ev.timestamp, "info", text, milestone=True)

    def _state_entered(self, ev: HistoryEvent) -> None:
        name = str(ev.details.get("name", ""))
        growing = [
            title
            for (state, flag), title in PHASES_WHEN.items()
            if state == name and self.variables.get(flag) is True
        ]
        template = PHASES_AFTER.get((self._exited, name)) or next(iter(growing), None) or PHASES.get(name)
        if template is None:
            return
        weight = self._weight()
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
        if str(ev.details.get("resource", "")).endswith(GATE_RESOURCE):
            self._gate(ev)

    def _gate(self, ev: HistoryEvent) -> None:
        """A gate waits: a line, and a notice saying how to answer it (docs/state-machine.md)."""
        document = self._in()
        text = gate_line(document, self._weight(), ev.details.get("timeoutInSeconds"))
        self._print(ev.timestamp, "warn", text, milestone=True)
        if self.runner.is_actions:
            self.runner.notice(text, title="SageMaker canary deploy: waiting for approval")

    def _on_TaskSucceeded(self, ev: HistoryEvent) -> None:
        call = api_call(str(ev.details.get("resource", "")))
        key = (service_of(str(ev.details.get("resourceType", ""))), call)
        result = _json(ev.details.get("output"))
        result = result if isinstance(result, Mapping) else {}
        line = TASK_LINES.get(key)
        shown: tuple[Level, str] | None
        try:
            if key == ("sagemaker", "describeEndpoint"):
                shown = describe_endpoint(self._params, result, self._expected_config())
                if self.phase == GUARDED_PHASE:  # SageMaker's own progress (canary/guardrail_lines.py)
                    shown = with_progress(shown, result)
            elif key == ("cloudwatch", "describeAlarms"):
                start = self._state == "CheckAlarmNames"
                shown = describe_alarms(self._params, result, abort=self._abort_alarm(), start=start)
            else:
                shown = line(self._params, result) if line else ("info", f"{self._state}: {call} done")
        except (AttributeError, TypeError, ValueError, KeyError):
            shown = ("info", f"{self._state}: {call} done")
        if call in UPDATE_CALLS:
            self._update_started = ev.timestamp
            self._last_endpoint = None  # the first read after an update is always shown
        if shown is None:
            return
        level, text = shown
        milestone = level != "warn"
        if call == "describeEndpoint":
            seen = (
                result.get("EndpointStatus"),
                result.get("EndpointConfigName"),
                json.dumps(result.get("ProductionVariants"), default=str, sort_keys=True),
                pending_deployment(result) if self.phase == GUARDED_PHASE else None,
            )
            if seen == self._last_endpoint:
                return  # the same endpoint again (another poll, the rollback's first look)
            self._last_endpoint = seen
            milestone = milestone or self.phase == GUARDED_PHASE  # SageMaker's stages, in the summary
            if self._update_started is not None and level == "ok":
                text += f" (after {duration((ev.timestamp - self._update_started).total_seconds())})"
                self._update_started = None
        if call == "describeInferenceComponent":  # another poll of an unchanged IC: not repeated
            if ("ic", text) == self._last_endpoint:
                return
            self._last_endpoint = ("ic", text)
        if call == "updateEndpoint" and self.phase == "Rollback":
            text += " (back to the config before the deploy)"
        if call == "describeAlarms":
            if self._state in QUIET_WHEN_OK and (level == "ok" or text == self._last_firing):
                return  # SageMaker watches the alarms; the log names them once, as they fire
            self._last_firing = text
            milestone = level == "error"
            text += self._into_bake(ev.timestamp)
        if call == "getMetricData" and (numbers := numbers_of(result)) is not None:
            # ReadMetrics: the canary beside its baseline (canary/comparison.py), kept for the summary
            self.checks.append(Check(self._elapsed(ev.timestamp), self.phase, *numbers))
            milestone = False
            text += self._into_bake(ev.timestamp)
        self._print(ev.timestamp, level, text, milestone=milestone)

    def _into_bake(self, at: dt.datetime) -> str:
        if self.phase.startswith("Bake") and self._phase_started is not None:
            return f" ({duration((at - self._phase_started).total_seconds())} into the bake)"
        return ""

    def _verdict(self, ev: HistoryEvent, assigned: Mapping[str, Any]) -> None:
        """BakeVerdict's decisions that are not an alarm's: the relative gates, the low-traffic rule."""
        failure = assigned.get("failure")
        verdict = assigned.get("verdict")
        if isinstance(failure, Mapping) and failure.get("error") in {
            "Canary.WorseThanBaseline",
            "Canary.LowTraffic",
        }:
            self._print(
                ev.timestamp, "error", f"{failure['error']}: {failure.get('cause', '')}", milestone=True
            )
        elif isinstance(verdict, Mapping) and (shown := verdict_line(verdict)) is not None:
            self._print(ev.timestamp, shown[0], shown[1], milestone=True)
        elif isinstance(verdict, Mapping) and (text := not_judged(verdict, self._step_weight(verdict))):
            self._print(ev.timestamp, "warn", text, milestone=True)
            self.notes.append(text[0].upper() + text[1:])
            if self.runner.is_actions:
                self.runner.warning(text, title="SageMaker canary deploy: not judged")

    def _step_weight(self, verdict: Mapping[str, Any]) -> Any:
        """The canary weight of the step a ``$verdict`` is about (None when unknown)."""
        weights, step = self._in().get("CanaryWeights"), verdict.get("step")
        if isinstance(weights, list) and isinstance(step, int) and 0 <= step < len(weights):
            return weights[step]
        return None

    def _task_problem(self, ev: HistoryEvent, what: str) -> None:
        error = str(ev.details.get("error") or what)
        if (self._state, error) == self._last_problem:
            return  # a retry failing the same way: shown once (verbose shows every event)
        self._last_problem = (self._state, error)
        cause = str(ev.details.get("cause") or "")
        details = ev.details
        key = (service_of(str(details.get("resourceType", ""))), api_call(str(details.get("resource", ""))))
        expected = EXPECTED_FAILURES.get(key)
        if expected is not None and expected[0] in f"{error} {cause}":
            self._print(ev.timestamp, "info", fill(expected[1], self._params, {}))
            return
        text = f"{self._state}: {error}" + (f": {cause}" if cause else "")
        if key in HARMLESS_FAILURES:
            text = fill(HARMLESS_FAILURES[key], self._params, {}) + text
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
        """The execution's end; a failure's error and cause are the ``Failed`` state's (``$failure``)."""
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
