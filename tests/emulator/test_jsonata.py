"""State machines in JSONata mode run in the emulator as the AWS Step Functions documentation says.

Each test runs a small ``"QueryLanguage": "JSONata"`` machine over HTTP and checks what AWS documents;
the pages are cited per test. What moto still does differently is listed in docs/emulator.md.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from canary.emulator import Emulator, EmulatorTimings
from tests.emulator.test_stepfunctions import SDK, _run

ISO_MILLIS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def _jsonata(states: dict[str, Any], start: str | None = None) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states}


def _output(described: dict[str, Any]) -> Any:
    assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
    return json.loads(described["output"])


def _history(sfn: Any, execution_arn: str, **kwargs: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = sfn.get_execution_history(
            executionArn=execution_arn, maxResults=2, **kwargs, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if token is None:
            return events


def test_assign_sees_values_from_before_the_state_and_is_in_the_history(aws: Any) -> None:
    """workflow-variables.html: variables set in ``Assign`` are visible to later states, and every
    expression of one ``Assign`` sees the values from before the state; the ``…StateExited`` event
    carries ``assignedVariables``, each value as JSON text."""
    sfn = aws("stepfunctions")
    machine = _jsonata(
        {
            "First": {
                "Type": "Pass",
                "Assign": {"x": 1, "quote": 'say "hi"\n', "none": None},
                "Next": "Second",
            },
            "Second": {"Type": "Pass", "Assign": {"x": "{% $x + 1 %}", "was": "{% $x %}"}, "Next": "Third"},
            "Third": {
                "Type": "Pass",
                "Output": {
                    "x": "{% $x %}",
                    "was": "{% $was %}",
                    "quote": "{% $quote %}",
                    "none": "{% $none %}",
                },
                "End": True,
            },
        }
    )
    described = _run(sfn, machine)
    assert _output(described) == {"x": 2, "was": 1, "quote": 'say "hi"\n', "none": None}
    for include_data in (True, False):
        exited = [
            event["stateExitedEventDetails"]
            for event in _history(sfn, described["executionArn"], includeExecutionData=include_data)
            if event["type"] == "PassStateExited"
        ]
        assigned = {d["name"]: d.get("assignedVariables") for d in exited}
        assert {k: json.loads(v) for k, v in assigned["First"].items()} == {
            "x": 1,
            "quote": 'say "hi"\n',
            "none": None,
        }
        assert assigned["Second"] == {"x": "2", "was": "1"}
        assert "output" in exited[0] if include_data else "output" not in exited[0]


def test_aws_sdk_task_arguments_result_and_iso_timestamps(aws: Any) -> None:
    """transforming-data.html: ``Arguments`` built with JSONata (object constructors, ``$merge``),
    ``$states.input``, and ``$states.result`` in ``Output`` and ``Assign``; an SDK result's timestamps
    are ISO-8601 strings in the state's JSON (docs/emulator.md)."""
    sm = aws("sagemaker")
    sm.create_model(
        ModelName="m",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:v1"},
    )
    machine = _jsonata(
        {
            "Describe": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:describeModel",
                "Arguments": "{% $merge([{'ModelName': 'wrong'}, {'ModelName': $states.input.model}]) %}",
                "Assign": {"created": "{% $states.result.CreationTime %}"},
                "Output": {
                    "name": "{% $states.result.ModelName %}",
                    "created": "{% $states.result.CreationTime %}",
                    "millis": "{% $toMillis($states.result.CreationTime) %}",
                },
                "Next": "Show",
            },
            "Show": {"Type": "Pass", "Output": {"fromVariable": "{% $created %}"}, "End": True},
        }
    )
    output = _output(_run(aws("stepfunctions"), machine, {"model": "m"}))
    assert output["fromVariable"]
    assert re.fullmatch(ISO_MILLIS, output["fromVariable"])
    assert isinstance(aws("sagemaker").describe_model(ModelName="m")["CreationTime"].year, int)


