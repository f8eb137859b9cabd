"""Getting one execution to follow: preflight reads, the state machine, start — or attach, or wait.

The order matters for SPEC §2's promise that invalid configuration changes nothing in AWS:

1. :func:`locate_state_machine` — read only: the given ARN must exist; the bundled machine is looked
   up by name (creating it later needs ``state-machine-role-arn``).
2. :func:`running_executions` — read only: executions of that machine, ``RUNNING``, deploying to
   this endpoint. The same artifact → attach (a rerun never starts a second deploy of the same
   thing); another artifact → wait for it to end, saying which (never race it).
3. :func:`describe_endpoint` + :func:`check_endpoint` — read only: a first deploy needs
   ``instance-type``; the endpoint must be ``InService`` with one production variant.
4. :func:`launch` — the first write: ensure the bundled state machine (create, or update when its
   definition differs), then ``StartExecution`` with the derived name. ``ExecutionAlreadyExists``
   for the same endpoint and artifact → attach.
5. :func:`older_racing_start` — two actions that both saw a free endpoint both start. The bundled
   machine's first state after its input check is a Wait of ``StartHoldSeconds``
   (:data:`START_HOLD_SECONDS`), before any AWS call. During that hold each action lists the
   endpoint's running executions, right after its start and again halfway through the hold
   (ListExecutions is eventually consistent), and the younger one (later start, ties broken by ARN)
   stops itself, so it has touched nothing, then waits for the older one (or attaches to it when it
   deploys the same artifact). The older one proceeds.

A state machine given by ``state-machine-arn`` without that hold (an older copy of the definition)
still gets the check, but its younger execution may have begun the deploy when it is stopped; the
action then says so.

Only executions of the *same* state machine are seen: deploys of one endpoint must go through one
machine (one ``state-machine-name``/``state-machine-arn`` per region).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from canary.errors import ConcurrentDeployError, ConfigurationError
from canary.execution_input import (
    AutoScalingSettings,
    ContainerSpec,
    DeployNames,
    ErrorAlarmSettings,
    ExecutionInput,
    PollingSettings,
)
from canary.names import Artifact, RunContext, artifact_of_input, deploy_names, execution_name
from canary.settings import Settings

if TYPE_CHECKING:
    from types_boto3_sagemaker.client import SageMakerClient
    from types_boto3_stepfunctions.client import SFNClient

Say = Callable[[str], None]
"""Where this module reports what it does (one human line each; the caller renders it)."""


def console_url(execution_arn: str) -> str:
    """The Step Functions console page of an execution (region taken from its ARN)."""
    parts = execution_arn.split(":")
    region = parts[3] if len(parts) > 3 else "us-east-1"
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


# -- the artifact and the execution input ------------------------------------------------------


def artifact_of(settings: Settings) -> Artifact:
    """The artifact these settings deploy."""
    return Artifact(
        image=settings.image_uri,
        model_data=settings.model_data,
        environment=settings.model_environment,
        instance_type=settings.instance_type,
    )


START_HOLD_SECONDS = 3
"""The execution's ``StartHoldSeconds``: how long it waits before its first AWS call.

