"""Every Task's arguments against botocore's service model of the API it calls.

Step Functions' AWS SDK integrations (``arn:aws:states:::aws-sdk:SERVICE:action``) pass the
arguments straight to the service API, with the member names of the API reference
(https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html); a misspelled
or missing member only fails when the state runs, which the emulator does not always catch. Here each
Task's ``Arguments`` (JSONata) or ``Parameters`` (JSONPath, ``.$`` keys being paths) are walked
against the operation's input shape: every key a member, every required member present, literal
scalars of the member's type and enum. A JSONata ``{% ... %}`` value or a JSONPath ``.$`` key is
computed at run time: it counts as present and is not looked into.

Run on any definition: ``python -m tests.statemachine.test_service_models DEFINITION.asl.json|yaml``.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore.exceptions import UnknownServiceError
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from canary.statemachine import Family, load_definition

SDK_PREFIX = "arn:aws:states:::aws-sdk:"
#: Step Functions' SDK service names that botocore spells differently.
BOTOCORE_NAMES = {
    "applicationautoscaling": "application-autoscaling",
    "sagemakerruntime": "sagemaker-runtime",
    "sfn": "stepfunctions",
}
#: Optimised integrations whose arguments are those of one API operation.
OPTIMISED = {
    "arn:aws:states:::sns:publish": ("sns", "Publish"),
    "arn:aws:states:::events:putEvents": ("events", "PutEvents"),
    "arn:aws:states:::states:startExecution": ("stepfunctions", "StartExecution"),
}
#: Members an optimised integration takes as a JSON value and serializes itself: StartExecution's
#: ``Input`` (https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html).
JSON_MEMBERS = {"arn:aws:states:::states:startExecution": {"Input"}}
#: Service integration patterns: https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html
PATTERNS = (".waitForTaskToken", ".sync:2", ".sync")
SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "blob": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (str, int, float),
}

_session = botocore.session.get_session()


def tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Task state, with its name, nested Map and Parallel states included."""
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from tasks(processor["States"])
        for branch in state.get("Branches", []):
            yield from tasks(branch["States"])


def operation(resource: str) -> OperationModel:
    """The botocore operation a Task's ``Resource`` calls; ``LookupError`` saying why when none."""
    for pattern in PATTERNS:
        resource = resource.removesuffix(pattern)
    if resource in OPTIMISED:
        service, name = OPTIMISED[resource]
    elif resource.startswith(SDK_PREFIX) and resource.count(":") == 7:
        sdk_service, action = resource.removeprefix(SDK_PREFIX).split(":")
        service, name = BOTOCORE_NAMES.get(sdk_service, sdk_service), action[:1].upper() + action[1:]
    else:
        raise LookupError(f"Resource {resource} is not an aws-sdk integration this check knows")
    try:
        model = _session.get_service_model(service)
    except UnknownServiceError:
        raise LookupError(f"Resource {resource}: botocore has no service {service}") from None
    if name not in model.operation_names:
        raise LookupError(f"Resource {resource}: {service} has no operation {name}")
    return model.operation_model(name)


