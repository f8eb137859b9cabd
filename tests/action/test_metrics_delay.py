"""``metrics-delay-seconds``: how much longer a judged bake lasts for late metrics (docs/state-machine.md,
"Canary vs baseline"), said in the plan, refused with exit 2 when malformed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.action.conftest import Runner, base_inputs, make_endpoint
from tests.proxy import Proxy


def test_the_plan_says_how_much_longer_each_bake_waits_for_its_metrics(runner: Runner, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    result = runner.run(base_inputs(dry_run="true", wait_minutes="20", metrics_delay_seconds=""))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bake 20 min (+180s for late metrics: the last check reads all of it)" in result.stdout
    assert "total bake: 23 min plus endpoint updates" in result.stdout
    unjudged = runner.run(base_inputs(dry_run="true", error_alarms="false", metrics_delay_seconds="120"))
    assert unjudged.returncode == 0, unjudged.stdout + unjudged.stderr
    assert "late metrics" not in unjudged.stdout, "nothing judges the bake: no reason to wait"


@pytest.mark.parametrize("value", ["-1", "3601", "2.5", "three minutes"])
def test_a_malformed_metrics_delay_exits_2_naming_the_input_without_any_aws_call(
    runner: Runner, recorder: Proxy, value: str
) -> None:
    result = runner.run(base_inputs(metrics_delay_seconds=value))
    assert result.returncode == 2, result.stdout + result.stderr
    (error,) = result.log.named("error")
    assert any(line.startswith("metrics-delay-seconds: ") for line in error.data.splitlines()), error.data
    assert recorder.operations == []
