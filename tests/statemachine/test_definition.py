"""The definition file and the input contract: portable ASL, committed schema, ensure_state_machine."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from canary.errors import ConfigurationError
from canary.execution_input import SCHEMA_PATH, ExecutionInput, json_schema
from canary.statemachine import check_state_machine, ensure_state_machine, load_definition
from tests.statemachine.conftest import ROLE

THROTTLING = {
    "SageMaker.ThrottlingException",
    "CloudWatch.ThrottlingException",
    "ApplicationAutoScaling.ThrottlingException",
}


def _states(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        yield name, state
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from _states(processor["States"])


def _all_states() -> list[tuple[str, dict[str, Any]]]:
    return list(_states(json.loads(load_definition())["States"]))


def _minimal_document() -> dict[str, Any]:
    return {
        "EndpointName": "ep",
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
        "Container": {"Image": "repo/model:v2"},
        "Names": {"Model": "m", "CanaryConfig": "c", "FinalConfig": "f", "AlarmPrefix": "a"},
    }


def test_committed_schema_is_the_generated_one() -> None:
    """Regenerate with ``python -c 'from canary.execution_input import write_schema; write_schema()'``."""
    assert json.loads(SCHEMA_PATH.read_text()) == json_schema()


def test_documents_the_action_sends_are_valid_against_the_schema() -> None:
    document = json.loads(ExecutionInput.model_validate(_minimal_document()).to_json())
    jsonschema.validate(document, json_schema())


def test_schema_requires_every_field_the_machine_reads_except_the_optional_ones() -> None:
    """The machine cannot fill nested defaults in, so a partial document is refused up front."""
    with pytest.raises(jsonschema.ValidationError, match="Polling"):
        jsonschema.validate(
            json.loads(ExecutionInput.model_validate(_minimal_document()).to_json()) | {"Polling": {}},
            json_schema(),
        )
    schema = json_schema()
    assert "InstanceType" not in schema["required"]
    assert "ModelDataUrl" not in schema["$defs"]["ContainerSpec"]["required"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"CanaryWeights": [50, 20]}, "strictly increasing"),
        ({"CanaryWeights": [20, 100]}, "0 < w < 100"),
        ({"BakeSeconds": 1200, "AlarmCheckSeconds": 1}, "at least 2"),
        ({"Polling": {"InitialSeconds": 30, "MaxSeconds": 10}}, "MaxSeconds"),
    ],
)
def test_input_the_machine_cannot_run_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ExecutionInput.model_validate(_minimal_document() | changes)


def test_definition_avoids_what_moto_or_aws_evaluate_differently() -> None:
    """MOTO-NOTES.md: no `$.a[0].b`, JSONata, Assign or `$$.State.RetryCount`; integer waits."""
    text = load_definition()
    assert not re.search(r"\$[.\w]*\[\d+\]", text)
    assert "JSONata" not in text
    assert "RetryCount" not in text
    for name, state in _all_states():
        assert "Assign" not in state, name
        if state["Type"] == "Wait":
            assert "SecondsPath" in state or isinstance(state.get("Seconds"), int), name


def test_every_choice_has_a_default() -> None:
    choices = [(name, state) for name, state in _all_states() if state["Type"] == "Choice"]
    assert choices
    assert all("Default" in state for _, state in choices), [
        name for name, s in choices if "Default" not in s
    ]


def test_every_task_uses_documented_aws_sdk_names_retries_throttling_and_projects_its_result() -> None:
    """AWS: "Learning to use AWS service SDK integrations" — `arn:aws:states:::aws-sdk:serviceName:apiAction`,
    errors `ServiceName.ErrorName` with the Exception suffix."""
    tasks = [(name, state) for name, state in _all_states() if state["Type"] == "Task"]
    services = set()
    for name, state in tasks:
        match = re.fullmatch(r"arn:aws:states:::aws-sdk:([a-z]+):([a-zA-Z]+)", state["Resource"])
        assert match, name
        services.add(match.group(1))
        retried = {error for retrier in state["Retry"] for error in retrier["ErrorEquals"]}
        assert retried >= THROTTLING, name
        assert all(r.get("JitterStrategy") == "FULL" and r["BackoffRate"] >= 2 for r in state["Retry"]), name
        if state.get("ResultPath") is not None:
            assert "ResultSelector" in state, f"{name}: raw results must not flow on"
    assert services == {"sagemaker", "cloudwatch", "applicationautoscaling"}


def test_policy_applied_after_promotion_is_named_as_the_seed_learned() -> None:
    puts = [s for _, s in _all_states() if s.get("Resource", "").endswith(":putScalingPolicy")]
    named = [s["Parameters"].get("PolicyName") for s in puts if "PolicyName" in s["Parameters"]]
    assert named
    assert set(named) == {"SageMakerEndpointInvocationScalingPolicy"}


def test_ensure_creates_then_leaves_alone_then_updates(aws: Any) -> None:
    sfn = aws("stepfunctions")
    created = ensure_state_machine(sfn, "canary", ROLE)
    assert created.action == "created"
    assert json.loads(sfn.describe_state_machine(stateMachineArn=created.arn)["definition"]) == json.loads(
        load_definition()
    )
    assert ensure_state_machine(sfn, "canary", None) == type(created)(arn=created.arn, action="unchanged")
    sfn.update_state_machine(
        stateMachineArn=created.arn,
        definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
    )
    updated = ensure_state_machine(sfn, "canary", None)
    assert updated.action == "updated"
    assert json.loads(sfn.describe_state_machine(stateMachineArn=created.arn)["definition"]) == json.loads(
        load_definition()
    )


def test_ensure_without_a_role_refuses_to_create_and_creates_nothing(aws: Any) -> None:
    sfn = aws("stepfunctions")
    with pytest.raises(ConfigurationError, match="state-machine-role-arn"):
        ensure_state_machine(sfn, "canary", None)
    assert sfn.list_state_machines()["stateMachines"] == []
    assert ConfigurationError.exit_code == 2


def test_check_state_machine_names_the_input_when_the_arn_is_missing(aws: Any) -> None:
    sfn = aws("stepfunctions")
    arn = ensure_state_machine(sfn, "canary", ROLE).arn
    check_state_machine(sfn, arn)
    with pytest.raises(ConfigurationError, match="state-machine-arn"):
        check_state_machine(sfn, arn.replace(":canary", ":missing"))
