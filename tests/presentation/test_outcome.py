"""Outcome classification: a failed or rolled-back deploy is never a success.

Execution statuses: https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html
"""

from __future__ import annotations

import pytest

from canary.outcome import classify


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        ("SUCCEEDED", None, "deployed"),
        ("FAILED", "Canary.RolledBack", "rolled-back"),
        ("FAILED", "Canary.UpdateFailed", "rolled-back"),
        ("FAILED", "Canary.EndpointStuck", "rolled-back"),
        ("FAILED", "Canary.CreateFailed", "failed"),
        ("FAILED", "Canary.DeployFailed", "failed"),
        ("FAILED", "Canary.RollbackFailed", "failed"),
        ("FAILED", "Canary.UnsupportedEndpoint", "failed"),
        ("FAILED", "Canary.InvalidInput", "failed"),
        ("FAILED", "States.Runtime", "failed"),
        ("FAILED", None, "failed"),
        ("TIMED_OUT", None, "timed-out"),
        ("RUNNING", None, "timed-out"),
        ("ABORTED", None, "cancelled"),
        ("PENDING_REDRIVE", None, "failed"),
        ("SOMETHING_NEW", None, "failed"),
    ],
)
def test_classify_maps_status_and_error_to_outcome_and_exit_code(
    status: str, error: str | None, expected: str
) -> None:
    outcome = classify({"status": status, "error": error, "cause": "why"})
    assert outcome.outcome == expected
    assert outcome.exit_code == (0 if expected == "deployed" else 1)
    assert outcome.succeeded is (expected == "deployed")


def test_classify_parses_the_summary_output_of_a_success() -> None:
    outcome = classify({"status": "SUCCEEDED", "output": '{"EndpointConfigName": "c-2", "Weights": [20]}'})
    assert outcome.summary == {"EndpointConfigName": "c-2", "Weights": [20]}
    assert outcome.error is None


@pytest.mark.parametrize("output", [None, "", "not json", "[1, 2]", '"text"'])
def test_classify_tolerates_outputs_that_are_not_json_objects(output: str | None) -> None:
    assert classify({"status": "SUCCEEDED", "output": output}).summary == {}


def test_classify_keeps_cause_of_a_failure() -> None:
    outcome = classify({"status": "FAILED", "error": "Canary.RolledBack", "cause": "alarm x-5xx in ALARM"})
    assert (outcome.error, outcome.cause, outcome.status) == (
        "Canary.RolledBack",
        "alarm x-5xx in ALARM",
        "FAILED",
    )