The younger of two racing starts must be stopped within it. Its starter's check begins as soon as its
StartExecution returns (a ListExecutions and a DescribeExecution per running execution, ~0.1-0.3 s on
AWS) and is repeated at half the hold, which leaves ListExecutions 1.5 s to show a start it missed and
the repeat plus StopExecution over 1 s. It costs every deploy 3 s and one state transition."""


def build_input(settings: Settings, names: DeployNames) -> ExecutionInput:
    """The execution input document for these settings."""
    return ExecutionInput(
        EndpointName=settings.endpoint_name,
        ExecutionRoleArn=settings.execution_role_arn,
        Container=ContainerSpec(
            Image=settings.image_uri,
            ModelDataUrl=settings.model_data,
            Environment=dict(settings.model_environment),
        ),
        InstanceType=settings.instance_type,
        InstanceCount=settings.instance_count,
        CanaryInstanceCount=settings.canary_instance_count,
        CanaryWeights=list(settings.canary_weights),
        BakeSeconds=settings.bake_seconds,
        AlarmCheckSeconds=settings.alarm_check_seconds,
        AlarmNames=list(settings.alarm_names),
        ErrorAlarms=ErrorAlarmSettings(
            Enabled=settings.error_alarms,
            Threshold4xx=settings.error_alarm_4xx_threshold,
            Threshold5xx=settings.error_alarm_5xx_threshold,
        ),
        AutoScaling=AutoScalingSettings(
            Enabled=settings.autoscaling_enabled,
            MinCapacity=settings.autoscaling_min_capacity or settings.instance_count,
            MaxCapacity=settings.autoscaling_max_capacity or settings.instance_count,
            TargetValue=settings.autoscaling_target or 100.0,
        ),
        Polling=PollingSettings(
            InitialSeconds=settings.endpoint_poll_seconds, MaxSeconds=settings.endpoint_poll_max_seconds
        ),
        StartHoldSeconds=START_HOLD_SECONDS,
        Names=names,
    )


# -- the endpoint --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A production variant as DescribeEndpoint + DescribeEndpointConfig report it."""

    name: str
    model: str | None
    instance_type: str | None
    instance_count: int | None
    weight: float | None


@dataclass(frozen=True)
class EndpointState:
    """What the endpoint looks like before the deploy."""

    name: str
    exists: bool
    status: str | None = None
    config_name: str | None = None
    failure_reason: str | None = None
    variants: tuple[Variant, ...] = ()

    def describe(self) -> str:
        """One line for the log."""
        if not self.exists:
            return f"endpoint {self.name} does not exist: first deploy"
        parts = [
            f"{v.name} {v.model or '?'} {v.instance_type or '?'} x{v.instance_count or '?'} "
            f"weight {v.weight if v.weight is not None else '?'}"
            for v in self.variants
        ]
        line = f"endpoint {self.name} is {self.status} on config {self.config_name}"
        # While Creating (or right after a cancel) DescribeEndpoint may list no variant yet.
        return f"{line}: " + "; ".join(parts) if parts else f"{line} (no variant serving yet)"


def describe_endpoint(sagemaker: SageMakerClient, name: str) -> EndpointState:
    """DescribeEndpoint (and its config, for models and instance types); missing → ``exists=False``."""
    try:
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
    except ClientError as error:
        if _error_code(error) == "ValidationException" and "Could not find" in str(error):
            return EndpointState(name=name, exists=False)
        raise
    config_name = endpoint.get("EndpointConfigName")
    configured: dict[str, Mapping[str, Any]] = {}
    if config_name:
        try:
            config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
            configured = {v["VariantName"]: v for v in config.get("ProductionVariants", [])}
        except ClientError:
            configured = {}
    variants = []
    for live in endpoint.get("ProductionVariants", []):
        spec = configured.get(live["VariantName"], {})
        variants.append(
            Variant(
                name=live["VariantName"],
                model=spec.get("ModelName"),
                instance_type=spec.get("InstanceType"),
                instance_count=live.get("CurrentInstanceCount", spec.get("InitialInstanceCount")),
                weight=live.get("CurrentWeight", spec.get("InitialVariantWeight")),
            )
        )
    return EndpointState(
        name=name,
        exists=True,
        status=endpoint.get("EndpointStatus"),
        config_name=config_name,
        failure_reason=endpoint.get("FailureReason"),
        variants=tuple(variants),
    )


