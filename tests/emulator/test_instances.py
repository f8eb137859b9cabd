"""The emulator's instance timeline: what an endpoint runs, over time, as SageMaker provisions it.

- UpdateEndpoint "deploys the EndpointConfig ... to a new fleet of instances"; a failed update keeps
  the old configuration: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html
- UpdateEndpointWeightsAndCapacities sets ``DesiredInstanceCount`` of the variants it names:
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from canary.emulator import Emulator, EmulatorTimings
from canary.emulator.instances import instance_seconds, peak

REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/model"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
M5 = "ml.m5.large"


def _config(sm: Any, name: str, variants: list[tuple[str, str, int, str]], tag: str = "v1") -> str:
    for _, model, _, _ in variants:
        with contextlib.suppress(sm.exceptions.ClientError):  # already there
            sm.create_model(
                ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:{tag}"}
            )
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": v,
                "ModelName": m,
                "InstanceType": t,
                "InitialInstanceCount": n,
                "InitialVariantWeight": 1.0,
            }
            for v, m, n, t in variants
        ],
    )
    return name


def _settle(sm: Any, endpoint: str) -> None:
    deadline = time.monotonic() + 5
    while sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] in ("Creating", "Updating"):
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_an_update_runs_the_old_fleet_and_the_new_one_until_it_completes(
    aws: Any, emulator: Emulator
) -> None:
    emulator.set_timings(EmulatorTimings(create_seconds=0.2, update_seconds=0.3))
    sm = aws("sagemaker")
    sm.create_endpoint(EndpointName="ep", EndpointConfigName=_config(sm, "c1", [("Live", "m1", 4, M5)]))
    _settle(sm, "ep")
    canary = _config(sm, "c2", [("Live", "m1", 4, M5), ("Canary", "m2", 1, "ml.g5.xlarge")])
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=canary)
    _settle(sm, "ep")

    samples = emulator.instance_timeline("ep")
    assert [dict(s.instances) for s in samples] == [
        {M5: 4},  # creating
        {M5: 8, "ml.g5.xlarge": 1},  # updating: old fleet 4 + new fleet 4 + 1
        {M5: 4, "ml.g5.xlarge": 1},  # the new fleet alone
    ]
    assert samples[2].at - samples[1].at >= 0.29  # the update_seconds
    assert peak(samples) == {M5: 8, "ml.g5.xlarge": 1}


def test_a_failed_update_ends_on_the_old_fleet(aws: Any, emulator: Emulator) -> None:
    emulator.set_timings(EmulatorTimings(update_seconds=0.1))
    sm = aws("sagemaker")
    sm.create_endpoint(EndpointName="ep", EndpointConfigName=_config(sm, "c1", [("Live", "m1", 2, M5)]))
    _settle(sm, "ep")
    sm.update_endpoint(
        EndpointName="ep", EndpointConfigName=_config(sm, "c2", [("Live", "bad", 3, M5)], "broken")
    )
    _settle(sm, "ep")

    assert [s.total for s in emulator.instance_timeline("ep")] == [2, 5, 2]


def test_a_scale_out_adds_instances_to_the_named_variant_only(aws: Any, emulator: Emulator) -> None:
    emulator.set_timings(EmulatorTimings(update_seconds=0.2))  # a scale-out provisions: an update's time
    sm = aws("sagemaker")
    config = _config(sm, "c1", [("Live", "m1", 4, M5), ("Canary", "m2", 1, M5)])
    sm.create_endpoint(EndpointName="ep", EndpointConfigName=config)
    _settle(sm, "ep")
    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "Canary", "DesiredInstanceCount": 3}]
    )
    _settle(sm, "ep")
    sm.delete_endpoint(EndpointName="ep")

    samples = emulator.instance_timeline("ep")
    assert [s.total for s in samples] == [5, 7, 0]
    steady_then_gone = instance_seconds(samples, samples[0].at, samples[-1].at, above=5)
    assert 2 * 0.2 <= steady_then_gone < 2 * 1.0  # 2 extra instances for the scale-out and after
