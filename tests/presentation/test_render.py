"""The job log and step summary: snapshots of recorded deploys, and untrusted text kept inert.

Snapshots: recorded with ``python -m tests.presentation.snapshots record`` (the demo's scenarios
against the emulator); expected texts re-rendered with ``… snapshots update``.
Workflow commands: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math
import re
from typing import Any

import pytest

from canary.follow import HistoryEvent
from canary.github import Runner
from canary.outcome import Outcome
from canary.render import Renderer, TimelineEntry, make_console, md, summary_markdown
from canary.summary_facts import DeployFacts
from tests.presentation import snapshots
from tests.presentation.runner_log import process

CASES = [
    (name, suffix, github, verbose)
    for name in snapshots.SCENARIOS
    for suffix, github, verbose in snapshots.variants(name)
]

HOSTILE = (
    "::error::pwned%0A##[group]x\n::set-output name=outcome::deployed\r::add-mask::x"
    " [red]m[/red] @octocat <b>|</b>"
)


@pytest.mark.parametrize(("name", "suffix", "github", "verbose"), CASES)
def test_rendering_matches_the_committed_snapshot(
    name: str, suffix: str, github: bool, verbose: bool
) -> None:
    text, _ = snapshots.render(snapshots.load(name), github=github, verbose=verbose)
    expected = snapshots.expected_path(name, suffix).read_text()
    update = ".venv/bin/python -m tests.presentation.snapshots update"
    assert snapshots.stable(text) == expected, f"rendering of {name}{suffix} changed; if intended: {update}"


@pytest.mark.parametrize(
    ("name", "groups"),
    [
        ("first-deploy", ["Prepare", "First deploy"]),
        ("canary-promoted", ["Prepare", "Canary 10%", "Bake 10%", "Canary 50%", "Bake 50%", "Promote"]),
        ("canary-rolled-back", ["Prepare", "Canary 20%", "Bake 20%", "Rollback"]),
        ("canary-worse-than-baseline", ["Prepare", "Canary 20%", "Bake 20%", "Rollback"]),
    ],
)
def test_each_phase_is_one_group_and_groups_are_closed(name: str, groups: list[str]) -> None:
    text, _ = snapshots.render(snapshots.load(name), github=True, verbose=False)
    log = process(text)
    assert [c.data for c in log.named("group")] == groups
    assert len(log.named("endgroup")) == len(groups)
    assert not log.stopped


def test_a_rollback_is_annotated_as_an_error_and_shows_the_alarm() -> None:
    text, renderer = snapshots.render(snapshots.load("canary-rolled-back"), github=True, verbose=False)
    log = process(text)
    [error] = log.named("error")
    assert error.properties["title"] == "SageMaker canary deploy: rolled-back"
    assert "demo-churn-p99-latency" in error.data
    assert log.named("notice") == []
    assert any("ALARM: demo-churn-p99-latency" in line for line in log.lines)
    assert any(e.level == "error" and "p99 latency" in e.text for e in renderer.timeline)


def test_a_deploy_is_annotated_as_a_notice() -> None:
    text, _ = snapshots.render(snapshots.load("canary-promoted"), github=True, verbose=False)
    log = process(text)
    assert log.named("error") == []
    assert [c.properties["title"] for c in log.named("notice")] == ["SageMaker canary deploy: deployed"]


def test_outside_actions_no_workflow_command_is_printed() -> None:
    text, _ = snapshots.render(snapshots.load("canary-rolled-back"), github=False, verbose=True)
    assert process(text).commands == []
    assert not any(line.lstrip().startswith("::") for line in text.splitlines())


# -- untrusted text ---------------------------------------------------------------------------------


def poison(value: Any) -> Any:
    """Append the hostile text to every string, inside embedded JSON documents too."""
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value + HOSTILE
        if isinstance(decoded, dict | list):
            return json.dumps(poison(decoded))
        return value + HOSTILE
    if isinstance(value, dict):
        return {key: poison(item) for key, item in value.items()}
    if isinstance(value, list):
        return [poison(item) for item in value]
    return value


def poisoned(name: str) -> list[HistoryEvent]:
    return [dataclasses.replace(e, details=poison(dict(e.details))) for e in snapshots.load(name)]


@pytest.mark.parametrize("name", snapshots.SCENARIOS)
@pytest.mark.parametrize("verbose", [False, True])
def test_hostile_text_everywhere_in_the_history_is_never_acted_on(name: str, verbose: bool) -> None:
    text, _ = snapshots.render(poisoned(name), github=True, verbose=verbose)
    log = process(text)
    assert {c.name for c in log.commands} <= {"group", "endgroup", "error", "notice"}
    assert all("pwned" not in c.data or c.name in {"error", "notice"} for c in log.commands)
    assert log.named("add-mask") == []
    assert log.viewer_groups == [c.data for c in log.named("group")]
    assert "pwned" in text  # shown, as text


@pytest.mark.parametrize("name", snapshots.SCENARIOS)
def test_rendered_lines_are_inert_even_without_stop_commands(name: str) -> None:
    out = io.StringIO()
    runner = Runner(out, {"GITHUB_ACTIONS": "true"})
    renderer = Renderer(make_console(out, {"NO_COLOR": "1"}, github=True, width=120), runner, verbose=True)
    events = poisoned(name)
    for event in events:
        renderer.event(event)
    renderer.outcome(snapshots.outcome_of(events))
    log = process(out.getvalue())
    assert {c.name for c in log.commands} <= {"group", "endgroup", "error", "notice"}
    assert log.viewer_groups == [c.data for c in log.named("group")]


def test_markup_in_untrusted_text_is_printed_literally_on_one_line() -> None:
    out = io.StringIO()
    console = make_console(out, {"GITHUB_ACTIONS": "true", "NO_COLOR": "1"})
    renderer = Renderer(console, Runner(out, {}), verbose=False)
    long_reason = "[bold red]not markup[/] " + "x" * 3000
    events = snapshots.load("canary-rolled-back")
    for event in events:
        if event.type == "TaskSucceeded" and "MetricAlarms" in str(event.details.get("output")):
            output = json.loads(event.details["output"])
            for alarm in output["MetricAlarms"]:
                alarm["StateReason"] = long_reason
            event = dataclasses.replace(event, details={**event.details, "output": json.dumps(output)})  # noqa: PLW2901
        renderer.event(event)
    [line] = [line for line in out.getvalue().splitlines() if "not markup" in line]
    assert "[bold red]not markup[/] " + "x" * 3000 in line


def test_github_console_forces_colours_and_never_wraps() -> None:
    out = io.StringIO()
    console = make_console(out, {"GITHUB_ACTIONS": "true"})
    renderer = Renderer(console, Runner(out, {}), verbose=False)
    for event in snapshots.load("first-deploy"):
        renderer.event(event)
    text = out.getvalue()
    assert "\x1b[" in text  # the log is not a TTY, colours are on anyway
    assert console.is_terminal


def test_plain_stream_outside_actions_has_no_colours() -> None:
    out = io.StringIO()
    renderer = Renderer(make_console(out, {}), Runner(out, {}), verbose=False)
    for event in snapshots.load("first-deploy"):
        renderer.event(event)
    assert "\x1b[" not in out.getvalue()


# -- step summary -----------------------------------------------------------------------------------


def test_summary_has_outcome_link_and_one_timeline_row_per_milestone() -> None:
    events = snapshots.load("canary-promoted")
    _, renderer = snapshots.render(events, github=True, verbose=False)
    outcome = snapshots.outcome_of(events)
    markdown = summary_markdown(
        outcome,
        renderer.timeline,
        endpoint_name="demo-churn",
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:m:run-1",
        console_url="https://console.aws.amazon.com/states/home#/v2/executions/details/x",
    )
    assert "### ✅ SageMaker canary deploy: demo-churn — deployed" in markdown
    assert "[run-1](https://console.aws.amazon.com/states/home#/v2/executions/details/x)" in markdown
    rows = [line for line in markdown.splitlines() if re.match(r"^\| \+\d\d:\d\d \|", line)]
    assert len(rows) == len(renderer.timeline)
    assert any("Promote" in row for row in rows)


def test_summary_escapes_untrusted_text() -> None:
    cause = "<script>alert(1)</script> | @octocat [click](https://evil.example) ![x](https://evil.example/i.png)\nrow"
    outcome = Outcome("rolled-back", "FAILED", "Canary.RolledBack", cause, {}, 1)
    markdown = summary_markdown(
        outcome, [], endpoint_name="e|x", console_url="javascript:alert(1)", execution_arn="a"
    )
    assert "<script>" not in markdown
    assert "@octocat" not in markdown
    assert "](https://evil" not in markdown
    assert "javascript:" not in markdown
    assert "\nrow" not in markdown
    table = [line for line in markdown.splitlines() if line.startswith("| Endpoint")]
    assert table == ["| Endpoint | e\\|x |"]


# -- the traffic chart in the step summary ---------------------------------------------------------

CHART_LINE = re.compile(
    r"```mermaid|xychart-beta|```|"
    r'%%\{init: \{"xyChart": \{"height": \d+\}, "themeVariables": \{"xyChart": \{"plotColorPalette": '
    r'"#[0-9a-f]{6}(, #[0-9a-f]{6})*"\}\}\}\}%%|'
    r'    title "Traffic to the new model \(%\)"|'
    r'    x-axis "(seconds|minutes|hours) since the start" 0 --> \d+(\.\d+)?|'
    r'    y-axis "traffic \(%\)" 0 --> 100|'
    r"    line \[\d+(\.\d+)?(, \d+(\.\d+)?)*\]"
)


def chart(markdown: str) -> tuple[float, list[float]]:
    """The traffic chart of a summary (its first Mermaid block), parsed back: (x-axis end in seconds,
    the line's values). Every line of the block must be one of the fixed shapes (labels fixed, the
    rest numbers)."""
    lines = markdown.splitlines()
    start = lines.index("```mermaid")
    block = lines[start : lines.index("```", start + 1) + 1]
    assert all(CHART_LINE.fullmatch(line) for line in block), block
    assert block[2] == "xychart-beta"
    [axis] = [line for line in block if "x-axis" in line]
    [series] = [line for line in block if line.startswith("    line [")]
    values = [float(v) for v in series.removeprefix("    line [").removesuffix("]").split(", ")]
    unit = axis.split('"')[1].split(" ", 1)[0]
    return float(axis.rsplit(" ", 1)[1]) * UNIT_SECONDS[unit], values


UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}


def runs(values: list[float]) -> list[float]:
    """Consecutive repeats collapsed: the sequence of weights the chart shows."""
    return [v for i, v in enumerate(values) if i == 0 or v != values[i - 1]]


def sample_times(x_end: float, values: list[float]) -> list[float]:
    """Seconds since the start of each value, as Mermaid spreads a line over a linear x axis."""
    step = x_end / (len(values) - 1)
    return [i * step for i in range(len(values))]


def _summary_of(name: str) -> tuple[str, list[Any]]:
    events = snapshots.load(name)
    _, renderer = snapshots.render(events, github=True, verbose=False)
    markdown = summary_markdown(
        snapshots.outcome_of(events),
        renderer.timeline,
        endpoint_name="demo-churn",
        checks=renderer.checks,
        facts=renderer.facts.facts,
    )
    return markdown, renderer.timeline


def _settled(timeline: list[Any], weights: str) -> float:
    """When the endpoint was read InService with these weights (the log's line of that read)."""
    return float(
        next(
            e.elapsed
            for e in timeline
            if e.text.startswith("endpoint ")
            and " InService " in e.text
            and e.text.split(": ", 1)[1].startswith(weights)
        )
    )


def test_chart_of_a_promoted_two_step_canary_draws_the_weights_the_endpoint_reported() -> None:
    """Each weight from the DescribeEndpoint read that found its update settled (InService), not from
    when the phase began: SageMaker serves the old weights until an update is done."""
    markdown, timeline = _summary_of("canary-promoted")
    x_end, values = chart(markdown)
    assert runs(values) == [0, 10, 50, 100]
    end = timeline[-1].elapsed
    assert x_end >= end > x_end * (len(values) - 2) / (len(values) - 1), "the axis ends after the deploy"
    ten = _settled(timeline, "AllTraffic 90% x1, Canary 10%")
    fifty = _settled(timeline, "AllTraffic 50% x1, Canary 50%")
    promoted = _settled(timeline, "AllTraffic 100% x1 (after")
    assert ten > next(e.elapsed for e in timeline if e.text == "Canary 10% started") + 1, (
        "the update took time"
    )
    for at, value in zip(sample_times(x_end, values), values, strict=True):
        expected = 0 if at < ten else 10 if at < fifty else 50 if at < promoted else 100
        assert value == expected, (at, value)
    assert markdown.index("```mermaid") < markdown.index("Timeline"), "the chart comes before the table"


def test_chart_of_a_rolled_back_canary_returns_to_0_when_the_endpoint_reports_it() -> None:
    markdown, timeline = _summary_of("canary-rolled-back")
    x_end, values = chart(markdown)
    assert runs(values) == [0, 20, 0]
    canary = _settled(timeline, "AllTraffic 80% x1, Canary 20%")
    zero = _settled(timeline, "AllTraffic 100% x1, Canary 0%")
    for at, value in zip(sample_times(x_end, values), values, strict=True):
        assert value == (20 if canary <= at < zero else 0), (at, value)


def test_chart_of_a_first_deploy_is_0_until_it_is_deployed() -> None:
    markdown, _ = _summary_of("first-deploy")
    _, values = chart(markdown)
    assert runs(values) == [0, 100]


def test_chart_of_a_canary_that_never_became_healthy_stays_at_0(
    tmp_path: Any, aws: Any, emulator: Any
) -> None:
    """A canary whose update fails (the image tagged ``broken`` fails its health check) never served:
    SageMaker keeps the old config until an update succeeds, and comes back InService on it
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html)."""
    from tests.action.conftest import ACCOUNT, REGION, base_inputs, make_endpoint
    from tests.action.conftest import Runner as ActionRunner

    make_endpoint(aws, "churn-model", ["AllTraffic"])
    runner = ActionRunner(tmp_path, emulator.url)
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:broken"
    broken = runner.run(base_inputs(image_uri=image, canary_weights="10"))
    assert broken.returncode == 1, broken.stdout + broken.stderr
    _, values = chart(broken.summary)
    assert set(values) == {0}, values


def _entry(seconds: float, phase: str, text: str = "x") -> TimelineEntry:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    return TimelineEntry(at, seconds, phase, text, "info")


def test_chart_of_a_long_deploy_spans_it_in_at_most_61_points_of_whole_units() -> None:
    timeline = [_entry(0, "Prepare"), _entry(7000, "")]
    facts = DeployFacts(traffic=[(0, 0), (200, 5), (4100, 12.5)])
    outcome = Outcome("failed", "FAILED", "Canary.RollbackFailed", "x", {}, 1)
    markdown = summary_markdown(outcome, timeline, facts=facts)
    x_end, values = chart(markdown)
    assert runs(values) == [0, 5, 12.5]
    assert len(values) <= 61
    assert x_end >= 7000
    axis = next(line for line in markdown.splitlines() if "x-axis" in line)
    assert '"minutes since the start" 0 --> 118' in axis, "a two-hour deploy reads in whole minutes"
    end = float(axis.rsplit(" ", 1)[1])
    step = end / (len(values) - 1)
    assert step == int(step) or step == 2.0 ** round(math.log2(step)), (
        "a whole or power-of-two step: Mermaid's float stepping is exact"
    )


def test_a_step_shorter_than_a_sample_interval_still_shows() -> None:
    timeline = [_entry(0, "Prepare"), _entry(3600, "")]
    facts = DeployFacts(traffic=[(0, 0), (10, 10), (11, 30), (3500, 100)])
    outcome = Outcome("deployed", "SUCCEEDED", None, None, {}, 1)
    _, values = chart(summary_markdown(outcome, timeline, facts=facts))
    assert runs(values) == [0, 10, 30, 100]


def test_chart_takes_no_text_from_the_timeline() -> None:
    timeline = [
        _entry(0, "Prepare", HOSTILE),
        _entry(5, "Canary 10%\n```\nclick x", HOSTILE),
        _entry(8, HOSTILE, HOSTILE),
        _entry(90, "", HOSTILE),
    ]
    outcome = Outcome("rolled-back", "FAILED", "Canary.RolledBack", HOSTILE, {}, 1)
    markdown = summary_markdown(outcome, timeline)
    _, values = chart(markdown)  # every line of the block is a fixed shape
    assert set(values) == {0}
    assert markdown.count("```") == 2


def test_no_chart_without_a_timeline() -> None:
    outcome = Outcome("failed", "FAILED", "x", "y", {}, 1)
    assert "mermaid" not in summary_markdown(outcome, [])
    assert "mermaid" not in summary_markdown(outcome, [_entry(0, "Prepare")])


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("*x*", "\\*x\\*"),
        ("<b>", "&lt;b&gt;"),
        ("@me", "&#64;me"),
        ("a\nb", "a b"),
        ("the baseline's", "the baseline's"),
        ('"quoted" & #1', '"quoted" &amp; \\#1'),
    ],
)
def test_md_escapes_markdown_html_mentions_and_newlines(raw: str, escaped: str) -> None:
    assert md(raw) == escaped


