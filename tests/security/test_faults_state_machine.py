"""Throttling inside the state machine: its Retry rules carry the deploy through, or it rolls back cleanly.

Faults are injected in the emulator (:mod:`canary.emulator.faults`) on the calls the state machine's
aws-sdk tasks make, so each one is a real ``TaskFailed`` in the history that only the state's
``Retry`` can absorb (Step Functions' error handling:
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). SageMaker's
throttling reference: https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from canary.emulator import faults
from tests.statemachine.conftest import Deploys, Outcome

TRANSIENT_PER_CALL = 2
"""Consecutive throttles per operation: within every retrier's attempts, so the deploy must land."""
CANARY_WRITES = ("CreateModel", "CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig")
READS = ("DescribeEndpoint", "DescribeEndpointConfig")


@pytest.fixture
def deploys(aws: Any, emulator: Any) -> Deploys:
    """The bundled state machine on a fresh emulator (tests/statemachine's harness)."""
    return Deploys(aws, emulator)


def _injected_failures(outcome: Outcome) -> Counter[str]:
    """TaskFailed events caused by an injected fault (its message in the cause), by error name."""
    return Counter(
        e["taskFailedEventDetails"]["error"]
        for e in outcome.events
        if e["type"] == "TaskFailed"
        and faults.DEFAULT_MESSAGE in e["taskFailedEventDetails"].get("cause", "")
    )


def _retries_absorbed(outcome: Outcome) -> int:
    """Injected failures seen by tasks (in a SUCCEEDED execution each was absorbed by a Retry)."""
    return sum(_injected_failures(outcome).values())


def test_throttled_sagemaker_cloudwatch_and_autoscaling_calls_are_retried_and_the_canary_lands(
    deploys: Deploys,
) -> None:
    original = deploys.existing_endpoint()
    deploys.register_autoscaling()
    document = deploys.document()
    injected = [
        faults.inject("sagemaker", operation, count=TRANSIENT_PER_CALL) for operation in CANARY_WRITES + READS
    ]
    injected += [
        faults.inject("cloudwatch", operation, count=TRANSIENT_PER_CALL)
        for operation in ("PutMetricAlarm", "DescribeAlarms", "DeleteAlarms")
    ]
    injected += [
        faults.inject("application-autoscaling", operation, count=TRANSIENT_PER_CALL)
        for operation in ("DescribeScalableTargets", "DeregisterScalableTarget", "RegisterScalableTarget")
    ]
    outcome = deploys.run(document, timeout=120)

    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    fired = sum(f.fired for f in injected)
    assert fired >= 2 * 10, "most injected faults were hit by the deploy"
    assert _retries_absorbed(outcome) == fired, "every injected fault is one TaskFailed the Retry absorbed"
    endpoint = deploys.wait_in_service()
    assert endpoint["EndpointConfigName"] == document.Names.FinalConfig
    assert endpoint["EndpointConfigName"] != original
    deploys.assert_no_leftovers(document)


def test_throttling_beyond_the_retries_rolls_back_to_the_exact_original_config(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    document = deploys.document()
    # Every attempt of the first UpdateEndpoint (the canary) is throttled, more times than any retrier
    # allows; later calls (the rollback's) go through.
    fault = faults.inject("sagemaker", "UpdateEndpoint", count=12)
    outcome = deploys.run(document, timeout=180)

    assert outcome.status == "FAILED", "a deploy that could not apply its canary is never a success"
    assert str(outcome.error).startswith("Canary."), outcome.error
    assert fault.fired >= 3
    assert faults.DEFAULT_MESSAGE in str(outcome.cause), "the cause names the throttling"
    endpoint = deploys.wait_in_service()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == original
    assert [v["VariantName"] for v in endpoint["ProductionVariants"]] == ["Blue"]
    deploys.assert_no_leftovers(document)


def test_throttling_on_a_first_deploy_is_retried_and_the_endpoint_is_created(deploys: Deploys) -> None:
    document = deploys.document(InstanceType="ml.m5.large")
    injected = [
        faults.inject("sagemaker", operation, count=TRANSIENT_PER_CALL)
        for operation in ("CreateModel", "CreateEndpointConfig", "CreateEndpoint", "DescribeEndpoint")
    ]
    outcome = deploys.run(document, timeout=120)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert all(f.fired == TRANSIENT_PER_CALL for f in injected), [f.fired for f in injected]
    assert _retries_absorbed(outcome) == 4 * TRANSIENT_PER_CALL
    assert deploys.wait_in_service()["EndpointConfigName"] == document.Names.FinalConfig
