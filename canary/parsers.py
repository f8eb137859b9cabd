"""Parsers of the action's input strings: each value → its typed form, or a message saying the fix.

GitHub passes every input as a string and an unset optional input as the empty string. Each parser
returns ``default`` for an empty value (:class:`canary.settings.Settings` passes None and fills in
its field's default, so defaults live only on the fields) and raises ``ValueError`` with a message
that says how to fix the value; ``Settings`` prefixes it with the input's name.

- booleans: ``true``/``True``/``TRUE``/``false``/``False``/``FALSE`` only — what the Actions
  toolkit's ``getBooleanInput`` accepts. ``yes``, ``1``, ``on`` are refused rather than guessed.
- ``model-environment``: one ``KEY=VALUE`` a line; blank lines and lines starting with ``#`` are
  skipped; keys follow SageMaker's ``[a-zA-Z_][a-zA-Z0-9_]*``; a key given twice is an error.
- ``alarm-names``: comma or newline separated, blanks dropped, duplicates dropped.
- ``smoke-test-payload``: the body, or ``@path`` to a UTF-8 file inside ``GITHUB_WORKSPACE``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from canary.alarm_limits import MAX_USER_ALARMS
from canary.execution_input import weights_problem

ENV_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
TRUE_VALUES = frozenset({"true", "True", "TRUE"})
FALSE_VALUES = frozenset({"false", "False", "FALSE"})


def text_of(value: object) -> str:
    """The value as stripped text ("" for None)."""
    return "" if value is None else str(value).strip()


def optional_match(value: object, pattern: re.Pattern[str], problem: str) -> str | None:
    """Empty → None; else the text if ``pattern`` matches it, or ValueError("'text' " + problem)."""
    text = text_of(value)
    if not text:
        return None
    if not pattern.match(text):
        raise ValueError(f"{text!r} {problem}")
    return text


def parse_bool(value: object, default: bool | None) -> bool | None:
    """GitHub's boolean input values (YAML 1.2 core schema); empty is the default."""
    if isinstance(value, bool):
        return value
    text = text_of(value)
    if not text:
        return default
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise ValueError(f"{text!r} is not a boolean: use true or false")


def parse_int(value: object, default: int | None, minimum: int = 1, maximum: int | None = None) -> int | None:
    """A whole number ≥ ``minimum`` (and ≤ ``maximum``); empty is the default."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else text_of(value)
    if not text:
        return default
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(f"{text!r} is not a whole number: give an integer ≥ {minimum}")
    number = int(text)
    if number < minimum:
        raise ValueError(f"{number} is too small: give an integer ≥ {minimum}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{number} is too large: give an integer between {minimum} and {maximum}")
    return number


def parse_decimal(value: object, default: float | None, *, positive: bool) -> float | None:
    """A finite decimal number, ≥ 0 (or > 0 when ``positive``); empty is the default."""
    text = text_of(value)
    if not text:
        return default
    bound = "> 0" if positive else "≥ 0"
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number: give a decimal number {bound}, e.g. 2.5") from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ValueError(f"{text!r} is out of range: give a decimal number {bound}, e.g. 2.5")
    return number


def parse_weights(value: object) -> list[int] | None:
    """``canary-weights``: comma-separated whole percentages, strictly increasing, each 0 < w < 100."""
    if isinstance(value, list):
        return [int(item) for item in value]
    text = text_of(value)
    if not text:
        return None
    weights: list[int] = []
    for part in text.split(","):
        item = part.strip().removesuffix("%").strip()
        if not re.fullmatch(r"\d+", item):
            raise ValueError(
                f"{part.strip()!r} is not a whole percentage: give comma-separated integers, e.g. 10,50"
            )
        weights.append(int(item))
    problem = weights_problem(weights)
    if problem:
        raise ValueError(problem)
    return weights


def parse_environment(value: object) -> dict[str, str]:
    """``model-environment``: ``KEY=VALUE`` lines; blank lines and ``#`` comments skipped."""
    if isinstance(value, dict):
        return {str(key): str(val) for key, val in value.items()}
    text = "" if value is None else str(value)
    environment: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, val = line.partition("=")
        key = key.strip()
        if not sep:
            problems.append(f"line {number} has no '=': write KEY=VALUE")
        elif not ENV_KEY.match(key) or len(key) > 1024:
            problems.append(
                f"line {number}: {key!r} is not a valid variable name: use letters, digits and _, "
                "not starting with a digit"
            )
        elif key in environment:
            problems.append(f"line {number}: {key} is set twice: keep one line per variable")
        elif len(val) > 1024:
            problems.append(f"line {number}: the value of {key} is longer than 1024 characters")
        else:
            environment[key] = val
    if len(environment) > 100:
        problems.append(f"{len(environment)} variables: SageMaker allows at most 100")
    if problems:
        raise ValueError("; ".join(problems))
    return environment