def check_endpoint(state: EndpointState, settings: Settings) -> None:
    """Raise :class:`ConfigurationError` when this endpoint cannot take this deploy as it is now."""
    name = state.name
    if not state.exists:
        if settings.instance_type is None:
            raise ConfigurationError(
                f"instance-type: endpoint {name} does not exist in {settings.aws_region}, so this is a first "
                "deploy and there is no current variant to copy: set instance-type (e.g. ml.m5.large)"
            )
        return
    if state.status != "InService":
        hints = {
            "Failed": "delete it (aws sagemaker delete-endpoint --endpoint-name "
            f"{name}) and re-run to create it afresh",
            "Creating": "wait until it is InService, then re-run",
            "Updating": "another update (not from this state machine) is in progress: wait until the "
            "endpoint is InService, then re-run",
            "SystemUpdating": "SageMaker is updating it: wait until it is InService, then re-run",
            "RollingBack": "wait until it is InService, then re-run",
            "Deleting": "wait until it is gone, then re-run to create it",
        }
        hint = hints.get(state.status or "", "wait until it is InService, then re-run")
        reason = f" ({state.failure_reason})" if state.failure_reason else ""
        raise ConfigurationError(f"endpoint-name: endpoint {name} is {state.status}{reason}: {hint}")
    if len(state.variants) != 1:
        listed = ", ".join(v.name for v in state.variants)
        raise ConfigurationError(
            f"endpoint-name: endpoint {name} has {len(state.variants)} production variants ({listed}); "
            "this action canary-deploys single-variant endpoints. If a canary was left behind by a deploy "
            "that was stopped, update the endpoint back to a single-variant config, then re-run"
        )
    variant = state.variants[0]
    if settings.instance_type is None and variant.instance_type is None:
        raise ConfigurationError(
            f"instance-type: the variant {variant.name} of endpoint {name} has no instance type "
            "(serverless?): set instance-type"
        )


# -- the state machine ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MachineState:
    """Where the state machine stands before anything is written."""

    arn: str | None
    """Known ARN (given, or the bundled machine found by name); None: must be created."""
    bundled: bool
    definition_current: bool | None = None
    """Bundled machine only: its definition equals the bundled one (None: unknown or missing)."""


def _find_by_name(sfn: SFNClient, name: str) -> str | None:
    paginator = sfn.get_paginator("list_state_machines")
    for page in paginator.paginate():
        for machine in page.get("stateMachines", []):
            if machine["name"] == name:
                return machine["stateMachineArn"]
    return None


def _bundled_definition() -> str:
    from canary.statemachine import load_definition

    return load_definition()


def locate_state_machine(sfn: SFNClient, settings: Settings) -> MachineState:
    """Read-only: the machine to start, or the facts needed to create it. Raises ConfigurationError."""
    if settings.state_machine_arn:
        from canary.statemachine import check_state_machine

        check_state_machine(sfn, settings.state_machine_arn)
        return MachineState(arn=settings.state_machine_arn, bundled=False)
    arn = _find_by_name(sfn, settings.state_machine_name)
    if arn is None:
        if settings.state_machine_role_arn is None:
            raise ConfigurationError(
                f"state-machine-role-arn: the state machine {settings.state_machine_name} does not exist in "
                f"{settings.aws_region} and must be created, which needs a role for it: set "
                "state-machine-role-arn (or state-machine-arn to use one managed elsewhere)"
            )
        return MachineState(arn=None, bundled=True)
    definition = _bundled_definition()
    deployed = sfn.describe_state_machine(stateMachineArn=arn).get("definition", "")
    try:
        current = json.loads(deployed) == json.loads(definition)
    except ValueError:
        current = deployed == definition
    return MachineState(arn=arn, bundled=True, definition_current=current)


def ensure_machine(sfn: SFNClient, settings: Settings, machine: MachineState, say: Say) -> str:
    """The ARN to start: the given machine, or the bundled one created/updated as needed (a write)."""
    if not machine.bundled and machine.arn:
        return machine.arn
    from canary.statemachine import ensure_state_machine

    ensured = ensure_state_machine(sfn, settings.state_machine_name, settings.state_machine_role_arn)
    say(f"state machine {settings.state_machine_name}: {ensured.action} ({ensured.arn})")
    return str(ensured.arn)


