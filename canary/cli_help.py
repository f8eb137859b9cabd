"""Help texts of the command line (``python -m canary``): each ``deploy`` flag described as its
action input is in ``action.yml``, the single source of the inputs' documentation (README tables,
docs). The CLI runs from a checkout, beside ``action.yml``; without it (or without PyYAML, which the
emulator extra brings) the flags say where to look instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

ACTION_YML = Path(__file__).resolve().parent.parent / "action.yml"


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def input_help(path: Path = ACTION_YML) -> dict[str, str]:
    """Input name → its help line: the description, then whether it is required or its default
    (``%`` doubled: argparse formats help strings). Empty when ``action.yml`` cannot be read."""
    try:
        import yaml  # type: ignore[import-untyped]

        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (ImportError, OSError, ValueError):
        return {}
    inputs = document.get("inputs") if isinstance(document, Mapping) else None
    if not isinstance(inputs, Mapping):
        return {}
    helps = {}
    for name, spec in inputs.items():
        if not isinstance(spec, Mapping):
            continue
        text = _one_line(spec.get("description"))
        if spec.get("required") is True:
            text += " (required)"
        elif _one_line(spec.get("default")):
            text += f" (default: {_one_line(spec.get('default'))})"
        helps[str(name)] = text.replace("%", "%%")
    return helps


def plain(docstring: str) -> str:
    """A module docstring as plain text for ``--help``: no reStructuredText double backticks."""
    return docstring.replace("``", "").strip()