def _hint(key: str, members: list[str]) -> str:
    same = [m for m in members if m.lower() == key.lower()]
    close = same or difflib.get_close_matches(key, members, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _is_expression(value: Any, jsonata: bool) -> bool:
    return jsonata and isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def _check(shape: Shape, value: Any, where: str, jsonata: bool) -> Iterator[str]:
    if _is_expression(value, jsonata):
        return
    if isinstance(shape, StructureShape):
        yield from _check_structure(shape, value, where, jsonata)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            yield f"{where} must be a list of {shape.member.name}"
            return
        for index, item in enumerate(value):
            yield from _check(shape.member, item, f"{where}[{index}]", jsonata)
    elif isinstance(shape, MapShape):
        if not isinstance(value, dict):
            yield f"{where} must be an object (map of {shape.value.name})"
            return
        for key, item in value.items():
            if not jsonata and key.endswith(".$"):
                continue
            yield from _check(shape.value, item, f"{where}.{key}", jsonata)
    else:
        yield from _check_scalar(shape, value, where)


def _check_structure(shape: StructureShape, value: Any, where: str, jsonata: bool) -> Iterator[str]:
    if not isinstance(value, dict):
        yield f"{where} must be an object ({shape.name})"
        return
    members = list(shape.members)
    given: set[str] = set()
    for key, item in value.items():
        computed = not jsonata and key.endswith(".$")
        member = key.removesuffix(".$") if computed else key
        camel = member[:1].lower() + member[1:]
        if member not in shape.members and camel in shape.members and camel != member:
            # "Parameters in Step Functions are expressed in PascalCase, even if the native service
            # API is in camelCase" (AWS SDK integrations): TaskToken for Step Functions' taskToken.
            member = camel
        given.add(member)
        if member not in shape.members:
            yield f"{where}.{member} is not a member of {shape.name}{_hint(member, members)}"
        elif not computed:
            yield from _check(shape.members[member], item, f"{where}.{member}", jsonata)
    for required in shape.required_members:
        if required not in given:
            yield f"{where} lacks {required}, required by {shape.name}"


def _check_scalar(shape: Shape, value: Any, where: str) -> Iterator[str]:
    types = SCALARS.get(shape.type_name, ())
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        yield f"{where} must be of type {shape.type_name} ({shape.name}), not {json.dumps(value)}"
    elif (enum := shape.metadata.get("enum")) and value not in enum:
        yield f"{where} is {value!r}, not one of {shape.name}: {', '.join(enum)}"
    elif isinstance(value, int | float) and not isinstance(value, bool):
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            yield f"{where} is {value}, below the minimum {low} of {shape.name}"
        if high is not None and value > high:
            yield f"{where} is {value}, above the maximum {high} of {shape.name}"


def violations(definition: dict[str, Any]) -> list[str]:
    """What in ``definition``'s Tasks the service models refuse, one message per fault, named by state."""
    found: list[str] = []
    for name, state in tasks(definition["States"]):
        try:
            model = operation(state["Resource"])
        except LookupError as error:
            found.append(f"{name}: {error}")
            continue
        jsonata = "Arguments" in state
        field = "Arguments" if jsonata else "Parameters"
        call = f"{name} ({model.service_model.service_name}.{model.name})"
        arguments = state.get(field, {})
        as_json = next((m for r, m in JSON_MEMBERS.items() if state["Resource"].startswith(r)), set())
        if isinstance(arguments, dict) and as_json:
            arguments = {k: "{}" if k in as_json and isinstance(v, dict) else v for k, v in arguments.items()}
        if model.input_shape is None:
            found.extend(f"{call}: {field}.{key} given, {model.name} takes no input" for key in arguments)
        else:
            found.extend(f"{call}: {fault}" for fault in _check(model.input_shape, arguments, field, jsonata))
    return found


@pytest.mark.parametrize("family", ["canary", "guardrails"])
def test_every_task_of_the_bundled_definition_matches_its_service_model(family: Family) -> None:
    definition = json.loads(load_definition(family))
    assert list(tasks(definition["States"])), "the definition has no Task to check"
    assert violations(definition) == []


FABRICATED = {
    "QueryLanguage": "JSONata",
    "StartAt": "Steps",
    "States": {
        "Steps": {
            "Type": "Map",
            "Items": [1],
            "ItemProcessor": {
                "StartAt": "CreateConfig",
                "States": {
                    "CreateConfig": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::aws-sdk:sagemaker:createEndpointConfig",
                        "Arguments": {
                            "EndpointConfigName": "{% $states.input.Name %}",
                            "ProductionVariants": [
                                {
                                    "VariantName": "canary",
                                    "ModelName": "{% $model %}",
                                    "InstanceType": "ml.m5.large",
                                    "InitialInstanceCount": 0,
                                    "VolumeSizeInGb": 30,
                                    "InferenceAmiVersion": "al1-gpu",
                                }
                            ],
                        },
                        "End": True,
                    }
                },
            },
            "Next": "Alarms",
        },
        "Alarms": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "PutAlarm",
                    "States": {
                        "PutAlarm": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::aws-sdk:cloudwatch:putMetricAlarm",
                            "Arguments": {
                                "EvaluationPeriods": "1",
                                "ComparisonOperator": "{% $op %}",
                            },
                            "End": True,
                        },
                    },
                }
            ],
            "End": True,
        },
    },
}


