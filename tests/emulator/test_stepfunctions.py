"""Step Functions in the emulator behaves as the AWS documentation says, where moto 5.2.5 does not."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import pytest

from canary.emulator.workloads import COUNTER_LOOP

ROLE = "arn:aws:iam::123456789012:role/StatesRole"
SDK = "arn:aws:states:::aws-sdk:"


def _machine(sfn: Any, definition: dict[str, Any]) -> str:
    name = f"m-{uuid.uuid4().hex[:12]}"
    return str(
        sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def _wait(sfn: Any, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        if time.monotonic() > deadline:
            raise AssertionError(f"{execution_arn} still RUNNING after {timeout} s")
        time.sleep(0.02)


def _run(sfn: Any, definition: dict[str, Any], execution_input: object = None) -> dict[str, Any]:
    arn = _machine(sfn, definition)
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps(execution_input or {}))
    return _wait(sfn, started["executionArn"])


def _one_task(resource: str, parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    task = {"Type": "Task", "Resource": SDK + resource, "Parameters": parameters, "End": True}
    task.update(extra)
    return {"StartAt": "Call", "States": {"Call": task}}


# --- aws-sdk error names ---------------------------------------------------------------------------


def test_sagemaker_error_without_a_modeled_class_is_the_generic_sagemaker_exception(aws: Any) -> None:
    """AWS: "Learning to use AWS service SDK integrations in Step Functions" — errors are
    ``ServiceName.ErrorName`` in PascalCase; SageMaker does not model ValidationException (a missing
    endpoint), so the SDK reports the service's generic exception, ``SageMaker.SageMakerException``.
    """
    described = _run(aws("stepfunctions"), _one_task("sagemaker:describeEndpoint", {"EndpointName": "nope"}))
    assert described["status"] == "FAILED"
    assert described["error"] == "SageMaker.SageMakerException"
    assert "Could not find endpoint" in described["cause"]
    assert "Service: SageMaker" in described["cause"]


def test_sagemaker_modeled_error_gets_the_exception_suffix(aws: Any) -> None:
    """AWS: "Learning to use AWS service SDK integrations" — always add the ``Exception`` suffix, even
    where the API reference names the error without it (SageMaker's ``ResourceNotFound``).
    """
    described = _run(
        aws("stepfunctions"),
        _one_task("sagemaker:associateTrialComponent", {"TrialName": "nope", "TrialComponentName": "nope"}),
    )
    assert described["error"] == "SageMaker.ResourceNotFoundException"


def test_cloudwatch_resource_not_found_is_named_for_cloudwatch(aws: Any) -> None:
    """AWS: SetAlarmState API reference lists ``ResourceNotFound``; Step Functions reports it as
    ``CloudWatch.ResourceNotFoundException`` ("Learning to use AWS service SDK integrations").
    """
    described = _run(
        aws("stepfunctions"),
        _one_task(
            "cloudwatch:setAlarmState",
            {"AlarmName": "nope", "StateValue": "ALARM", "StateReason": "test"},
        ),
    )
    assert described["error"] == "CloudWatch.ResourceNotFoundException"


def test_applicationautoscaling_validation_error_is_caught_by_its_documented_name(aws: Any) -> None:
    """AWS: the aws-sdk service name is ``applicationautoscaling``; its modeled ValidationException
    is ``ApplicationAutoScaling.ValidationException`` and a Catch on that name handles it.
    """
    definition = _one_task(
        "applicationautoscaling:deregisterScalableTarget",
        {
            "ServiceNamespace": "sagemaker",
            "ResourceId": "endpoint/nope/variant/AllTraffic",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        },
        Catch=[{"ErrorEquals": ["ApplicationAutoScaling.ValidationException"], "Next": "Handled"}],
    )
    definition["States"]["Call"].pop("End")
    definition["States"]["Handled"] = {"Type": "Succeed"}
    described = _run(aws("stepfunctions"), definition)
    assert described["status"] == "SUCCEEDED"
    caught = json.loads(described["output"])
    assert caught["Error"] == "ApplicationAutoScaling.ValidationException"
    assert "Service: ApplicationAutoScaling" in caught["Cause"]


def test_applicationautoscaling_service_name_calls_application_auto_scaling(aws: Any) -> None:
    """AWS: resource ``arn:aws:states:::aws-sdk:applicationautoscaling:registerScalableTarget``
    (service names as listed in "AWS SDK service integrations") registers a real scalable target.
    """
    resource_id = "endpoint/ep/variant/AllTraffic"
    described = _run(
        aws("stepfunctions"),
        _one_task(
            "applicationautoscaling:registerScalableTarget",
            {
                "ServiceNamespace": "sagemaker",
                "ResourceId": resource_id,
                "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                "MinCapacity": 1,
                "MaxCapacity": 3,
            },
        ),
    )
    assert described["status"] == "SUCCEEDED", described.get("cause")
    targets = aws("application-autoscaling").describe_scalable_targets(ServiceNamespace="sagemaker")
    assert [t["ResourceId"] for t in targets["ScalableTargets"]] == [resource_id]


# --- timestamps in task results --------------------------------------------------------------------


def test_task_result_timestamps_become_iso_strings_and_describe_execution_works(aws: Any) -> None:
    """AWS: DescribeExecution ``output`` is a JSON string; SDK timestamps reach state JSON as ISO-8601
    strings. moto left raw datetimes there and DescribeExecution answered HTTP 500.
    """
    cw = aws("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="a1",
        MetricName="Invocation5XXErrors",
        Namespace="AWS/SageMaker",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    sfn = aws("stepfunctions")
    described = _run(sfn, _one_task("cloudwatch:describeAlarms", {"AlarmNames": ["a1"]}))
    assert described["status"] == "SUCCEEDED", described.get("cause")
    alarm = json.loads(described["output"])["MetricAlarms"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", alarm["StateUpdatedTimestamp"])
    history = sfn.get_execution_history(executionArn=described["executionArn"])["events"]
    assert history[-1]["type"] == "ExecutionSucceeded"


# --- GetExecutionHistory paging ---------------------------------------------------------------------


def _history_of_laps(sfn: Any, laps: int) -> str:
    """A finished execution with 6 + 4 * laps history events."""
    described = _run(sfn, COUNTER_LOOP, {"laps": laps})
    assert described["status"] == "SUCCEEDED"
    return str(described["executionArn"])


def _page_ids(sfn: Any, execution_arn: str, **kwargs: Any) -> list[list[int]]:
    pages: list[list[int]] = []
    while True:
        page = sfn.get_execution_history(executionArn=execution_arn, **kwargs)
        pages.append([event["id"] for event in page["events"]])
        if "nextToken" not in page:
            return pages
        kwargs["nextToken"] = page["nextToken"]


def test_history_of_5002_events_pages_1000_at_a_time_forwards_and_in_reverse(aws: Any) -> None:
    """AWS GetExecutionHistory API reference: ``maxResults`` (max 1000) bounds a page, ``nextToken``
    continues it, ``reverseOrder`` lists events newest first. Every event exactly once, in order.
    """
    sfn = aws("stepfunctions")
    execution_arn = _history_of_laps(sfn, 1249)
    everything = list(range(1, 5003))

    forward = _page_ids(sfn, execution_arn, maxResults=1000)
    assert [len(page) for page in forward] == [1000] * 5 + [2]
    assert [event_id for page in forward for event_id in page] == everything

    backward = _page_ids(sfn, execution_arn, maxResults=1000, reverseOrder=True)
    assert [len(page) for page in backward] == [1000] * 5 + [2]
    assert [event_id for page in backward for event_id in page] == everything[::-1]


def test_history_events_link_to_previous_events_and_end_with_success(aws: Any) -> None:
    """AWS HistoryEvent: ``id`` and ``previousEventId``; a finished execution's last event is
    ExecutionSucceeded. Paged events carry the same content as moto's own events.
    """
    sfn = aws("stepfunctions")
    execution_arn = _history_of_laps(sfn, 2)
    events = sfn.get_execution_history(executionArn=execution_arn)["events"]
    assert [event["id"] for event in events] == list(range(1, 15))
    assert events[0]["type"] == "ExecutionStarted"
    assert json.loads(events[0]["executionStartedEventDetails"]["input"]) == {"laps": 2}
    assert events[-1]["type"] == "ExecutionSucceeded"
    assert events[2]["previousEventId"] == 2
    assert all(event["timestamp"].tzinfo is not None for event in events)


def test_history_page_size_defaults_to_100(aws: Any) -> None:
    """AWS GetExecutionHistory: "The default is 100"; a ``maxResults`` of 0 uses the default."""
    sfn = aws("stepfunctions")
    execution_arn = _history_of_laps(sfn, 50)  # 206 events
    assert [len(page) for page in _page_ids(sfn, execution_arn)] == [100, 100, 6]
    assert [len(page) for page in _page_ids(sfn, execution_arn, maxResults=0)] == [100, 100, 6]


def test_history_page_size_above_1000_is_a_validation_error(aws: Any) -> None:
    """AWS GetExecutionHistory: "the maximum allowed page size is 1000"."""
    sfn = aws("stepfunctions")
    execution_arn = _history_of_laps(sfn, 1)
    with pytest.raises(sfn.exceptions.ClientError) as raised:
        sfn.get_execution_history(executionArn=execution_arn, maxResults=1001)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_history_without_execution_data_omits_inputs_and_outputs(aws: Any) -> None:
    """AWS GetExecutionHistory ``includeExecutionData``: whether execution data (input or output of a
    history event) is returned; the default is true.
    """
    sfn = aws("stepfunctions")
    execution_arn = _history_of_laps(sfn, 1)
    full = sfn.get_execution_history(executionArn=execution_arn)["events"]
    lean = sfn.get_execution_history(executionArn=execution_arn, includeExecutionData=False)["events"]
    assert "input" in full[0]["executionStartedEventDetails"]
    assert "output" in full[-1]["executionSucceededEventDetails"]
    assert [event["type"] for event in lean] == [event["type"] for event in full]
    for event in lean:
        for key, details in event.items():
            if key.endswith("EventDetails"):
                assert "input" not in details
                assert "output" not in details
    assert lean[0]["executionStartedEventDetails"]["roleArn"] == ROLE


def test_history_token_is_opaque_and_bound_to_its_execution_and_direction(aws: Any) -> None:
    """AWS GetExecutionHistory errors: ``InvalidToken`` — "The provided token is not valid"."""
    sfn = aws("stepfunctions")
    first = _history_of_laps(sfn, 5)
    second = _history_of_laps(sfn, 5)
    token = sfn.get_execution_history(executionArn=first, maxResults=3)["nextToken"]
    assert "3" not in token.split(":")  # not a bare offset
    for arn, reverse, bad_token in [
        (first, False, "garbage"),
        (first, False, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")),
        (second, False, token),
        (first, True, token),
    ]:
        with pytest.raises(sfn.exceptions.InvalidToken):
            sfn.get_execution_history(executionArn=arn, reverseOrder=reverse, nextToken=bad_token)
    resumed = sfn.get_execution_history(executionArn=first, maxResults=3, nextToken=token)
    assert [event["id"] for event in resumed["events"]] == [4, 5, 6]


# --- executions ------------------------------------------------------------------------------------

WAIT_LONG = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 300, "End": True}}}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_execution_started_without_a_name_gets_a_uuid(aws: Any) -> None:
    """AWS StartExecution ``name``: "If you don't provide a name for the execution, Step Functions
    automatically generates a universally unique identifier (UUID) as the execution name."
    """
    sfn = aws("stepfunctions")
    machine = _machine(sfn, WAIT_LONG)
    first = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    second = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    assert first != second
    for arn in (first, second):
        name = sfn.describe_execution(executionArn=arn)["name"]
        assert re.fullmatch(UUID, name)
        assert arn.endswith(":" + name)


@pytest.mark.parametrize(
    "name",
    [
        "with space",
        "tab\there",
        *[f"a{char}b" for char in '<>{}[]?*"#%\\^|~`$&,;:/'],
        "ctl\x01",
        "del\x7f",
        "c1\x9f",
        "nbsp\u00a0",
    ],
)
def test_execution_name_with_a_forbidden_character_is_invalid_name(aws: Any, name: str) -> None:
    """AWS StartExecution ``name``: must not contain white space, brackets, wildcards, the listed
    special characters or control characters; the error is ``InvalidName``.
    """
    sfn = aws("stepfunctions")
    machine = _machine(sfn, WAIT_LONG)
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.start_execution(stateMachineArn=machine, name=name)
    assert sfn.list_executions(stateMachineArn=machine)["executions"] == []


def test_execution_name_length_is_1_to_80(aws: Any) -> None:
    """AWS StartExecution ``name``: Length Constraints: Minimum length of 1. Maximum length of 80."""
    sfn = aws("stepfunctions")
    machine = _machine(sfn, WAIT_LONG)
    longest = "deploy-ep_1." + "x" * 68
    assert len(longest) == 80
    assert sfn.start_execution(stateMachineArn=machine, name=longest)["executionArn"].endswith(longest)
    with pytest.raises(sfn.exceptions.ClientError) as raised:
        sfn.start_execution(stateMachineArn=machine, name=longest + "x")
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_stop_execution_keeps_error_and_cause(aws: Any) -> None:
    """AWS StopExecution: ``error`` and ``cause`` describe the stop; the ExecutionAborted event
    (ExecutionAbortedEventDetails) and DescribeExecution carry them; the response has ``stopDate``.
    """
    sfn = aws("stepfunctions")
    machine = _machine(sfn, WAIT_LONG)
    execution = sfn.start_execution(stateMachineArn=machine, name="to-stop")["executionArn"]
    stopped = sfn.stop_execution(executionArn=execution, error="Canary.Cancelled", cause="job cancelled")
    assert stopped["stopDate"].tzinfo is not None
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "ABORTED"
    assert (described["error"], described["cause"]) == ("Canary.Cancelled", "job cancelled")
    last = sfn.get_execution_history(executionArn=execution, reverseOrder=True, maxResults=1)["events"][0]
    assert last["type"] == "ExecutionAborted"
    assert last["executionAbortedEventDetails"] == {"error": "Canary.Cancelled", "cause": "job cancelled"}


def test_execution_stopped_while_a_choice_is_evaluated_ends_aborted(aws: Any) -> None:
    """AWS StopExecution: the execution ends ABORTED, whatever state it is in (a slow Choice here, the
    state moto's stop used to turn into FAILED ``States.Runtime``)."""
    sfn = aws("stepfunctions")
    rules = [{"Variable": "$.n", "NumericGreaterThanEquals": -i} for i in range(2000)]
    machine = _machine(
        sfn,
        {
            "StartAt": "Check",
            "States": {
                "Check": {"Type": "Choice", "Choices": [{"And": rules, "Next": "Hold"}], "Default": "Hold"},
                "Hold": {"Type": "Wait", "Seconds": 30, "End": True},
            },
        },
    )
    for _ in range(3):
        execution = sfn.start_execution(stateMachineArn=machine, input='{"n": 1}')["executionArn"]
        sfn.stop_execution(executionArn=execution, error="Canary.Superseded", cause="a racing start")
        described = _wait(sfn, execution)
        assert (described["status"], described.get("error")) == ("ABORTED", "Canary.Superseded")


def test_list_executions_filters_by_status(aws: Any) -> None:
    """AWS ListExecutions ``statusFilter``: only executions with that status."""
    sfn = aws("stepfunctions")
    machine = _machine(sfn, WAIT_LONG)
    running = sfn.start_execution(stateMachineArn=machine, name="running")["executionArn"]
    aborted = sfn.start_execution(stateMachineArn=machine, name="aborted")["executionArn"]
    sfn.stop_execution(executionArn=aborted)

    def listed(status: str) -> list[str]:
        page = sfn.list_executions(stateMachineArn=machine, statusFilter=status)
        return [item["executionArn"] for item in page["executions"]]

    assert listed("RUNNING") == [running]
    assert listed("ABORTED") == [aborted]
    assert listed("SUCCEEDED") == []


def test_context_object_state_has_retry_count_and_entered_time(aws: Any) -> None:
    """AWS "Accessing execution data from the Context object": ``$$.State`` holds ``EnteredTime``,
    ``Name`` and ``RetryCount`` (0 on the first attempt, counting retries).
    """
    definition = {
        "StartAt": "Look",
        "States": {
            "Look": {
                "Type": "Pass",
                "Parameters": {"state.$": "$$.State"},
                "ResultPath": "$.pass",
                "Next": "Try",
            },
            "Try": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:describeEndpoint",
                "Parameters": {"EndpointName.$": "States.Format('attempt-{}', $$.State.RetryCount)"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        },
    }
    definition["States"]["Try"].pop("End")
    sfn = aws("stepfunctions")
    described = _run(sfn, definition)
    state = json.loads(described["output"])["pass"]["state"]
    assert state["Name"] == "Look"
    assert state["RetryCount"] == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", state["EnteredTime"])
    scheduled = [
        json.loads(event["taskScheduledEventDetails"]["parameters"])["EndpointName"]
        for event in sfn.get_execution_history(executionArn=described["executionArn"])["events"]
        if event["type"] == "TaskScheduled"
    ]
    assert scheduled == ["attempt-0", "attempt-1"]


def test_choice_without_match_or_default_fails_with_no_choice_matched(aws: Any) -> None:
    """Amazon States Language, Choice state: "If no Choice rule matches and no Default is given, the
    state machine throws an error" — the predefined error ``States.NoChoiceMatched``.
    """
    definition = {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "One"}],
            },
            "One": {"Type": "Succeed"},
        },
    }
    sfn = aws("stepfunctions")
    described = _run(sfn, definition, {"n": 2})
    assert described["status"] == "FAILED"
    assert described["error"] == "States.NoChoiceMatched"
    history = sfn.get_execution_history(executionArn=described["executionArn"])["events"]
    assert history[-1]["type"] == "ExecutionFailed"
    assert history[-1]["executionFailedEventDetails"]["error"] == "States.NoChoiceMatched"


