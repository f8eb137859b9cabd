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
from scripts.gen_statemachine import SOURCE as SOURCE_PATH
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
        ({"BakeSeconds": 86400, "AlarmCheckSeconds": 1}, "history events, more than the 25,000"),
        ({"CanaryWeights": [10, 20, 30, 40], "BakeSeconds": 172800, "AlarmCheckSeconds": 3600}, "limit"),
        ({"Polling": {"InitialSeconds": 30, "MaxSeconds": 10}}, "MaxSeconds"),
    ],
)
def test_input_the_machine_cannot_run_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ExecutionInput.model_validate(_minimal_document() | changes)


JSONATA = re.compile(r"\{%.*%\}", re.DOTALL)
JSONPATH_FIELDS = {"Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "ItemsPath"}


def test_definition_is_jsonata_throughout_with_state_in_variables() -> None:
    """Transforming data with JSONata (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html):
    no JSONPath field anywhere, no `.$` key, every Wait's Seconds one variable the follower can read
    from the history's assignedVariables (docs/state-machine.md, "Waits")."""
    definition = json.loads(load_definition())
    assert definition["QueryLanguage"] == "JSONata"
    assert isinstance(definition["TimeoutSeconds"], int)
    for name, state in _all_states():
        assert not JSONPATH_FIELDS & set(state), name
        assert "QueryLanguage" not in state, f"{name}: one query language"
        if state["Type"] == "Wait":
            assert re.fullmatch(r"\{% \$[a-zA-Z]+(\.[a-zA-Z]+)* %\}", state["Seconds"]), name
    assert not re.search(r'"[A-Za-z]+\.\$"', load_definition()), "JSONPath .$ keys"


def test_the_source_is_within_its_size_targets_and_writes_each_retry_policy_once() -> None:
    """The canary flow's budget (1,200 lines, 60 states) plus about 100 lines and 5 states for each of
    the third version's two capabilities in this definition (docs/state-machine.md, "Bounds")."""
    source = SOURCE_PATH.read_text()
    assert len(source.splitlines()) <= 1400
    assert len(_all_states()) <= 70
    assert source.count("SageMaker.ThrottlingException") == 1, "the throttling retrier is written once"
    assert source.count("IntervalSeconds") == 3, "three retry policies, each once"
    assert source.count("ApplicationAutoScaling.ObjectNotFoundException") == 1, "retry_scaling, written once"
    assert source.count("Type: Wait") == 4, "the hold, the endpoint wait, the bake wait, the quiet bake"


def test_the_deployed_json_is_built_from_the_yaml_source() -> None:
    """`python scripts/gen_statemachine.py` rebuilds it; `make lint` runs the same check."""
    from scripts.gen_statemachine import build

    assert build(SOURCE_PATH.read_text()) == load_definition()


def _members(shape: str) -> set[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return set(model.shape_for(shape).members)


def _carried(kind: str) -> set[str]:
    plan = json.loads(load_definition())["States"]["ReadScalingPolicies"]["Assign"]["plan"]
    lists = re.findall(r"\$pick\(\$(\w+(?:\.\w+)?), \[([^]]*)\]\)", plan)
    return {field.strip('" ') for source, fields in lists if source == kind for field in fields.split(",")}


# What a deploy sets itself, what it refuses, and what describes the model rather than its setting.
SET_BY_THE_DEPLOY = {
    "VariantName",
    "ModelName",
    "InstanceType",
    "InitialInstanceCount",
    "InitialVariantWeight",
}
REFUSED = {
    "ServerlessConfig",
    "InstancePools",
    "ShadowProductionVariants",
    "Containers",
    "InferenceExecutionConfig",
}
THE_MODEL_ITSELF = {
    "Image", "ModelDataUrl", "ModelDataSource", "AdditionalModelDataSources", "Environment",
    "ModelPackageName", "InferenceSpecificationName", "ContainerHostname",
}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "shape", "handled"),
    [
        ("v", "ProductionVariant", SET_BY_THE_DEPLOY | REFUSED),
        (
            "config",
            "CreateEndpointConfigInput",
            {"EndpointConfigName", "ProductionVariants", "Tags"} | REFUSED,
        ),
        (
            "model",
            "CreateModelInput",
            {"ModelName", "PrimaryContainer", "ExecutionRoleArn", "Tags"} | REFUSED,
        ),
        ("model.PrimaryContainer", "ContainerDefinition", THE_MODEL_ITSELF),
    ],
)
def test_every_setting_the_api_has_is_carried_or_deliberately_set_or_refused(
    kind: str, shape: str, handled: set[str]
) -> None:
    """A member SageMaker adds to its API (botocore's model) fails this until the plan carries it."""
    carried = _carried(kind)
    assert carried
    assert carried | (handled & _members(shape)) == _members(shape)
    assert not carried & handled


