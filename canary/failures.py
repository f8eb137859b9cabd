"""How a run that cannot go on is reported: one table from exception to title, exit status and outcome.

Every exception :class:`canary.action.Action` turns into an exit status is a row of :data:`FAILURES`
(the first row whose class matches wins). ``title`` is the ``::error`` annotation's title (None: a
plain log line, no annotation); ``outcome`` is the ``outcome`` output ("" leaves it empty: nothing
was started); ``exit_code`` follows docs/design.md, "Exit status".
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from canary.errors import (
    Cancelled,
    ConcurrentDeployError,
    ConfigurationError,
    InvalidInputError,
    NothingWaitingError,
)
from canary.outcome import EXIT_FAILED, EXIT_INVALID, ReportedOutcome


@dataclass(frozen=True)
class Failure:
    """How one kind of exception is reported."""

    title: str | None
    """Title of the ``::error`` annotation; None: a plain line (nothing failed, it was cancelled)."""
    exit_code: int
    outcome: ReportedOutcome
    """The ``outcome`` output; "" when nothing was started, or to keep one already set."""
    message: str | None = None
    """Fixed text to show instead of the exception's own."""
    prefix: str = ""
    """Put before the exception's text."""
    follow_hint: bool = False
    """Say how to follow the execution, when one was started (it may go on)."""

    def text(self, error: BaseException) -> str:
        """What the log says about ``error``."""
        if self.message is not None:
            return self.message
        if isinstance(error, InvalidInputError):
            return "\n".join(error.problems)
        return f"{self.prefix}{error}"


FAILURES: tuple[tuple[type[BaseException], Failure], ...] = (
    (InvalidInputError, Failure("Invalid input", EXIT_INVALID, "")),
    (ConfigurationError, Failure("Invalid configuration", EXIT_INVALID, "")),
    (
        NoCredentialsError,
        Failure(
            "Invalid configuration",
            EXIT_INVALID,
            "",
            message="no AWS credentials: run aws-actions/configure-aws-credentials before this step",
        ),
    ),
    (NothingWaitingError, Failure("Nothing to answer", EXIT_INVALID, "")),
    (ConcurrentDeployError, Failure("Another deploy is running", EXIT_FAILED, "timed-out")),
    (Cancelled, Failure(None, EXIT_FAILED, "cancelled")),
    (ClientError, Failure("AWS error", EXIT_FAILED, "failed", prefix="AWS error: ", follow_hint=True)),
    (BotoCoreError, Failure("AWS error", EXIT_FAILED, "failed", prefix="AWS error: ", follow_hint=True)),
)
"""Exception class → how it is reported, most specific first."""
REPORTED = tuple(kind for kind, _ in FAILURES)
"""Every exception class of the table (for an ``except`` clause)."""


def failure_of(error: BaseException) -> Failure:
    """The row of :data:`FAILURES` for ``error`` (KeyError when it has none)."""
    for kind, failure in FAILURES:
        if isinstance(error, kind):
            return failure
    raise KeyError(type(error).__name__)