# --- state machines --------------------------------------------------------------------------------


def test_create_state_machine_is_idempotent_only_for_the_same_definition(aws: Any) -> None:
    """AWS CreateStateMachine: idempotent on name and definition; the same name with a different
    definition is ``StateMachineAlreadyExists``.
    """
    sfn = aws("stepfunctions")
    definition = json.dumps(WAIT_LONG)
    arn = sfn.create_state_machine(name="bundled", definition=definition, roleArn=ROLE)["stateMachineArn"]
    again = sfn.create_state_machine(name="bundled", definition=definition, roleArn=ROLE)
    assert again["stateMachineArn"] == arn
    with pytest.raises(sfn.exceptions.StateMachineAlreadyExists):
        sfn.create_state_machine(name="bundled", definition=json.dumps(COUNTER_LOOP), roleArn=ROLE)
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == definition


def test_update_state_machine_replaces_the_definition_describe_returns(aws: Any) -> None:
    """AWS UpdateStateMachine / DescribeStateMachine: the new definition is what Describe returns,
    byte for byte, so a caller can compare before updating.
    """
    sfn = aws("stepfunctions")
    arn = sfn.create_state_machine(name="bundled", definition=json.dumps(WAIT_LONG), roleArn=ROLE)[
        "stateMachineArn"
    ]
    new_definition = json.dumps(COUNTER_LOOP, indent=2)
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=new_definition)
    assert updated["updateDate"].tzinfo is not None
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["definition"] == new_definition
    assert (described["roleArn"], described["status"]) == (ROLE, "ACTIVE")


