"""Start, reset and stop the extended moto server in-process."""

from __future__ import annotations

import json
import os
import socket
import threading
import urllib.request
from dataclasses import dataclass
from typing import Any

ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class EmulatorTimings:
    """How long simulated operations take."""

    create_seconds: float = 0.0
    """CreateEndpoint: seconds the endpoint stays ``Creating``."""
    update_seconds: float = 0.0
    """UpdateEndpoint: seconds the endpoint stays ``Updating`` (new instances are provisioned)."""
    weights_seconds: float = 0.0
    """UpdateEndpointWeightsAndCapacities: seconds the endpoint stays ``Updating`` (no new instances)."""
    retry_scale: float = 1.0
    """Factor on every Step Functions Retry back-off sleep (tests use e.g. 0.01); Wait states unscaled."""
    deployment_wait_scale: float = 1.0
    """Factor on the waits of an UpdateEndpoint ``DeploymentConfig`` (wait intervals, termination wait,
    execution timeout): 1.0 runs SageMaker's guardrails at their real length; tests use e.g. 0.001."""
    metrics_delay_seconds: float = 0.0
    """GetMetricData: seconds after PutMetricData before a datapoint is readable (late data)."""


def free_port() -> int:
    """Ask the kernel for a free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_install_lock = threading.Lock()
_installed = False


def install_extensions() -> None:
    """Switch on state machine execution and patch moto with this project's extensions (idempotent).

    Must run before any state machine is created: machines created while execution is off are
    invisible once it is switched on (docs/emulator.md).
    """
    global _installed  # noqa: PLW0603 - one process-wide patch of moto
    with _install_lock:
        if _installed:
            return
        from moto.core.config import default_user_config

        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        from canary.emulator import patches

        patches.install()
        _installed = True


@dataclass(frozen=True)
class Published:
    """One SNS Publish as the topic received it (with MessageStructure json, ``message`` is the JSON)."""

    message_id: str
    message: str
    subject: str | None
    attributes: dict[str, Any] | None
    group_id: str | None


class Emulator:
    """moto server with the project's extensions, on 127.0.0.1:``port``."""

    def __init__(self, port: int = 0, timings: EmulatorTimings | None = None) -> None:
        self.port = port or free_port()
        self.timings = timings or EmulatorTimings()
        self._server: object | None = None

    @property
    def url(self) -> str:
        """The endpoint URL clients pass as ``endpoint_url`` / ``AWS_ENDPOINT_URL``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Emulator:
        """Install the extensions and serve; aws-sdk tasks call back on this port (``MOTO_PORT``)."""
        os.environ["MOTO_PORT"] = str(self.port)
        install_extensions()
        from moto.server import ThreadedMotoServer

        from canary.emulator import patches

        patches.set_timings(self.timings)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        server.start()
        self._server = server
        return self

    def set_timings(self, timings: EmulatorTimings) -> None:
        """Change how long simulated SageMaker operations take from now on."""
        from canary.emulator import patches

        self.timings = timings
        patches.set_timings(timings)

    def reset(self) -> None:
        """Forget every resource (all services), keeping the extensions and the timings.

        Executions still running are stopped first: moto's reset forgets them but their threads go
        on calling back into the server, and would act on the next user's resources of the same name.
        """
        stop_running_executions()
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        from canary.emulator import patches

        patches.reset()

    def published(self, topic_arn: str) -> list[Published]:
        """What was published to an SNS topic of this emulator, in order (moto keeps every message)."""
        from moto.sns import sns_backends

        _, _, _, region, account, _ = topic_arn.split(":")
        topic = sns_backends[account][region].topics.get(topic_arn)
        return [Published(*sent) for sent in topic.sent_notifications] if topic else []

    def set_quota(self, instance_type: str, value: float | None, **where: Any) -> str:
        """Apply a value to the instance type's "for endpoint usage" quota (Service Quotas); its code.

        ``where``: ``region``, ``account``, ``available`` (:func:`canary.emulator.servicequotas.set_quota`).
        """
        from canary.emulator import servicequotas

        return servicequotas.set_quota(instance_type, value, **where)

    def instance_timeline(self, endpoint_name: str, region: str = "us-east-1") -> list[Any]:
        """How many instances of each type the endpoint ran, over time (:mod:`canary.emulator.instances`)."""
        from canary.emulator import instances

        return instances.timeline(endpoint_name, region=region, account=ACCOUNT_ID)

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.stop()  # type: ignore[attr-defined]
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stop_running_executions() -> int:
    """Stop (ABORTED) every state machine execution still running in this process; returns how many."""
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    from canary.emulator.stepfunctions import stop_and_settle

    stopped = 0
    for account_id in list(stepfunctions_parser_backends):
        for region in list(stepfunctions_parser_backends[account_id]):
            backend = stepfunctions_parser_backends[account_id][region]
            for execution in backend._get_executions(ExecutionStatus.RUNNING):
                stop_and_settle(execution, "Emulator.Reset", "the emulator was reset")
                stopped += 1
    return stopped


def moto_api_config(url: str, config: dict[str, object]) -> None:
    """POST a moto configuration document to a running server (used for out-of-process servers)."""
    request = urllib.request.Request(
        f"{url}/moto-api/config",
        method="POST",
        data=json.dumps(config).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