# -- executions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Execution:
    """An execution of the machine that deploys to an endpoint."""

    arn: str
    name: str
    status: str
    start_date: datetime
    endpoint: str
    artifact: Artifact
    document: Mapping[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> DeployNames | None:
        """The resource names in its input (what it creates)."""
        try:
            return DeployNames.model_validate(self.document.get("Names", {}))
        except ValueError:
            return None

    def older_than(self, other: Execution) -> bool:
        """Started first (ties broken by ARN, so two actions agree on the order)."""
        return (self.start_date, self.arn) < (other.start_date, other.arn)


def describe_execution(sfn: SFNClient, arn: str) -> Execution | None:
    """DescribeExecution, parsed; None when its input is not one of ours."""
    described = sfn.describe_execution(executionArn=arn)
    try:
        document = json.loads(described.get("input") or "{}")
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    parsed = artifact_of_input(document)
    if parsed is None:
        return None
    endpoint, artifact = parsed
    return Execution(
        arn=arn,
        name=described["name"],
        status=described["status"],
        start_date=described["startDate"],
        endpoint=endpoint,
        artifact=artifact,
        document=document,
    )


def running_executions(sfn: SFNClient, machine_arn: str, endpoint: str) -> list[Execution]:
    """The machine's RUNNING executions that deploy to ``endpoint``, oldest first."""
    found: list[Execution] = []
    paginator = sfn.get_paginator("list_executions")
    for page in paginator.paginate(stateMachineArn=machine_arn, statusFilter="RUNNING"):
        for item in page.get("executions", []):
            execution = describe_execution(sfn, item["executionArn"])
            if execution is not None and execution.endpoint == endpoint and execution.status == "RUNNING":
                found.append(execution)
    return sorted(found, key=lambda e: (e.start_date, e.arn))


def older_racing_start(
    sfn: SFNClient, machine_arn: str, endpoint: str, execution_arn: str, *, called: float, hold: float
) -> Execution | None:
    """The oldest running execution on ``endpoint`` that started before ``execution_arn``, if any.

    Call it right after StartExecution returned; ``called`` is ``time.monotonic()`` just before that
    call and ``hold`` the execution's ``StartHoldSeconds``. The machine's running executions are read
    at once and, when none is older, again at ``called + hold / 2``: ListExecutions "is eventually
    consistent" and "may not reflect very recent updates"
    (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html), so a
    start that raced this one may show only on the second read. Two starters agree on which is older.
    """
    mine = describe_execution(sfn, execution_arn)
    if mine is None:
        return None
    for at in (0.0, hold / 2) if hold > 0 else (0.0,):
        delay = called + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # at most hold / 2: well within the runner's grace on cancellation
        older = [
            e
            for e in running_executions(sfn, machine_arn, endpoint)
            if e.arn != mine.arn and e.older_than(mine)
        ]
        if older:
            return older[0]
    return None


def aws_calls_made(sfn: SFNClient, execution_arn: str) -> list[str]:
    """The AWS SDK calls an execution has scheduled so far (``describeEndpoint``, …), from its history."""
    calls: list[str] = []
    paginator = sfn.get_paginator("get_execution_history")
    for page in paginator.paginate(executionArn=execution_arn, includeExecutionData=False):
        for event in page.get("events", []):
            if event["type"] == "TaskScheduled":
                calls.append(event["taskScheduledEventDetails"]["resource"])
    return calls


def _backoff() -> Iterator[float]:
    delay = 2.0
    while True:
        yield delay
        delay = min(delay * 1.5, 15.0)


def wait_until_done(
    sfn: SFNClient, execution: Execution, deadline: float, stop: threading.Event, say: Say
) -> bool:
    """Wait for another deploy to end; False when the deadline passed or we were cancelled first."""
    image = execution.artifact.image
    say(
        f"another deploy is running on endpoint {execution.endpoint}: execution {execution.name} "
        f"(image {image}); waiting for it to end before starting — {console_url(execution.arn)}"
    )
    started = time.time()
    for delay in _backoff():
        status = sfn.describe_execution(executionArn=execution.arn)["status"]
        if status != "RUNNING":
            say(f"execution {execution.name} ended {status} after {time.time() - started:.0f}s of waiting")
            return True
        remaining = deadline - time.time()
        if remaining <= 0 or stop.wait(min(delay, remaining)):
            return False
    return False  # pragma: no cover - the loop only ends by returning


# -- start or attach -----------------------------------------------------------------------------


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


class Cancelled(Exception):
    """The job was cancelled before an execution was started or attached."""


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
) -> Prepared:
    """All the reads: machine, concurrent deploys (waiting for another artifact's), endpoint checks.

    Raises ConfigurationError (exit 2), ConcurrentDeployError (deadline passed while waiting) or
    :class:`Cancelled`. With ``wait=False`` (dry run) another deploy is reported, not waited for.
    """
    machine = locate_state_machine(clients.sfn, settings)
    artifact = artifact_of(settings)
    name = settings.execution_name or execution_name(settings.endpoint_name, artifact, run)
    document = build_input(settings, deploy_names(settings.endpoint_name, artifact, run))
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
    check_endpoint(endpoint, settings)
    return Prepared(machine, endpoint, None, name, document)


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
    return replace(deployment, definition=_known_definition(prepared.machine, deployment))


