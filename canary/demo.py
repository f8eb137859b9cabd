"""``make demo``: the whole product, locally, through the action's real code path.

Starts the emulator in this process (SageMaker create/update take :data:`ENDPOINT_SECONDS` seconds),
points the ``AWS_*`` environment at it, and runs the action's ``main()`` — the function
``entrypoint.py`` runs in the container — seven times, with ``INPUT_*`` variables and temporary
``GITHUB_OUTPUT``/``GITHUB_STEP_SUMMARY`` files, exactly as the runner would:

1. a first deploy (the endpoint does not exist yet);
2. a two-step canary (10 % then 50 %) that bakes cleanly and is promoted;
3. a canary rolled back by an alarm: a background thread sets the user's alarm to ``ALARM`` while
   the canary bakes;
4. a canary rolled back because it is worse than its baseline: its 5xx rate is 3 points above the
   current variant's, more than ``max-error-rate-increase: 1`` allows;
5. ``strategy: blue-green``: SageMaker's guardrails shift a canary of the fleet, bake, then the rest;
6. ``strategy: rolling`` on a second endpoint of 4 instances (:data:`FLEET`), one instance per batch:
   never more than 5 instances (docs/strategies.md);
7. ``inference-component-name``: an LLM's inference component of 2 copies on a third endpoint
   (:data:`LLM`) takes a new image, one copy per batch (docs/inference-components.md).

Simulated traffic (:mod:`canary.emulator.traffic`) writes both variants' SageMaker metrics during
every run, so each check shows the canary's numbers beside the baseline's.

Each run prints what the GitHub job log would show (without the workflow-command markup, which the
runner would have consumed), then the step's outputs and summary.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

ENDPOINT = "demo-churn"
REGION = "us-east-1"
ACCOUNT = "123456789012"
ENDPOINT_SECONDS = 2.0
"""Simulated duration of CreateEndpoint/UpdateEndpoint in the demo (real SageMaker: minutes)."""
LLM = "demo-llm"
"""The inference-component scenario's endpoint: one ml.g5.12xlarge hosting the IC ``chat``."""
FLEET = "demo-churn-fleet"
"""The rolling scenario's endpoint: 4 instances from the start (a rolling batch needs a fleet)."""
ALARM = "demo-churn-p99-latency"
ALARM_THRESHOLD_MS = 1000.0
"""The latency alarm fires above this p99 ModelLatency (scenario 3 trips it)."""
BASELINE_P99_MS = 170.0
BASELINE_5XX = 0.001
"""Share of the current variant's invocations answered 5xx in the demo."""
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/churn-model"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:churn-model-deploys"
"""The demo's notify-topic-arn: what the state machine publishes there is shown after each run."""


@dataclass(frozen=True)
class Scenario:
    """One run of the action."""

    title: str
    inputs: Mapping[str, str]
    trip_alarm: bool = False
    canary_5xx: float = 0.002
    """Share of the canary's invocations answered 5xx (the baseline's: :data:`BASELINE_5XX`)."""
    canary_p99_ms: float = 180.0
    """The canary's p99 ModelLatency (the baseline's: :data:`BASELINE_P99_MS`)."""

    @property
    def alarm_reason(self) -> str:
        """What the demo's latency alarm says when it trips: the canary's own p99."""
        p99, threshold = self.canary_p99_ms / 1000, ALARM_THRESHOLD_MS / 1000
        return f"demo: p99 latency {p99:g} s > {threshold:g} s for 3 datapoints"

    expect: int = 0
    """The exit status the run should end with."""

    @property
    def strategy_peak(self) -> bool:
        """SageMaker deploys this one: its peak instances are shown (from the emulator's timeline)."""
        return self.inputs.get("strategy", "canary") != "canary"


