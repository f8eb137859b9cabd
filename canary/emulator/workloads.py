"""State machines that exercise the emulator itself (long histories for paging tests and timings)."""

from __future__ import annotations

from typing import Any

EVENTS_PER_LAP = 4
"""History events one lap of :data:`COUNTER_LOOP` adds (Lap entered/exited, Check entered/exited)."""

COUNTER_LOOP: dict[str, Any] = {
    "Comment": "Counts to $.laps; each lap adds four history events.",
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Parameters": {"i": 0, "laps.$": "$.laps"}, "Next": "Lap"},
        "Lap": {
            "Type": "Pass",
            "Parameters": {"i.$": "States.MathAdd($.i, 1)", "laps.$": "$.laps"},
            "Next": "Check",
        },
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.laps", "Next": "Lap"}],
            "Default": "Done",
        },
        "Done": {"Type": "Pass", "End": True},
    },
}
"""A Pass/Choice loop that builds a long execution history fast, with no AWS calls."""
