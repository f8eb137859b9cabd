"""Getting one execution to follow: preflight reads, then start — or attach, or wait.

The pipeline, and the module that does each step::

    Settings ──► prepare()                                   read only: nothing changes in AWS
                  ├─ machine.locate_state_machine            the run's one lookup of the machine
                  ├─ executions.running_executions           same artifact → attach; another → wait
                  │    └─ executions.wait_until_done
                  ├─ endpoint.describe_endpoint, preflight.check_create, endpoint.check_endpoint
                  ├─ preflight.check_alarms                  do the named alarms exist
                  └─ quotas.plan_and_check                   capacity plan; a peak over the quota: refuse
             ──► Prepared ──► dry_run.plan_lines             (dry run: print, stop here)
             ──► launch()                                    the first writes
                  ├─ machine.ensure_machine                  create / update the bundled machine
                  ├─ StartExecution (ExecutionAlreadyExists for this artifact → attach)
                  └─ race.older_racing_start                 younger of two racing starts: stop it,
                                                             then wait for (or attach to) the older
             ──► Deployment                                  what canary.action follows

The order keeps the promise that invalid configuration changes nothing in AWS (docs/design.md,
"Guarantees"): every :class:`~canary.errors.ConfigurationError` is raised by a read, before
:func:`launch`. A state machine given by ``state-machine-arn`` without the start hold (an older copy
of the definition) still gets the race check, but its younger execution may have begun the deploy
when it is stopped; the action then says so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from canary.aws import console_url, error_code
from canary.component_capacity import rollout_need
from canary.component_checks import check_component, component_note
from canary.endpoint import EndpointState, check_endpoint, describe_endpoint, storage_notes
from canary.errors import Cancelled, ConcurrentDeployError, ConfigurationError
from canary.execution_document import artifact_of, build_input
from canary.execution_input import DeployNames, ExecutionInput
from canary.executions import (
    Execution,
    Say,
    aws_calls_made,
    describe_execution,
    running_executions,
    wait_until_done,
)
from canary.machine import MachineState, ensure_machine, known_definition, locate_state_machine
from canary.names import Artifact, RunContext, deploy_names, execution_name
from canary.preflight import check_alarms, check_create
from canary.quotas import CapacityCheck, plan_and_check
from canary.race import START_HOLD_SECONDS, older_racing_start
from canary.settings import Settings
from canary.statemachine import family_of

if TYPE_CHECKING:
    from types_boto3_stepfunctions.client import SFNClient

    from canary.clients import Clients


@dataclass(frozen=True)
class Deployment:
    """The execution the action follows."""

    execution_arn: str
    execution_name: str
    machine_arn: str
    attached: bool
    """True when the action attached to an execution it did not start."""
    names: DeployNames | None
    definition: str | None = None
    """The definition the execution runs, when known without asking AWS (the bundled one): the
    follower then needs no DescribeStateMachineForExecution."""


@dataclass(frozen=True)
class Prepared:
    """Everything read before the first write (also what a dry run prints)."""

    machine: MachineState
    endpoint: EndpointState | None
    """None when attaching (the running deploy owns the endpoint)."""
    attach_to: Execution | None
    execution_name: str
    execution_input: ExecutionInput
    capacity: CapacityCheck | None = None
    """The capacity plan and its quota check (None when attaching)."""


def _attach(execution: Execution, machine_arn: str, say: Say, why: str) -> Deployment:
    say(f"{why}: attaching to execution {execution.name} instead of starting a second deploy")
    return Deployment(
        execution_arn=execution.arn,
        execution_name=execution.name,
        machine_arn=machine_arn,
        attached=True,
        names=execution.names,
    )


def prepare(
    clients: Clients,
    settings: Settings,
    *,
    run: RunContext,
    deadline: float,
    stop: threading.Event,
    say: Say,
    wait: bool = True,
    hold: int = START_HOLD_SECONDS,
) -> Prepared:
    """All the reads: machine, concurrent deploys (waiting for another artifact's), endpoint checks.

    Raises ConfigurationError (exit 2), ConcurrentDeployError (deadline passed while waiting) or
    :class:`Cancelled`. With ``wait=False`` (dry run) another deploy is reported, not waited for.
    """
    machine = locate_state_machine(clients.sfn, settings)
    artifact = artifact_of(settings)
    name = settings.execution_name or execution_name(settings.endpoint_name, artifact, run)
    document = build_input(settings, deploy_names(settings.endpoint_name, artifact, run), hold=hold)
    while machine.arn is not None:
        running = running_executions(clients.sfn, machine.arn, settings.endpoint_name)
        same = [e for e in running if e.artifact == artifact]
        if same:
            return Prepared(machine, None, same[0], name, document)
        if not running:
            break
        if not wait:
            say(
                f"another deploy is running on endpoint {settings.endpoint_name}: execution "
                f"{running[0].name} (image {running[0].artifact.image}); a real run would wait for it to end"
            )
            break
        if not wait_until_done(clients.sfn, running[0], deadline, stop, say):
            if stop.is_set():
                raise Cancelled
            raise ConcurrentDeployError(
                f"execution {running[0].name} was still deploying another artifact to endpoint "
                f"{settings.endpoint_name} when timeout-minutes ran out; nothing was started — "
                f"{console_url(running[0].arn)}"
            )
    if stop.is_set():
        raise Cancelled
    endpoint = describe_endpoint(clients.sagemaker, settings.endpoint_name)
    if settings.inference_component_name:  # an IC: its own checks; the endpoint's fleet is not changed
        component = check_component(clients.sagemaker, endpoint, settings)
        check_alarms(clients.cloudwatch, settings)
        say(component_note(component, settings))
        say(rollout_need(component, settings))
        return Prepared(machine, endpoint, None, name, document)
    check_create(endpoint, settings)
    check_endpoint(endpoint, settings)
    for note in storage_notes(endpoint, settings):
        say(note)
    check_alarms(clients.cloudwatch, settings)
    capacity = plan_and_check(clients, settings, endpoint)
    return Prepared(machine, endpoint, None, name, document, capacity)


def launch(
    clients: Clients,
    settings: Settings,
    prepared: Prepared,
    *,
    run: RunContext,
    deadline: float,
    stop: threading.Event,
    say: Say,
) -> Deployment:
    """Start (or attach to) the execution: the first writes to AWS."""
    deployment = _launch(clients, settings, prepared, run=run, deadline=deadline, stop=stop, say=say)
    family = family_of(settings.strategy)
    known = known_definition(prepared.machine, attached=deployment.attached, family=family)
    return replace(deployment, definition=known)


def _launch(
    clients: Clients,
    settings: Settings,
    prepared: Prepared,
    *,
    run: RunContext,
    deadline: float,
    stop: threading.Event,
    say: Say,
) -> Deployment:
    artifact = artifact_of(settings)
    if prepared.attach_to is not None and prepared.machine.arn is not None:
        return _attach(prepared.attach_to, prepared.machine.arn, say, "this artifact is already deploying")
    machine_arn = ensure_machine(clients.sfn, settings, prepared.machine, say)
    while True:
        if stop.is_set():
            raise Cancelled
        hold = prepared.execution_input.StartHoldSeconds
        called = time.monotonic()
        deployment = _start(clients.sfn, machine_arn, prepared, artifact, say)
        if deployment.attached:
            return deployment
        first = older_racing_start(
            clients.sfn,
            machine_arn,
            settings.endpoint_name,
            deployment.execution_arn,
            called=called,
            hold=hold,
        )
        if first is None:
            return deployment
        cause = f"execution {first.name} started first on endpoint {settings.endpoint_name}"
        clients.sfn.stop_execution(
            executionArn=deployment.execution_arn, error="Canary.Superseded", cause=cause
        )
        calls = aws_calls_made(clients.sfn, deployment.execution_arn)
        if not calls:
            when = "in its start hold, before it made any AWS call"
        else:
            when = f"after it had made {len(calls)} AWS call(s): {', '.join(dict.fromkeys(calls))}"
            if any(call.startswith("update") for call in calls):
                when += f" — it may have changed endpoint {settings.endpoint_name}"
        stopped = f"stopped execution {deployment.execution_name} {when}: {cause}"
        if first.artifact == artifact:
            return _attach(first, machine_arn, say, f"{stopped} with the same artifact")
        say(stopped)
        if not wait_until_done(clients.sfn, first, deadline, stop, say):
            if stop.is_set():
                raise Cancelled
            raise ConcurrentDeployError(
                f"execution {first.name} was still deploying another artifact to endpoint "
                f"{settings.endpoint_name} when timeout-minutes ran out — {console_url(first.arn)}"
            )
        # The endpoint changed under us: check it again before the next start.
        endpoint = describe_endpoint(clients.sagemaker, settings.endpoint_name)
        if settings.inference_component_name:
            check_component(clients.sagemaker, endpoint, settings)
        else:
            check_create(endpoint, settings)
            check_endpoint(endpoint, settings)
        names = deploy_names(settings.endpoint_name, artifact, _later(run))
        prepared = Prepared(
            prepared.machine,
            endpoint,
            None,
            settings.execution_name or execution_name(settings.endpoint_name, artifact, _later(run)),
            prepared.execution_input.model_copy(update={"Names": names}),
        )


def _later(run: RunContext) -> RunContext:
    """The run context for a second start in the same run (fresh names: the first ones are taken)."""
    now = datetime.now(UTC)
    return replace(run, run_attempt=f"{run.run_attempt}r{now.strftime('%H%M%S')}", now=now)


def _start(sfn: SFNClient, machine_arn: str, prepared: Prepared, artifact: Artifact, say: Say) -> Deployment:
    name = prepared.execution_name
    try:
        started = sfn.start_execution(
            stateMachineArn=machine_arn, name=name, input=prepared.execution_input.to_json()
        )
    except ClientError as error:
        if error_code(error) != "ExecutionAlreadyExists":
            raise
        arn = machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
        existing = describe_execution(sfn, arn)
        if (
            existing is None
            or existing.artifact != artifact
            or existing.endpoint != prepared.execution_input.EndpointName
        ):
            raise ConfigurationError(
                f"execution-name: an execution named {name} already exists for another deploy: leave "
                "execution-name empty to derive a fresh one, or choose another name"
            ) from None
        why = (
            "an execution of this name and artifact is already running"
            if existing.status == "RUNNING"
            else f"this deploy already ran as {name} ({existing.status}); reporting its result"
        )
        return _attach(existing, machine_arn, say, why)
    arn = started["executionArn"]
    say(f"started execution {name}")
    names = prepared.execution_input.Names
    return Deployment(
        execution_arn=arn, execution_name=name, machine_arn=machine_arn, attached=False, names=names
    )
