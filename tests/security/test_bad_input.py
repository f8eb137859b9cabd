"""Bad input beyond tests/action/test_inputs.py's table: same contract, more of what users get wrong.

docs/design.md, "Guarantees": each malformed set exits 2 with one ``::error`` that names the input and
says how to fix it, and the action makes no AWS call at all (counted by the recording proxy). The rows
here are the ones the action's own table does not try; the assertion is the same.
"""

from __future__ import annotations

import pytest

from tests.action.conftest import Runner, base_inputs
from tests.proxy import Proxy

EXTRA: list[tuple[str, dict[str, str], str]] = [
    ("model-data-bucket-only", {"model_data": "s3://"}, "model-data"),
    ("model-data-spaces", {"model_data": "s3://bucket/my model.tar.gz"}, "model-data"),
    ("alarm-check-decimal", {"alarm_check_seconds": "1.5"}, "alarm-check-seconds"),
    ("alarm-check-words", {"alarm_check_seconds": "a minute"}, "alarm-check-seconds"),
    ("execution-name-colon", {"execution_name": "deploy:prod"}, "execution-name"),
    ("execution-name-angle", {"execution_name": "<deploy>"}, "execution-name"),
    ("env-value-too-long", {"model_environment": "BLOB=" + "x" * 1025}, "model-environment"),
    ("env-value-newline-escape", {"model_environment": "=value"}, "model-environment"),
    ("weights-trailing-comma", {"canary_weights": "10,50,"}, "canary-weights"),
    ("autoscaling-max-words", {"autoscaling_max_capacity": "many", "autoscaling_target": "70"},
     "autoscaling-max-capacity"),
    ("autoscaling-target-negative", {"autoscaling_max_capacity": "4", "autoscaling_target": "-5"},
     "autoscaling-target"),
    ("role-wrong-service", {"execution_role_arn": "arn:aws:s3:::bucket"}, "execution-role-arn"),
    ("sfn-role-is-policy", {"state_machine_role_arn": "arn:aws:iam::123456789012:policy/x"},
     "state-machine-role-arn"),
    ("image-uri-newline", {"image_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1\n::error::x"},
     "image-uri"),
    ("endpoint-name-newline", {"endpoint_name": "churn\n::set-output name=outcome::deployed"},
     "endpoint-name"),
]  # fmt: skip


@pytest.mark.parametrize(("inputs", "name"), [(i, n) for _, i, n in EXTRA], ids=[c for c, _, _ in EXTRA])
def test_more_malformed_input_exits_2_naming_the_input_without_any_aws_call(
    runner: Runner, recorder: Proxy, inputs: dict[str, str], name: str
) -> None:
    result = runner.run(base_inputs(**inputs))
    assert result.returncode == 2, result.stdout + result.stderr
    errors = result.log.named("error")
    assert len(errors) == 1, result.stdout
    assert {c.name for c in result.log.commands} == {"error"}, "nothing else acted on (no injected command)"
    lines = errors[0].data.splitlines()
    assert any(line.startswith(f"{name}: ") for line in lines), errors[0].data
    assert recorder.operations == [], "no AWS call at all before the inputs are valid"
    assert result.outputs["outcome"] == ""
