"""The exceptions the action turns into an exit status.

``CanaryError`` is the root; every subclass carries a message written for the user (what is wrong
and how to fix it). Errors of input and configuration exit 2: nothing was created or changed.
"""

from __future__ import annotations

from collections.abc import Sequence


class CanaryError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 1


class InvalidInputError(CanaryError):
    """One or more action inputs are malformed.

    ``problems`` holds one message per problem, each starting with the input's name.
    """

    exit_code = 2

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class ConfigurationError(CanaryError):
    """The inputs are well formed but cannot work with what is in AWS (e.g. a first deploy without
    ``instance-type``, or the state machine must be created and no role was given)."""

    exit_code = 2


class NothingWaitingError(CanaryError):
    """``command: approve``/``abort`` found no deploy of the endpoint to answer: nothing was changed."""

    exit_code = 2


class ConcurrentDeployError(CanaryError):
    """Another artifact is being deployed to the endpoint and did not finish in time."""

    exit_code = 1


class Cancelled(CanaryError):
    """The job was cancelled before an execution was started or attached."""

    exit_code = 1

    def __init__(
        self, message: str = "cancelled before any execution was started: nothing was changed"
    ) -> None:
        super().__init__(message)
