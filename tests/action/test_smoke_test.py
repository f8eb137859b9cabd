"""The smoke test's inputs, end to end: ``smoke-test-*`` → ``SmokeTest`` → InvokeEndpoint → the log.

docs/state-machine.md, "Smoke test": the canary variant alone (``TargetVariant``, at weight 0)
answers ``smoke-test-payload`` before any user request reaches it; a failed call or a body that does
not match ``smoke-test-expect`` rolls back. The payload may be ``@path`` to a file in the workspace.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from canary.emulator import EmulatorTimings, runtime
from tests.action.conftest import ACCOUNT, REGION, Recorder, Runner, base_inputs, make_endpoint, wait_for

BODY = '{"instances": [[1.5, 2]]}'
SENT = '{"instances":[[1.5,2]]}'
"""The container receives the body's compact JSON (docs/emulator.md, "blob arguments")."""


@pytest.fixture(autouse=True)
def _fast(emulator: Any) -> None:
    emulator.set_timings(EmulatorTimings(create_seconds=0.5, update_seconds=0.5))
    runtime.reset()


def _image(tag: str) -> str:
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:{tag}"


def _started_input(aws: Any, arn: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(aws("stepfunctions").describe_execution(executionArn=arn)["input"])
    return document


def test_a_payload_file_in_the_workspace_is_sent_to_the_canary_alone_and_passes(
    runner: Runner,
    aws: Any,
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])

    def request_file(workspace: Path) -> None:
        (workspace / "smoke").mkdir()
        (workspace / "smoke" / "request.json").write_text(BODY)

    inputs = base_inputs(
        smoke_test_payload="@smoke/request.json",
        smoke_test_content_type="application/json; charset=utf-8",
        smoke_test_accept="application/json",
        smoke_test_expect=r'^\{"variant": "Canary", "model": "churn-model-\w+-\w+',
    )
    result = runner.run(inputs, workspace=request_file)
    assert result.returncode == 0, result.stdout + result.stderr
    [call] = runtime.invocations()
    assert (call.endpoint, call.target_variant, call.body) == ("churn-model", "Canary", SENT)
    assert call.content_type == "application/json; charset=utf-8"
    document = _started_input(aws, result.outputs["execution-arn"])
    assert document["SmokeTest"]["Body"] == json.loads(BODY), "a JSON value, not a string"
    [line] = [line for line in result.stdout.splitlines() if "smoke test" in line]
    assert "smoke test passed: the new variant answered" in line
    assert '"variant": "Canary"' in line


def test_without_a_payload_the_input_has_no_smoke_test_and_nothing_is_invoked(
    runner: Runner, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    result = runner.run(base_inputs())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SmokeTest" not in _started_input(aws, result.outputs["execution-arn"])
    assert runtime.invocations() == []


def test_a_wrong_answer_rolls_back_before_traffic_and_the_log_quotes_it(runner: Runner, aws: Any) -> None:
    original = make_endpoint(aws, "churn-model", ["AllTraffic"])
    result = runner.run(
        base_inputs(
            image_uri=_image("smoke-wrong"), smoke_test_payload=BODY, smoke_test_expect='"variant": "\\w+"'
        )
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] == "rolled-back"
    endpoint = aws("sagemaker").describe_endpoint(EndpointName="churn-model")
    assert endpoint["EndpointConfigName"] == original
    [line] = [line for line in result.stdout.splitlines() if "smoke test failed" in line]
    assert '"{"error": "wrong model"}"' in line
    assert '(expected /"variant": "\\w+"/)' in line
    assert "traffic shifting" not in result.stdout, "the canary never took a weight"
    [error] = result.errors()
    assert "Canary.SmokeTestFailed" in error or "smoke test" in error.lower()


def test_an_answer_of_1_mib_is_a_judged_rollback_not_a_dead_execution(runner: Runner, aws: Any) -> None:
    """A task result over 256 KiB is States.DataLimitExceeded, uncatchable
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html); the smoke test
    calls the endpoint in a child execution, so the deploy ends rolled back, with the log saying why."""
    original = make_endpoint(aws, "churn-model", ["AllTraffic"])
    result = runner.run(base_inputs(image_uri=_image(runtime.LARGE_BODY_TAG), smoke_test_payload=BODY))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] == "rolled-back"
    assert aws("sagemaker").describe_endpoint(EndpointName="churn-model")["EndpointConfigName"] == original
    [line] = [line for line in result.stdout.splitlines() if "smoke test failed" in line]
    assert "larger than the 256 KiB a Step Functions task result may hold" in line
    assert "SmokeTestOf" not in result.stdout, "the child's input (the request) is not dumped into the log"


def test_a_first_deploy_answering_500_is_removed(runner: Runner, aws: Any) -> None:
    result = runner.run(base_inputs(image_uri=_image("smoke-500"), smoke_test_payload=BODY))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] == "failed"
    assert "smoke test failed" in result.stdout
    assert "Received server error (500)" in result.stdout
    endpoints = aws("sagemaker").list_endpoints()["Endpoints"]
    assert [e["EndpointName"] for e in endpoints] == []