SCENARIOS = (
    Scenario(
        "1/7  First deploy: the endpoint does not exist yet",
        {"image-uri": f"{REGISTRY}:1.0", "model-data": "s3://demo-models/churn/1.0/model.tar.gz"},
    ),
    Scenario(
        "2/7  Canary 10% → 50% → promoted",
        {
            "image-uri": f"{REGISTRY}:1.1",
            "model-data": "s3://demo-models/churn/1.1/model.tar.gz",
            "canary-weights": "10,50",
            "wait-minutes": "0.1",
        },
    ),
    Scenario(
        "3/7  Canary rolled back: an alarm fires during the bake",
        {
            "image-uri": f"{REGISTRY}:1.2",
            "model-data": "s3://demo-models/churn/1.2/model.tar.gz",
            "canary-weights": "20",
            "wait-minutes": "1",
            "alarm-names": ALARM,
        },
        trip_alarm=True,
        canary_p99_ms=2300.0,  # past the alarm's 1 s: the alarm says so, and so do the checks' numbers
        expect=1,
    ),
    Scenario(
        "4/7  Canary rolled back: worse than its baseline (its 5xx rate past max-error-rate-increase: 1)",
        {
            "image-uri": f"{REGISTRY}:1.3",
            "model-data": "s3://demo-models/churn/1.3/model.tar.gz",
            "canary-weights": "20",
            "wait-minutes": "1",
            "max-error-rate-increase": "1",
            "max-latency-increase": "50",
            "gate-min-invocations": "50",
        },
        canary_5xx=0.031,  # against the baseline's 0.1 %
        expect=1,
    ),
    Scenario(
        "5/7  strategy: blue-green — SageMaker shifts a canary of a 4-instance fleet (1 instance), bakes, "
        "then the rest",
        {
            "endpoint-name": FLEET,
            "image-uri": f"{REGISTRY}:1.3",
            "model-data": "s3://demo-models/churn/1.3/model.tar.gz",
            "strategy": "blue-green",
            "canary-weights": "20",
            "wait-minutes": "0.05",
        },
    ),
    Scenario(
        "6/7  strategy: rolling — a 4-instance fleet replaced one instance at a time (peak 5)",
        {
            "endpoint-name": FLEET,
            "image-uri": f"{REGISTRY}:1.4",
            "model-data": "s3://demo-models/churn/1.4/model.tar.gz",
            "strategy": "rolling",
            "rolling-batch-size": "1",
            "wait-minutes": "0.03",
        },
    ),
    Scenario(
        "7/7  inference-component-name — an LLM's IC of 2 copies takes a new image, one copy per batch",
        {
            "endpoint-name": LLM,
            "inference-component-name": "chat",
            "instance-type": "",
            "image-uri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/llm:2.0",
            "model-data": "s3://demo-models/llm/2.0/model.tar.gz",
            "rolling-batch-size": "1",
            "wait-minutes": "0.03",
        },
    ),
)

METRICS_DELAY_SECONDS = 2
"""The demo's emulator serves a datapoint 2 s after it is written (AWS: minutes); each bake waits
``metrics-delay-seconds`` 3 s past its end for them (docs/state-machine.md, "Canary vs baseline")."""

COMMON_INPUTS = {
    "endpoint-name": ENDPOINT,
    "execution-role-arn": f"arn:aws:iam::{ACCOUNT}:role/demo-sagemaker",
    "instance-type": "ml.m5.large",
    "alarm-check-seconds": "2",
    "metrics-delay-seconds": "3",
    # 60 requests/s at the canary's 0.2 % is ~7 5xx a minute: an alarm at 1 a minute would fire (its rule is
    # judged at each bake's last check); 3.1 % (~110 a minute) is caught by max-error-rate-increase first.
    "error-alarm-5xx-threshold": "20",
    "endpoint-poll-seconds": "1",
    "endpoint-poll-max-seconds": "2",
    "endpoint-timeout-minutes": "2",
    "state-machine-role-arn": f"arn:aws:iam::{ACCOUNT}:role/demo-canary-state-machine",
    "timeout-minutes": "5",
    "notify-topic-arn": TOPIC,
}


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block, then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _trip_alarm_during_bake(
    client: Any, sagemaker: Any, stop: threading.Event, out: TextIO, reason: str
) -> None:
    """Wait until the canary variant serves traffic, then set the user's alarm to ALARM (CloudWatch
    would, from the canary's p99; the emulator does not evaluate alarms)."""
    while not stop.wait(0.5):
        try:
            endpoint = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
        except Exception:  # noqa: S112 - the demo keeps polling until the canary is up
            continue
        variants = endpoint.get("ProductionVariants", [])
        if endpoint.get("EndpointStatus") == "InService" and len(variants) > 1:
            time.sleep(3)
            client.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason=reason)
            out.write(f"\n    [demo] set alarm {ALARM} to ALARM ({reason.removeprefix('demo: ')})\n\n")
            out.flush()
            return


