"""The smoke test: the canary variant alone answers one request at weight 0, before any traffic."""

from __future__ import annotations

import json
import re

import pytest

from canary.emulator import runtime
from canary.execution_input import ContainerSpec, SmokeTestSettings, expect_problem
from tests.statemachine.conftest import Deploys

pytestmark = pytest.mark.execution

BODY = '{"instances": [[1, 2]]}'


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
    assert (call.variant, call.target_variant, call.body) == ("Canary", "Canary", BODY)
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
    assert json.loads(runtime.invocations()[0].body) == json.loads(BODY)


# The state machine's own matcher against Python's re.search: same verdicts on the supported subset.
MATCHER_CASES = [
    (r'"label":\s*"[a-z]+"', '{"label": "cat"}', True),
    (r'"label":\s*"[a-z]+"', '{"label": "Cat"}', False),
    (r"^\{.*\}$", '{"a": 1}', True),
    (r"^ok$", "not ok", False),
    (r"[^0-9]x\d+", "7x1 ax12", True),
    (r"a\.b?c*d", "a.d", True),
]


def test_the_definition_matches_the_expectation_as_a_regular_expression_search() -> None:
    import jsonata

    from canary.statemachine import load_definition

    wait = json.loads(load_definition())["States"]["SmokeTest"]["Assign"]["wait"]
    expression = re.sub(r"^\{%|%\}$", "", wait.strip())
    for pattern, text, expected in MATCHER_CASES:
        assert expect_problem(pattern) is None, pattern
        assert (re.search(pattern, text) is not None) is expected
        bound = expression.replace("$states.result.Body", json.dumps(text)).replace(
            "$in.SmokeTest.Expect", json.dumps(pattern)
        )
        result = jsonata.Jsonata("($wait := {}; " + bound + ")").evaluate(None)
        assert result["phase"] == ("smoked" if expected else "smoke-failed"), (pattern, text)


@pytest.mark.parametrize("pattern", ["(a|b)", "a{2}", "a+?", "x$y"])
def test_expectations_outside_the_matched_subset_are_refused(pattern: str) -> None:
    assert expect_problem(pattern) is not None
    with pytest.raises(ValueError, match=r"SmokeTest\.Expect"):
        SmokeTestSettings(Body="{}", Expect=pattern)
