"""SageMaker's own strategies on a 4-instance fleet: peak instances, extra instance-minutes, and how soon
an alarm puts all traffic back on the old model (docs/strategies.md).

Each strategy is deployed by the bundled guardrails state machine (canary/guardrails.asl.json) with the
action's plan (:func:`canary.execution_document.strategy_settings`), on its own endpoint of
:data:`FLEET` ``ml.m5.large`` instances, twice: once to the end, once with the user's alarm set to
``ALARM`` :data:`ALARM_INTO_BAKE` seconds into the second baking period (blue-green: the final bake,
with all traffic on the new fleet; rolling: batch 2). AWS-like timings, scaled by :data:`TIME_SCALE`:
provisioning a fleet or a batch :data:`bench.transitions.UPDATE_MINUTES`, a traffic shift or a
termination :data:`SHIFT_SECONDS`, each baking period (``wait-minutes``) :data:`BAKE_MINUTES`.

Figures, from the emulator's own stage timeline of the deployment (``guardrails_run``), in emulated
time: ``peak`` (instances running at once, old and new), ``extra_instance_minutes`` (instance-minutes
above the steady fleet of :data:`FLEET`, from UpdateEndpoint to the end), ``minutes`` (UpdateEndpoint →
InService on the new config); for the rollback run ``rollback_peak`` and ``alarm_to_old`` (the alarm →
the first moment no request goes to the new model).
"""

from __future__ import annotations

import time
from itertools import pairwise
from typing import Any

from bench.common import SAGEMAKER_ROLE, client, create_machine, wait_closed
from bench.latency import INSTANCE_TYPE, create_endpoint
from bench.transitions import UPDATE_MINUTES, scaled_waits
from canary.emulator import Emulator, EmulatorTimings, guardrails_run
from canary.execution_document import strategy_settings
from canary.execution_input import ContainerSpec, DeployNames, ExecutionInput
from canary.settings import settings_from_inputs
from canary.statemachine import load_definition

FLEET = 4
TIME_SCALE = 1 / 120
"""Real seconds per emulated second while this figure runs (1 s per 2 minutes)."""
SHIFT_SECONDS = 10.0
BAKE_MINUTES = 5.0
ALARM_INTO_BAKE = 60.0
"""Emulated seconds into the second baking period when the alarm is set."""
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bench-model"
STRATEGIES = {
    "blue-green": {"strategy": "blue-green", "canary-weights": "20"},
    "rolling": {"strategy": "rolling", "rolling-batch-size": "1"},
}


def _endpoint(emulator: Emulator, name: str) -> None:
    create_endpoint(emulator, name, instances=FLEET)
    client(emulator, "cloudwatch").put_metric_alarm(
        AlarmName=f"{name}-latency",
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": "EndpointName", "Value": name}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1e6,
        ComparisonOperator="GreaterThanThreshold",
    )


def _document(name: str, inputs: dict[str, str]) -> ExecutionInput:
    settings = settings_from_inputs(
        {
            "endpoint-name": name,
            "image-uri": f"{IMAGE}:2",
            "execution-role-arn": SAGEMAKER_ROLE,
            "aws-region": "us-east-1",
            "wait-minutes": f"{BAKE_MINUTES:g}",
            "alarm-names": f"{name}-latency",
            **inputs,
        }
    )
    return ExecutionInput(
        EndpointName=name,
        ExecutionRoleArn=SAGEMAKER_ROLE,
        Container=ContainerSpec(Image=f"{IMAGE}:2"),
        AlarmNames=[f"{name}-latency"],
        Strategy=strategy_settings(settings),
        Names=DeployNames(
            Model=f"{name}-v2",
            CanaryConfig=f"{name}-v2-c",
            FinalConfig=f"{name}-v2",
            AlarmPrefix=f"{name}-v2",
        ),
    )


def _guarded(name: str) -> Any:
    _, endpoint = guardrails_run._lookup(name, "us-east-1", None)
    return getattr(endpoint, guardrails_run.STATE)