def test_catch_output_and_assign_see_the_error_output(aws: Any) -> None:
    """concepts-error-handling.html: in a Catch, ``$states.errorOutput`` holds ``Error`` and ``Cause``
    for its ``Output`` and ``Assign``; aws-sdk errors are named ``SageMaker.…``."""
    machine = _jsonata(
        {
            "Describe": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:describeEndpoint",
                "Arguments": {"EndpointName": "missing"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"error": "{% $states.errorOutput.Error %}"},
                        "Output": {"cause": "{% $states.errorOutput.Cause %}"},
                        "Next": "Report",
                    }
                ],
                "End": True,
            },
            "Report": {
                "Type": "Pass",
                "Output": "{% $merge([$states.input, {'error': $error}]) %}",
                "End": True,
            },
        }
    )
    output = _output(_run(aws("stepfunctions"), machine))
    assert output["error"] == "SageMaker.SageMakerException"
    assert "Could not find endpoint" in output["cause"]


def test_expression_errors_are_query_evaluation_errors_that_states_all_catches(aws: Any) -> None:
    """concepts-error-handling.html: a JSONata expression that fails (here a type error) or returns
    nothing raises ``States.QueryEvaluationError``, which ``States.ALL`` catches."""
    failing = {
        "Bad": {
            "Type": "Task",
            "Resource": SDK + "sagemaker:listEndpoints",
            "Arguments": {"MaxResults": "{% 1 + 'one' %}"},
            "End": True,
        }
    }
    described = _run(aws("stepfunctions"), _jsonata(failing))
    assert described["status"] == "FAILED"
    assert described["error"] == "States.QueryEvaluationError"
    caught = {
        "Bad": {
            "Type": "Pass",
            "Output": "{% $states.input.nothing %}",
            "End": True,
        }
    }
    undefined = _run(aws("stepfunctions"), _jsonata(caught))
    assert undefined["error"] == "States.QueryEvaluationError"
    assert "returned nothing" in undefined["cause"]
    failing["Bad"]["Catch"] = [
        {"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "Handled"}
    ]
    failing["Bad"].pop("End")
    failing["Handled"] = {"Type": "Succeed"}
    assert _output(_run(aws("stepfunctions"), _jsonata(failing)))["Error"] == "States.QueryEvaluationError"


def test_states_all_does_not_catch_states_runtime(aws: Any) -> None:
    """concepts-error-handling.html: "A retry or catch on States.ALL won't catch States.Runtime
    errors" (here a JSONPath ``InputPath`` that does not resolve)."""
    machine = {
        "StartAt": "Bad",
        "States": {
            "Bad": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:listEndpoints",
                "InputPath": "$.missing",
                "Parameters": {},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        },
    }
    described = _run(aws("stepfunctions"), machine)
    assert described["status"] == "FAILED"
    assert described["error"] == "States.Runtime"


def test_retry_with_scaled_backoff_counts_attempts_in_the_context(aws: Any, emulator: Emulator) -> None:
    """concepts-error-handling.html: a Retrier retries ``MaxAttempts`` times, each wait
    ``IntervalSeconds`` times ``BackoffRate`` per retry (here 2 s, 4 s, 8 s; scaled by ``retry_scale`` 0.01);
    ``$states.context.State.RetryCount`` counts the retries."""
    emulator.set_timings(EmulatorTimings(retry_scale=0.01))
    sfn = aws("stepfunctions")
    machine = _jsonata(
        {
            "Call": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:describeEndpoint",
                "Arguments": {"EndpointName": "{% 'attempt-' & $string($states.context.State.RetryCount) %}"},
                "Retry": [
                    {
                        "ErrorEquals": ["SageMaker.SageMakerException"],
                        "IntervalSeconds": 2,
                        "BackoffRate": 2,
                        "MaxAttempts": 3,
                    }
                ],
                "End": True,
            }
        }
    )
    described = _run(sfn, machine)
    assert described["error"] == "SageMaker.SageMakerException"
    scheduled = [
        json.loads(event["taskScheduledEventDetails"]["parameters"])["EndpointName"]
        for event in _history(sfn, described["executionArn"])
        if event["type"] == "TaskScheduled"
    ]
    assert scheduled == ["attempt-0", "attempt-1", "attempt-2", "attempt-3"]


