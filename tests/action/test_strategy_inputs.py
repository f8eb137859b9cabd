"""``strategy`` refusals: exit 2, one ``::error`` naming the input and the strategy, nothing written.

What SageMaker would refuse is refused before any change: canary-weights that map to no blue/green
traffic shifting, a wait past SageMaker's 60-minute WaitIntervalInSeconds, more than 10 rollback
alarms (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html), a rolling
batch outside 5-50 % of the fleet, rolling on serverless or multi-variant endpoints, Inf1 instances
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RollingUpdatePolicy.html,
https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html); and the inputs
the guardrails cannot honour (a smoke test through a second variant, relative gates, approval).
"""

from __future__ import annotations

from typing import Any

import pytest

from canary.execution_document import strategy_settings
from canary.settings import settings_from_inputs
from canary.strategy_capacity import peak_instances
from canary.strategy_input import CapacitySize
from tests.action.conftest import ACCOUNT, REGION, ROLE, Recorder, Runner, base_inputs, make_endpoint

ALARMS = ",".join(f"alarm-{n}" for n in range(8))
REFUSED: list[tuple[str, dict[str, str], str]] = [
    # (case id, inputs, the input the error names); each error also names the strategy
    ("bg-two-unequal-steps", {"strategy": "blue-green", "canary_weights": "20,50"}, "canary-weights"),
    ("bg-canary-past-half", {"strategy": "blue-green", "canary_weights": "60"}, "canary-weights"),
    ("bg-linear-short", {"strategy": "blue-green", "canary_weights": "10,20"}, "canary-weights"),
    ("bg-wait-past-an-hour", {"strategy": "blue-green", "wait_minutes": "61"}, "wait-minutes"),
    ("rolling-wait-past-an-hour", {"strategy": "rolling", "wait_minutes": "90"}, "wait-minutes"),
    ("bg-eleven-alarms", {"strategy": "blue-green", "alarm_names": ALARMS}, "alarm-names"),
    ("rolling-smoke-test", {"strategy": "rolling", "smoke_test_payload": "{}"}, "smoke-test-payload"),
    ("bg-approval", {"strategy": "blue-green", "approval": "each-step"}, "approval"),
    ("bg-error-gate", {"strategy": "blue-green", "max_error_rate_increase": "1"}, "max-error-rate-increase"),
    ("rolling-latency-gate", {"strategy": "rolling", "max_latency_increase": "10"}, "max-latency-increase"),
    ("bg-min-calls", {"strategy": "blue-green", "min_canary_invocations": "9"}, "min-canary-invocations"),
    ("bg-batch-size", {"strategy": "blue-green", "rolling_batch_size": "1"}, "rolling-batch-size"),
    ("canary-batch-size", {"rolling_batch_size": "25%"}, "rolling-batch-size"),
    ("rolling-batch-60pct", {"strategy": "rolling", "rolling_batch_size": "60%"}, "rolling-batch-size"),
    ("rolling-batch-words", {"strategy": "rolling", "rolling_batch_size": "one"}, "rolling-batch-size"),
    ("strategy-unknown", {"strategy": "shadow"}, "strategy"),
]  # fmt: skip


@pytest.mark.parametrize(("inputs", "name"), [(i, n) for _, i, n in REFUSED], ids=[c for c, _, _ in REFUSED])
def test_an_input_the_strategy_cannot_take_exits_2_naming_it(
    runner: Runner, recorder: Recorder, inputs: dict[str, str], name: str
) -> None:
    result = runner.run_here(base_inputs(**inputs))
    assert result.returncode == 2, result.stdout + result.stderr
    [error] = result.log.named("error")
    lines = [line for line in error.data.splitlines() if line.startswith(f"{name}: ")]
    assert lines, error.data
    strategy = inputs.get("strategy", "canary")
    if name != "strategy" and "rolling-batch-size: '" not in lines[0] and "outside" not in lines[0]:
        assert f"strategy: {'rolling' if name.startswith('rolling-') else strategy}" in lines[0], lines[0]
    assert recorder.operations == []


