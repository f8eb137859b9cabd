"""Run the bundled state machine for real on the emulator: seed an endpoint, deploy, read the outcome."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import pytest

from canary.emulator import Emulator
from canary.execution_input import (
    AnalysisSettings,
    AutoScalingSettings,
    ContainerSpec,
    DeployNames,
    ErrorAlarmSettings,
    ExecutionInput,
    PollingSettings,
)
from canary.statemachine import ensure_state_machine
from tests.conftest import timings

ROLE = "arn:aws:iam::123456789012:role/canary-sfn"
MODEL_ROLE = "arn:aws:iam::123456789012:role/sagemaker-model"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
_serial = count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "execution: runs the state machine for real (seconds of wall time; spreads over xdist)"
    )


@dataclass(frozen=True)
class Outcome:
    """How an execution ended, with its whole history."""

    status: str
    error: str | None
    cause: str | None
    output: dict[str, Any] | None
    events: list[dict[str, Any]] = field(repr=False)

    def entered(self) -> list[str]:
        """Names of the states entered, in order (one per state transition)."""
        return [
            e["stateEnteredEventDetails"]["name"] for e in self.events if e["type"].endswith("StateEntered")
        ]

    def attempts(self, state: str) -> list[str]:
        """How each call of a Task state ended, attempt by attempt: the error name, or ``"ok"``.

        One entry per TaskScheduled while ``state`` is the current state (every entry of it, in
        order): a retried call shows its failed attempts before the one that succeeded.
        """
        ends: list[str] = []
        current = ""
        for e in self.events:
            kind = e["type"]
            if kind.endswith("StateEntered"):
                current = e["stateEnteredEventDetails"]["name"]
            elif current == state and kind == "TaskFailed":
                ends.append(e["taskFailedEventDetails"].get("error", "?"))
            elif current == state and kind == "TaskSucceeded":
                ends.append("ok")
        return ends

    def calls(self, resource: str) -> int:
        """How many times a task of this aws-sdk action (e.g. ``updateEndpoint``) was scheduled."""
        return sum(
            1
            for e in self.events
            if e["type"] == "TaskScheduled" and e["taskScheduledEventDetails"]["resource"] == resource
        )


def make_document(endpoint: str, **changes: Any) -> ExecutionInput:
    """A deploy of ``repo/model:v2`` with test-sized timings; ``changes`` override fields. Without
    ``InstanceCount``/``CanaryInstanceCount`` the fleet is kept and the canary sized to its share."""
    serial = next(_serial)
    fields: dict[str, Any] = {
        "EndpointName": endpoint,
        "ExecutionRoleArn": MODEL_ROLE,
        "Container": ContainerSpec(Image="repo/model:v2", ModelDataUrl="s3://bucket/model.tar.gz"),
        "CanaryWeights": [20],
        "BakeSeconds": 2,
        "AlarmCheckSeconds": 1,
        "ErrorAlarms": ErrorAlarmSettings(Enabled=True),
        "AutoScaling": AutoScalingSettings(),
        "Polling": PollingSettings(InitialSeconds=1, MaxSeconds=2, TimeoutSeconds=60),
        "Analysis": AnalysisSettings(MetricsDelaySeconds=0),
        "Names": DeployNames(
            Model=f"{endpoint}-v2-{serial}",
            CanaryConfig=f"{endpoint}-canary-{serial}",
            FinalConfig=f"{endpoint}-final-{serial}",
            CanaryVariant="Canary",
            Variant="AllTraffic",
            AlarmPrefix=f"{endpoint}-canary-{serial}",
        ),
    }
    fields.update(changes)
    return ExecutionInput(**fields)


class Deploys:
    """The state machine on the emulator, and what a test needs around it."""

    def __init__(self, aws: Callable[[str], Any], emulator: Emulator) -> None:
        emulator.set_timings(timings(create_seconds=0.2, update_seconds=0.2))
        self.sm = aws("sagemaker")
        self.cw = aws("cloudwatch")
        self.scaling = aws("application-autoscaling")
        self.sfn = aws("stepfunctions")
        self.machine = ensure_state_machine(self.sfn, "sagemaker-canary-deploy", ROLE).arn
        self.endpoint = "ep"

    # -- the world before the deploy ------------------------------------------------------------

    def existing_endpoint(
        self, image: str = "repo/model:v1", *, variant: str = "Blue", count: int = 2, variants: int = 1
    ) -> str:
        """An InService endpoint on config ``ep-orig`` (model ``ep-v1``); returns the config name."""
        self.sm.create_model(
            ModelName="ep-v1", ExecutionRoleArn=MODEL_ROLE, PrimaryContainer={"Image": image}
        )
        self.sm.create_endpoint_config(
            EndpointConfigName="ep-orig",
            ProductionVariants=[
                {
                    "VariantName": variant if i == 0 else f"{variant}{i}",
                    "ModelName": "ep-v1",
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": count,
                    "InitialVariantWeight": 1.0,
                }
                for i in range(variants)
            ],
        )
        self.sm.create_endpoint(EndpointName=self.endpoint, EndpointConfigName="ep-orig")
        self.wait_in_service()
        return "ep-orig"

    def register_autoscaling(self, variant: str = "Blue") -> None:
        """A scalable target (1..4) with a custom target tracking policy, as a team might have."""
        resource = f"endpoint/{self.endpoint}/variant/{variant}"
        self.scaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            MinCapacity=1,
            MaxCapacity=4,
        )
        self.scaling.put_scaling_policy(
            PolicyName="team-policy",
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
            },
        )

    def autoscaling(self, variant: str = "Blue") -> dict[str, Any]:
        """The variant's scalable targets and policies, without what AWS generates (ARNs, times)."""
        resource = f"endpoint/{self.endpoint}/variant/{variant}"
        targets = self.scaling.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[resource])
        policies = self.scaling.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=resource)
        drop = {"CreationTime", "ScalableTargetARN", "PolicyARN", "Alarms"}
        return {
            "targets": [{k: v for k, v in t.items() if k not in drop} for t in targets["ScalableTargets"]],
            "policies": [{k: v for k, v in p.items() if k not in drop} for p in policies["ScalingPolicies"]],
        }

    def user_alarm(self, name: str = "team-latency") -> str:
        """An existing alarm of the team's, in OK."""
        self.cw.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/SageMaker",
            MetricName="ModelLatency",
            Dimensions=[{"Name": "EndpointName", "Value": self.endpoint}],
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1000,
            ComparisonOperator="GreaterThanThreshold",
        )
        self.cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="healthy")
        return name

    # -- the deploy -----------------------------------------------------------------------------

    def document(self, **changes: Any) -> ExecutionInput:
        """A deploy of ``repo/model:v2`` to this endpoint (see :func:`make_document`)."""
        return make_document(self.endpoint, **changes)

    def start(self, document: ExecutionInput) -> str:
        """Start an execution; its ARN."""
        name = f"test-{next(_serial)}-{time.monotonic_ns()}"
        started = self.sfn.start_execution(stateMachineArn=self.machine, name=name, input=document.to_json())
        return str(started["executionArn"])

    def wait_until(self, arn: str, state: str, occurrence: int = 1, timeout: float = 20) -> None:
        """Block until the execution has entered ``state`` ``occurrence`` times."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.outcome(arn).entered().count(state) >= occurrence:
                return
            time.sleep(0.1)
        raise AssertionError(f"{state} not entered {occurrence} time(s) within {timeout} s")

    def finish(self, arn: str, timeout: float = 30) -> Outcome:
        """Wait for the execution to end."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sfn.describe_execution(executionArn=arn)["status"] != "RUNNING":
                return self.outcome(arn)
            time.sleep(0.1)
        raise AssertionError(f"execution still running after {timeout} s")

    def run(self, document: ExecutionInput, timeout: float = 30) -> Outcome:
        """Start an execution and wait for it to end."""
        return self.finish(self.start(document), timeout)

    def outcome(self, arn: str) -> Outcome:
        """The execution as it is now."""
        described = self.sfn.describe_execution(executionArn=arn)
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        output = described.get("output")
        return Outcome(
            status=described["status"],
            error=described.get("error"),
            cause=described.get("cause"),
            output=json.loads(output) if output else None,
            events=events,
        )

    # -- the world after ------------------------------------------------------------------------

    def wait_in_service(self, timeout: float = 10) -> dict[str, Any]:
        """DescribeEndpoint once the endpoint has settled."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            described: dict[str, Any] = self.sm.describe_endpoint(EndpointName=self.endpoint)
            if described["EndpointStatus"] not in {"Creating", "Updating"}:
                return described
            time.sleep(0.05)
        raise AssertionError("endpoint did not settle")

    def configs(self) -> set[str]:
        """Names of every endpoint config."""
        return {c["EndpointConfigName"] for c in self.sm.list_endpoint_configs()["EndpointConfigs"]}

    def models(self) -> set[str]:
        """Names of every model."""
        return {m["ModelName"] for m in self.sm.list_models()["Models"]}

    def alarms(self) -> set[str]:
        """Names of every metric alarm."""
        return {a["AlarmName"] for a in self.cw.describe_alarms()["MetricAlarms"]}

    def assert_no_leftovers(self, document: ExecutionInput) -> None:
        """No leftovers (docs/state-machine.md): no canary alarms, no canary config."""
        names = document.Names
        assert not {a for a in self.alarms() if a.startswith(names.AlarmPrefix)}
        assert names.CanaryConfig not in self.configs()


@pytest.fixture
def deploys(aws: Callable[[str], Any], emulator: Emulator) -> Deploys:
    """The bundled state machine on a fresh emulator with 0.2 s creates/updates."""
    return Deploys(aws, emulator)