# --- callbacks ---------------------------------------------------------------------------------------


def test_a_task_heartbeating_its_own_token_is_refused_as_the_stricter_interpreters_refuse_it(
    aws: Any,
) -> None:
    """SendTaskHeartbeat (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html)
    states no rule for a task that heartbeats its own token from within its call, and no AWS page shows
    one. LocalStack's interpreter (and moto's copy of it) answers ``InvalidToken`` when the task has no
    ``HeartbeatSeconds`` (and sets a heartbeat up only once the call has returned): the emulator keeps
    that stricter rule, so the bundled definition must not rely on it (its gate sends the token in an
    EventBridge event instead, docs/state-machine.md, "Approval gates")."""
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Gate",
        "States": {
            "Gate": {
                "Type": "Task",
                "Resource": SDK + "sfn:sendTaskHeartbeat.waitForTaskToken",
                "Arguments": {"TaskToken": "{% $states.context.Task.Token %}"},
                "TimeoutSeconds": 5,
                "End": True,
            }
        },
    }
    described = _run(aws("stepfunctions"), definition)
    assert described["status"] == "FAILED"
    assert described["error"] == "Sfn.InvalidTokenException"


def test_an_eventbridge_callback_carries_the_token_and_waits_for_send_task_success(aws: Any) -> None:
    """Wait for a callback with a task token
    (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token) through
    EventBridge PutEvents (https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html): the
    task waits after its call until SendTaskSuccess with the token it sent, and returns that output."""
    sfn = aws("stepfunctions")
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Gate",
        "States": {
            "Gate": {
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents.waitForTaskToken",
                "Arguments": {
                    "Entries": [
                        {
                            "Source": "test",
                            "DetailType": "waits",
                            "Detail": '{% $string({"TaskToken": $states.context.Task.Token}) %}',
                        }
                    ]
                },
                "TimeoutSeconds": 30,
                "End": True,
            }
        },
    }
    arn = sfn.start_execution(stateMachineArn=_machine(sfn, definition), input="{}")["executionArn"]
    deadline = time.monotonic() + 20
    token = None
    while token is None and time.monotonic() < deadline:
        for event in sfn.get_execution_history(executionArn=arn)["events"]:
            if event["type"] == "TaskSubmitted":
                scheduled = [
                    e
                    for e in sfn.get_execution_history(executionArn=arn)["events"]
                    if e["type"] == "TaskScheduled"
                ]
                parameters = json.loads(scheduled[0]["taskScheduledEventDetails"]["parameters"])
                token = json.loads(parameters["Entries"][0]["Detail"])["TaskToken"]
        time.sleep(0.05)
    assert token
    sfn.send_task_success(taskToken=token, output=json.dumps({"ApprovedBy": "@alice"}))
    described = _wait(sfn, arn)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"ApprovedBy": "@alice"}
