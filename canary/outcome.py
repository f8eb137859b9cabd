"""What a finished execution means for the deploy, and the job's exit status.

Decision table (docs/design.md, "Outcomes and exit status"):

| Step Functions status | error                                      | outcome       | exit |
|-----------------------|--------------------------------------------|---------------|------|
| SUCCEEDED             | —                                          | deployed      | 0    |
| FAILED                | ``Canary.RolledBack``                      | rolled-back   | 1    |
| FAILED                | ``Canary.UpdateFailed``                    | rolled-back   | 1    |
| FAILED                | ``Canary.WorseThanBaseline``               | rolled-back   | 1    |
| FAILED                | ``Canary.LowTraffic``                      | rolled-back   | 1    |
| FAILED                | ``Canary.EndpointStuck``                   | rolled-back   | 1    |
| FAILED                | ``ROLLED_BACK_WHEN_SAID``, ``Rolled back: …``  | rolled-back   | 1    |
| FAILED                | anything else                              | failed        | 1    |
| TIMED_OUT             | —                                          | timed-out     | 1    |
| ABORTED               | —                                          | cancelled     | 1    |
| RUNNING (we stopped following at the deadline)  | —                 | timed-out     | 1    |

``Canary.UpdateFailed`` is reported as ``rolled-back``: SageMaker returns an endpoint whose update
failed to ``InService`` on its *old* config, so the endpoint is where it was before the deploy —
which is what a rollback means to the user — and the job still fails. ``Canary.CreateFailed`` (a
first deploy whose endpoint ended ``Failed``) is ``failed``: there was nothing to roll back to.
``Canary.EndpointStuck`` (an update past ``Polling.TimeoutSeconds``) ends rolled back; when the
rollback itself hangs the error is ``Canary.RollbackFailed`` (``failed``).
A smoke test that fails on a canary rolls back (the cause opens with the rollback's ``Rolled back:
endpoint … is on … again.``); on a first deploy it removes the new endpoint: ``failed``.
Anything but SUCCEEDED is never a success.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

OutcomeName = Literal["deployed", "rolled-back", "failed", "timed-out", "cancelled", "dry-run"]
"""The ``outcome`` output's values (``dry-run`` only for a dry run: :func:`classify` never gives it)."""
ReportedOutcome = OutcomeName | Literal[""]
"""What the ``outcome`` output holds: "" when the inputs or the configuration are invalid."""

EXIT_OK = 0
"""Deployed, or a clean dry run."""
EXIT_FAILED = 1
"""Rolled back, failed, timed out or cancelled."""
EXIT_INVALID = 2
"""Invalid input or configuration: nothing at all was created or changed in AWS."""

ROLLED_BACK_ERRORS = frozenset(
    {
        "Canary.RolledBack",
        "Canary.UpdateFailed",
        "Canary.WorseThanBaseline",
        "Canary.LowTraffic",
        "Canary.EndpointStuck",
    }
)
"""Error names meaning the endpoint is back on the exact configuration it had before the deploy."""
ROLLED_BACK_WHEN_SAID = frozenset({"Canary.SmokeTestFailed", "Canary.Aborted", "Canary.ApprovalTimedOut"})
"""Error names that mean a rollback when the cause opens with :data:`ROLLED_BACK_CAUSE`."""
ROLLED_BACK_CAUSE = "Rolled back: endpoint "


@dataclass(frozen=True)
class Outcome:
    """The deploy's result, as the action reports it (outputs, summary, exit status)."""

    outcome: OutcomeName
    status: str
    """Step Functions status: ``SUCCEEDED``, ``FAILED``, ``TIMED_OUT``, ``ABORTED`` or ``RUNNING``."""
    error: str | None
    cause: str | None
    """Untrusted text (from AWS): escape it wherever it is shown."""
    summary: Mapping[str, Any] = field(default_factory=dict)
    """The execution's output document, parsed (empty unless it is a JSON object)."""
    exit_code: int = 1
    """:data:`EXIT_OK` when deployed, else :data:`EXIT_FAILED`."""

    @property
    def succeeded(self) -> bool:
        """True only when the new model took all the traffic."""
        return self.outcome == "deployed"


def _parse_output(raw: object) -> Mapping[str, Any]:
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def classify(description: Mapping[str, Any]) -> Outcome:
    """Classify a DescribeExecution response (or the same fields) into an :class:`Outcome`.

    A still ``RUNNING`` execution is classified ``timed-out``: the caller stopped following it at
    its deadline (the execution goes on). Unknown statuses are ``failed``.
    """
    status = str(description.get("status", "UNKNOWN"))
    error = _text(description.get("error"))
    cause = _text(description.get("cause"))
    summary = _parse_output(description.get("output"))
    name: OutcomeName
    if status == "SUCCEEDED":
        return Outcome("deployed", status, None, None, summary, exit_code=EXIT_OK)
    if status == "FAILED":
        rolled_back = error in ROLLED_BACK_ERRORS or (
            error in ROLLED_BACK_WHEN_SAID and (cause or "").startswith(ROLLED_BACK_CAUSE)
        )
        name = "rolled-back" if rolled_back else "failed"
    elif status in {"TIMED_OUT", "RUNNING"}:
        name = "timed-out"
    elif status == "ABORTED":
        name = "cancelled"
    else:
        name = "failed"
    return Outcome(name, status, error, cause, summary, exit_code=EXIT_FAILED)
