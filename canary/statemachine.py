"""The bundled state machine: its definition, and making sure the deployed one matches it.

``statemachine.asl.json`` beside this module is what is deployed. It is built from
``statemachine.asl.yaml``, the source of the deploy flow (docs/state-machine.md), by
``scripts/gen_statemachine.py``; the runtime reads only the JSON. It has no placeholders: everything
per deploy comes in the execution input (``schema/execution-input.schema.json``), so the text
deployed is the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from canary.aws import error_code
from canary.errors import ConfigurationError

if TYPE_CHECKING:
    from types_boto3_stepfunctions.client import SFNClient

DEFINITION_PATH = Path(__file__).parent / "statemachine.asl.json"
GUARDRAILS_PATH = Path(__file__).parent / "guardrails.asl.json"
"""The second definition: SageMaker's deployment guardrails (strategy blue-green or rolling)."""
Family = Literal["canary", "guardrails"]


@dataclass(frozen=True)
class EnsuredStateMachine:
    """The bundled state machine after :func:`ensure_state_machine`, and what that did."""

    arn: str
    action: Literal["created", "updated", "unchanged"]


@cache
def load_definition(family: Family = "canary") -> str:
    """The definition JSON text, exactly as it is deployed: the canary flow's, or the guardrails'."""
    return (GUARDRAILS_PATH if family == "guardrails" else DEFINITION_PATH).read_text(encoding="utf-8")


def family_of(strategy: str) -> Family:
    """The definition a strategy runs: blue-green and rolling share the guardrails flow."""
    return "guardrails" if strategy in {"blue-green", "rolling"} else "canary"


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _find(sfn: SFNClient, name: str) -> str | None:
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page.get("stateMachines", []):
            if machine["name"] == name:
                return machine["stateMachineArn"]
    return None


def ensure_state_machine(
    sfn: SFNClient,
    name: str,
    role_arn: str | None,
    *,
    found: tuple[str | None, str] | None = None,
    family: Family = "canary",
) -> EnsuredStateMachine:
    """Create the bundled state machine ``name``, or update it when its definition differs.

    Definitions are compared as parsed JSON (formatting does not count). Nothing is written when the
    deployed one is already current. Creating needs ``role_arn``: without it, raise
    :class:`~canary.errors.ConfigurationError`. An update also sets ``role_arn`` when given, else
    keeps the machine's role.

    ``found``: what the caller already read, ``(ARN, deployed definition)`` or ``(None, "")`` when no
    machine has this name; the machine is then neither listed nor described again.
    """
    definition = load_definition(family)
    arn = _find(sfn, name) if found is None else found[0]
    if arn is None:
        if not role_arn:
            raise ConfigurationError(
                f"state-machine-role-arn: the state machine {name} does not exist and must be created, "
                "which needs a role Step Functions can assume: set state-machine-role-arn "
                "(or state-machine-arn to use a state machine managed elsewhere)"
            )
        created = sfn.create_state_machine(
            name=name, definition=definition, roleArn=role_arn, type="STANDARD"
        )
        return EnsuredStateMachine(arn=created["stateMachineArn"], action="created")
    deployed = (
        sfn.describe_state_machine(stateMachineArn=arn).get("definition", "") if found is None else found[1]
    )
    if _parsed(deployed) == _parsed(definition):
        return EnsuredStateMachine(arn=arn, action="unchanged")
    if role_arn:
        sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=role_arn)
    else:
        sfn.update_state_machine(stateMachineArn=arn, definition=definition)
    return EnsuredStateMachine(arn=arn, action="updated")


def family_in(definition: str) -> Family | None:
    """Which bundled flow a deployed definition is (by what its first state checks), None: neither."""
    if "$i.Strategy.Kind" in definition:
        return "guardrails"
    return "canary" if "$i.CanaryWeights" in definition else None


def check_state_machine(sfn: SFNClient, arn: str, family: Family | None = None) -> None:
    """Check that a state machine given by ARN exists and is a standard workflow.

    Raises :class:`~canary.errors.ConfigurationError` naming the input when it is missing, an
    express workflow (those last at most 5 minutes and keep no history to follow), or (``family``
    given) one of the bundled flows other than the strategy's.
    """
    try:
        described = sfn.describe_state_machine(stateMachineArn=arn)
    except ClientError as error:
        code = error_code(error)
        if code in {"StateMachineDoesNotExist", "InvalidArn"}:
            raise ConfigurationError(
                f"state-machine-arn: {arn} does not exist ({code}): check the ARN and region, "
                "or leave state-machine-arn empty to use the bundled state machine"
            ) from None
        raise
    if described.get("type", "STANDARD") != "STANDARD":
        raise ConfigurationError(
            f"state-machine-arn: {arn} is an {described.get('type')} workflow; canary deploys take longer "
            "than express workflows may run: use a STANDARD state machine"
        )
    deployed = family_in(str(described.get("definition", "")))
    if family is not None and deployed is not None and deployed != family:
        wanted = "canary/guardrails.asl.json" if family == "guardrails" else "canary/statemachine.asl.json"
        raise ConfigurationError(
            f"state-machine-arn: {arn} runs the {deployed} flow, but this strategy needs the {family} flow "
            f"({wanted}; docs/strategies.md): give the state machine of that definition, or set strategy "
            "to match"
        )
