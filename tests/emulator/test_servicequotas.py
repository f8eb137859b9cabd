"""The emulator's Service Quotas answers SageMaker's per-instance-type endpoint quotas as AWS documents.

- quota names "ml.m5.large for endpoint usage": https://docs.aws.amazon.com/general/latest/gr/sagemaker.html
- ListServiceQuotas (paged, MaxResults 1-100):
  https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_ListServiceQuotas.html
- GetServiceQuota ("If the applied quota value is not available for a quota, the quota is not
  retrieved"): https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html
- ListAWSDefaultServiceQuotas:
  https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_ListAWSDefaultServiceQuotas.html
- GetAWSDefaultServiceQuota ("The default value does not reflect any quota increases"):
  https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetAWSDefaultServiceQuota.html
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from canary.emulator import Emulator
from canary.emulator.servicequotas import DEFAULT_VALUE


def _all_quotas(quotas: Any, page_size: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"ServiceCode": "sagemaker", "MaxResults": page_size}
    while True:
        page = quotas.list_service_quotas(**params)
        assert len(page["Quotas"]) <= page_size
        found += page["Quotas"]
        if not page.get("NextToken"):
            return found
        params["NextToken"] = page["NextToken"]


def test_list_service_quotas_pages_one_quota_per_instance_type_found_by_name(aws: Any) -> None:
    quotas = aws("service-quotas")
    listed = _all_quotas(quotas, page_size=50)
    by_name = {q["QuotaName"]: q for q in listed}

    assert len(by_name) == len(listed) > 50  # more than one page, no duplicates
    quota = by_name["ml.g5.12xlarge for endpoint usage"]
    assert re.fullmatch(r"L-[0-9A-F]{8}", quota["QuotaCode"])
    assert quota["ServiceCode"] == "sagemaker"
    assert quota["Value"] == DEFAULT_VALUE
    assert quota["QuotaArn"].endswith(f":sagemaker/{quota['QuotaCode']}")
    assert [q["QuotaName"] for q in _all_quotas(quotas, page_size=100)] == list(by_name)


def test_get_service_quota_answers_the_applied_value_and_the_default_stays_the_default(
    aws: Any, emulator: Emulator
) -> None:
    code = emulator.set_quota("ml.g5.12xlarge", 8)
    quotas = aws("service-quotas")

    applied = quotas.get_service_quota(ServiceCode="sagemaker", QuotaCode=code)["Quota"]
    default = quotas.get_aws_default_service_quota(ServiceCode="sagemaker", QuotaCode=code)["Quota"]

    assert (applied["QuotaName"], applied["Value"]) == ("ml.g5.12xlarge for endpoint usage", 8.0)
    assert default["Value"] == DEFAULT_VALUE
    listed = {q["QuotaCode"]: q["Value"] for q in _all_quotas(quotas, page_size=100)}
    assert listed[code] == 8.0
    # per region: another region keeps the default
    other = aws("service-quotas", "eu-west-1").get_service_quota(ServiceCode="sagemaker", QuotaCode=code)
    assert other["Quota"]["Value"] == DEFAULT_VALUE


def test_an_applied_value_that_is_not_available_is_not_retrieved_but_the_default_is(
    aws: Any, emulator: Emulator
) -> None:
    code = emulator.set_quota("ml.m5.large", None, available=False)
    quotas = aws("service-quotas")

    with pytest.raises(ClientError) as raised:
        quotas.get_service_quota(ServiceCode="sagemaker", QuotaCode=code)
    assert raised.value.response["Error"]["Code"] == "NoSuchResourceException"
    default = quotas.get_aws_default_service_quota(ServiceCode="sagemaker", QuotaCode=code)["Quota"]
    assert default["Value"] == DEFAULT_VALUE
    # "the quota is not retrieved": ListServiceQuotas leaves it out, the defaults list it
    assert code not in {q["QuotaCode"] for q in _all_quotas(quotas, page_size=100)}
    params: dict[str, Any] = {"ServiceCode": "sagemaker", "MaxResults": 50}
    defaults: dict[str, float] = {}
    while True:
        page = quotas.list_aws_default_service_quotas(**params)
        defaults |= {q["QuotaCode"]: q["Value"] for q in page["Quotas"]}
        if not page.get("NextToken"):
            break
        params["NextToken"] = page["NextToken"]
    assert defaults[code] == DEFAULT_VALUE


def test_an_unknown_quota_code_is_no_such_resource(aws: Any) -> None:
    with pytest.raises(ClientError) as raised:
        aws("service-quotas").get_aws_default_service_quota(ServiceCode="sagemaker", QuotaCode="L-00000000")
    assert raised.value.response["Error"]["Code"] == "NoSuchResourceException"


def test_the_reset_forgets_applied_values(aws: Any, emulator: Emulator) -> None:
    code = emulator.set_quota("ml.m5.large", 3)
    emulator.reset()
    quota = aws("service-quotas").get_service_quota(ServiceCode="sagemaker", QuotaCode=code)["Quota"]
    assert quota["Value"] == DEFAULT_VALUE