def test_misspelt_missing_wrongly_typed_and_out_of_range_arguments_are_named_with_their_state() -> None:
    create = "CreateConfig (sagemaker.CreateEndpointConfig): Arguments.ProductionVariants[0]"
    alarm = "PutAlarm (cloudwatch.PutMetricAlarm): Arguments"
    amis = _session.get_service_model("sagemaker").shape_for("ProductionVariantInferenceAmiVersion")
    assert violations(FABRICATED) == [
        f"{create}.InitialInstanceCount is 0, below the minimum 1 of InitialTaskCount",
        f"{create}.VolumeSizeInGb is not a member of ProductionVariant (did you mean VolumeSizeInGB?)",
        f"{create}.InferenceAmiVersion is 'al1-gpu', not one of ProductionVariantInferenceAmiVersion: "
        + ", ".join(amis.metadata["enum"]),
        f'{alarm}.EvaluationPeriods must be of type integer (EvaluationPeriods), not "1"',
        f"{alarm} lacks AlarmName, required by PutMetricAlarmInput",
    ]


def test_a_misspelt_member_in_the_bundled_definition_would_be_reported() -> None:
    definition = json.loads(load_definition())
    name, state = next(
        (name, state)
        for name, state in tasks(definition["States"])
        if isinstance(state.get("Arguments", state.get("Parameters")), dict)
    )
    field = "Arguments" if "Arguments" in state else "Parameters"
    state[field]["EndpointNme"] = "x"
    (fault,) = violations(definition)
    assert fault.startswith(f"{name} (")
    assert f"{field}.EndpointNme is not a member of" in fault


def test_jsonpath_parameters_count_their_dollar_keys_as_present_and_check_the_rest() -> None:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:applicationautoscaling:registerScalableTarget",
        "Parameters": {
            "ServiceNamespace": "sagemaker",
            "ResourceId.$": "$.ResourceId",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "MinCapacity.$": "$.Min",
            "MaxCapacity": "{% 4 %}",
            "Suspended.$": "$.Suspended",
        },
        "End": True,
    }
    assert violations({"StartAt": "R", "States": {"R": state}}) == [
        "R (application-autoscaling.RegisterScalableTarget): Parameters.MaxCapacity must be of type integer "
        '(ResourceCapacity), not "{% 4 %}"',
        "R (application-autoscaling.RegisterScalableTarget): Parameters.Suspended is not a member of "
        "RegisterScalableTargetRequest (did you mean SuspendedState?)",
    ]


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (
            "arn:aws:states:::aws-sdk:sagemaker:describeEndpoints",
            "sagemaker has no operation DescribeEndpoints",
        ),
        ("arn:aws:states:::aws-sdk:sagemakr:describeEndpoint", "botocore has no service sagemakr"),
        ("arn:aws:states:::lambda:invoke", "not an aws-sdk integration this check knows"),
    ],
)
def test_a_resource_botocore_does_not_know_is_reported(resource: str, message: str) -> None:
    state = {"Type": "Task", "Resource": resource, "End": True}
    (fault,) = violations({"StartAt": "T", "States": {"T": state}})
    assert fault.startswith("T: ")
    assert message in fault


def test_optimised_and_callback_resources_map_to_their_operation() -> None:
    assert operation("arn:aws:states:::sns:publish").name == "Publish"
    assert operation("arn:aws:states:::sns:publish.waitForTaskToken").name == "Publish"
    waited = operation("arn:aws:states:::aws-sdk:sfn:startExecution.waitForTaskToken")
    assert (waited.service_model.service_name, waited.name) == ("stepfunctions", "StartExecution")
    runtime = operation("arn:aws:states:::aws-sdk:sagemakerruntime:invokeEndpoint")
    assert (runtime.service_model.service_name, runtime.name) == ("sagemaker-runtime", "InvokeEndpoint")


def main(argv: list[str]) -> int:
    """Print each violation of the definition at ``argv[0]`` (JSON or YAML); 1 if any, 2 on bad usage."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m tests.statemachine.test_service_models DEFINITION.asl.json|yaml\n")
        return 2
    path = Path(argv[0])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        sys.stderr.write(f"{path}: cannot read: {error.strerror}\n")
        return 2
    definition = yaml.safe_load(text) if path.suffix in {".yaml", ".yml"} else json.loads(text)
    found = violations(definition)
    sys.stdout.write("".join(f"{path}: {fault}\n" for fault in found) or f"{path}: no violations\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
