"""Build canary/statemachine.asl.json and canary/guardrails.asl.json, the definitions that are deployed,
from their YAML sources.

    .venv/bin/python scripts/gen_statemachine.py          # rewrite the JSON
    .venv/bin/python scripts/gen_statemachine.py --check  # exit 1 when the committed JSON differs

The YAML source writes each retry policy, catcher and repeated argument block once (YAML anchors);
the JSON has them resolved, as Step Functions needs. The top-level ``x-anchors`` block, where the
anchors are defined, is not part of Amazon States Language and is dropped. A JSONata expression
written over several lines becomes one line (each line break and the indentation after it one
space), the form AWS's validators take. The runtime reads only
the JSON (no YAML parser at run time); ``make lint`` and tests/statemachine/test_source.py fail when
the two differ.

canary/guardrails.asl.yaml (strategy blue-green / rolling) carries over the same fields as the canary
flow: its ``@VARIANT_FIELDS@``, ``@CONFIG_FIELDS@``, ``@MODEL_FIELDS@`` and ``@CONTAINER_FIELDS@`` are
filled in with the lists of the canary flow's plan (``$pick($v, [...])`` and the like in
``ReadScalingPolicies``), so both flows keep one list of what is carried.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "canary" / "statemachine.asl.yaml"
DEFINITION = ROOT / "canary" / "statemachine.asl.json"
GUARDRAILS_SOURCE = ROOT / "canary" / "guardrails.asl.yaml"
GUARDRAILS = ROOT / "canary" / "guardrails.asl.json"
ANCHORS = "x-anchors"
_PICKED = re.compile(r"\$pick\((\$v|\$config|\$model\.PrimaryContainer|\$model),\s*(\[[^\]]*\])\)")
_SHARED = {
    "$v": "@VARIANT_FIELDS@",
    "$config": "@CONFIG_FIELDS@",
    "$model": "@MODEL_FIELDS@",
    "$model.PrimaryContainer": "@CONTAINER_FIELDS@",
}
_LINE_BREAK = re.compile(r"\s*\n\s*")


def _one_line(value: Any) -> Any:
    """``value`` with every JSONata expression (``{% … %}``) on one line, at any depth."""
    if isinstance(value, dict):
        return {key: _one_line(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_one_line(item) for item in value]
    if isinstance(value, str) and value.startswith("{%"):
        return _LINE_BREAK.sub(" ", value)
    return value


def build(source: str) -> str:
    """The deployed JSON text for a YAML source text."""
    document: dict[str, Any] = yaml.safe_load(source)
    document.pop(ANCHORS, None)
    return json.dumps(_one_line(document), indent=2, ensure_ascii=False) + "\n"


def shared_lists(canary_source: str) -> dict[str, str]:
    """The canary flow's carried-field lists by placeholder (``@VARIANT_FIELDS@`` → ``["…", …]``)."""
    found: dict[str, str] = {}
    for subject, fields in _PICKED.findall(canary_source):
        found.setdefault(_SHARED[subject], " ".join(fields.split()))
    missing = set(_SHARED.values()) - set(found)
    if missing:
        raise ValueError(f"the canary flow's plan no longer has the lists {sorted(missing)}")
    return found


def build_guardrails(source: str, canary_source: str) -> str:
    """The deployed JSON of the guardrails flow, its carried-field lists the canary flow's."""
    for placeholder, fields in shared_lists(canary_source).items():
        source = source.replace(placeholder, fields)
    return build(source)


def main(argv: list[str] | None = None) -> int:
    """Write the JSON, or with ``--check`` report whether the committed one is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the JSON is out of date")
    args = parser.parse_args(argv)
    canary = SOURCE.read_text(encoding="utf-8")
    built = {
        DEFINITION: (SOURCE, build(canary)),
        GUARDRAILS: (
            GUARDRAILS_SOURCE,
            build_guardrails(GUARDRAILS_SOURCE.read_text(encoding="utf-8"), canary),
        ),
    }
    stale = 0
    for target, (source, text) in built.items():
        if not args.check:
            target.write_text(text, encoding="utf-8")
        elif target.read_text(encoding="utf-8") != text:
            print(
                f"{target.relative_to(ROOT)} is out of date with {source.relative_to(ROOT)}: "
                "run .venv/bin/python scripts/gen_statemachine.py",
                file=sys.stderr,
            )
            stale = 1
    return stale


if __name__ == "__main__":
    sys.exit(main())