def _known_definition(machine: MachineState, deployment: Deployment) -> str | None:
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
    if machine.arn is None and not deployment.attached:
        return _bundled_definition()
    return _bundled_definition() if machine.definition_current is True else None


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
    from datetime import UTC

    now = datetime.now(UTC)
    return replace(run, run_attempt=f"{run.run_attempt}r{now.strftime('%H%M%S')}", now=now)


def _start(sfn: SFNClient, machine_arn: str, prepared: Prepared, artifact: Artifact, say: Say) -> Deployment:
    name = prepared.execution_name
    try:
        started = sfn.start_execution(
            stateMachineArn=machine_arn, name=name, input=prepared.execution_input.to_json()
        )
    except ClientError as error:
        if _error_code(error) != "ExecutionAlreadyExists":
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


CANCEL_CONNECT_TIMEOUT = 1.0
CANCEL_READ_TIMEOUT = 2.0
"""Timeouts (seconds) of the clients used once the job is cancelled: one attempt each, so a hanging
AWS costs at most connect + read per request, well inside the runner's 7.5 s grace."""


class Clients:
    """The AWS clients the action uses, each created on first use (thread-safe).

    Creating a client loads its service model (SageMaker's is large): only the Step Functions client
    is needed before the first request, so the others are made when first asked for.
    """

    def __init__(self, region: str) -> None:
        """Clients for ``region`` (``AWS_ENDPOINT_URL`` and credentials come from the environment)."""
        self.region = region
        self._lock = threading.Lock()
        self._session: Any = None
        self._made: dict[str, Any] = {}

    def _client(self, key: str, service: str, config: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._made:
                if self._session is None:
                    import botocore.session  # boto3 would add only its import time (s3transfer, …)

                    self._session = botocore.session.get_session()
                self._made[key] = self._session.create_client(
                    service, region_name=self.region, config=config()
                )
            return self._made[key]

    @property
    def sfn(self) -> SFNClient:
        """Step Functions with the SDK's retries (start, stop, list, describe)."""
        return cast("SFNClient", self._client("sfn", "stepfunctions", _sdk_config))

    @property
    def follow_sfn(self) -> SFNClient:
        """Step Functions for :class:`canary.follow.Follower` (it retries by itself)."""
        from canary.follow import sfn_client_config

        return cast("SFNClient", self._client("follow_sfn", "stepfunctions", sfn_client_config))

    @property
    def sagemaker(self) -> SageMakerClient:
        """SageMaker with the SDK's retries (endpoint reads)."""
        return cast("SageMakerClient", self._client("sagemaker", "sagemaker", _sdk_config))

    @property
    def cancel_sfn(self) -> SFNClient:
        """Step Functions for the way out of a cancelled job: one attempt, short timeouts."""
        return cast("SFNClient", self._client("cancel_sfn", "stepfunctions", _cancel_config))

    @property
    def cancel_sagemaker(self) -> SageMakerClient:
        """SageMaker for the way out of a cancelled job: one attempt, short timeouts."""
        return cast("SageMakerClient", self._client("cancel_sagemaker", "sagemaker", _cancel_config))


def _sdk_config() -> Any:
    from botocore.config import Config

    return Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=5, read_timeout=20)


