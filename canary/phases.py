"""The job log's phase groups: which state of the bundled definitions opens which log group, and the
line each terminal event ends the log with. Tables only, read by :class:`canary.render.Renderer`; a
state renamed in the definitions is a change here (tests/presentation/test_render.py holds them to the
definitions' states)."""

from __future__ import annotations

from collections.abc import Mapping

from canary.guardrail_lines import GUARDED_PHASE
from canary.summary import Level

PHASES: Mapping[str, str] = {
    # state entered → title of the log group it opens ({weight}: the step's canary weight,
    # $in.CanaryWeights[$step]); a title equal to the open group's opens nothing
    "ValidateInput": "Prepare",
    "StartHold": "Prepare",
    "ReadEndpoint": "Prepare",
    "SuspendAutoScaling": "Canary {weight}%",
    "StartCanary": "Canary {weight}%",
    "CheckAlarms": "Bake {weight}%",
    "ReadMetrics": "Bake {weight}%",
    "BakeQuietly": "Bake {weight}%",
    "ShiftTraffic": "Canary {weight}%",
    "Gate": "Approval after {weight}%",
    "CreateFinalConfig": "Promote",
    "Rollback": "Rollback",
    "CreateAlarms": GUARDED_PHASE,  # canary/guardrails.asl.yaml: SageMaker deploys from here on
}
"""Phase groups, by the state that starts them."""

PHASES_AFTER: Mapping[tuple[str, str], str] = {
    ("IsFirstDeploy", "CreateModel"): "First deploy",
}
"""Phase groups started by a state entered right after another (previous state, state entered)."""

PHASES_WHEN: Mapping[tuple[str, str], str] = {
    ("ShiftTraffic", "grow"): "Scale-out for {weight}%",
}
"""Phase groups started by a state entered while a variable is true (state entered, variable): the
canary grows before its step's shift, still at the previous weight."""

_TERMINAL_LINES: Mapping[str, tuple[Level, str]] = {
    "ExecutionSucceeded": ("ok", "execution succeeded"),
    "ExecutionFailed": ("error", "execution failed"),
    "ExecutionAborted": ("error", "execution stopped (aborted)"),
    "ExecutionTimedOut": ("error", "execution timed out"),
}