def test_context_choice_condition_wait_seconds_and_fail_expressions(aws: Any) -> None:
    """transforming-data.html ``$states.context``; state-choice.html ``Condition``; state-wait.html
    ``Seconds`` from an expression; state-fail.html ``Error``/``Cause`` as expressions."""
    machine = _jsonata(
        {
            "Look": {
                "Type": "Pass",
                "Assign": {
                    "name": "{% $states.context.Execution.Name %}",
                    "started": "{% $states.context.Execution.StartTime %}",
                    "entered": "{% $states.context.State.EnteredTime %}",
                    "retries": "{% $states.context.State.RetryCount %}",
                },
                "Next": "Pause",
            },
            "Pause": {"Type": "Wait", "Seconds": "{% $retries + 0 %}", "Next": "Pick"},
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {
                "Type": "Pass",
                "Output": {
                    "name": "{% $name %}",
                    "started": "{% $started %}",
                    "entered": "{% $entered %}",
                    "retries": "{% $retries %}",
                },
                "End": True,
            },
            "Small": {
                "Type": "Fail",
                "Error": "{% 'Canary.' & 'TooSmall' %}",
                "Cause": "{% 'n=' & $string($states.input.n) %}",
            },
        }
    )
    sfn = aws("stepfunctions")
    output = _output(_run(sfn, machine, {"n": 2}))
    assert len(output["name"]) == 36  # StartExecution without a name: a UUID
    assert re.fullmatch(ISO_MILLIS, output["entered"])
    assert output["started"][:4].isdigit()
    assert output["retries"] == 0
    small = _run(sfn, machine, {"n": 1})
    assert (small["status"], small["error"], small["cause"]) == ("FAILED", "Canary.TooSmall", "n=1")


def test_map_items_item_selector_and_variable_scope(aws: Any) -> None:
    """state-map.html (JSONata: ``Items``, ``ItemSelector`` with ``$states.context.Map.Item``);
    workflow-variables.html "Variable scope": the item processor reads outer variables, and its own
    variables are not seen outside it."""
    machine = _jsonata(
        {
            "Set": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "Each"},
            "Each": {
                "Type": "Map",
                "Items": "{% $states.input.values %}",
                "ItemSelector": {
                    "value": "{% $states.context.Map.Item.Value %}",
                    "index": "{% $states.context.Map.Item.Index %}",
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Scale",
                    "States": {
                        "Scale": {
                            "Type": "Pass",
                            "Assign": {"inner": "{% $states.input.value * $factor %}"},
                            "Next": "Emit",
                        },
                        "Emit": {"Type": "Pass", "Output": "{% $inner + $states.input.index %}", "End": True},
                    },
                },
                "Output": {"scaled": "{% $states.result %}", "innerSeen": "{% $exists($inner) %}"},
                "End": True,
            },
        }
    )
    assert _output(_run(aws("stepfunctions"), machine, {"values": [1, 2, 3]})) == {
        "scaled": [10, 21, 32],
        "innerSeen": False,
    }


def test_jsonata_functions(aws: Any) -> None:
    """transforming-data.html: JSONata's own functions, as a deploy uses them."""
    expressions = {
        "merge": "$merge([{'a': 1}, {'b': 2}])",
        "exists": "[$exists($states.input.a), $exists($states.input.zz)]",
        "count": "$count($states.input.list)",
        "sum": "$sum($states.input.list)",
        "max": "$max($states.input.list)",
        "round": "$round(2.567, 2)",
        "string": "$string(5)",
        "number": "$number('12.5')",
        "lookup": "$lookup($states.input, 'a')",
        "keys": "$keys({'x': 1, 'y': 2})",
        "filter": "$filter($states.input.list, function($v) { $v > 1 })",
        "map": "$map($states.input.list, function($v) { $v * 2 })",
        "append": "$append($states.input.list, [9])",
        "contains": "$contains('ml.m5.large', 'm5')",
        "join": "$join(['a', 'b'], '-')",
        "substring": "$substring('canary', 0, 3)",
        "sift": "$sift({'a': 1, 'b': 2}, function($v) { $v > 1 })",
        "toMillis": "$toMillis('1970-01-01T00:00:01.000Z')",
        "now": "$now()",
    }
    machine = _jsonata(
        {
            "All": {
                "Type": "Pass",
                "Output": {k: "{% " + v + " %}" for k, v in expressions.items()},
                "End": True,
            }
        }
    )
    output = _output(_run(aws("stepfunctions"), machine, {"a": "A", "list": [1, 2, 3]}))
    now = output.pop("now")
    assert re.fullmatch(ISO_MILLIS, now)
    assert output == {
        "merge": {"a": 1, "b": 2},
        "exists": [True, False],
        "count": 3,
        "sum": 6,
        "max": 3,
        "round": 2.57,
        "string": "5",
        "number": 12.5,
        "lookup": "A",
        "keys": ["x", "y"],
        "filter": [2, 3],
        "map": [2, 4, 6],
        "append": [1, 2, 3, 9],
        "contains": True,
        "join": "a-b",
        "substring": "can",
        "sift": {"b": 2},
        "toMillis": 1000,
    }


