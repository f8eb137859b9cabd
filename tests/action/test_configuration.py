"""Malformed ``AWS_*`` variables and the start hold's knob: exit 2, one ``::error``, nothing sent.

botocore reads these from the environment (https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html);
a malformed one is a configuration error of the job (docs/design.md, "Guarantees"): the action names
the variable and its fix before any AWS call. The state machine is looked up once per run.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.action.conftest import ACCOUNT, REGION, Recorder, Runner, base_inputs, make_endpoint

MALFORMED_ENVIRONMENT: list[tuple[str, dict[str, str], str]] = [
    # (case id, variables overriding the runner's, variable the error must name)
    ("endpoint-url-no-host", {"AWS_ENDPOINT_URL": "http://:4566"}, "AWS_ENDPOINT_URL"),
    ("endpoint-url-no-scheme", {"AWS_ENDPOINT_URL": "localhost"}, "AWS_ENDPOINT_URL"),
    ("sfn-endpoint-url-no-host", {"AWS_ENDPOINT_URL_SFN": "http://:4566"}, "AWS_ENDPOINT_URL_SFN"),
    ("sagemaker-endpoint-url", {"AWS_ENDPOINT_URL_SAGEMAKER": "http://:4566"}, "AWS_ENDPOINT_URL_SAGEMAKER"),
    ("region-with-spaces", {"AWS_REGION": "us east 1"}, "AWS_REGION"),
    ("default-region-with-spaces", {"AWS_DEFAULT_REGION": "us east 1"}, "AWS_DEFAULT_REGION"),
    ("max-attempts-words", {"AWS_MAX_ATTEMPTS": "abc"}, "AWS_MAX_ATTEMPTS"),
    ("retry-mode-bogus", {"AWS_RETRY_MODE": "bogus"}, "AWS_RETRY_MODE"),
    ("defaults-mode-bogus", {"AWS_DEFAULTS_MODE": "fast"}, "AWS_DEFAULTS_MODE"),
    ("fips-maybe", {"AWS_USE_FIPS_ENDPOINT": "maybe"}, "AWS_USE_FIPS_ENDPOINT"),
    ("checksum-sometimes", {"AWS_REQUEST_CHECKSUM_CALCULATION": "sometimes"},
     "AWS_REQUEST_CHECKSUM_CALCULATION"),
    ("start-hold-zero", {"CANARY_START_HOLD_SECONDS": "0"}, "CANARY_START_HOLD_SECONDS"),
    ("start-hold-words", {"CANARY_START_HOLD_SECONDS": "three"}, "CANARY_START_HOLD_SECONDS"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "name"),
    [(e, n) for _, e, n in MALFORMED_ENVIRONMENT],
    ids=[c for c, _, _ in MALFORMED_ENVIRONMENT],
)
def test_malformed_aws_variable_exits_2_naming_it_without_any_aws_call(
    runner: Runner, recorder: Recorder, extra: dict[str, str], name: str
) -> None:
    result = runner.run(base_inputs(aws_region="us-east-1"), extra)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    (error,) = result.log.named("error")
    assert error.properties.get("title") in {"Invalid configuration", "Invalid input"}
    [line] = [line for line in error.data.splitlines() if name in line]
    assert ": " in line.split(name, 1)[1], "the message says how to fix it"
    assert recorder.operations == [], "nothing sent to AWS"
    assert result.outputs["outcome"] == ""


def test_region_with_spaces_from_the_environment_names_aws_region(runner: Runner, recorder: Recorder) -> None:
    """No ``aws-region`` input: the region comes from AWS_REGION, and the error says so."""
    result = runner.run(base_inputs(), {"AWS_REGION": "us east 1"})
    assert result.returncode == 2, result.stdout + result.stderr
    (error,) = result.log.named("error")
    assert "AWS_REGION" in error.data
    assert recorder.operations == []


def test_the_state_machine_is_listed_and_described_once_per_run(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    first = runner.run(base_inputs())  # creates the state machine
    assert first.returncode == 0, first.stdout + first.stderr
    recorder.clear()
    result = runner.run(base_inputs(image_uri=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:2.0"))
    assert result.returncode == 0, result.stdout + result.stderr
    calls = [op.split(".")[-1] for op in recorder.operations]
    assert calls.count("ListStateMachines") == 1, calls
    assert calls.count("DescribeStateMachine") == 1, calls
    assert "UpdateStateMachine" not in calls, calls
    assert "CreateStateMachine" not in calls, calls


def test_only_input_variables_are_read_as_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A workflow's ``env: {DRY_RUN: "true"}`` reaches the container too; it is not the dry-run input."""
    from canary.settings import load_settings

    for name, value in base_inputs(aws_region="us-east-1").items():
        monkeypatch.setenv(f"INPUT_{name.replace('_', '-').upper()}", value)
    for name in ("DRY_RUN", "VERBOSE", "ENDPOINT_NAME", "ON_CANCEL"):
        monkeypatch.setenv(name, "stop" if name == "ON_CANCEL" else "true")
    settings = load_settings()
    assert settings.dry_run is False
    assert settings.verbose is False
    assert settings.endpoint_name == "churn-model"
    assert settings.on_cancel == "detach"
