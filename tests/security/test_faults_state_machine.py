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

TRANSIENT_PER_CALL = 1
"""Throttles per operation in the broad tests (every service and call): each must be absorbed."""
OLD_GENERIC_ATTEMPTS = 3
"""Attempts the generic-exception retrier used to allow (1 + MaxAttempts 2, about 1 s apart): the
security review saw throttling lasting about 3 s roll a deploy back."""
GENERIC_ATTEMPTS = 6
"""Attempts it allows now (1 + MaxAttempts 5: 2 s doubling, 30 s cap, full jitter)."""
CANARY_WRITES = ("CreateModel", "CreateEndpointConfig", "UpdateEndpoint", "DeleteEndpointConfig")
READS = ("DescribeEndpoint", "DescribeEndpointConfig")
GENERIC = "SageMaker.SageMakerException"
"""How Step Functions names a SageMaker error its API model does not declare (throttling among them)."""


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
    assert fired >= 10, "most injected faults were hit by the deploy"
    assert _retries_absorbed(outcome) == fired, "every injected fault is one TaskFailed the Retry absorbed"
    endpoint = deploys.wait_in_service()
    assert endpoint["EndpointConfigName"] == document.Names.FinalConfig
    assert endpoint["EndpointConfigName"] != original
    deploys.assert_no_leftovers(document)


def test_throttling_beyond_the_retries_rolls_back_to_the_exact_original_config(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    document = deploys.document()
    # Every attempt of the first UpdateEndpoint (the canary) is throttled, as many times as its
    # retrier allows; later calls (the rollback's) go through.
    fault = faults.inject("sagemaker", "UpdateEndpoint", count=GENERIC_ATTEMPTS)
    # The rollback's delete of the canary config is throttled too, and retried like any other call.
    delete = faults.inject("sagemaker", "DeleteEndpointConfig", count=OLD_GENERIC_ATTEMPTS)
    outcome = deploys.run(document, timeout=180)

    assert outcome.status == "FAILED", "a deploy that could not apply its canary is never a success"
    assert str(outcome.error).startswith("Canary."), outcome.error
    assert outcome.attempts("StartCanary") == [GENERIC] * GENERIC_ATTEMPTS, "every attempt was made"
    assert fault.fired >= GENERIC_ATTEMPTS
    assert faults.DEFAULT_MESSAGE in str(outcome.cause), "the cause names the throttling"
    assert outcome.error != "Canary.RollbackFailed", outcome.cause
    assert delete.fired == OLD_GENERIC_ATTEMPTS
    assert outcome.attempts("DeleteCanaryConfig") == [GENERIC] * OLD_GENERIC_ATTEMPTS + ["ok"]
    assert "Cleanup left" not in str(outcome.cause)
    endpoint = deploys.wait_in_service()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == original
    assert [v["VariantName"] for v in endpoint["ProductionVariants"]] == ["Blue"]
    deploys.assert_no_leftovers(document)


def test_throttling_on_a_first_deploy_is_retried_and_the_endpoint_is_created(deploys: Deploys) -> None:
    """The creates of a first deploy are retried. (DescribeEndpoint is left alone: a throttled first
    read of a missing endpoint is read again with the full backoff, and "not found" is then retried
    like throttling, up to a minute: correct, but too slow for this test.)"""
    document = deploys.document(InstanceType="ml.m5.large")
    injected = [
        faults.inject("sagemaker", operation, count=TRANSIENT_PER_CALL)
        for operation in ("CreateModel", "CreateEndpointConfig", "CreateEndpoint")
    ]
    outcome = deploys.run(document, timeout=120)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert all(f.fired == TRANSIENT_PER_CALL for f in injected), [f.fired for f in injected]
    assert _retries_absorbed(outcome) == 3 * TRANSIENT_PER_CALL
    assert deploys.wait_in_service()["EndpointConfigName"] == document.Names.FinalConfig


def test_sagemaker_throttling_longer_than_the_old_retry_budget_on_the_canary_update_still_lands(
    deploys: Deploys,
) -> None:
    """Throttling surfaces as ``SageMaker.SageMakerException`` (SageMaker models no throttling error;
    Step Functions' aws-sdk integrations name unmodeled errors after the service's generic exception:
    https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html). Three
    consecutive throttles of UpdateEndpoint exhaust the old budget (3 attempts, which rolled the deploy
    back); now the fourth attempt goes through and the canary lands, no rollback."""
    original = deploys.existing_endpoint()
    document = deploys.document()
    fault = faults.inject("sagemaker", "UpdateEndpoint", count=OLD_GENERIC_ATTEMPTS)
    outcome = deploys.run(document, timeout=120)

    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert fault.fired == OLD_GENERIC_ATTEMPTS
    assert outcome.attempts("StartCanary") == [GENERIC] * OLD_GENERIC_ATTEMPTS + ["ok"]
    assert "Rollback" not in outcome.entered()
    endpoint = deploys.wait_in_service()
    assert endpoint["EndpointConfigName"] == document.Names.FinalConfig != original
    deploys.assert_no_leftovers(document)


def test_throttled_first_read_of_an_existing_endpoint_is_read_again_with_backoff_and_lands(
    deploys: Deploys,
) -> None:
    """The first DescribeEndpoint does not retry the generic exception (a missing endpoint answers
    with it: first deploy); anything but "not found" is read again by ReadEndpointAgain, which does.
    Four throttles: one on ReadEndpoint, three (beyond the old budget) on ReadEndpointAgain."""
    original = deploys.existing_endpoint()
    document = deploys.document()
    fault = faults.inject("sagemaker", "DescribeEndpoint", count=1 + OLD_GENERIC_ATTEMPTS)
    outcome = deploys.run(document, timeout=120)

    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert fault.fired == 1 + OLD_GENERIC_ATTEMPTS
    assert outcome.attempts("ReadEndpoint") == [GENERIC]
    assert outcome.attempts("ReadEndpointAgain") == [GENERIC] * OLD_GENERIC_ATTEMPTS + ["ok"]
    entered = outcome.entered()
    assert "IsFirstDeploy" in entered
    assert "CreateEndpoint" not in entered, "a throttled read is not taken for a missing endpoint"
    assert "Rollback" not in entered
    assert deploys.wait_in_service()["EndpointConfigName"] == document.Names.FinalConfig != original
