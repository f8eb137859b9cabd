"""Bad input and bad configuration: exit 2, one ``::error`` naming the input and the fix, nothing written.

docs/design.md, "Guarantees": invalid input or configuration exits 2 and nothing at all is created or
changed in AWS.
The table's cases run the action's ``main`` in the test's process with the container's environment
(what ``entrypoint.py`` does, without an interpreter's start-up per case); the others run
``entrypoint.py`` as the runner does. The recording proxy in front of the emulator counts the AWS
calls the action made.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.action.conftest import (
    ACCOUNT,
    IMAGE,
    REGION,
    ROLE,
    Recorder,
    Runner,
    base_inputs,
    make_endpoint,
    wait_for,
)

E = "arn:aws:iam::123456789012:role/"
MALFORMED: list[tuple[str, dict[str, str], str]] = [
    # (case id, inputs overriding a valid set, input the error must name)
    ("weight-zero", {"canary_weights": "0"}, "canary-weights"),
    ("weight-hundred", {"canary_weights": "100"}, "canary-weights"),
    ("weights-decreasing", {"canary_weights": "50,20"}, "canary-weights"),
    ("weights-repeated", {"canary_weights": "20,20"}, "canary-weights"),
    ("weights-not-numbers", {"canary_weights": "ten,twenty"}, "canary-weights"),
    ("weights-empty-item", {"canary_weights": "10,,50"}, "canary-weights"),
    ("weights-decimal", {"canary_weights": "12.5"}, "canary-weights"),
    ("weights-negative", {"canary_weights": "-10,50"}, "canary-weights"),
    ("wait-negative", {"wait_minutes": "-1"}, "wait-minutes"),
    ("wait-not-number", {"wait_minutes": "twenty"}, "wait-minutes"),
    ("wait-nan", {"wait_minutes": "nan"}, "wait-minutes"),
    ("wait-infinite", {"wait_minutes": "inf"}, "wait-minutes"),
    ("timeout-zero", {"timeout_minutes": "0"}, "timeout-minutes"),
    ("timeout-words", {"timeout_minutes": "3h"}, "timeout-minutes"),
    ("image-empty", {"image_uri": ""}, "image-uri"),
    ("image-spaces", {"image_uri": "my model:latest"}, "image-uri"),
    ("image-no-registry", {"image_uri": "nginx"}, "image-uri"),
    ("image-bad-digest", {"image_uri": "registry.example.com/m@sha256:xyz"}, "image-uri"),
    ("model-data-https", {"model_data": "https://bucket.s3.amazonaws.com/model.tar.gz"}, "model-data"),
    ("model-data-one-slash", {"model_data": "s3:/bucket/model.tar.gz"}, "model-data"),
    ("endpoint-underscore", {"endpoint_name": "churn_model"}, "endpoint-name"),
    ("endpoint-leading-hyphen", {"endpoint_name": "-churn"}, "endpoint-name"),
    ("endpoint-too-long", {"endpoint_name": "e" * 64}, "endpoint-name"),
    ("endpoint-empty", {"endpoint_name": ""}, "endpoint-name"),
    ("role-not-arn", {"execution_role_arn": "SageMakerRole"}, "execution-role-arn"),
    ("role-short-account", {"execution_role_arn": "arn:aws:iam::1234:role/x"}, "execution-role-arn"),
    ("role-is-user", {"execution_role_arn": f"arn:aws:iam::{ACCOUNT}:user/bob"}, "execution-role-arn"),
    ("sfn-role-not-arn", {"state_machine_role_arn": "states-role"}, "state-machine-role-arn"),
    ("count-zero", {"instance_count": "0"}, "instance-count"),
    ("canary-count-negative", {"canary_instance_count": "-1"}, "canary-instance-count"),
    ("count-words", {"instance_count": "two"}, "instance-count"),
    ("count-decimal", {"instance_count": "1.5"}, "instance-count"),
    ("alarm-check-zero", {"alarm_check_seconds": "0"}, "alarm-check-seconds"),
    ("alarm-checks-too-many", {"wait_minutes": "60", "alarm_check_seconds": "1"}, "alarm-check-seconds"),
    ("poll-max-below-initial", {"endpoint_poll_seconds": "30", "endpoint_poll_max_seconds": "10"},
     "endpoint-poll-max-seconds"),
    ("poll-too-long", {"endpoint_poll_seconds": "7200"}, "endpoint-poll-seconds"),
    ("history-too-long", {"wait_minutes": "1440", "alarm_check_seconds": "2"}, "alarm-check-seconds"),
    ("fast-polls-for-hours", {"endpoint_poll_max_seconds": "1", "endpoint_timeout_minutes": "1440"},
     "endpoint-poll-max-seconds"),
    ("endpoint-timeout-zero", {"endpoint_timeout_minutes": "0"}, "endpoint-timeout-minutes"),
    ("endpoint-timeout-days", {"endpoint_timeout_minutes": "2000"}, "endpoint-timeout-minutes"),
    ("volume-zero", {"volume_size_gb": "0"}, "volume-size-gb"),
    ("volume-words", {"volume_size_gb": "64GB"}, "volume-size-gb"),
    ("download-timeout-short", {"model_download_timeout_seconds": "30"}, "model-download-timeout-seconds"),
    ("startup-timeout-long", {"container_startup_timeout_seconds": "7200"},
     "container-startup-timeout-seconds"),
    ("capture-not-s3", {"data_capture_destination": "my-bucket/capture"}, "data-capture-destination"),
    ("capture-percentage-over", {"data_capture_percentage": "101"}, "data-capture-percentage"),
    ("threshold-zero", {"error_alarm_5xx_threshold": "0"}, "error-alarm-5xx-threshold"),
    ("on-cancel-unknown", {"on_cancel": "abort"}, "on-cancel"),
    ("on-cancel-capitals", {"on_cancel": "STOP"}, "on-cancel"),
    ("env-no-equals", {"model_environment": "LOG_LEVEL"}, "model-environment"),
    ("env-bad-key", {"model_environment": "1ST=x"}, "model-environment"),
    ("env-key-with-dash", {"model_environment": "LOG-LEVEL=debug"}, "model-environment"),
    ("env-duplicate", {"model_environment": "A=1\nA=2"}, "model-environment"),
    ("verbose-yes", {"verbose": "yes"}, "verbose"),
    ("dry-run-one", {"dry_run": "1"}, "dry-run"),
    ("error-alarms-on", {"error_alarms": "on"}, "error-alarms"),
    ("sfn-arn-execution", {"state_machine_arn": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:m:x"},
     "state-machine-arn"),
    ("sfn-arn-other-region", {"state_machine_arn": f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:m"},
     "state-machine-arn"),
    ("sfn-arn-name-only", {"state_machine_arn": "sagemaker-canary-deploy"}, "state-machine-arn"),
    ("sfn-name-space", {"state_machine_name": "canary deploy"}, "state-machine-name"),
    ("execution-name-space", {"execution_name": "deploy now"}, "execution-name"),
    ("execution-name-81", {"execution_name": "x" * 81}, "execution-name"),
    ("execution-name-accent", {"execution_name": "déploiement"}, "execution-name"),
    ("instance-type-no-ml", {"instance_type": "m5.large"}, "instance-type"),
    ("region-bogus", {"aws_region": "mars-1"}, "aws-region"),
    ("notify-not-an-arn", {"notify_topic_arn": "deploys"}, "notify-topic-arn"),
    ("notify-fifo", {"notify_topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:deploys.fifo"}, "notify-topic-arn"),
    ("notify-other-region", {"notify_topic_arn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:deploys"},
     "notify-topic-arn"),
    ("autoscaling-max-below-min", {"autoscaling_min_capacity": "3", "autoscaling_max_capacity": "2",
                                   "autoscaling_target": "70"}, "autoscaling-max-capacity"),
    ("autoscaling-no-target", {"autoscaling_max_capacity": "4"}, "autoscaling-target"),
    ("autoscaling-target-zero", {"autoscaling_max_capacity": "4", "autoscaling_target": "0"},
     "autoscaling-target"),
    ("autoscaling-min-alone", {"autoscaling_min_capacity": "2"}, "autoscaling-max-capacity"),
    # canary vs baseline
    ("error-increase-words", {"max_error_rate_increase": "one point"}, "max-error-rate-increase"),
    ("error-increase-negative", {"max_error_rate_increase": "-1"}, "max-error-rate-increase"),
    ("error-increase-over-100", {"max_error_rate_increase": "150"}, "max-error-rate-increase"),
    ("latency-increase-percent-sign", {"max_latency_increase": "20%"}, "max-latency-increase"),
    ("latency-increase-negative", {"max_latency_increase": "-5"}, "max-latency-increase"),
    ("gate-sample-zero", {"gate_min_invocations": "0"}, "gate-min-invocations"),
    ("min-invocations-negative", {"min_canary_invocations": "-1"}, "min-canary-invocations"),
    ("min-invocations-words", {"min_canary_invocations": "lots"}, "min-canary-invocations"),
    ("low-traffic-unknown", {"on_low_traffic": "wait"}, "on-low-traffic"),
    ("low-traffic-capitals", {"on_low_traffic": "FAIL"}, "on-low-traffic"),
    ("extensions-over-10", {"max_extensions": "11"}, "max-extensions"),
    ("extensions-make-history-too-long", {"wait_minutes": "30", "alarm_check_seconds": "5",
     "min_canary_invocations": "100", "on_low_traffic": "extend", "max_extensions": "10"},
     "alarm-check-seconds"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "name"), [(i, n) for _, i, n in MALFORMED], ids=[c for c, _, _ in MALFORMED]
)
def test_malformed_input_exits_2_naming_the_input_without_any_aws_call(
    runner: Runner, recorder: Recorder, inputs: dict[str, str], name: str
) -> None:
    result = runner.run_here(base_inputs(**inputs))
    assert result.returncode == 2, result.stdout + result.stderr
    errors = result.log.named("error")
    assert len(errors) == 1, result.stdout
    assert errors[0].properties.get("title") == "Invalid input"
    lines = errors[0].data.splitlines()
    assert any(line.startswith(f"{name}: ") for line in lines), errors[0].data
    assert ":" in lines[0].removeprefix(f"{name}: "), "the message says how to fix it"
    assert recorder.operations == [], "no AWS call at all before the inputs are valid"
    assert result.outputs["outcome"] == "", "outputs are written even for invalid input"


@pytest.mark.parametrize(
    ("inputs", "blamed", "named"),
    [
        (
            {
                "endpoint_poll_seconds": "1",
                "endpoint_poll_max_seconds": "1",
                "endpoint_timeout_minutes": "1440",
            },
            "endpoint-poll-max-seconds",
            ["from endpoint polling", "endpoint-timeout-minutes 1440", "endpoint-poll-max-seconds 1 s"],
        ),
        (
            {"wait_minutes": "1440", "alarm_check_seconds": "2"},
            "alarm-check-seconds",
            ["from bake checks", "checked every 2 s", ": raise alarm-check-seconds"],
        ),
    ],
    ids=["polling", "checks"],
)
def test_a_too_long_history_names_the_inputs_that_write_most_of_it(
    runner: Runner, recorder: Recorder, inputs: dict[str, str], blamed: str, named: list[str]
) -> None:
    """Step Functions ends an execution at 25,000 history events
    (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html): the refusal blames
    what writes most of them, endpoint polling or bake checks, not alarm-check-seconds whatever it is."""
    result = runner.run_here(base_inputs(**inputs))
    assert result.returncode == 2, result.stdout + result.stderr
    [error] = result.log.named("error")
    [line] = [line for line in error.data.splitlines() if "history events" in line]
    assert line.startswith(f"{blamed}: the plan could write "), line
    for text in named:
        assert text in line, line
    assert recorder.operations == []


def test_every_problem_is_listed_in_one_error(runner: Runner, recorder: Recorder) -> None:
    result = runner.run(
        base_inputs(endpoint_name="bad_name", canary_weights="50,10", verbose="maybe", on_cancel="x")
    )
    assert result.returncode == 2
    (error,) = result.log.named("error")
    named = {line.split(":", 1)[0] for line in error.data.splitlines()}
    assert named == {"endpoint-name", "canary-weights", "verbose", "on-cancel"}
    assert recorder.operations == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False)],
)
def test_booleans_accept_what_the_actions_toolkit_accepts(value: str, expected: bool) -> None:
    """actions/toolkit ``getBooleanInput``: true|True|TRUE|false|False|FALSE, nothing else."""
    from canary.settings import load_settings

    settings = load_settings(
        {
            f"INPUT_{k.replace('_', '-').upper()}": v
            for k, v in base_inputs(verbose=value, aws_region=REGION).items()
        }
    )
    assert settings.verbose is expected


def test_model_environment_skips_blank_lines_and_comments_and_keeps_equals_in_values() -> None:
    from canary.parsers import parse_environment

    text = "# tuning\nLOG_LEVEL=debug\n\n  OPTS=--a=1 --b=2  \n"
    assert parse_environment(text) == {"LOG_LEVEL": "debug", "OPTS": "--a=1 --b=2"}


def test_alarm_names_split_on_commas_and_newlines_without_duplicates() -> None:
    from canary.parsers import parse_names

    assert parse_names("a, b\nc,,a\n") == ["a", "b", "c"]


# -- configuration errors: well-formed inputs that cannot work with what is in AWS -----------------


def _nothing_created(aws: Any) -> None:
    assert aws("stepfunctions").list_state_machines()["stateMachines"] == []
    assert aws("sagemaker").list_models()["Models"] == []
    assert aws("sagemaker").list_endpoint_configs()["EndpointConfigs"] == []


def test_first_deploy_without_instance_type_exits_2_before_creating_anything(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    result = runner.run(base_inputs(instance_type=""))
    assert result.returncode == 2, result.stdout
    (error,) = result.log.named("error")
    assert error.data.startswith("instance-type: ")
    assert "first deploy" in error.data
    assert recorder.writes == [], recorder.operations
    _nothing_created(aws)


def test_bundled_state_machine_missing_without_role_exits_2(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    result = runner.run(base_inputs(state_machine_role_arn=""))
    assert result.returncode == 2, result.stdout
    (error,) = result.log.named("error")
    assert error.data.startswith("state-machine-role-arn: ")
    assert recorder.writes == []
    _nothing_created(aws)


def test_state_machine_arn_that_does_not_exist_exits_2(runner: Runner, recorder: Recorder, aws: Any) -> None:
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:managed-elsewhere"
    result = runner.run(base_inputs(state_machine_arn=arn))
    assert result.returncode == 2, result.stdout
    (error,) = result.log.named("error")
    assert error.data.startswith("state-machine-arn: ")
    assert recorder.writes == []


def test_endpoint_with_a_shadow_variant_exits_2(runner: Runner, recorder: Recorder, aws: Any) -> None:
    sagemaker = aws("sagemaker")
    sagemaker.create_model(ModelName="shadowed-m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    variant = {"ModelName": "shadowed-m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    sagemaker.create_endpoint_config(
        EndpointConfigName="shadowed-c",
        ProductionVariants=[{"VariantName": "AllTraffic", **variant}],
        ShadowProductionVariants=[{"VariantName": "Shadow", **variant}],
    )
    sagemaker.create_endpoint(EndpointName="shadowed", EndpointConfigName="shadowed-c")
    wait_for(
        lambda: sagemaker.describe_endpoint(EndpointName="shadowed")["EndpointStatus"] == "InService", 30
    )
    recorder.clear()
    result = runner.run(base_inputs(endpoint_name="shadowed"))
    assert result.returncode == 2, result.stdout
    (error,) = result.log.named("error")
    assert error.data.startswith("endpoint-name: ")
    assert "shadow variants (Shadow)" in error.data
    assert recorder.writes == []


def test_endpoint_with_two_variants_exits_2(runner: Runner, recorder: Recorder, aws: Any) -> None:
    make_endpoint(aws, "two-variants", ["blue", "green"])
    recorder.clear()
    result = runner.run(base_inputs(endpoint_name="two-variants"))
    assert result.returncode == 2, result.stdout
    (error,) = result.log.named("error")
    assert error.data.startswith("endpoint-name: ")
    assert "2 production variants" in error.data
    assert recorder.writes == []
    assert aws("stepfunctions").list_state_machines()["stateMachines"] == []


def test_a_busy_endpoint_is_not_explained_by_an_earlier_updates_failure_reason(
    runner: Runner, recorder: Recorder, aws: Any, emulator: Any
) -> None:
    """DescribeEndpoint's FailureReason: "If the status of the endpoint is Failed, or the status is
    InService but update operation fails, this provides the reason why it failed"
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html). SageMaker
    keeps it on the endpoint: while a later update runs it is history, not why the endpoint is busy."""
    from tests.conftest import timings

    sagemaker = aws("sagemaker")
    make_endpoint(aws, "busy", ["AllTraffic"])
    for tag in ("broken", "1.1"):
        sagemaker.create_model(
            ModelName=f"busy-{tag}",
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:{tag}"},
        )
        variant = {"VariantName": "AllTraffic", "ModelName": f"busy-{tag}", "InstanceType": "ml.m5.large"}
        sagemaker.create_endpoint_config(
            EndpointConfigName=f"busy-{tag}", ProductionVariants=[{**variant, "InitialInstanceCount": 1}]
        )
    sagemaker.update_endpoint(EndpointName="busy", EndpointConfigName="busy-broken")
    wait_for(lambda: "FailureReason" in sagemaker.describe_endpoint(EndpointName="busy"), 30)
    emulator.set_timings(timings(update_seconds=60))
    sagemaker.update_endpoint(EndpointName="busy", EndpointConfigName="busy-1.1")
    described = sagemaker.describe_endpoint(EndpointName="busy")
    assert described["EndpointStatus"] == "Updating"
    assert described["FailureReason"], "the earlier update's reason is still there"
    recorder.clear()
    result = runner.run_here(base_inputs(endpoint_name="busy"))
    assert result.returncode == 2, result.stdout
    (error,) = result.log.named("error")
    assert error.data.startswith("endpoint-name: endpoint busy is Updating: another update"), error.data
    assert described["FailureReason"] not in error.data
    assert recorder.writes == []