BAD: list[tuple[str, dict[str, str], str]] = [
    ("expect-backreference", {"smoke_test_payload": BODY, "smoke_test_expect": r"(a)\1"},
     "smoke-test-expect"),
    ("expect-lookahead", {"smoke_test_payload": BODY, "smoke_test_expect": "(?=ok)"}, "smoke-test-expect"),
    ("expect-not-regex", {"smoke_test_payload": BODY, "smoke_test_expect": "[a-"}, "smoke-test-expect"),
    ("expect-too-large", {"smoke_test_payload": BODY, "smoke_test_expect": r"\d{40}[a-f]{40}x{40}"},
     "smoke-test-expect"),
    ("expect-without-payload", {"smoke_test_expect": "ok"}, "smoke-test-expect"),
    ("payload-not-json", {"smoke_test_payload": "1,2,3"}, "smoke-test-payload"),
    ("payload-json-string", {"smoke_test_payload": '"hello"'}, "smoke-test-payload"),
    ("payload-outside", {"smoke_test_payload": "@../../etc/passwd"}, "smoke-test-payload"),
    ("payload-absolute", {"smoke_test_payload": "@/etc/hostname"}, "smoke-test-payload"),
    ("payload-missing", {"smoke_test_payload": "@smoke/none.json"}, "smoke-test-payload"),
    ("payload-no-file", {"smoke_test_payload": "@"}, "smoke-test-payload"),
    ("content-type-csv", {"smoke_test_payload": BODY, "smoke_test_content_type": "text/csv"},
     "smoke-test-content-type"),
    ("content-type-no-slash", {"smoke_test_payload": BODY, "smoke_test_content_type": "json"},
     "smoke-test-content-type"),
    ("accept-control", {"smoke_test_payload": BODY, "smoke_test_accept": "text/csv\x07"},
     "smoke-test-accept"),
]  # fmt: skip


@pytest.mark.parametrize(("inputs", "name"), [(i, n) for _, i, n in BAD], ids=[c for c, _, _ in BAD])
def test_a_smoke_test_the_state_machine_cannot_run_exits_2_naming_the_input(
    runner: Runner, recorder: Recorder, inputs: dict[str, str], name: str
) -> None:
    result = runner.run(base_inputs(**inputs))
    assert result.returncode == 2, result.stdout + result.stderr
    [error] = result.log.named("error")
    assert any(line.startswith(f"{name}: ") for line in error.data.splitlines()), error.data
    assert recorder.operations == [], "nothing was called, so nothing was created"


def test_a_body_is_counted_in_bytes_not_characters(runner: Runner, recorder: Recorder) -> None:
    """Step Functions' execution input is 256 KiB of UTF-8
    (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), and the document escapes
    non-ASCII characters: 30,000 'é' are 30,000 characters (under the 131,072 the body once counted) but
    180,000 bytes. Refused before any call, naming the input, rather than failing StartExecution."""

    def accented(workspace: Path) -> None:
        (workspace / "big.json").write_text(json.dumps({"text": "é" * 30_000}, ensure_ascii=False))

    result = runner.run(base_inputs(smoke_test_payload="@big.json"), workspace=accented)
    assert result.returncode == 2, result.stdout + result.stderr
    [error] = result.log.named("error")
    assert error.data.startswith("smoke-test-payload: the body takes 180,011 bytes"), error.data
    assert recorder.operations == []


def test_an_asynchronous_endpoint_refuses_a_smoke_test_before_any_change(
    runner: Runner, aws: Any, recorder: Recorder
) -> None:
    """An endpoint with AsyncInferenceConfig "can only receive asynchronous invocations"
    (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html): exit 2 naming the input."""
    sagemaker = aws("sagemaker")
    sagemaker.create_model(
        ModelName="m",
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/sm",
        PrimaryContainer={"Image": _image("0.9")},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="async-original",
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "m", "InstanceType": "ml.m5.large",
                             "InitialInstanceCount": 1}],
        AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://bucket/out"}},
    )  # fmt: skip
    sagemaker.create_endpoint(EndpointName="churn-model", EndpointConfigName="async-original")
    wait_for(
        lambda: sagemaker.describe_endpoint(EndpointName="churn-model")["EndpointStatus"] == "InService", 30
    )
    result = runner.run(base_inputs(smoke_test_payload=BODY))
    assert result.returncode == 2, result.stdout + result.stderr
    [error] = result.log.named("error")
    assert error.data.startswith("smoke-test-payload: endpoint churn-model is asynchronous"), error.data
    written = [
        op for op in recorder.operations if not op.split(".")[-1].startswith(("Describe", "List", "Get"))
    ]
    assert written == [], "nothing was created or changed"


def test_a_symbolic_link_out_of_the_workspace_is_refused(runner: Runner, recorder: Recorder) -> None:
    def link_out(workspace: Path) -> None:
        secret = workspace.parent / "secret.txt"
        secret.write_text("token")
        (workspace / "body.json").symlink_to(secret)

    result = runner.run(base_inputs(smoke_test_payload="@body.json"), workspace=link_out)
    assert result.returncode == 2, result.stdout + result.stderr
    [error] = result.log.named("error")
    assert error.data.startswith("smoke-test-payload: 'body.json' is outside the workspace"), error.data
    assert recorder.operations == []
