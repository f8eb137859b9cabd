"""Rewrite README.md's inputs and outputs tables from action.yml, or check they agree.

    python scripts/gen_action_docs.py           # rewrite the sections between the markers
    python scripts/gen_action_docs.py --check   # exit 1 when README.md is stale

The tables live between ``<!-- inputs:start -->``/``<!-- inputs:end -->`` and
``<!-- outputs:start -->``/``<!-- outputs:end -->``; everything between a pair is replaced.
action.yml is the single source of truth: edit a description there, then run this script.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
ACTION_PATH = ROOT / "action.yml"
README_PATH = ROOT / "README.md"
GENERATED_NOTE = (
    "<!-- generated from action.yml by scripts/gen_action_docs.py: edit action.yml, not this table -->"
)
EMPTY_DEFAULT = "*empty*"
REQUIRED_MARK = "**yes**"


class StaleReadmeError(Exception):
    """README.md lacks a marker pair the generator needs."""


@dataclass(frozen=True)
class Input:
    """One input as action.yml declares it."""

    name: str
    description: str
    required: bool
    default: str | None


@dataclass(frozen=True)
class Output:
    """One output as action.yml declares it."""

    name: str
    description: str


def load_action(path: Path = ACTION_PATH) -> Mapping[str, Any]:
    """action.yml as a mapping."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a YAML mapping")
    return data


def action_inputs(action: Mapping[str, Any]) -> list[Input]:
    """The declared inputs, in action.yml's order."""
    found = []
    for name, spec in (action.get("inputs") or {}).items():
        default = spec.get("default")
        found.append(
            Input(
                name=str(name),
                description=_one_line(str(spec.get("description", ""))),
                required=bool(spec.get("required", False)),
                default=None if default is None else str(default),
            )
        )
    return found


def action_outputs(action: Mapping[str, Any]) -> list[Output]:
    """The declared outputs, in action.yml's order."""
    return [
        Output(name=str(name), description=_one_line(str(spec.get("description", ""))))
        for name, spec in (action.get("outputs") or {}).items()
    ]


def format_default(item: Input) -> str:
    """How an input's default appears in the README's Default column."""
    if item.default is None:
        return ""
    if item.default == "":
        return EMPTY_DEFAULT
    return f"`{item.default}`"


def inputs_table(action: Mapping[str, Any]) -> str:
    """The Markdown table of inputs."""
    rows = ["| Input | Required | Default | Description |", "| --- | --- | --- | --- |"]
    for item in action_inputs(action):
        required = REQUIRED_MARK if item.required else "no"
        rows.append(f"| `{item.name}` | {required} | {format_default(item)} | {_cell(item.description)} |")
    return "\n".join(rows)


def outputs_table(action: Mapping[str, Any]) -> str:
    """The Markdown table of outputs."""
    rows = ["| Output | Description |", "| --- | --- |"]
    rows.extend(f"| `{item.name}` | {_cell(item.description)} |" for item in action_outputs(action))
    return "\n".join(rows)


def replace_section(text: str, marker: str, body: str) -> str:
    """``text`` with everything between ``<!-- marker:start -->`` and ``<!-- marker:end -->`` replaced."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    head, sep, rest = text.partition(start)
    if not sep:
        raise StaleReadmeError(f"README.md has no {start} marker")
    _, sep, tail = rest.partition(end)
    if not sep:
        raise StaleReadmeError(f"README.md has no {end} marker after {start}")
    return f"{head}{start}\n{GENERATED_NOTE}\n\n{body}\n\n{end}{tail}"


def render(readme: str, action: Mapping[str, Any]) -> str:
    """README text with both generated sections brought up to date."""
    readme = replace_section(readme, "inputs", inputs_table(action))
    return replace_section(readme, "outputs", outputs_table(action))


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite README.md (default) or, with ``--check``, return 1 when it is stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 when README.md is stale")
    parser.add_argument("--action", type=Path, default=ACTION_PATH, help="path of action.yml")
    parser.add_argument("--readme", type=Path, default=README_PATH, help="path of README.md")
    args = parser.parse_args(argv)
    current = args.readme.read_text(encoding="utf-8")
    try:
        wanted = render(current, load_action(args.action))
    except StaleReadmeError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    if wanted == current:
        return 0
    if args.check:
        sys.stderr.write(
            f"{args.readme} is out of date with {args.action}: run `python scripts/gen_action_docs.py`\n"
        )
        return 1
    args.readme.write_text(wanted, encoding="utf-8")
    sys.stderr.write(f"rewrote the inputs and outputs tables in {args.readme}\n")
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    sys.exit(main())
