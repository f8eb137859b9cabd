"""The capacity plan (canary/capacity.py): instances per step and the peak per instance type per phase.

UpdateEndpoint "deploys the EndpointConfig ... to a new fleet of instances"
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html): while an update
provisions, the old fleet and the new one both run. UpdateEndpointWeightsAndCapacities'
``DesiredInstanceCount`` adds instances to the variant it names only
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html).
Weights split traffic per variant, not per instance
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html).
"""

from __future__ import annotations

import pytest

from canary.capacity import plan_capacity

M5 = "ml.m5.large"


def _phases(plan: object) -> dict[str, dict[str, int]]:
    return {phase.name: dict(phase.instances) for phase in plan.phases}  # type: ignore[attr-defined]


def test_four_instances_one_step_is_about_n_plus_c_baking_and_2n_plus_c_provisioning() -> None:
    plan = plan_capacity(current_count=4, current_type=M5, new_type=None, weights=[20])

    assert [(s.weight, s.current, s.canary) for s in plan.steps] == [(20, 4, 1)]
    assert plan.final_count == 4
    assert _phases(plan) == {
        "canary update": {M5: 9},  # old fleet 4 + new fleet 4 + 1
        "bake 20%": {M5: 5},
        "promotion": {M5: 9},  # old fleet 4 + 1 + new fleet 4
        "rollback": {M5: 9},
        "after promotion": {M5: 4},
    }
    assert plan.peak() == {M5: 9}
    assert plan.warnings == ()


def test_ten_instances_two_steps_size_the_canary_to_its_share_and_scale_it_out() -> None:
    plan = plan_capacity(current_count=10, current_type=M5, new_type=None, weights=[20, 50])

    assert [(s.weight, s.canary) for s in plan.steps] == [(20, 2), (50, 5)]
    phases = _phases(plan)
    assert phases["canary update"] == {M5: 22}
    assert phases["bake 20%"] == {M5: 12}
    assert phases["scale-out to 5 canary"] == {M5: 15}  # instances added to the canary only
    assert phases["bake 50%"] == {M5: 15}
    assert phases["promotion"] == {M5: 25}
    assert plan.peak() == {M5: 25}
    assert plan.peak_phase(M5) is not None
    assert plan.peak_phase(M5).name == "promotion"
    assert plan.warnings == ()
    assert all(s.load_ratio(10) <= 1 for s in plan.steps)  # type: ignore[operator]


def test_a_fixed_canary_count_that_overloads_the_canary_warns_with_the_numbers() -> None:
    plan = plan_capacity(
        current_count=10, current_type=M5, new_type=None, weights=[20, 50], canary_instance_count=1
    )

    assert [s.canary for s in plan.steps] == [1, 1]
    assert len(plan.warnings) == 2
    first, second = plan.warnings
    assert "canary-instance-count 1 at 20%" in first
    assert "2.0x" in first
    assert "100% over 10" in first
    assert "5.0x" in second
    assert "(5 at 50%)" in second


def test_a_fixed_canary_within_one_and_a_half_times_the_load_does_not_warn() -> None:
    # 20 % of 4 instances' traffic on 1: 0.8x the load of one of them.
    plan = plan_capacity(
        current_count=4, current_type=M5, new_type=None, weights=[20], canary_instance_count=1
    )
    assert plan.warnings == ()


def test_a_smaller_fixed_fleet_warns_that_each_instance_carries_more_after_promotion() -> None:
    plan = plan_capacity(
        current_count=4,
        current_type=M5,
        new_type=None,
        weights=[20],
        instance_count=1,
        canary_instance_count=1,
    )
    assert plan.final_count == 1
    assert _phases(plan)["promotion"] == {M5: 6}
    assert any("instance-count 1" in w and "4.0x" in w for w in plan.warnings)


def test_an_instance_type_change_counts_each_type_apart_and_warns_loads_cannot_be_compared() -> None:
    plan = plan_capacity(current_count=4, current_type=M5, new_type="ml.g5.xlarge", weights=[20])

    phases = _phases(plan)
    assert phases["canary update"] == {M5: 8, "ml.g5.xlarge": 1}
    assert phases["promotion"] == {M5: 4, "ml.g5.xlarge": 5}
    assert phases["after promotion"] == {"ml.g5.xlarge": 4}
    assert plan.peak() == {M5: 8, "ml.g5.xlarge": 5}
    (warning,) = plan.warnings
    assert "ml.m5.large → ml.g5.xlarge" in warning
    assert "cannot be compared" in warning


def test_the_smoke_test_runs_the_first_canary_with_no_traffic() -> None:
    plan = plan_capacity(current_count=10, current_type=M5, new_type=None, weights=[20], smoke_test=True)
    assert [(s.weight, s.canary) for s in plan.steps] == [(0, 2), (20, 2)]
    assert _phases(plan)["smoke-test"] == {M5: 12}
    assert plan.steps[0].load_ratio(10) is None


def test_a_first_deploy_creates_one_instance_unless_told_otherwise() -> None:
    assert plan_capacity(current_count=0, current_type=None, new_type=M5, weights=[20]).peak() == {M5: 1}
    plan = plan_capacity(current_count=0, current_type=None, new_type=M5, weights=[20], instance_count=3)
    assert plan.first_deploy
    assert plan.peak() == {M5: 3}
    assert plan.steps == ()
    assert plan.lines()[0] == f"capacity: first deploy, 3 {M5}"


def test_lines_show_instances_per_step_and_the_peak_of_each_phase() -> None:
    lines = plan_capacity(current_count=4, current_type=M5, new_type=None, weights=[20]).lines()
    assert f"  step 20% of the traffic: 4 current + 1 canary {M5}" in lines
    assert f"    canary update (provisions a new fleet): 9 {M5}" in lines
    assert lines[-1] == f"  peak of the deploy: 9 {M5}"


def test_a_first_deploy_without_an_instance_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="instance type"):
        plan_capacity(current_count=0, current_type=None, new_type=None, weights=[20])