def _cancel_config() -> Any:
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=CANCEL_CONNECT_TIMEOUT,
        read_timeout=CANCEL_READ_TIMEOUT,
        user_agent_extra="sm-canary-action/cancel",
    )


def make_clients(region: str) -> Clients:
    """Clients for ``region``, each created when first used (``AWS_ENDPOINT_URL`` and credentials come
    from the environment)."""
    return Clients(region)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def plan_lines(settings: Settings, prepared: Prepared) -> list[str]:
    """What a run with these settings would do, one line each (the dry run's output)."""
    document = prepared.execution_input
    names = document.Names
    machine = prepared.machine
    lines = [f"region {settings.aws_region}"]
    if not machine.bundled:
        lines.append(f"state machine: {machine.arn} (given; exists)")
    elif machine.arn is None:
        lines.append(
            f"state machine {settings.state_machine_name}: would be created "
            f"(role {settings.state_machine_role_arn})"
        )
    elif machine.definition_current is False:
        lines.append(
            f"state machine {settings.state_machine_name}: exists, definition differs: would be updated"
        )
    else:
        lines.append(f"state machine {settings.state_machine_name}: exists ({machine.arn})")
    if prepared.attach_to is not None:
        lines.append(
            f"execution {prepared.attach_to.name} is already deploying this artifact: would attach to it — "
            f"{console_url(prepared.attach_to.arn)}"
        )
        return lines
    endpoint = prepared.endpoint
    if endpoint is not None:
        lines.append(endpoint.describe())
    lines.append(
        f"would start execution {prepared.execution_name} (it holds "
        f"{document.StartHoldSeconds} s before its first AWS call, while racing starts are checked)"
    )
    environment = ", ".join(sorted(document.Container.Environment)) or "none"
    lines.append(
        f"would create model {names.Model}: image {document.Container.Image}, "
        f"model data {document.Container.ModelDataUrl or 'none (in the image)'}, "
        f"environment keys: {environment}"
    )
    bake = document.BakeSeconds
    first = endpoint is None or not endpoint.exists
    if first:
        lines.append(
            f"first deploy: would create endpoint config {names.FinalConfig} "
            f"({document.InstanceType} x{document.InstanceCount}) and endpoint {document.EndpointName}"
        )
    else:
        variant = endpoint.variants[0] if endpoint and endpoint.variants else None
        instance_type = document.InstanceType or (variant.instance_type if variant else None) or "?"
        old = variant.name if variant else "current"
        lines.append(
            f"canary: endpoint config {names.CanaryConfig} = {old} + {names.CanaryVariant} "
            f"({instance_type} x{document.CanaryInstanceCount})"
        )
        alarms = list(document.AlarmNames)
        if document.ErrorAlarms.Enabled:
            alarms += [f"{names.AlarmPrefix}-4xx", f"{names.AlarmPrefix}-5xx"]
        watched = ", ".join(alarms) or "none"
        for step, weight in enumerate(document.CanaryWeights, start=1):
            lines.append(
                f"  step {step}: {weight}% to the canary, bake {_minutes(bake)}, "
                f"alarms checked every {document.AlarmCheckSeconds}s: {watched}"
            )
        original = endpoint.config_name if endpoint else "?"
        lines.append(
            f"promote: endpoint config {names.FinalConfig} with only the new model "
            f"({instance_type} x{document.InstanceCount}); any alarm → roll back to {original}"
        )
        lines.append(f"total bake: {_minutes(bake * len(document.CanaryWeights))} plus endpoint updates")
    if document.AutoScaling.Enabled:
        scaling = document.AutoScaling
        lines.append(
            f"auto scaling after promotion: {scaling.MinCapacity}-{scaling.MaxCapacity} instances, "
            f"target {scaling.TargetValue:g} invocations per instance per minute"
        )
    lines.append("dry run: nothing was created or changed")
    return lines
