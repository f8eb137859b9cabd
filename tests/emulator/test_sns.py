"""SNS Publish's subject (canary/emulator/sns.py).

AWS (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html): "Subjects must be UTF-8 text with
no line breaks or control characters, and less than 100 characters long."
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from canary.emulator import Emulator


@pytest.fixture
def topic(aws: Any) -> str:
    return str(aws("sns").create_topic(Name="deploys")["TopicArn"])


def test_a_subject_of_99_characters_is_published(aws: Any, topic: str, emulator: Emulator) -> None:
    aws("sns").publish(TopicArn=topic, Subject="s" * 99, Message="m")
    assert [p.subject for p in emulator.published(topic)] == ["s" * 99]


@pytest.mark.parametrize(
    "subject", ["s" * 100, "s" * 150, "deployed\nnext line", "tab\there", "bell\x07", "c1\x85"]
)
def test_a_subject_of_100_characters_or_with_control_characters_is_refused(
    aws: Any, topic: str, emulator: Emulator, subject: str
) -> None:
    with pytest.raises(ClientError) as caught:
        aws("sns").publish(TopicArn=topic, Subject=subject, Message="m")
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameter"
    assert "Subject" in error["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert emulator.published(topic) == []