def test_no_choice_state_assigns_at_state_level() -> None:
    """AWS applies a Choice state's own Assign whichever rule matches (state-choice.html, "Choice
    Rules (JSONata)"); the emulator applied it only on the Default (docs/emulator.md). Rules assign."""
    assert [name for name, state in _all_states() if state["Type"] == "Choice" and "Assign" in state] == []


def test_every_choice_has_a_default() -> None:
    choices = [(name, state) for name, state in _all_states() if state["Type"] == "Choice"]
    assert choices
    assert all("Default" in state for _, state in choices), [
        name for name, s in choices if "Default" not in s
    ]


GATE_CALLBACK = "arn:aws:states:::events:putEvents.waitForTaskToken"


def test_every_task_uses_documented_aws_sdk_names_retries_throttling_and_projects_its_result() -> None:
    """AWS: "Learning to use AWS service SDK integrations" — `arn:aws:states:::aws-sdk:serviceName:apiAction`,
    errors `ServiceName.ErrorName` with the Exception suffix."""
    tasks = [(name, state) for name, state in _all_states() if state["Type"] == "Task"]
    services = set()
    for name, state in tasks:
        match = re.fullmatch(
            r"arn:aws:states:::(?:aws-sdk:)?([a-z]+):([a-zA-Z]+)(\.waitForTaskToken)?", state["Resource"]
        )
        if name == "SmokeTest":  # a child execution, the optimized integration (docs/state-machine.md)
            assert state["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
            continue
        assert match, name
        # The one optimised integration: the gate's documented callback (EventBridge PutEvents,
        # https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html).
        assert "aws-sdk:" in state["Resource"] or state["Resource"] == GATE_CALLBACK, name
        services.add(match.group(1))
        retried = {error for retrier in state["Retry"] for error in retrier["ErrorEquals"]}
        assert retried >= THROTTLING, name
        assert all(r.get("JitterStrategy") == "FULL" and r["BackoffRate"] >= 2 for r in state["Retry"]), name
    assert services == {
        "sagemaker",
        "sagemakerruntime",
        "cloudwatch",
        "applicationautoscaling",
        "events",
        "sns",
    }


def test_policy_applied_after_promotion_is_named_as_the_seed_learned() -> None:
    puts = [s for _, s in _all_states() if s.get("Resource", "").endswith(":putScalingPolicy")]
    named = [s["Arguments"].get("PolicyName") for s in puts if isinstance(s["Arguments"], dict)]
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


def test_a_state_machine_arn_of_the_other_flow_is_refused_naming_the_input(aws: Any) -> None:
    """``strategy: rolling`` with ``state-machine-arn`` of a canary machine would run a canary: refused
    (exit 2) before anything starts, and the other way round."""
    sfn = aws("stepfunctions")
    canary = ensure_state_machine(sfn, "canary", ROLE).arn
    guardrails = ensure_state_machine(sfn, "guardrails", ROLE, family="guardrails").arn
    check_state_machine(sfn, canary, "canary")
    check_state_machine(sfn, guardrails, "guardrails")
    with pytest.raises(ConfigurationError, match=r"^state-machine-arn: .* runs the canary flow"):
        check_state_machine(sfn, canary, "guardrails")
    with pytest.raises(ConfigurationError, match=r"^state-machine-arn: .* runs the guardrails flow"):
        check_state_machine(sfn, guardrails, "canary")


def test_the_guardrails_flow_carries_the_canary_flows_fields() -> None:
    """One list of what is carried over (docs/state-machine.md, "Only the model changes"): the
    generator fills the guardrails flow's lists from the canary flow's plan."""
    from canary.statemachine import load_definition as load

    canary = json.loads(load())["States"]["ReadScalingPolicies"]["Assign"]["plan"]
    guardrails = json.loads(load("guardrails"))["States"]["ReadScalingPolicies"]["Assign"]["plan"]
    for listed in re.findall(r"\$pick\(\$(?:v|config|model(?:\.PrimaryContainer)?), (\[[^\]]*\])", canary):
        assert listed in guardrails
    assert '"ServerlessConfig"' in guardrails, "serverless memory, max and provisioned concurrency"


def test_the_guardrails_definition_stays_within_its_size() -> None:
    """The second definition (strategy blue-green / rolling) is held to its measured size
    (docs/strategies.md): 770 source lines and 42 states (Map inner states included) for the
    endpoint's strategies, plus the inference-component branch (docs/inference-components.md: 280
    lines, 16 states); it grows only with a reason."""
    from canary.statemachine import GUARDRAILS_PATH
    from canary.statemachine import load_definition as load

    source = GUARDRAILS_PATH.with_suffix("").with_suffix(".asl.yaml").read_text(encoding="utf-8")
    states = list(_states(json.loads(load("guardrails"))["States"]))
    assert len(source.splitlines()) <= 770 + 280
    assert len(states) <= 42 + 16
