"""SNS Publish's ``Subject`` as the API reference constrains it.

AWS (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html): "Subjects must be UTF-8 text with
no line breaks or control characters, and less than 100 characters long." A subject breaking that is
``InvalidParameter`` (HTTP 400). moto 5.2.5 accepts 100 characters and any character, and answers a
longer subject with an unmodelled error. Here: 100 or more characters, a line break or any other
control character (C0, DEL or C1) is ``InvalidParameter: Invalid parameter: Subject``.
"""

from __future__ import annotations

import re
from typing import Any

MAX_SUBJECT = 99
"""The longest subject SNS takes: "less than 100 characters"."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_installed = False


def subject_problem(subject: str | None) -> str | None:
    """Why SNS refuses this Publish subject, or None."""
    if subject is None:
        return None
    if len(subject) > MAX_SUBJECT:
        return f"Subject must be less than 100 characters (it has {len(subject)})"
    if _CONTROL.search(subject):
        return "Subject must not contain line breaks or control characters"
    return None


def install() -> None:
    """Wrap moto's ``SNSBackend.publish`` with the check."""
    global _installed  # noqa: PLW0603 - one process-wide patch of moto
    if _installed:
        return
    from moto.sns.exceptions import InvalidParameterValue
    from moto.sns.models import SNSBackend

    original = SNSBackend.publish

    def publish(self: Any, message: str, arn: str | None, *args: Any, **kwargs: Any) -> Any:
        problem = subject_problem(kwargs.get("subject"))
        if problem:
            raise InvalidParameterValue(f"Invalid parameter: Subject ({problem})")
        return original(self, message, arn, *args, **kwargs)

    SNSBackend.publish = publish
    _installed = True
