"""The job log's lines for an approval gate: what waits, how to answer it, who answered.

Plain text only; :class:`canary.render.Renderer` makes it inert and prints it (and the notice).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GATE_RESOURCE = "putEvents.waitForTaskToken"
"""The Gate task's resource (``arn:aws:states:::events:…``), as TaskScheduled names it."""


def gate_line(document: Mapping[str, Any], weight: Any, timeout: Any) -> str:
    """``waiting for approval …``: the step, the time-out and the two answers."""
    endpoint = document.get("EndpointName", "?")
    approval = document.get("Approval")
    on_timeout = approval.get("OnTimeout", "rollback") if isinstance(approval, Mapping) else "rollback"
    after = f"after the {weight}% bake" if weight is not None else "after the bake"
    minutes = f" for up to {float(timeout) / 60:g} min" if isinstance(timeout, int | float) else ""
    return (
        f"waiting for approval {after}{minutes} (then {on_timeout}): run this action with command: approve "
        f"(or abort) and endpoint-name: {endpoint}, or python -m canary approve --endpoint-name {endpoint}"
    )


def gate_answered(result: Mapping[str, Any]) -> str:
    """The gate's answer, from SendTaskSuccess's output (``{ApprovedBy, Run}``)."""
    by = result.get("ApprovedBy")
    run = result.get("Run")
    return "approved" + (f" by {by}" if by else "") + (f" ({run})" if run else "")
