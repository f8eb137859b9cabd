"""The patterns the action's text inputs must match, with SageMaker's and Step Functions' limits.

:class:`canary.settings.Settings` checks its inputs against these; :data:`OPTIONAL_PATTERNS` maps each
optional pattern-checked input (by field name) to its pattern and to what the error says.
"""

from __future__ import annotations

import re

ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
"""SageMaker's EndpointName pattern (CreateEndpoint API reference), 63 characters at most."""
IMAGE_URI = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?"  # registry host[:port]
    r"/[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*"  # repository path
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"  # :tag
    r"(?:@sha256:[a-f0-9]{64})?$"  # @digest
)
"""``registry/repository[:tag][@sha256:digest]``: SageMaker pulls from ECR or a private registry."""
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
"""A standard SNS topic (a FIFO topic's name ends in .fifo; publishing to one needs a group id)."""
STATE_MACHINE_ARN = re.compile(r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$")
SFN_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
"""Step Functions state machine and execution names (restricted to what CloudWatch Logs accepts)."""
_S3 = r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/\S*)?"
S3_MODEL_DATA = re.compile(rf"^(?=.{{1,1024}}$){_S3}$")
S3_CAPTURE = re.compile(rf"^(?=.{{1,512}}$){_S3}$")
"""s3:// URIs of model data and of data capture, at most as long as SageMaker takes them."""
INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")

OPTIONAL_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "model_data": (
        S3_MODEL_DATA,
        "is not an s3:// URI: write s3://BUCKET/KEY (or leave it empty)",
    ),
    "data_capture_destination": (
        S3_CAPTURE,
        "is not an s3:// URI: write s3://BUCKET/PREFIX for the captured requests "
        "(or leave it empty to keep the endpoint's data capture as it is)",
    ),
    "instance_type": (
        INSTANCE_TYPE,
        "is not a SageMaker instance type: write e.g. ml.m5.large",
    ),
    "state_machine_arn": (
        STATE_MACHINE_ARN,
        "is not a state machine ARN: write arn:aws:states:REGION:ACCOUNT:stateMachine:NAME "
        "(or leave it empty to use the bundled one)",
    ),
    "state_machine_role_arn": (
        ROLE_ARN,
        "is not an IAM role ARN: write arn:aws:iam::123456789012:role/NAME",
    ),
    "notify_topic_arn": (
        SNS_TOPIC_ARN,
        "is not the ARN of a standard SNS topic: write arn:aws:sns:REGION:ACCOUNT:TOPIC (FIFO topics are "
        "not supported; or leave it empty for no notifications)",
    ),
    "execution_name": (
        SFN_NAME,
        "is not a valid execution name: 1-80 characters of A-Z a-z 0-9 _ - (or leave it empty to derive one)",
    ),
}
"""Optional inputs (by field) that must match a pattern when given: the pattern, and what to say."""
