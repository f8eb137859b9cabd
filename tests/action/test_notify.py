"""``notify-topic-arn`` end to end: the input → ``Notify`` → the state machine's SNS publishes → the log.

docs/notifications.md. A publish that fails is a warning in the log, and the deploy still succeeds.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from canary.emulator import Emulator, EmulatorTimings
from tests.action.conftest import ACCOUNT, OTHER_IMAGE, REGION, Runner, base_inputs, make_endpoint


@pytest.fixture(autouse=True)
def _fast(emulator: Emulator) -> None:
    emulator.set_timings(EmulatorTimings(create_seconds=0.5, update_seconds=0.5))


def test_the_deploy_notifies_the_topic_and_a_failed_publish_only_warns(
    runner: Runner, aws: Any, emulator: Emulator
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    topic = aws("sns").create_topic(Name="deploys")["TopicArn"]
    result = runner.run(base_inputs(notify_topic_arn=topic, wait_minutes="0.02"))
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(
        aws("stepfunctions").describe_execution(executionArn=result.outputs["execution-arn"])["input"]
    )
    assert document["Notify"] == {"TopicArn": topic}
    assert [p.subject for p in emulator.published(topic)] == [
        "churn-model: deploy started",
        "churn-model: deployed",
    ]
    notified = [line for line in result.stdout.splitlines() if "notified " in line]
    assert len(notified) == 2
    assert notified[0].endswith(f"notified {topic}: churn-model: deploy started")

    # The topic is gone: both publishes fail, the deploy does not.
    aws("sns").delete_topic(TopicArn=topic)
    again = runner.run(base_inputs(notify_topic_arn=topic, wait_minutes="0.02", image_uri=OTHER_IMAGE))
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.outputs["outcome"] == "deployed"
    warned = [line for line in again.stdout.splitlines() if "not sent (the deploy goes on)" in line]
    assert len(warned) == 2, again.stdout
    assert f"notification to {topic} not sent" in warned[0]
    assert not list(again.log.named("error")), "a failed notification is no error"


def test_dry_run_names_the_topic(runner: Runner, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:deploys"
    result = runner.run(base_inputs(notify_topic_arn=topic, dry_run="true"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"notifications: SNS topic {topic} at the start, each gate and the end" in result.stdout