def _deploy(emulator: Emulator, name: str, inputs: dict[str, str], *, alarm: bool) -> dict[str, Any]:
    """One deploy by the guardrails state machine; its figures in emulated time."""
    _endpoint(emulator, name)
    emulator.set_timings(
        EmulatorTimings(
            create_seconds=0.0,
            update_seconds=UPDATE_MINUTES * 60 * TIME_SCALE,
            weights_seconds=SHIFT_SECONDS * TIME_SCALE,
            deployment_wait_scale=TIME_SCALE,
        )
    )
    sfn = client(emulator, "stepfunctions")
    arn = create_machine(sfn, load_definition("guardrails"), "bench-strategy")
    execution = sfn.start_execution(stateMachineArn=arn, input=_document(name, inputs).to_json())
    alarm_at = None
    if alarm:
        bakes = 0
        while alarm_at is None:
            time.sleep(0.01)
            guarded = getattr(guardrails_run._lookup(name, "us-east-1", None)[1], guardrails_run.STATE, None)
            if guarded is None or guarded.config_name != f"{name}-v2":
                continue
            offset, stage = guarded.stage_at(guardrails_run._elapsed(guarded))
            bakes = len([s for at, s in guarded.timeline() if s.monitored and at <= offset])
            if stage.monitored and bakes == 2:
                time.sleep(ALARM_INTO_BAKE * TIME_SCALE)
                alarm_at = guardrails_run._elapsed(guarded)
                client(emulator, "cloudwatch").set_alarm_state(
                    AlarmName=f"{name}-latency", StateValue="ALARM", StateReason="bench"
                )
    described = wait_closed(sfn, execution["executionArn"], timeout=600)
    timeline = guardrails_run.deployment_timeline(name)
    peak = max(sum(moment.instances.values()) for moment in timeline)
    extra = sum(
        (after.seconds - moment.seconds) * max(0, sum(moment.instances.values()) - FLEET)
        for moment, after in pairwise(timeline)
    )
    figures: dict[str, Any] = {
        "status": described["status"],
        "peak": peak,
        "extra_instance_minutes": round(extra / TIME_SCALE / 60, 1),
        "minutes": round(timeline[-1].seconds / TIME_SCALE / 60, 1),
    }
    if alarm_at is not None:
        guarded = _guarded(name)
        back = guarded.end()
        for start, stage in guarded.timeline():
            if start >= (guarded.rollback_at or 0) and all(share == 0 for share in stage.shares.values()):
                back = start
                break
        figures["alarm_to_old_minutes"] = round((back - alarm_at) / TIME_SCALE / 60, 1)
    return figures


def run(emulator: Emulator) -> dict[str, Any]:
    """Both strategies, deployed and rolled back; figures in emulated minutes."""
    rows: dict[str, Any] = {}
    with scaled_waits(TIME_SCALE):
        for number, (strategy, inputs) in enumerate(STRATEGIES.items()):
            deployed = _deploy(emulator, f"bench-s{number}-ok", inputs, alarm=False)
            rolled = _deploy(emulator, f"bench-s{number}-back", inputs, alarm=True)
            rows[strategy] = {
                **deployed,
                "rollback_peak": rolled["peak"],
                "rollback_status": rolled["status"],
                "alarm_to_old_minutes": rolled.get("alarm_to_old_minutes"),
            }
    return {
        "strategies": rows,
        "fleet": FLEET,
        "deploy": (
            f"{FLEET} x {INSTANCE_TYPE}; provisioning {UPDATE_MINUTES:g} min, "
            f"traffic shift {SHIFT_SECONDS:g} s, "
            f"bake {BAKE_MINUTES:g} min; blue-green canary 20 % (1 instance) then the rest, rolling batches "
            f"of 1; alarm {ALARM_INTO_BAKE:g} s into the second bake"
        ),
        "time_scale": f"1 s per {1 / TIME_SCALE:g} s",
    }