def test_step_functions_provided_functions(aws: Any) -> None:
    """transforming-data.html "JSONata functions provided by Step Functions": ``$partition``,
    ``$range``, ``$hash``, ``$random``, ``$uuid``, ``$parse``."""
    expressions = {
        "partition": "$partition([1, 2, 3, 4, 5], 2)",
        "range": "$range(0, 10, 4)",
        "hash": "$hash('abc', 'SHA-256')",
        "seeded": "[$random(7) = $random(7), $random() < 1]",
        "uuid": "$uuid()",
        "parse": "$parse('{\"a\": [1, null]}')",
    }
    machine = _jsonata(
        {
            "All": {
                "Type": "Pass",
                "Output": {k: "{% " + v + " %}" for k, v in expressions.items()},
                "End": True,
            }
        }
    )
    output = _output(_run(aws("stepfunctions"), machine))
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", output.pop("uuid"))
    assert output == {
        "partition": [[1, 2], [3, 4], [5]],
        "range": [0, 4, 8],
        "hash": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "seeded": [True, True],
        "parse": {"a": [1, None]},
    }


@pytest.mark.parametrize("algorithm", ["SHA-3", "md5"])
def test_hash_with_an_unknown_algorithm_is_a_query_evaluation_error(aws: Any, algorithm: str) -> None:
    """transforming-data.html: ``$hash`` accepts MD5, SHA-1, SHA-256, SHA-384 and SHA-512."""
    machine = _jsonata(
        {"H": {"Type": "Pass", "Output": "{% $hash('x', '" + algorithm + "') %}", "End": True}}
    )
    described = _run(aws("stepfunctions"), machine)
    assert described["error"] == "States.QueryEvaluationError"
    assert "SHA-256" in described["cause"]


def test_a_choice_states_own_assign_applies_whichever_rule_matches(aws: Any) -> None:
    """Choice workflow state (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html),
    "Choice Rules (JSONata)": a rule's ``Assign`` applies when that rule matches; an ``Assign`` at the
    state level applies whichever rule matches."""
    definition = _jsonata(
        {
            "Pick": {
                "Type": "Choice",
                "Choices": [
                    {"Condition": "{% $states.input.n = 1 %}", "Assign": {"rule": "one"}, "Next": "One"},
                    {"Condition": "{% $states.input.n = 2 %}", "Next": "Other"},
                ],
                "Default": "Other",
                "Assign": {"state": "{% 'seen ' & $string($states.input.n) %}"},
            },
            "One": {"Type": "Pass", "Output": "{% {'rule': $rule, 'state': $state} %}", "End": True},
            "Other": {"Type": "Pass", "Output": "{% {'state': $state} %}", "End": True},
        }
    )
    sfn = aws("stepfunctions")
    assert _output(_run(sfn, definition, {"n": 1})) == {"rule": "one", "state": "seen 1"}
    assert _output(_run(sfn, definition, {"n": 2})) == {"state": "seen 2"}, "a rule to the Default's state"
    assert _output(_run(sfn, definition, {"n": 3})) == {"state": "seen 3"}, "the Default"
