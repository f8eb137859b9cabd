"""The emulator's traffic per instance (canary/emulator/traffic.py; docs/emulator.md).

Weights split an endpoint's traffic per variant, not per instance
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html): a variant's
instances share its traffic, so fewer instances for the same share means more load on each.
"""

from __future__ import annotations

from typing import Any

import pytest

from canary.emulator.traffic import FleetFeed, InstanceLoad

LOAD = InstanceLoad(capacity_per_second=100.0, latency_ms=50.0, p99_ms=100.0)


def test_latency_grows_with_the_load_per_instance_and_overload_is_5xx() -> None:
    idle = LOAD.traffic(20.0, 1)
    assert idle.latency_ms == pytest.approx(50 / 0.8)
    fleet = LOAD.traffic(200.0, 10)
    assert (fleet.latency_ms, fleet.p99_ms) == (idle.latency_ms, idle.p99_ms), "the same load per instance"
    busy = LOAD.traffic(90.0, 1)
    assert busy.p99_ms == pytest.approx(100 / 0.1)
    assert busy.rate_5xx == 0.0
    overloaded = LOAD.traffic(400.0, 1)
    assert overloaded.rate_5xx == pytest.approx(0.75), "what exceeds the capacity is shed"
    assert overloaded.latency_ms == pytest.approx(50 / 0.05), "capped at max_utilisation"


def test_a_fleet_feed_splits_by_current_weight_over_current_instances(aws: Any) -> None:
    sm, cw = aws("sagemaker"), aws("cloudwatch")
    sm.create_model(
        ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r", PrimaryContainer={"Image": "r:v1"}
    )
    sm.create_endpoint_config(
        EndpointConfigName="c",
        ProductionVariants=[
            {
                "VariantName": "Blue",
                "ModelName": "m",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 10,
                "InitialVariantWeight": 50,
            },
            {
                "VariantName": "Canary",
                "ModelName": "m",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 50,
            },
        ],
    )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c")
    feed = FleetFeed(cw, sm, "ep", 400.0, load=LOAD)
    feed.write(1.0)
    assert feed.variants["Blue"] == LOAD.traffic(200.0, 10)
    assert feed.variants["Canary"] == LOAD.traffic(200.0, 1)
    assert feed.variants["Canary"].rate_5xx == pytest.approx(0.5)
    written = cw.list_metrics(Namespace="AWS/SageMaker", MetricName="Invocations")["Metrics"]
    assert {d["Value"] for m in written for d in m["Dimensions"] if d["Name"] == "VariantName"} == {
        "Blue",
        "Canary",
    }
