"""The AWS clients of one run, each made on first use, and their retry and timeout settings.

Three kinds of client, by what the calls need:

- :attr:`Clients.sfn`, :attr:`Clients.sagemaker`: the SDK's adaptive retries (preflight reads, start,
  stop, the race check);
- :attr:`Clients.follow_sfn`: no SDK retries (:func:`canary.follow.sfn_client_config`): the follower
  times its own retries;
- :attr:`Clients.cancel_sfn`, :attr:`Clients.cancel_sagemaker`: one attempt with short timeouts, for
  the way out of a cancelled job (:data:`CANCEL_CONNECT_TIMEOUT` + :data:`CANCEL_READ_TIMEOUT` per
  request, well inside the runner's 7.5 s grace).

Endpoint and credentials come from the environment (``AWS_ENDPOINT_URL``, …), checked beforehand by
:mod:`canary.aws_environment`; anything botocore still refuses while making a client is raised as a
:class:`~canary.errors.ConfigurationError` (exit 2) before that client sends anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError

from canary.errors import ConfigurationError

if TYPE_CHECKING:
    from botocore.config import Config
    from types_boto3_cloudwatch.client import CloudWatchClient
    from types_boto3_sagemaker.client import SageMakerClient
    from types_boto3_stepfunctions.client import SFNClient

CANCEL_CONNECT_TIMEOUT = 1.0
CANCEL_READ_TIMEOUT = 2.0
"""Timeouts (seconds) of the clients used once the job is cancelled: one attempt each, so a hanging
AWS costs at most connect + read per request, well inside the runner's 7.5 s grace."""


class Clients:
    """The AWS clients the action uses, each created on first use (thread-safe).

    Creating a client loads its service model (SageMaker's is large): only the Step Functions client
    is needed before the first request, so the others are made when first asked for.
    """

    def __init__(self, region: str) -> None:
        """Clients for ``region`` (``AWS_ENDPOINT_URL`` and credentials come from the environment)."""
        self.region = region
        self._lock = threading.Lock()
        self._session: Any = None
        self._made: dict[str, Any] = {}

    def _client(self, key: str, service: str, config: Callable[[], Config]) -> Any:
        with self._lock:
            if key not in self._made:
                try:
                    if self._session is None:
                        import botocore.session  # boto3 would add only its import time (s3transfer, …)

                        self._session = botocore.session.get_session()
                    self._made[key] = self._session.create_client(
                        service, region_name=self.region, config=config()
                    )
                except (ValueError, BotoCoreError) as error:
                    raise ConfigurationError(
                        f"AWS configuration: botocore refused it while making the {service} client "
                        f"({error}): fix the AWS_* environment variable or the AWS config file it names"
                    ) from None
            return self._made[key]

    @property
    def sfn(self) -> SFNClient:
        """Step Functions with the SDK's retries (start, stop, list, describe)."""
        return cast("SFNClient", self._client("sfn", "stepfunctions", sdk_config))

    @property
    def follow_sfn(self) -> SFNClient:
        """Step Functions for :class:`canary.follow.Follower` (it retries by itself)."""
        from canary.follow import sfn_client_config

        return cast("SFNClient", self._client("follow_sfn", "stepfunctions", sfn_client_config))

    @property
    def sagemaker(self) -> SageMakerClient:
        """SageMaker with the SDK's retries (endpoint reads)."""
        return cast("SageMakerClient", self._client("sagemaker", "sagemaker", sdk_config))

    @property
    def servicequotas(self) -> Any:
        """Service Quotas with the SDK's retries (the capacity check, canary/quotas.py)."""
        return self._client("servicequotas", "service-quotas", sdk_config)

    @property
    def cloudwatch(self) -> CloudWatchClient:
        """CloudWatch with the SDK's retries (``abort``'s alarm)."""
        return cast("CloudWatchClient", self._client("cloudwatch", "cloudwatch", sdk_config))

    @property
    def cancel_sfn(self) -> SFNClient:
        """Step Functions for the way out of a cancelled job: one attempt, short timeouts."""
        return cast("SFNClient", self._client("cancel_sfn", "stepfunctions", cancel_config))

    @property
    def cancel_sagemaker(self) -> SageMakerClient:
        """SageMaker for the way out of a cancelled job: one attempt, short timeouts."""
        return cast("SageMakerClient", self._client("cancel_sagemaker", "sagemaker", cancel_config))


def sdk_config() -> Config:
    """The SDK's adaptive retries (8 attempts), 5 s to connect, 20 s to read."""
    from botocore.config import Config

    return Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=5, read_timeout=20)


def cancel_config() -> Config:
    """One attempt, :data:`CANCEL_CONNECT_TIMEOUT` and :data:`CANCEL_READ_TIMEOUT`."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=CANCEL_CONNECT_TIMEOUT,
        read_timeout=CANCEL_READ_TIMEOUT,
        user_agent_extra="sm-canary-action/cancel",
    )


def make_clients(region: str) -> Clients:
    """Clients for ``region``, each created when first used (``AWS_ENDPOINT_URL`` and credentials come
    from the environment)."""
    return Clients(region)