def _endpoint(aws: Any, instances: int | None, instance_type: str = "ml.m5.large") -> None:
    sagemaker = aws("sagemaker")
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:0.9"
    sagemaker.create_model(ModelName="old", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": image})
    variant: dict[str, Any] = {"VariantName": "AllTraffic", "ModelName": "old", "InitialVariantWeight": 1.0}
    if instances is None:
        variant["ServerlessConfig"] = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    else:
        variant.update(InstanceType=instance_type, InitialInstanceCount=instances)
    sagemaker.create_endpoint_config(EndpointConfigName="original", ProductionVariants=[variant])
    sagemaker.create_endpoint(EndpointName="churn-model", EndpointConfigName="original")


ENDPOINT_REFUSALS: list[tuple[str, int | None, dict[str, str], str, str]] = [
    # (case id, the fleet (None: serverless), inputs, the input the error names, what it says)
    ("rolling-serverless", None, {"strategy": "rolling"}, "strategy", "serverless"),
    ("rolling-one-instance", 1, {"strategy": "rolling"}, "rolling-batch-size", "a fleet of one instance"),
    ("batch-3-of-4", 4, {"strategy": "rolling", "rolling_batch_size": "3"}, "rolling-batch-size", "5-50%"),
    ("rollback-3-of-4", 4, {"strategy": "rolling", "rolling_rollback_batch_size": "3"},
     "rolling-rollback-batch-size", "5-50%"),
    ("inf1", 4, {"strategy": "blue-green", "instance_type": "ml.inf1.xlarge"}, "instance-type", "Inf1"),
    ("serverless-autoscaling", None, {"strategy": "blue-green", "autoscaling_max_capacity": "4",
     "autoscaling_target": "70"}, "autoscaling-max-capacity", "serverless"),
    ("instance-count", 4, {"strategy": "blue-green", "instance_count": "6"},
     "instance-count", "keeps the fleet"),
    ("canary-instance-count", 4, {"strategy": "rolling", "canary_instance_count": "1"},
     "canary-instance-count", "keeps the fleet"),
]  # fmt: skip


@pytest.mark.parametrize("case", ENDPOINT_REFUSALS, ids=[case[0] for case in ENDPOINT_REFUSALS])
def test_an_endpoint_the_strategy_cannot_deploy_exits_2_before_any_change(
    runner: Runner, recorder: Recorder, aws: Any, case: tuple[str, int | None, dict[str, str], str, str]
) -> None:
    _, instances, inputs, name, says = case
    _endpoint(aws, instances)
    recorder.clear()
    result = runner.run_here(base_inputs(**{"instance_type": "", **inputs}))
    assert result.returncode == 2, result.stdout + result.stderr
    [error] = result.log.named("error")
    assert error.data.startswith(f"{name}: "), error.data
    assert says in error.data, error.data
    assert f"strategy: {inputs['strategy']}" in error.data or "strategy: blue-green" in error.data
    assert recorder.writes == [], recorder.operations


def test_a_multi_variant_endpoint_is_refused_for_rolling(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["A", "B"])
    recorder.clear()
    result = runner.run_here(base_inputs(strategy="rolling"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.errors()[0].startswith("strategy: "), result.errors()
    assert recorder.writes == []


def _settings(**inputs: str) -> Any:
    values = {
        "endpoint-name": "e",
        "image-uri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/m:1",
        "execution-role-arn": ROLE,
        "aws-region": REGION,
    }
    return settings_from_inputs({**values, **{k.replace("_", "-"): v for k, v in inputs.items()}})


@pytest.mark.parametrize(
    ("weights", "traffic", "step"),
    [("20", "CANARY", 20), ("50", "CANARY", 50), ("25,50,75", "LINEAR", 25),
     ("10,20,30,40,50,60,70,80,90", "LINEAR", 10), ("100", "ALL_AT_ONCE", 20)],
)  # fmt: skip
def test_canary_weights_map_to_blue_green_traffic_shifting(weights: str, traffic: str, step: int) -> None:
    block = strategy_settings(_settings(strategy="blue-green", canary_weights=weights, wait_minutes="5"))
    assert block is not None
    assert (block.Kind, block.Traffic, block.StepPercent, block.WaitSeconds) == (
        "blue-green",
        traffic,
        step,
        300,
    )
    assert block.TerminationWaitSeconds == 300


def test_the_rollback_batch_defaults_to_the_batch_and_the_machine_to_the_guardrails_one() -> None:
    settings = _settings(strategy="rolling", rolling_batch_size="2")
    block = strategy_settings(settings)
    assert block is not None
    assert block.BatchSize == block.RollbackBatchSize == CapacitySize(Type="INSTANCE_COUNT", Value=2)
    assert settings.state_machine_name == "sagemaker-guardrails-deploy"
    assert _settings().state_machine_name == "sagemaker-canary-deploy"
    assert strategy_settings(_settings()) is None


def test_peak_instances_per_strategy() -> None:
    """The seam of the capacity plan: blue/green provisions the whole new fleet beside the old one,
    rolling one batch at a time
    (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html,
    https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-rolling.html)."""
    assert peak_instances("blue-green", 4) == 8
    assert peak_instances("rolling", 4, CapacitySize(Type="INSTANCE_COUNT", Value=1)) == 5
    assert peak_instances("rolling", 10, CapacitySize(Type="CAPACITY_PERCENT", Value=25)) == 12
