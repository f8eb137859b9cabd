"""The ``AWS_*`` environment botocore reads, checked before the first request.

botocore reads its configuration from the environment when a client is created, or only when a
request is made, and reports a malformed value with a traceback (``ValueError: Invalid endpoint``)
or an error that looks like AWS's. A malformed variable is a configuration error of the job, like a
malformed input: :func:`aws_environment_problems` names each one and its fix, and the action exits 2
before any AWS call (see docs/design.md, "Guarantees").

``AWS_ENDPOINT_URL=http://:4566`` is the common case: a ``socat`` recipe that forwards to the Docker
host's gateway prints an empty host when the Docker network has no gateway.

Variables: https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

REGION_LABEL = re.compile(r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$")
"""A region botocore accepts (``botocore.utils.validate_region_name``: a host label)."""
_BOOLEAN = ("true", "false")

Check = Callable[[str], str | None]
"""A value → None when valid, else what is wrong and how to fix it."""


def _endpoint_url(value: str) -> str | None:
    if is_valid_endpoint_url(value) or is_valid_ipv6_endpoint_url(value):
        return None
    host = "" if "://" not in value else value.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
    why = "has no host" if "://" in value and not host else "is not an http(s)://HOST[:PORT] URL"
    return (
        f"{value!r} {why}: set it to the AWS endpoint to use, e.g. http://172.17.0.1:4566 for a local "
        "emulator on the Docker host (a socat recipe prints an empty host when the Docker network has no "
        "gateway: give the host's address), or unset it to use AWS"
    )


def _region(value: str) -> str | None:
    if REGION_LABEL.match(value):
        return None
    return f"{value!r} is not a region name: write e.g. us-east-1 (no spaces), or unset it"


def _whole(minimum: int) -> Check:
    def check(value: str) -> str | None:
        if re.fullmatch(r"\d+", value.strip()) and int(value) >= minimum:
            return None
        return f"{value!r} is not a whole number ≥ {minimum}: give e.g. {max(minimum, 3)}, or unset it"

    return check


def _seconds(value: str) -> str | None:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if math.isfinite(number) and number > 0:
        return None
    return f"{value!r} is not a number of seconds > 0: give e.g. 1, or unset it"


def _one_of(*allowed: str) -> Check:
    def check(value: str) -> str | None:
        if value.strip().lower() in allowed:
            return None
        return f"{value!r} is not one of {', '.join(allowed)}: use one of them, or unset it"

    return check


CHECKS: Mapping[str, Check] = {
    "AWS_ENDPOINT_URL": _endpoint_url,
    "AWS_REGION": _region,
    "AWS_DEFAULT_REGION": _region,
    "AWS_MAX_ATTEMPTS": _whole(1),
    "AWS_RETRY_MODE": _one_of("legacy", "standard", "adaptive"),
    "AWS_DEFAULTS_MODE": _one_of("legacy", "standard", "in-region", "cross-region", "mobile", "auto"),
    "AWS_USE_DUALSTACK_ENDPOINT": _one_of(*_BOOLEAN),
    "AWS_USE_FIPS_ENDPOINT": _one_of(*_BOOLEAN),
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": _one_of(*_BOOLEAN),
    "AWS_DISABLE_REQUEST_COMPRESSION": _one_of(*_BOOLEAN),
    "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES": _whole(0),
    "AWS_METADATA_SERVICE_TIMEOUT": _seconds,
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS": _whole(1),
    "AWS_STS_REGIONAL_ENDPOINTS": _one_of("legacy", "regional"),
    "AWS_REQUEST_CHECKSUM_CALCULATION": _one_of("when_supported", "when_required"),
    "AWS_RESPONSE_CHECKSUM_VALIDATION": _one_of("when_supported", "when_required"),
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": _one_of("preferred", "disabled", "required"),
}
"""Each variable botocore reads whose value can be malformed, and its check."""
SERVICE_ENDPOINT_PREFIX = "AWS_ENDPOINT_URL_"
"""``AWS_ENDPOINT_URL_<SERVICE>`` (``_SFN``, ``_SAGEMAKER``, …): a URL, checked like AWS_ENDPOINT_URL."""


def _check_of(name: str) -> Check | None:
    if name in CHECKS:
        return CHECKS[name]
    if name.startswith(SERVICE_ENDPOINT_PREFIX):
        return _endpoint_url
    return None


def aws_environment_problems(env: Mapping[str, str]) -> list[str]:
    """One ``NAME: what is wrong: how to fix it`` per malformed ``AWS_*`` variable of ``env``.

    Empty values are skipped (botocore treats an empty variable as unset for most of them).
    """
    problems = []
    for name in sorted(env):
        check = _check_of(name)
        value = env[name]
        if check is None or not value:
            continue
        problem = check(value)
        if problem is not None:
            problems.append(f"{name}: {problem}")
    return problems