def parse_names(value: object) -> list[str]:
    """``alarm-names``: comma or newline separated alarm names."""
    if isinstance(value, list):
        return [str(item) for item in value]
    names = [part.strip() for part in re.split(r"[,\n]", text_of(value))]
    names = [name for name in names if name]
    for name in names:
        if len(name) > 255:
            raise ValueError(
                f"{name[:40]!r}… is longer than 255 characters: CloudWatch alarm names are ≤ 255"
            )
    names = list(dict.fromkeys(names))
    if len(names) > MAX_USER_ALARMS:
        raise ValueError(
            f"{len(names)} alarms, more than the {MAX_USER_ALARMS} a deploy can watch: every check names "
            "them and the deploy's own -4xx, -5xx and -abort alarms in one CloudWatch DescribeAlarms call, "
            f"which takes at most 100 names; list at most {MAX_USER_ALARMS}, or combine alarms into a "
            "composite alarm and name it"
        )
    return names


MAX_PAYLOAD_FILE_BYTES = 4 * 131_072
"""Largest ``@path`` file read (its JSON must then fit ``canary.smoke_test.MAX_BODY_BYTES``)."""
MEDIA_TYPE = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,1023}$")
"""A ``Content-Type``/``Accept`` header value: printable ASCII, at most 1,024 characters."""


def parse_payload(value: object, workspace: Path) -> str | None:
    """``smoke-test-payload``: the body itself, or ``@path`` to a UTF-8 file inside ``workspace``.

    The path is resolved (symbolic links followed) and must stay inside the workspace: a workflow
    cannot make the action read, and send to the endpoint, a file of the runner's elsewhere.
    """
    text = text_of(value)
    if not text:
        return None
    if text.startswith("@"):
        name = text[1:].strip()
        if not name:
            raise ValueError("'@' names no file: write @path/to/body.json (relative to the workspace)")
        root = workspace.resolve()
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            raise ValueError(
                f"{name!r} is outside the workspace {root}: give a path inside GITHUB_WORKSPACE "
                "(the checked-out repository), e.g. @tests/smoke/request.json"
            )
        if not path.is_file():
            raise ValueError(f"{name!r} is not a file in the workspace {root}: check the path (and checkout)")
        if path.stat().st_size > MAX_PAYLOAD_FILE_BYTES:
            raise ValueError(
                f"{name!r} is larger than {MAX_PAYLOAD_FILE_BYTES:,} bytes: send a smaller request"
            )
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ValueError(
                f"{name!r} is not UTF-8 text: the state machine sends the smoke test's body as text"
            ) from None
        if not text.strip():
            raise ValueError(f"{name!r} is empty: give the request body the new model must answer")
    return text


def parse_media_type(value: object) -> str | None:
    """``smoke-test-content-type``/``-accept``: a header value such as ``application/json``."""
    text = text_of(value)
    if not text:
        return None
    if not MEDIA_TYPE.match(text) or "/" not in text:
        raise ValueError(
            f"{text[:80]!r} is not a media type: write e.g. application/json or text/csv (printable "
            "characters, at most 1024)"
        )
    return text
