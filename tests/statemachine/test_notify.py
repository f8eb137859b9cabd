"""Notifications: with ``Notify.TopicArn`` the state machine publishes to SNS when the deploy starts,
waits at a gate, and ends; a publish that fails never fails the deploy.

docs/notifications.md. Each message is an Amazon Q Developer (AWS Chatbot) custom notification, with a
plain-text variant for e-mail (``MessageStructure: json``). The emulator's topic keeps every message it
was sent (:meth:`canary.emulator.Emulator.published`); an SQS queue subscribed to it shows what a
subscriber receives.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from canary.emulator import Emulator, Published
from canary.execution_input import ApprovalSettings, NotifySettings
from tests.statemachine.conftest import Deploys, Outcome, make_document
from tests.statemachine.test_gates import _answer

pytestmark = pytest.mark.execution

ACCOUNT = "123456789012"


def _topic(aws: Any, name: str = "deploys") -> str:
    return str(aws("sns").create_topic(Name=name)["TopicArn"])


def _notify(topic: str) -> NotifySettings:
    return NotifySettings(TopicArn=topic)


def _parts(published: Published) -> tuple[dict[str, Any], str]:
    """The Chatbot document (the ``default`` message) and the e-mail text of one publish."""
    structure = json.loads(published.message)
    assert set(structure) == {"default", "email"}
    return json.loads(structure["default"]), structure["email"]


def _events(published: list[Published]) -> list[str]:
    return [p.attributes["event"]["Value"] for p in published if p.attributes]


def test_a_canary_deploy_publishes_its_start_and_its_end(
    deploys: Deploys, aws: Any, emulator: Emulator
) -> None:
    topic = _topic(aws)
    sqs = aws("sqs")
    queue = sqs.create_queue(QueueName="deploys")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    aws("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    deploys.existing_endpoint()
    document = deploys.document(CanaryWeights=[10, 50], Notify=_notify(topic))
    arn = deploys.start(document)
    outcome = deploys.finish(arn)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)

    published = emulator.published(topic)
    assert _events(published) == ["started", "deployed"]
    assert [p.subject for p in published] == ["ep: deploy started", "ep: deployed"]
    assert all(
        p.attributes and p.attributes["endpoint"] == {"Type": "String", "Value": "ep"} for p in published
    )
    chat, email = _parts(published[-1])
    assert (chat["version"], chat["source"], chat["content"]["textType"]) == (
        "1.0",
        "custom",
        "client-markdown",
    )
    assert chat["content"]["title"] == "ep: deployed"
    assert chat["metadata"]["threadId"] == arn.rsplit(":", 1)[1], "one chat thread per deploy"
    link = (
        f"https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/{arn}"
    )
    assert chat["content"]["nextSteps"] == [f"Execution: {link}"]
    assert email.splitlines() == [
        "ep: deployed",
        f"Model: {document.Names.Model}",
        "Image: repo/model:v2",
        f"Steps: 10% → 50%, {document.BakeSeconds} s bake each",
        f"Execution: {link}",
    ]
    assert chat["content"]["description"] == "\n".join(email.splitlines()[1:-1])
    # What a subscriber gets: the default message (the Chatbot document), with the subject.
    received = [
        json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    ]
    assert sorted(m["Subject"] for m in received) == ["ep: deploy started", "ep: deployed"]
    assert all(json.loads(m["Message"])["source"] == "custom" for m in received)


def test_a_gate_is_published_with_how_to_answer_it(deploys: Deploys, aws: Any, emulator: Emulator) -> None:
    topic = _topic(aws)
    deploys.existing_endpoint()
    document = deploys.document(
        CanaryWeights=[10, 50], Approval=ApprovalSettings(Mode="each-step"), Notify=_notify(topic)
    )
    arn = deploys.start(document)
    deploys.wait_until(arn, "Gate")
    assert _events(emulator.published(topic)) == ["started", "gate"], "published before the gate waits"
    gate = emulator.published(topic)[1]
    assert gate.subject == "ep: waits for approval after the 10% bake"
    _, email = _parts(gate)
    assert (
        "Answer: run the action with command: approve (or abort) and endpoint-name: ep" in email.splitlines()
    )
    _answer(deploys, "approve")
    deploys.wait_until(arn, "Gate", occurrence=2)
    _answer(deploys, "approve")
    outcome = deploys.finish(arn)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    published = emulator.published(topic)
    assert _events(published) == ["started", "gate", "gate", "deployed"]
    assert published[2].subject == "ep: waits for approval after the 50% bake"


def test_a_rollback_is_published_with_its_cause(deploys: Deploys, aws: Any, emulator: Emulator) -> None:
    topic = _topic(aws)
    original = deploys.existing_endpoint()
    alarm = deploys.user_alarm()
    deploys.cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="p99 latency 2400 ms")
    document = deploys.document(AlarmNames=[alarm], Notify=_notify(topic))
    outcome = deploys.run(document)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.RolledBack")
    published = emulator.published(topic)
    assert _events(published) == ["started", "failed"]
    assert published[1].subject == "ep: rolled back (Canary.RolledBack)"
    _, email = _parts(published[1])
    (cause,) = [line for line in email.splitlines() if line.startswith("Cause: ")]
    assert original in cause
    assert "p99 latency 2400 ms" in cause
    assert outcome.entered()[-3:] == ["Publish", "Notify", "Failed"], "the end is published, then the failure"


def test_a_refused_deploy_is_published_as_failed(deploys: Deploys, aws: Any, emulator: Emulator) -> None:
    topic = _topic(aws)
    deploys.existing_endpoint(variants=2)
    outcome = deploys.run(deploys.document(Notify=_notify(topic)))
    assert outcome.error == "Canary.UnsupportedEndpoint"
    published = emulator.published(topic)
    assert [p.subject for p in published] == ["ep: failed (Canary.UnsupportedEndpoint)"], (
        "refused before the endpoint changed: no start to announce, only the end"
    )


def test_a_publish_that_fails_never_fails_the_deploy(deploys: Deploys, emulator: Emulator) -> None:
    missing = f"arn:aws:sns:us-east-1:{ACCOUNT}:no-such-topic"
    deploys.existing_endpoint()
    outcome = deploys.run(deploys.document(Notify=_notify(missing)))
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.attempts("Publish") == ["Sns.NotFoundException", "Sns.NotFoundException"]
    assert emulator.published(missing) == []


def test_without_a_topic_nothing_is_published(deploys: Deploys) -> None:
    deploys.existing_endpoint(variants=2)
    outcome: Outcome = deploys.run(deploys.document())
    assert outcome.error == "Canary.UnsupportedEndpoint"
    assert "Publish" not in outcome.entered()
    assert outcome.calls("arn:aws:states:::aws-sdk:sns:publish") == 0


def test_a_63_character_endpoint_name_loses_no_notification(
    deploys: Deploys, aws: Any, emulator: Emulator
) -> None:
    """SNS refuses a subject of 100 characters or more, or with control characters
    (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html, "less than 100 characters long"),
    as the emulator does: the subject is cut to 99, so the gate of the longest endpoint name
    SageMaker allows (63 characters) is still published."""
    topic = _topic(aws)
    deploys.endpoint = "e" * 63
    deploys.existing_endpoint()
    approval = ApprovalSettings(Mode="before-promote", TimeoutSeconds=1, OnTimeout="promote")
    document = make_document("ep", Approval=approval, Notify=_notify(topic))
    outcome = deploys.run(document.model_copy(update={"EndpointName": deploys.endpoint}))
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    published = emulator.published(topic)
    assert _events(published) == ["started", "gate", "deployed"]
    gate = published[1].subject or ""
    assert gate == ("e" * 63 + ": waits for approval after the 20% bake")[:99]
    assert outcome.attempts("Publish") == ["ok", "ok", "ok"]
