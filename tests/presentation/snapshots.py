"""Rendering snapshots: recorded history events → the text the job log shows.

The recorded events (``tests/snapshots/*.events.json``) come from the demo's three scenarios run
against the emulator; the expected texts (``tests/snapshots/*.txt``) are what the renderer made of
them when they were last accepted. Updating either is explicit:

    .venv/bin/python -m tests.presentation.snapshots record   # re-run the demo, re-record events
    .venv/bin/python -m tests.presentation.snapshots update   # re-render the expected texts

Review the diff of ``tests/snapshots/`` before committing it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from canary.follow import HistoryEvent
from canary.github import Runner
from canary.outcome import Outcome, classify
from canary.render import Renderer, make_console

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
SCENARIOS = ("first-deploy", "canary-promoted", "canary-rolled-back", "canary-worse-than-baseline")
WIDTH = 120
VARIANTS: Mapping[str, tuple[bool, bool]] = {
    # suffix → (github, verbose)
    "": (False, False),
    ".github": (True, False),
    ".verbose": (False, True),
}
VERBOSE_SCENARIOS = ("first-deploy",)
"""Verbose snapshots are large (every payload): one scenario is enough."""


def variants(name: str) -> list[tuple[str, bool, bool]]:
    """(suffix, github, verbose) of the snapshots kept for a scenario."""
    return [
        (suffix, github, verbose)
        for suffix, (github, verbose) in VARIANTS.items()
        if not verbose or name in VERBOSE_SCENARIOS
    ]


def to_json(events: Sequence[HistoryEvent]) -> list[dict[str, Any]]:
    """Events as a JSON-able list."""
    return [
        {
            "id": e.id,
            "type": e.type,
            "timestamp": e.timestamp.isoformat(),
            "previous_id": e.previous_id,
            "details": dict(e.details),
        }
        for e in events
    ]


def from_json(items: Sequence[Mapping[str, Any]]) -> list[HistoryEvent]:
    """Events back from :func:`to_json`."""
    return [
        HistoryEvent(
            id=int(item["id"]),
            type=str(item["type"]),
            timestamp=dt.datetime.fromisoformat(item["timestamp"]),
            previous_id=int(item["previous_id"]),
            details=item["details"],
        )
        for item in items
    ]


def load(name: str) -> list[HistoryEvent]:
    """The recorded events of one scenario."""
    return from_json(json.loads((SNAPSHOTS / f"{name}.events.json").read_text()))


def outcome_of(events: Sequence[HistoryEvent]) -> Outcome:
    """The outcome DescribeExecution would give for a recorded history (from its terminal event)."""
    last = events[-1]
    status = {
        "ExecutionSucceeded": "SUCCEEDED",
        "ExecutionFailed": "FAILED",
        "ExecutionAborted": "ABORTED",
        "ExecutionTimedOut": "TIMED_OUT",
    }.get(last.type, "RUNNING")
    return classify(
        {"status": status, **{k: v for k, v in last.details.items() if k in {"error", "cause", "output"}}}
    )


def render(events: Sequence[HistoryEvent], *, github: bool, verbose: bool) -> tuple[str, Renderer]:
    """Render events as the action does (inside ``protect()``), on a fixed-width colourless console."""
    out = io.StringIO()
    env = {"GITHUB_ACTIONS": "true"} if github else {}
    runner = Runner(out, env)
    console = make_console(out, {"NO_COLOR": "1"}, github=github, width=WIDTH)
    renderer = Renderer(console, runner, verbose=verbose)
    with runner.protect():
        for event in events:
            renderer.event(event)
        renderer.outcome(outcome_of(events))
    return out.getvalue(), renderer


def stable(text: str) -> str:
    """Replace the random stop-commands tokens so snapshots compare."""
    lines = []
    tokens: dict[str, str] = {}
    for line in text.splitlines():
        shown = line
        if line.startswith("::stop-commands::"):
            token = line.removeprefix("::stop-commands::")
            tokens[token] = f"TOKEN{len(tokens) + 1}"
            shown = f"::stop-commands::{tokens[token]}"
        elif line.startswith("::") and line.endswith("::") and line[2:-2] in tokens:
            shown = f"::{tokens[line[2:-2]]}::"
        lines.append(shown)
    return "\n".join(lines) + "\n"


def expected_path(name: str, suffix: str) -> Path:
    """Where the expected text of a scenario/variant lives."""
    return SNAPSHOTS / f"{name}{suffix}.txt"


def update() -> None:
    """Re-render every expected text from the recorded events."""
    for name in SCENARIOS:
        events = load(name)
        for suffix, github, verbose in variants(name):
            text, _ = render(events, github=github, verbose=verbose)
            expected_path(name, suffix).write_text(stable(text))
            print(f"wrote {expected_path(name, suffix)}")


def record() -> None:
    """Run the demo's scenarios and record the history events the action rendered."""
    import canary.render
    from canary import demo

    recorded: list[list[HistoryEvent]] = []

    class Recording(canary.render.Renderer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            recorded.append([])

        def event(self, ev: HistoryEvent) -> None:
            recorded[-1].append(ev)
            super().event(ev)

    canary.render.Renderer = Recording  # type: ignore[misc]
    status = demo.run_demo(out=io.StringIO())
    assert status == 0, "the demo did not end as expected"
    assert len(recorded) == len(SCENARIOS)
    SNAPSHOTS.mkdir(exist_ok=True)
    for name, events in zip(SCENARIOS, recorded, strict=True):
        path = SNAPSHOTS / f"{name}.events.json"
        path.write_text(json.dumps(to_json(events), indent=1, sort_keys=True) + "\n")
        print(f"wrote {path} ({len(events)} events)")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "record":
        record()
        update()
    elif command == "update":
        update()
    else:
        sys.exit(__doc__)