# -- the tables follow the bundled state machine ----------------------------------------------------


def bundled_states() -> dict[str, Any]:
    """Every state of the two bundled definitions (the canary flow and the guardrails flow)."""
    from canary.statemachine import load_definition
    from canary.waits import definition_states

    states = dict(definition_states(json.loads(load_definition("guardrails"))))
    return states | dict(definition_states(json.loads(load_definition())))


def test_every_phase_starts_at_a_state_of_the_bundled_state_machine() -> None:
    from canary.render import PHASES

    assert set(PHASES) <= set(bundled_states())


def test_every_api_call_of_the_bundled_state_machine_has_a_line() -> None:
    from canary.render import TASK_LINES

    calls = set()
    for state in bundled_states().values():
        resource = str(state.get("Resource", ""))
        if resource.startswith("arn:aws:states:::aws-sdk:"):
            service, call = resource.removeprefix("arn:aws:states:::aws-sdk:").split(":", 1)
            # A callback task's line is its call's (the gate: canary/gate_lines.py renders the wait).
            calls.add((service, call.removesuffix(".waitForTaskToken")))
    assert calls
    assert calls <= set(TASK_LINES), (
        f"add these to canary.render.TASK_LINES: {sorted(calls - set(TASK_LINES))}"
    )


# -- what a user meets ------------------------------------------------------------------------------


