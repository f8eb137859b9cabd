"""Many alarms: every check sees all of them.

CloudWatch DescribeAlarms takes at most 100 names a call and pages its answer, 50 alarms a page
unless ``MaxRecords`` (1-100) says otherwise
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html); the emulator
pages as CloudWatch does. CheckAlarms names the user's alarms (at most 97, canary/alarm_limits.py) and
the deploy's own -4xx, -5xx and -abort, with ``MaxRecords: 100``: one page holds them all.
"""

from __future__ import annotations

import pytest

from canary.alarm_limits import MAX_USER_ALARMS
from tests.statemachine.conftest import Deploys
from tests.statemachine.test_gates import _answer

pytestmark = pytest.mark.execution


def test_97_user_alarms_and_an_abort_during_the_bake_roll_back_as_aborted(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    # Named to sort before the deploy's own alarms: on a 50-alarm page the -abort alarm comes last.
    alarms = [f"a-{i:03}" for i in range(MAX_USER_ALARMS)]
    for name in alarms:  # new alarms are INSUFFICIENT_DATA: not firing
        deploys.cw.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/SageMaker",
            MetricName="ModelLatency",
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1000,
            ComparisonOperator="GreaterThanThreshold",
        )
    document = deploys.document(AlarmNames=alarms, BakeSeconds=30, AlarmCheckSeconds=1)
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms", occurrence=2)
    _answer(deploys, "abort")
    outcome = deploys.finish(arn)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.Aborted"), outcome.cause
    assert deploys.wait_in_service()["EndpointConfigName"] == original


def test_a_document_with_98_user_alarms_is_refused() -> None:
    from pydantic import ValidationError

    from tests.statemachine.conftest import make_document

    with pytest.raises(ValidationError, match="AlarmNames"):
        make_document("ep", AlarmNames=[f"a-{i:03}" for i in range(MAX_USER_ALARMS + 1)])
