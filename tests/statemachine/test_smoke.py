"""The smoke test: the canary variant alone answers one request at weight 0, before any traffic."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from canary.emulator import runtime
from canary.emulator.jsonata_eval import evaluate
from canary.execution_input import ContainerSpec
from canary.smoke_pattern import PatternError, compile_pattern, run
from canary.smoke_test import SmokeTestSettings
from tests.statemachine.conftest import Deploys

pytestmark = pytest.mark.execution

BODY: dict[str, Any] = {"instances": [[1, 2]], "text": "café"}
SENT = '{"instances":[[1,2]],"text":"café"}'
"""What the container receives: the body's compact JSON, as Step Functions encodes a blob member given a
JSON value (a string would arrive quoted; docs/emulator.md, "blob arguments")."""


def _smoke(expect: str = "") -> SmokeTestSettings:
    return SmokeTestSettings(Body=BODY, Expect=expect)


def test_canary_joins_at_weight_0_answers_alone_then_takes_its_first_weight(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    document = deploys.document(SmokeTest=_smoke(expect=r'"variant": "Canary"'))
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    scheduled = [
        json.loads(e["taskScheduledEventDetails"]["parameters"])
        for e in outcome.events
        if e["type"] == "TaskScheduled"
    ]
    [config] = [
        p
        for p in scheduled
        if p.get("EndpointConfigName") == document.Names.CanaryConfig and "ProductionVariants" in p
    ]
    weights = {v["VariantName"]: v["InitialVariantWeight"] for v in config["ProductionVariants"]}
    assert weights == {"Blue": 100, "Canary": 0}, "no user request reaches the canary before the test"
    [call] = runtime.invocations()
    assert (call.variant, call.target_variant, call.body) == ("Canary", "Canary", SENT)
    assert (call.content_type, call.accept) == ("application/json", "application/json")
    entered = outcome.entered()
    assert entered.index("SmokeTest") < entered.index("ShiftTraffic") < entered.index("CheckAlarms")
    assert outcome.calls("updateEndpointWeightsAndCapacities") == 1, "then the first weight, 20"


@pytest.mark.parametrize(
    ("image", "expect", "quoted"),
    [
        ("repo/model:smoke-500", "", "Received server error (500)"),
        ("repo/model:smoke-wrong", r'"variant": "Canary"', '"{\\"error\\": \\"wrong model\\"}"'),
    ],
)
def test_a_failed_or_unexpected_answer_rolls_back_before_any_traffic(
    deploys: Deploys, image: str, expect: str, quoted: str
) -> None:
    original = deploys.existing_endpoint()
    document = deploys.document(
        Container=ContainerSpec(Image=image), SmokeTest=_smoke(expect=expect), CanaryWeights=[20, 50]
    )
    outcome = deploys.run(document)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.SmokeTestFailed")
    assert outcome.cause is not None
    assert outcome.cause.startswith(f"Rolled back: endpoint ep is on {original} again.")
    assert "canary variant Canary (at weight 0, before any user request) failed" in outcome.cause
    assert quoted.replace('\\"', '"') in outcome.cause.replace('\\"', '"')
    if expect:
        assert f"expected a body matching /{expect}/" in outcome.cause
    assert outcome.calls("updateEndpointWeightsAndCapacities") == 0, "the canary never got a weight"
    assert "StopCanaryTraffic" not in outcome.entered()
    endpoint = deploys.wait_in_service()
    assert endpoint["EndpointConfigName"] == original
    deploys.assert_no_leftovers(document)


def test_an_answer_too_large_for_a_task_result_rolls_back_cleanly(deploys: Deploys) -> None:
    """InvokeEndpoint may answer up to 6 MB
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html); a task
    result over 256 KiB is States.DataLimitExceeded, which no Catch on States.ALL takes
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). The call runs in
    a child execution, whose failure its parent's startExecution.sync:2 task reports as
    States.TaskFailed (https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html):
    a 1 MiB answer is a judged smoke test that rolls back, never a dead deploy."""
    original = deploys.existing_endpoint()
    document = deploys.document(
        Container=ContainerSpec(Image=f"repo/model:{runtime.LARGE_BODY_TAG}"), SmokeTest=_smoke()
    )
    outcome = deploys.run(document)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.SmokeTestFailed")
    assert outcome.cause is not None
    assert outcome.cause.startswith(f"Rolled back: endpoint ep is on {original} again.")
    assert "larger than the 256 KiB a Step Functions task result may hold" in outcome.cause
    assert [c.target_variant for c in runtime.invocations()] == ["Canary"]
    assert deploys.wait_in_service()["EndpointConfigName"] == original
    deploys.assert_no_leftovers(document)


def test_a_first_deploy_is_smoke_tested_before_it_is_declared_deployed(deploys: Deploys) -> None:
    document = deploys.document(
        InstanceType="ml.m5.large",
        Container=ContainerSpec(Image="repo/model:smoke-wrong"),
        SmokeTest=_smoke(expect=r"^\{?\"predictions\""),
    )
    outcome = deploys.run(document)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.SmokeTestFailed")
    assert outcome.cause is not None
    assert "the endpoint, its config and model were deleted" in outcome.cause
    assert [c.target_variant for c in runtime.invocations()] == ["AllTraffic"]
    assert deploys.endpoint not in {e["EndpointName"] for e in deploys.sm.list_endpoints()["Endpoints"]}


def test_a_first_deploy_that_answers_is_deployed(deploys: Deploys) -> None:
    document = deploys.document(InstanceType="ml.m5.large", SmokeTest=_smoke(expect=r"\"input\": \"\{"))
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert runtime.invocations()[0].body == SENT


# The state machine runs the automaton canary/smoke_pattern.py compiles: the verdicts of re.search.
MATCHER_CASES = [
    (r'"label":\s*"[a-z]+"', '{"label": "cat"}', True),
    (r'"label":\s*"[a-z]+"', '{"label": "Cat"}', False),
    (r"^\{.*\}$", '{"a": 1}', True),
    (r"^ok$", "not ok", False),
    (r"^ok$", "ok\n", True),
    (r"[^0-9]x\d+", "7x1 ax12", True),
    (r"a\.b?c*d", "a.d", True),
    (r"^ok-\d{40}$", "ok-" + "7" * 40, True),
    (r"^ok-\d{40}$", "ok-" + "7" * 39, False),
    (r'"label": "(cat|dog)"', '{"label": "dog"}', True),
    (r'"label": "(cat|dog)"', '{"label": "cow"}', False),
    (r"(ab){2,3}c", "xxababc", True),
    (r"é+\Z", "caféé", True),
]


def _definition_verdict(smoke: dict[str, Any], body: str) -> str:
    from canary.statemachine import load_definition

    wait = json.loads(load_definition())["States"]["SmokeCall"]["Output"]
    expression = re.sub(r"^\{%|%\}$", "", wait.strip())
    bindings = {"states": {"result": {"Body": body}, "input": {"SmokeTestOf": smoke}}}
    return "smoked" if evaluate(expression, bindings)["ok"] is True else "smoke-failed"


@pytest.mark.parametrize(("pattern", "text", "expected"), MATCHER_CASES)
def test_the_definition_runs_the_compiled_expression_as_re_search_does(
    pattern: str, text: str, expected: bool
) -> None:
    assert (re.search(pattern, text, re.ASCII) is not None) is expected
    smoke = SmokeTestSettings(Body={}, Expect=pattern).model_dump(exclude_none=True)
    assert _definition_verdict(smoke, text) == ("smoked" if expected else "smoke-failed")


def _caught_response(cause: str) -> str:
    """What SmokeTest's Catch makes of a failed child execution's cause (its DescribeExecution)."""
    from canary.statemachine import load_definition

    wait = json.loads(load_definition())["States"]["SmokeTest"]["Catch"][0]["Assign"]["wait"]
    expression = re.sub(r"^\{%|%\}$", "", wait.strip())
    error = {"Error": "States.TaskFailed", "Cause": cause}
    result = evaluate(expression, {"states": {"errorOutput": error}, "wait": {}})
    assert result["phase"] == "smoke-failed"
    return str(result["response"])


def test_a_failed_childs_cause_is_read_without_parsing_it_whole() -> None:
    """Step Functions cuts a cause at 32,768 characters (TaskFailedEventDetails), and the child's
    DescribeExecution holds its input, the request: the Catch reads the last error and cause with
    regular expressions, never $parse (which a cut cause would make fail, uncaught)."""
    described = {
        "Input": {"SmokeTestOf": {"Body": {"Error": "not this one", "pad": "x" * 40_000}}},
        "Error": "SageMakerRuntime.ModelErrorException",
        "Cause": 'Received server error (500) with message "boom"',
    }
    full = json.dumps(described)
    assert _caught_response(full) == (
        'SageMakerRuntime.ModelErrorException: Received server error (500) with message "boom"'
    )
    cut = full[:32_768]
    assert _caught_response(cut).startswith("States.TaskFailed: {")
    large = json.dumps({"Input": {}, "Error": "States.DataLimitExceeded", "Cause": "The state/task …"})
    assert "larger than the 256 KiB" in _caught_response(large)


def test_a_hand_written_document_checks_a_plain_substring() -> None:
    assert _definition_verdict({"Body": {}, "Contains": "ok"}, "it is ok") == "smoked"
    assert _definition_verdict({"Body": {}, "Contains": "ok"}, "it is not") == "smoke-failed"
    assert _definition_verdict({"Body": {}}, "anything") == "smoked"


def test_the_compiled_automaton_agrees_with_re_search_on_random_expressions() -> None:
    """A property test, seeded (hypothesis is not in the lock): random expressions of characters,
    classes, groups, alternation and repetition, anchored or not, against random texts."""
    rng = random.Random(18)  # noqa: S311 - a reproducible sample, not a secret
    atoms = ["a", "b", ".", r"\d", r"\w", r"\s", "[ab]", "[^a]", "-", "é", "\n"]

    def expression(depth: int = 0) -> str:
        roll = rng.random()
        if depth > 2 or roll < 0.4:
            text = rng.choice(atoms)
        elif roll < 0.6:
            text = f"({expression(depth + 1)}|{expression(depth + 1)})"
        else:
            text = f"({expression(depth + 1)}{expression(depth + 1)})"
        return text + rng.choice(["", "", "*", "+", "?", "{1,2}", "*?"])

    checked = through_definition = 0
    for _ in range(200):
        pattern = rng.choice(["", "^"]) + expression() + rng.choice(["", "$", r"\Z"])
        try:
            automaton = compile_pattern(pattern)
        except PatternError:
            continue
        for index in range(20):
            text = "".join(rng.choice("ab1 -.\né") for _ in range(rng.randint(0, 8)))
            expected = re.search(pattern, text, re.ASCII) is not None
            assert run(automaton, text) is expected, (pattern, text)
            checked += 1
            if index < 2:  # and the definition's own JSONata, on a sample (slower)
                smoke = {"Body": {}, "Match": automaton}
                assert _definition_verdict(smoke, text) == ("smoked" if expected else "smoke-failed"), (
                    pattern,
                    text,
                )
                through_definition += 1
    assert checked > 3000
    assert through_definition > 300


@pytest.mark.parametrize("pattern", [r"(a)\1", "(?=a)", r"\bword", "(?i)ok", "x$y", "a^", "a++", "[a-"])
def test_expressions_no_automaton_can_run_are_refused(pattern: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(pattern)
    with pytest.raises(ValueError, match=r"SmokeTest\.Expect"):
        SmokeTestSettings(Body={}, Expect=pattern)


def test_an_automaton_past_its_bound_is_refused() -> None:
    with pytest.raises(PatternError, match="4,096"):
        compile_pattern(r"\d{40}[a-f]{40}x{40}")


def _start_raw(deploys: Deploys, document: dict[str, Any]) -> str:
    started = deploys.sfn.start_execution(stateMachineArn=deploys.machine, input=json.dumps(document))
    return str(started["executionArn"])


@pytest.mark.parametrize(
    "smoke",
    [{"Body": '{"instances": [[1, 2]]}'}, {"Body": {"a": 1}, "Expect": "^ok"}],
    ids=["body-as-string", "expect-without-match"],
)
def test_a_hand_written_smoke_test_the_definition_cannot_send_as_written_is_refused(
    deploys: Deploys, smoke: dict[str, Any]
) -> None:
    """A string body would reach the container JSON-encoded (docs/emulator.md, "blob arguments"), and an
    Expect without its compiled Match could not be matched: ValidateInput refuses both, nothing changed."""
    deploys.existing_endpoint()
    document = json.loads(deploys.document(SmokeTest=_smoke()).to_json())
    document["SmokeTest"] = smoke
    outcome = deploys.finish(_start_raw(deploys, document))
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.InvalidInput")
    assert runtime.invocations() == []


def test_an_asynchronous_endpoint_is_refused_a_smoke_test_before_any_change(deploys: Deploys) -> None:
    """An endpoint with AsyncInferenceConfig "can only receive asynchronous invocations"
    (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html): CheckEndpoint refuses a
    smoke test (a console start), Canary.UnsupportedEndpoint, before anything is created."""
    sm = deploys.sm
    sm.create_model(
        ModelName="ep-v1",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sm",
        PrimaryContainer={"Image": "repo/model:v1"},
    )
    sm.create_endpoint_config(
        EndpointConfigName="ep-orig",
        ProductionVariants=[{"VariantName": "Blue", "ModelName": "ep-v1", "InstanceType": "ml.m5.large",
                             "InitialInstanceCount": 1}],
        AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://bucket/out"}},
    )  # fmt: skip
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="ep-orig")
    deploys.wait_in_service()
    document = deploys.document(SmokeTest=_smoke())
    outcome = deploys.run(document)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.UnsupportedEndpoint")
    assert outcome.cause is not None
    assert "is asynchronous (AsyncInferenceConfig): no SmokeTest can call it" in outcome.cause
    assert runtime.invocations() == []
    assert deploys.models() == {"ep-v1"}, "nothing was created"
