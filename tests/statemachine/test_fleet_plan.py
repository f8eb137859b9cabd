"""The fleet's numbers, stated twice: in the state machine's plan (so a console start sizes its canary
too) and in canary/fleet.py (the plan the action prints). They agree: the definition's own plan
expression, evaluated by JSONata, against the Python rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from canary.emulator.jsonata_eval import evaluate
from canary.fleet import canary_sizes, promoted_count
from canary.statemachine import load_definition
from tests.statemachine.conftest import make_document


def _plan(instances: int, **changes: Any) -> dict[str, Any]:
    state = json.loads(load_definition())["States"]["ReadScalingPolicies"]
    expression = state["Assign"]["plan"].removeprefix("{%").removesuffix("%}")
    variant = {"VariantName": "Blue", "ModelName": "ep-v1", "InstanceType": "ml.m5.large"}
    plan: dict[str, Any] = evaluate(
        expression,
        {
            "in": json.loads(make_document("ep", **changes).to_json()),
            "config": {"ProductionVariants": [{**variant, "InitialInstanceCount": 1}]},
            "model": {"PrimaryContainer": {"Image": "r:v1"}},
            "current": {"endpoint": {"InstanceCount": instances}},
            "configTags": [],
            "modelTags": [],
        },
    )
    return plan


@pytest.mark.parametrize(
    ("instances", "weights", "fixed", "override"),
    [(10, [20, 50], None, None), (4, [5, 25, 50], None, None), (1, [10], None, None), (10, [20, 50], 1, 6)],
)
def test_the_state_machine_and_the_action_size_the_fleet_alike(
    instances: int, weights: list[int], fixed: int | None, override: int | None
) -> None:
    plan = _plan(instances, CanaryWeights=weights, CanaryInstanceCount=fixed, InstanceCount=override)
    assert plan["canarySizes"] == canary_sizes(instances, weights, fixed)
    [current, canary] = plan["config"]["ProductionVariants"]
    assert (current["InitialInstanceCount"], canary["InitialInstanceCount"]) == (
        instances,
        plan["canarySizes"][0],
    )
    [promoted] = plan["finalConfig"]["ProductionVariants"]
    assert promoted["InitialInstanceCount"] == promoted_count(instances, override)


def test_a_ten_instance_fleet_at_20_then_50_percent_runs_2_then_5() -> None:
    assert canary_sizes(10, [20, 50], None) == [2, 5]
    assert canary_sizes(10, [20, 50], 1) == [1, 1], "a fixed canary-instance-count stays fixed"
    assert canary_sizes(3, [1], None) == [1], "at least one instance"
    assert promoted_count(None, None) == 1, "a first deploy"
