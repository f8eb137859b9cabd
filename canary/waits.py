"""How long a Wait state of a running execution waits, read from its definition and history.

The follower (:mod:`canary.follow`) sleeps through a known Wait instead of polling. A Wait's duration
is ``Seconds``; ``SecondsPath`` evaluated against the state's input (JSONPath); ``Timestamp`` or
``TimestampPath``; or, in a JSONata definition, a ``Seconds``/``Timestamp`` that is one path,
``{% $wait.seconds %}`` or ``{% $states.input.StartHoldSeconds %}``, read from the variables the
history's ``…StateExited`` events assigned (:func:`assigned_variables`) and from the state's input.
Anything else is unknown: the follower polls as when idle. Nothing here evaluates JSONata.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

_PATH_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\['([^']*)'\]|\[(\d+)\]")


def json_path(document: Any, path: str) -> Any:
    """Evaluate a simple reference path (``$``, ``$.a.b``, ``$['a']``, ``$.a[0]``); KeyError if absent."""
    if not path.startswith("$"):
        raise KeyError(path)
    position, value = 1, document
    while position < len(path):
        match = _PATH_TOKEN.match(path, position)
        if match is None:
            raise KeyError(path)
        name, quoted, index = match.groups()
        if index is not None:
            if not isinstance(value, list):
                raise KeyError(path)
            value = value[int(index)]
        else:
            if not isinstance(value, dict):
                raise KeyError(path)
            value = value[name if name is not None else quoted]
        position = match.end()
    return value


def definition_states(definition: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every state of a definition by name, nested Parallel branches and Map processors included."""
    found: dict[str, Mapping[str, Any]] = {}
    for name, state in definition.get("States", {}).items():
        if not isinstance(state, Mapping):
            continue
        found[name] = state
        for branch in state.get("Branches", []) or []:
            found.update(definition_states(branch))
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), Mapping):
                found.update(definition_states(state[key]))
    return found


def assigned_variables(details: Mapping[str, Any]) -> dict[str, Any]:
    """The variables a ``…StateExited`` event's details assigned, each parsed from its JSON text.

    https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html: the history
    records every assigned value as JSON text (``"step": "1"``, ``"in": "{…}"``). A value that is
    not valid JSON text is left out.
    """
    raw = details.get("assignedVariables")
    parsed: dict[str, Any] = {}
    if isinstance(raw, Mapping):
        for name, text in raw.items():
            try:
                parsed[str(name)] = json.loads(text) if isinstance(text, str) else text
            except ValueError:
                continue
    return parsed


_JSONATA_PATH = re.compile(r"\{%\s*\$([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)*)\s*%\}")


def jsonata_value(expression: str, variables: Mapping[str, Any], state_input: Any) -> Any:
    """The value of a JSONata field that is one simple path, ``{% $var.a.b %}`` or
    ``{% $states.input.a %}``; KeyError for anything else (the follower does not evaluate JSONata).
    """
    match = _JSONATA_PATH.fullmatch(expression.strip())
    if match is None:
        raise KeyError(expression)
    name, rest = match[1], [part for part in match[2].split(".") if part]
    if name == "states":
        if not rest or rest[0] != "input":
            raise KeyError(expression)
        value, rest = state_input, rest[1:]
    else:
        value = variables[name]
    for part in rest:
        if not isinstance(value, dict):
            raise KeyError(expression)
        value = value[part]
    return value


def wait_seconds(
    state: Mapping[str, Any],
    state_input: Any,
    entered: dt.datetime,
    variables: Mapping[str, Any] | None = None,
) -> float | None:
    """How long a Wait state entered at ``entered`` with ``state_input`` waits; None when unknown.

    ``variables``: the execution's variables when the Wait was entered (:func:`assigned_variables`),
    for JSONata ``Seconds``/``Timestamp`` given as one path (:func:`jsonata_value`).
    """
    try:
        effective = json_path(state_input, state["InputPath"]) if state.get("InputPath") else state_input
        if isinstance(state.get("Seconds"), str):
            seconds = jsonata_value(state["Seconds"], variables or {}, state_input)
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                return None
            return max(0.0, float(seconds))
        if "Seconds" in state:
            return float(state["Seconds"])
        if "SecondsPath" in state and effective is not None:
            return float(json_path(effective, state["SecondsPath"]))
        stamp: Any = None
        if isinstance(state.get("Timestamp"), str) and state["Timestamp"].lstrip().startswith("{%"):
            stamp = jsonata_value(state["Timestamp"], variables or {}, state_input)
        elif "Timestamp" in state:
            stamp = state["Timestamp"]
        elif "TimestampPath" in state and effective is not None:
            stamp = json_path(effective, state["TimestampPath"])
        if isinstance(stamp, str):
            end = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            if end.tzinfo is None:
                end = end.replace(tzinfo=dt.UTC)
            return max(0.0, (end - entered).total_seconds())
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return None