def _shown(log_lines: list[str]) -> list[str]:
    """The log's lines as a user reads them: no colours, no elapsed time, no workflow commands."""
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in log_lines]
    return [re.sub(r"^\s*\d+:\d\d(:\d\d)? ", "", line) for line in plain if not line.startswith("::")]


def _group(lines: list[str], title: str) -> list[str]:
    start = lines.index(f"##[group]{title}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("##[")), len(lines))
    return lines[start + 1 : end]


def test_a_failed_update_is_shown_once_and_is_history_for_the_next_deploy(
    tmp_path: Any, aws: Any, emulator: Any
) -> None:
    """SageMaker keeps a failed update's FailureReason on the endpoint, back InService on its config."""
    from tests.action.conftest import ACCOUNT, REGION, base_inputs, make_endpoint
    from tests.action.conftest import Runner as ActionRunner

    make_endpoint(aws, "churn-model", ["AllTraffic"])
    runner = ActionRunner(tmp_path, emulator.url)
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model"
    broken = runner.run(base_inputs(image_uri=f"{image}:broken", endpoint_poll_max_seconds="30"))
    assert broken.returncode == 1, broken.stdout + broken.stderr
    lines = _shown(broken.log.lines)
    original = "endpoint churn-model InService on churn-model-original: AllTraffic 100% x1"
    after_prepare = lines[lines.index("##[group]Canary 20%") :]
    assert [line for line in after_prepare if original in line] == [
        f"✗ {original} — failure: The primary container for production variant Canary did not pass the "
        "ping health check. Please check CloudWatch logs for this endpoint."
    ], "\n".join(lines)

    good = runner.run(base_inputs(image_uri=f"{image}:2.0", endpoint_poll_max_seconds="30"))
    assert good.returncode == 0, good.stdout + good.stderr
    prepare = _group(_shown(good.log.lines), "Prepare")
    assert not [line for line in prepare if line.startswith(("✗", "!")) or "failure:" in line], prepare
    assert any(line.startswith(f"• {original}") for line in prepare), prepare


def test_expected_answers_are_info_not_warnings() -> None:
    text, _ = snapshots.render(snapshots.load("first-deploy"), github=False, verbose=False)
    shown = _shown(text.splitlines())
    assert "• endpoint demo-churn does not exist yet" in shown
    assert not [line for line in shown if line.startswith("!") and "Could not find" in line]
    events = snapshots.load("canary-rolled-back")
    at = events[-1].timestamp
    failed = [
        HistoryEvent(900, "TaskStateEntered", at, 899, {"name": "RollbackSuspendAutoScaling"}),
        HistoryEvent(
            901,
            "TaskScheduled",
            at,
            900,
            {
                "resource": "deregisterScalableTarget",
                "resourceType": "aws-sdk:applicationautoscaling",
                "parameters": json.dumps({"ResourceId": "endpoint/demo-churn/variant/AllTraffic"}),
            },
        ),
        HistoryEvent(
            902,
            "TaskFailed",
            at,
            901,
            {
                "resource": "deregisterScalableTarget",
                "resourceType": "aws-sdk:applicationautoscaling",
                "error": "ApplicationAutoScaling.ValidationException",
                "cause": "No scalable target found for service namespace: sagemaker",
            },
        ),
    ]
    text, _ = snapshots.render([*events[:-1], *failed, events[-1]], github=False, verbose=False)
    shown = _shown(text.splitlines())
    assert "• auto scaling: none registered on endpoint/demo-churn/variant/AllTraffic" in shown
    assert not [line for line in shown if "No scalable target" in line], shown


def test_only_a_canary_announces_its_bake() -> None:
    first, _ = snapshots.render(snapshots.load("first-deploy"), github=False, verbose=False)
    assert "bake" not in first
    canary, _ = snapshots.render(snapshots.load("canary-promoted"), github=False, verbose=False)
    shown = _shown(canary.splitlines())
    assert "• canary 10% → 50%, bake 6s each step, 2 alarm(s) checked every 2s, then promotion" in shown


def test_the_rollback_cuts_the_canary_traffic_first_and_shows_each_endpoint_state_once() -> None:
    text, _ = snapshots.render(snapshots.load("canary-rolled-back"), github=True, verbose=False)
    rollback = _group(_shown(process(text).lines), "Rollback")
    assert rollback[0] == "• traffic: Canary to 0 %, all on AllTraffic", rollback
    endpoint_lines = [line for line in rollback if " endpoint demo-churn " in f" {line}"]
    assert len(endpoint_lines) == len(set(endpoint_lines)), rollback
    assert any(
        "UpdateEndpoint demo-churn" in line and "back to the config before" in line for line in rollback
    )


def test_all_charts_of_a_summary_share_one_time_axis_in_whole_units() -> None:
    for name in snapshots.SCENARIOS:
        markdown, _ = _summary_of(name)
        axes = [line for line in markdown.splitlines() if "x-axis" in line]
        assert len(axes) == (1 if name == "first-deploy" else 3), name
        assert len(set(axes)) == 1, axes
        assert re.fullmatch(r'    x-axis "seconds since the start" 0 --> \d+', axes[0]), axes


def test_the_endpoint_line_after_a_cancel_never_ends_empty() -> None:
    """Cancelled during a first deploy, the endpoint is Creating and lists no variant yet."""
    from canary.deploy import EndpointState

    creating = EndpointState("demo-churn", exists=True, status="Creating", config_name="demo-churn-1")
    assert (
        creating.describe()
        == "endpoint demo-churn is Creating on config demo-churn-1 (no variant serving yet)"
    )


def test_every_terminal_event_type_has_its_closing_line() -> None:
    """One list of what closes an execution (canary.aws); the renderer words each of them."""
    from canary import render
    from canary.aws import TERMINAL_EVENT_TYPES

    assert set(render._TERMINAL_LINES) == TERMINAL_EVENT_TYPES


def test_the_bake_announces_its_wait_for_late_metrics() -> None:
    """A judged bake lasts ``$metricsDelay`` past BakeSeconds (docs/state-machine.md, "Late data"): the
    plan line says so, from the variable StartHold assigns."""
    import dataclasses

    events = snapshots.load("canary-promoted")
    hold = next(
        i
        for i, e in enumerate(events)
        if e.type == "WaitStateExited" and e.details.get("name") == "StartHold"
    )
    details = dict(events[hold].details)
    details["assignedVariables"] = {**details.get("assignedVariables", {}), "metricsDelay": "180"}
    events[hold] = dataclasses.replace(events[hold], details=details)
    canary, _ = snapshots.render(events, github=False, verbose=False)
    shown = _shown(canary.splitlines())
    expected = "• canary 10% → 50%, bake 6s each step (+3m00s for late metrics), 2 alarm(s) checked every 2s"
    assert any(line.startswith(expected) for line in shown), shown