def _fleet(sagemaker: Any) -> None:
    """The strategies' endpoint, :data:`FLEET`: 4 instances of the current model (InService)."""
    role = f"arn:aws:iam::{ACCOUNT}:role/demo-sagemaker"
    sagemaker.create_model(
        ModelName=f"{FLEET}-0-9", ExecutionRoleArn=role, PrimaryContainer={"Image": f"{REGISTRY}:0.9"}
    )
    variant = {"VariantName": "AllTraffic", "ModelName": f"{FLEET}-0-9", "InstanceType": "ml.m5.large"}
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{FLEET}-0-9",
        ProductionVariants=[{**variant, "InitialInstanceCount": 4, "InitialVariantWeight": 1.0}],
    )
    sagemaker.create_endpoint(EndpointName=FLEET, EndpointConfigName=f"{FLEET}-0-9")


def _llm(sagemaker: Any) -> None:
    """The IC scenario's endpoint, :data:`LLM`: one ml.g5.12xlarge whose IC ``chat`` runs 2 copies."""
    role = f"arn:aws:iam::{ACCOUNT}:role/demo-sagemaker"
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{LLM}-cfg",
        ExecutionRoleArn=role,
        ProductionVariants=[
            {"VariantName": "AllTraffic", "InstanceType": "ml.g5.12xlarge", "InitialInstanceCount": 1}
        ],
    )
    sagemaker.create_endpoint(EndpointName=LLM, EndpointConfigName=f"{LLM}-cfg")
    sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=LLM, WaiterConfig={"Delay": 1})
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/llm:1.0"
    sagemaker.create_model(ModelName=f"{LLM}-1-0", ExecutionRoleArn=role, PrimaryContainer={"Image": image})
    needs = {
        "NumberOfCpuCoresRequired": 1,
        "NumberOfAcceleratorDevicesRequired": 1,
        "MinMemoryRequiredInMb": 4096,
    }
    sagemaker.create_inference_component(
        InferenceComponentName="chat",
        EndpointName=LLM,
        VariantName="AllTraffic",
        Specification={"ModelName": f"{LLM}-1-0", "ComputeResourceRequirements": needs},
        RuntimeConfig={"CopyCount": 2},
    )
    while sagemaker.describe_inference_component(InferenceComponentName="chat")[
        "InferenceComponentStatus"
    ] != ("InService"):
        time.sleep(0.2)


def _show_outputs(out: TextIO, output_file: Path, summary_file: Path) -> None:
    out.write("\n  outputs ($GITHUB_OUTPUT):\n")
    text = output_file.read_text()
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            values = []
            for value in lines:
                if value == delimiter:
                    break
                values.append(value)
            out.write(f"    {name} = {chr(10).join(values)}\n")
    out.write("\n  step summary ($GITHUB_STEP_SUMMARY):\n")
    for line in summary_file.read_text().splitlines():
        out.write(f"    {line}\n")


