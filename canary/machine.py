"""The state machine a run starts: found once (read only), then ensured (the first write).

:func:`locate_state_machine` makes the run's one lookup: the ARN given by ``state-machine-arn`` is
described (it must exist and be STANDARD), or the bundled machine is found by name
(ListStateMachines) and described once to compare its definition. :func:`ensure_machine` then
creates or updates the bundled machine from what was found, without reading it again
(:func:`canary.statemachine.ensure_state_machine` with ``found``). :func:`known_definition` says
when the follower may skip reading the definition the execution runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from canary import statemachine
from canary.aws import error_code
from canary.errors import ConfigurationError
from canary.settings import Settings

if TYPE_CHECKING:
    from types_boto3_stepfunctions.client import SFNClient


@dataclass(frozen=True)
class MachineState:
    """Where the state machine stands before anything is written."""

    arn: str | None
    """Known ARN (given, or the bundled machine found by name); None: must be created."""
    bundled: bool
    definition_current: bool | None = None
    """Bundled machine only: its definition equals the bundled one (None: unknown or missing)."""
    deployed_definition: str = ""
    """Bundled machine only: the definition it has now, as DescribeStateMachine returned it."""


def locate_state_machine(sfn: SFNClient, settings: Settings) -> MachineState:
    """Read-only: the machine to start, or the facts needed to create it. Raises ConfigurationError."""
    if settings.state_machine_arn:
        family = statemachine.family_of(settings.strategy)
        statemachine.check_state_machine(sfn, settings.state_machine_arn, family)
        return MachineState(arn=settings.state_machine_arn, bundled=False)
    arn = statemachine._find(sfn, settings.state_machine_name)
    if arn is None:
        if settings.state_machine_role_arn is None:
            raise ConfigurationError(
                f"state-machine-role-arn: the state machine {settings.state_machine_name} does not exist in "
                f"{settings.aws_region} and must be created, which needs a role for it: set "
                "state-machine-role-arn (or state-machine-arn to use one managed elsewhere)"
            )
        return MachineState(arn=None, bundled=True)
    definition = statemachine.load_definition(statemachine.family_of(settings.strategy))
    deployed = sfn.describe_state_machine(stateMachineArn=arn).get("definition", "")
    try:
        current = json.loads(deployed) == json.loads(definition)
    except ValueError:
        current = deployed == definition
    return MachineState(arn=arn, bundled=True, definition_current=current, deployed_definition=deployed)


def ensure_machine(
    sfn: SFNClient, settings: Settings, machine: MachineState, say: Callable[[str], None]
) -> str:
    """The ARN to start: the given machine, or the bundled one created/updated as needed (a write)."""
    if not machine.bundled and machine.arn:
        return machine.arn
    name, role = settings.state_machine_name, settings.state_machine_role_arn
    family = statemachine.family_of(settings.strategy)
    try:
        ensured = statemachine.ensure_state_machine(
            sfn, name, role, found=(machine.arn, machine.deployed_definition), family=family
        )
    except ClientError as error:
        if error_code(error) != "StateMachineAlreadyExists":
            raise
        # Created by a concurrent first deploy since the lookup: read it once more, then ensure it.
        ensured = statemachine.ensure_state_machine(sfn, name, role, family=family)
    say(f"state machine {settings.state_machine_name}: {ensured.action} ({ensured.arn})")
    return str(ensured.arn)


def known_definition(
    machine: MachineState, *, attached: bool, family: statemachine.Family = "canary"
) -> str | None:
    """The bundled definition when the execution surely runs it, else None (the follower reads it).

    UpdateStateMachine: "Running executions will continue to use the previous definition", and
    "Executions started immediately after calling UpdateStateMachine may use the previous state
    machine definition" (https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html).
    So only a bundled machine that was already current before this run (or that this run created:
    it never had another definition) surely runs the bundled one; one this run updated, and a machine
    given by ``state-machine-arn`` (managed elsewhere), are read by the follower.
    """
    if not machine.bundled:
        return None
    if machine.arn is None and not attached:
        return statemachine.load_definition(family)
    return statemachine.load_definition(family) if machine.definition_current is True else None


def answering_machine(sfn: SFNClient, settings: Settings) -> str | None:
    """The machine whose deploy of the endpoint ``command: approve|abort`` answers (None: none yet).

    With neither ``state-machine-arn`` nor a ``state-machine-name`` of their own, an answering job may
    not say the deploy's ``strategy``: both bundled machines are looked at, the strategy's first, and
    the one running a deploy of the endpoint is answered.
    """
    from canary.executions import running_executions
    from canary.settings_strategy import default_machine_name

    def located(candidate: Settings) -> str | None:
        try:
            return locate_state_machine(sfn, candidate).arn
        except ConfigurationError:
            return None  # no bundled machine yet: no deploy to answer

    first = located(settings)
    if settings.state_machine_arn or settings.state_machine_name != default_machine_name(settings.strategy):
        return first
    other = "rolling" if settings.strategy == "canary" else "canary"
    second = located(
        settings.model_copy(update={"strategy": other, "state_machine_name": default_machine_name(other)})
    )
    for arn in (first, second):
        if arn and running_executions(sfn, arn, settings.endpoint_name):
            return arn
    return first or second
