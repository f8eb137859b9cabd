"""The fleet a deploy runs: the promoted variant's instance count and each step's canary size.

The state machine computes the same numbers itself (``ReadScalingPolicies``' ``$plan``, so a deploy
started from the console sizes its canary too); this is their Python statement for the plan the
action prints (docs/state-machine.md, "The fleet").
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def promoted_count(current: int | None, override: int | None) -> int:
    """The promoted variant's instances: ``instance-count`` when given, else the current count (or 1)."""
    return override if override is not None else current or 1


def canary_sizes(current: int | None, weights: Sequence[int], fixed: int | None) -> list[int]:
    """The canary's instances at each step: ``fixed`` when given, else its share of the current fleet,
    ``max(1, ceil(N x weight / 100))``, so no canary instance carries more than one did before."""
    if fixed is not None:
        return [fixed for _ in weights]
    fleet = current or 1
    return [max(1, math.ceil(fleet * weight / 100)) for weight in weights]
