"""SageMaker's UpdateEndpointWeightsAndCapacities on the emulator's endpoints.

Moved out of ``canary/emulator/sagemaker.py`` (which patches it onto moto's backend and owns the
endpoint state and its lock). The request names each variant once, and only variants the endpoint
has; the desired weights and instance counts show at once (``DesiredWeight``,
``DesiredInstanceCount``) and become current when the update settles: after ``weights_seconds``,
or ``update_seconds`` when an instance count changes (instances are provisioned). Instance counts
it is not given are kept, and zero weights are kept as 0.0.
"""

from __future__ import annotations

import copy
from typing import Any

from canary.emulator.sagemaker_requests import _endpoint, _invalid, _require_in_service


def update_weights_and_capacities(
    self: Any, endpoint_name: str, desired_weights_and_capacities: list[dict[str, Any]]
) -> str:
    """UpdateEndpointWeightsAndCapacities: check the variants, show the desired values at once and
    settle after ``weights_seconds`` (``update_seconds`` when an instance count changes)."""
    from canary.emulator import sagemaker

    with sagemaker._lock:
        endpoint = _endpoint(self, endpoint_name)
        tracked = sagemaker._settle(self, endpoint)
        _require_in_service(self, endpoint)
        names = [v["VariantName"] for v in endpoint.production_variants]
        seen: set[str] = set()
        for desired in desired_weights_and_capacities:
            name = str(desired.get("VariantName"))
            if name in seen:
                raise _invalid(f'The variant name "{name}" was non-unique within the request.')
            if name not in names:
                raise _invalid(
                    f'The variant name(s) "{name}" is/are not present within endpoint configuration '
                    f'"{endpoint.endpoint_config_name}".'
                )
            seen.add(name)
        variants = copy.deepcopy(endpoint.production_variants)
        by_name = {v["VariantName"]: v for v in variants}
        provisions = any(  # instances added or removed: as long as an update, not a weight change
            d.get("DesiredInstanceCount") is not None
            and int(d["DesiredInstanceCount"]) != by_name[d["VariantName"]].get("CurrentInstanceCount")
            for d in desired_weights_and_capacities
        )
        for desired in desired_weights_and_capacities:
            target = by_name[desired["VariantName"]]
            live = next(v for v in endpoint.production_variants if v["VariantName"] == desired["VariantName"])
            if desired.get("DesiredWeight") is not None:
                weight = float(desired["DesiredWeight"])
                target["CurrentWeight"] = target["DesiredWeight"] = live["DesiredWeight"] = weight
            if desired.get("DesiredInstanceCount") is not None:
                count = int(desired["DesiredInstanceCount"])
                target["CurrentInstanceCount"] = target["DesiredInstanceCount"] = count
                live["DesiredInstanceCount"] = count
        sagemaker._begin(
            tracked,
            "weights",
            float(
                sagemaker._timings().update_seconds if provisions else sagemaker._timings().weights_seconds
            ),
            config_name=endpoint.endpoint_config_name,
            variants=variants,
            shadow_variants=copy.deepcopy(tracked.shadow_variants),
            instance_types=dict(tracked.instance_types),
            failure=None,
        )
        return endpoint.arn  # type: ignore[no-any-return]
