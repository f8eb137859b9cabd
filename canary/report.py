"""What one run of the action reports: the step outputs, filled in as the run goes.

Moved out of ``canary/action.py`` (which writes it on every path, with the step summary).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from canary.aws import console_url
from canary.outcome import ReportedOutcome


@dataclass
class Report:
    """What the action reports at the end, filled in as it goes (outputs are written on every path)."""

    execution_arn: str = ""
    status: str = ""
    outcome: ReportedOutcome = ""
    model_name: str = ""
    endpoint_config_name: str = ""
    region: str = ""
    kind: str = ""
    """``first-deploy`` or ``canary`` once the endpoint was read (or the execution said so)."""
    notes: list[str] = field(default_factory=list)
    """Lines for the step summary's outcome section (a first deploy, a bake nothing judged)."""

    @property
    def console_url(self) -> str:
        """Console link of the execution, when there is one."""
        return console_url(self.execution_arn) if self.execution_arn else ""

    def outputs(self) -> dict[str, str]:
        """The step outputs (action.yml)."""
        return {
            "execution-arn": self.execution_arn,
            "status": self.status,
            "outcome": self.outcome,
            "model-name": self.model_name,
            "endpoint-config-name": self.endpoint_config_name,
            "console-url": self.console_url,
            "kind": self.kind,
        }