def run_demo(out: TextIO | None = None, verbose: bool = False) -> int:
    """Run the seven scenarios; returns 0 when each ended as expected."""
    import boto3

    from canary.action import main
    from canary.emulator import Emulator, EmulatorTimings, Published
    from canary.emulator.guardrails_run import deployment_timeline
    from canary.emulator.traffic import TrafficFeed, VariantTraffic

    stream = out or sys.stdout
    # The emulator's request log and moto's state machine tracebacks are not part of the job log.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    timings = EmulatorTimings(
        create_seconds=ENDPOINT_SECONDS,
        update_seconds=ENDPOINT_SECONDS,
        metrics_delay_seconds=METRICS_DELAY_SECONDS,
    )
    emulator = Emulator(timings=timings).start()
    stream.write(
        f"Local AWS (moto, extended) on {emulator.url}: account {ACCOUNT}, region {REGION}.\n"
        f"SageMaker CreateEndpoint/UpdateEndpoint take {ENDPOINT_SECONDS:g} s here (minutes on AWS); "
        "bakes are shortened to seconds.\n"
    )
    aws_env = {
        "AWS_ENDPOINT_URL": emulator.url,
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }
    failures = 0
    notified: list[Published] = []
    try:
        with environment(aws_env), tempfile.TemporaryDirectory(prefix="canary-demo-") as tmp:
            cloudwatch = boto3.client("cloudwatch", region_name=REGION, endpoint_url=emulator.url)
            sagemaker = boto3.client("sagemaker", region_name=REGION, endpoint_url=emulator.url)
            cloudwatch.put_metric_alarm(
                AlarmName=ALARM,
                Namespace="AWS/SageMaker",
                MetricName="ModelLatency",
                Dimensions=[
                    {"Name": "EndpointName", "Value": ENDPOINT},
                    {"Name": "VariantName", "Value": "Canary"},
                ],
                ExtendedStatistic="p99",
                Period=60,
                EvaluationPeriods=3,
                Threshold=ALARM_THRESHOLD_MS * 1000,  # ModelLatency is in microseconds
                ComparisonOperator="GreaterThanThreshold",
            )
            _fleet(sagemaker)
            _llm(sagemaker)
            boto3.client("sns", region_name=REGION, endpoint_url=emulator.url).create_topic(
                Name=TOPIC.rsplit(":", 1)[1]
            )
            for index, scenario in enumerate(SCENARIOS):
                folder = Path(tmp) / f"run{index + 1}"
                folder.mkdir()
                output_file, summary_file = folder / "output", folder / "summary"
                output_file.touch()
                summary_file.touch()
                inputs = {**COMMON_INPUTS, **scenario.inputs, "verbose": "true" if verbose else "false"}
                env = {f"INPUT_{name.upper()}": value for name, value in inputs.items()}
                env |= {
                    "GITHUB_OUTPUT": str(output_file),
                    "GITHUB_STEP_SUMMARY": str(summary_file),
                    "GITHUB_RUN_ID": f"{int(time.time())}{index}",
                    "GITHUB_RUN_ATTEMPT": "1",
                    "GITHUB_SHA": f"{index + 1:x}" * 40,
                    "GITHUB_REPOSITORY": "acme/churn-model",
                }
                rule = "═" * 100
                stream.write(f"\n{rule}\n  {scenario.title}\n{rule}\n")
                stream.flush()
                stop = threading.Event()
                trip = None
                if scenario.trip_alarm:
                    trip = threading.Thread(
                        target=_trip_alarm_during_bake,
                        args=(cloudwatch, sagemaker, stop, stream, scenario.alarm_reason),
                        daemon=True,
                    )
                    trip.start()
                started = time.monotonic()
                traffic = {
                    "Canary": VariantTraffic(
                        60, rate_5xx=scenario.canary_5xx, latency_ms=42, p99_ms=scenario.canary_p99_ms
                    ),
                    "AllTraffic": VariantTraffic(
                        240, rate_5xx=BASELINE_5XX, latency_ms=40, p99_ms=BASELINE_P99_MS
                    ),
                }
                endpoint = inputs["endpoint-name"]
                with environment(env), TrafficFeed(cloudwatch, endpoint, traffic, interval=0.5):
                    status = main(out=stream, env=dict(os.environ))
                stop.set()
                if trip is not None:
                    trip.join(timeout=5)
                stream.write(f"\n  exit status {status} after {time.monotonic() - started:.1f} s\n")
                _show_outputs(stream, output_file, summary_file)
                published = emulator.published(TOPIC)[len(notified) :]
                notified += published
                stream.write("\n  notifications (notify-topic-arn):\n")
                stream.writelines(f"    SNS: {message.subject}\n" for message in published)
                stream.flush()
                if scenario.strategy_peak:
                    timeline = deployment_timeline(endpoint)
                    peak = max((sum(m.instances.values()) for m in timeline), default=0)
                    stream.write(f"\n  instances at the peak of SageMaker's deployment: {peak}\n")
                if status != scenario.expect:
                    failures += 1
                    stream.write(f"  ✗ expected exit status {scenario.expect}\n")
    finally:
        emulator.stop()
    stream.write("\ndemo " + ("finished as expected\n" if failures == 0 else f"had {failures} surprise(s)\n"))
    return 0 if failures == 0 else 1
