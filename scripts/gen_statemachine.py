"""Build canary/statemachine.asl.json, the definition that is deployed, from canary/statemachine.asl.yaml.

    .venv/bin/python scripts/gen_statemachine.py          # rewrite the JSON
    .venv/bin/python scripts/gen_statemachine.py --check  # exit 1 when the committed JSON differs

The YAML source writes each retry policy, catcher and repeated argument block once (YAML anchors);
the JSON has them resolved, as Step Functions needs. The top-level ``x-anchors`` block, where the
anchors are defined, is not part of Amazon States Language and is dropped. A JSONata expression
written over several lines becomes one line (each line break and the indentation after it one
space), the form AWS's validators take. The runtime reads only
the JSON (no YAML parser at run time); ``make lint`` and tests/statemachine/test_source.py fail when
the two differ.
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
ANCHORS = "x-anchors"
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


def main(argv: list[str] | None = None) -> int:
    """Write the JSON, or with ``--check`` report whether the committed one is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the JSON is out of date")
    args = parser.parse_args(argv)
    text = build(SOURCE.read_text(encoding="utf-8"))
    if args.check:
        if DEFINITION.read_text(encoding="utf-8") != text:
            print(
                f"{DEFINITION.relative_to(ROOT)} is out of date with {SOURCE.relative_to(ROOT)}: "
                "run .venv/bin/python scripts/gen_statemachine.py",
                file=sys.stderr,
            )
            return 1
        return 0
    DEFINITION.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
