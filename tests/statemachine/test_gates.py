"""Approval gates and abort: the execution waits on a task token after a bake; ``approve`` resumes it,
``abort`` rolls it back, at the gate (SendTaskFailure) or during a bake (its …-abort alarm).

docs/state-machine.md, "Approval gates" and "Abort". The answers go through canary/gates.py, as the
action's ``command: approve|abort`` sends them.
"""

from __future__ import annotations

from typing import Any

import pytest

from canary.errors import NothingWaitingError
from canary.execution_input import ApprovalSettings
from canary.gates import Answer, answer_gate, waiting_token
from tests.statemachine.conftest import Deploys

pytestmark = pytest.mark.execution

ALICE = Answer(actor="@alice", run="https://github.com/acme/models/actions/runs/1/attempts/1")


def _answer(deploys: Deploys, command: Any, lines: list[str] | None = None) -> str:
    said = lines if lines is not None else []
    return answer_gate(
        deploys.sfn,
        deploys.cw,
        deploys.machine,
        deploys.endpoint,
        command=command,
        answer=ALICE,
        say=said.append,
    )


def _gates(outcome: Any) -> int:
    return outcome.entered().count("Gate")


def test_before_promote_waits_after_the_last_bake_and_approve_promotes(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    document = deploys.document(CanaryWeights=[10, 50], Approval=ApprovalSettings(Mode="before-promote"))
    arn = deploys.start(document)
    deploys.wait_until(arn, "Gate")
    assert waiting_token(deploys.sfn, arn) is not None
    entered = deploys.outcome(arn).entered()
    assert entered.count("ShiftTraffic") == 1, "the gate comes after the last step's bake"
    assert "CreateFinalConfig" not in entered
    lines: list[str] = []
    assert _answer(deploys, "approve", lines) == arn
    assert lines[0].startswith("approved the gate of execution ")
    assert "@alice (https://github.com/acme/models/actions/runs/1/attempts/1)" in lines[0]
    outcome = deploys.finish(arn)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert _gates(outcome) == 1
    assert deploys.wait_in_service()["EndpointConfigName"] == document.Names.FinalConfig
    deploys.assert_no_leftovers(document)


def test_each_step_waits_after_every_bake(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    document = deploys.document(CanaryWeights=[10, 50], Approval=ApprovalSettings(Mode="each-step"))
    arn = deploys.start(document)
    deploys.wait_until(arn, "Gate")
    assert deploys.outcome(arn).entered().count("ShiftTraffic") == 0, "waits after the 10% bake"
    _answer(deploys, "approve")
    deploys.wait_until(arn, "Gate", occurrence=2)
    assert deploys.outcome(arn).entered().count("ShiftTraffic") == 1, "then after the 50% bake"
    _answer(deploys, "approve")
    outcome = deploys.finish(arn)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert _gates(outcome) == 2


def test_abort_at_the_gate_rolls_back_naming_who(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    document = deploys.document(Approval=ApprovalSettings(Mode="before-promote"))
    arn = deploys.start(document)
    deploys.wait_until(arn, "Gate")
    _answer(deploys, "abort")
    outcome = deploys.finish(arn)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.Aborted")
    assert outcome.cause is not None
    assert outcome.cause.startswith(f"Rolled back: endpoint ep is on {original} again.")
    assert (
        "At the gate after the 20% bake: Canary.Aborted: aborted by @alice (https://github.com/"
        in outcome.cause
    )
    assert deploys.wait_in_service()["EndpointConfigName"] == original
    deploys.assert_no_leftovers(document)


@pytest.mark.parametrize(("on_timeout", "status"), [("rollback", "FAILED"), ("promote", "SUCCEEDED")])
def test_a_gate_nobody_answers_times_out_to_its_on_timeout(
    deploys: Deploys, on_timeout: Any, status: str
) -> None:
    original = deploys.existing_endpoint()
    approval = ApprovalSettings(Mode="before-promote", TimeoutSeconds=1, OnTimeout=on_timeout)
    document = deploys.document(Approval=approval)
    outcome = deploys.run(document)
    assert outcome.status == status, (outcome.error, outcome.cause)
    assert _gates(outcome) == 1
    if on_timeout == "rollback":
        assert outcome.error == "Canary.ApprovalTimedOut"
        assert outcome.cause is not None
        assert "Nobody approved the gate after the 20% bake within 1 s" in outcome.cause
        assert deploys.wait_in_service()["EndpointConfigName"] == original
    else:
        assert deploys.wait_in_service()["EndpointConfigName"] == document.Names.FinalConfig
    deploys.assert_no_leftovers(document)


def test_abort_during_a_bake_rolls_back_at_the_next_check(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    document = deploys.document(BakeSeconds=30, AlarmCheckSeconds=1)
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms", occurrence=2)
    lines: list[str] = []
    _answer(deploys, "abort", lines)
    assert lines[0].startswith(f"set alarm {document.Names.AlarmPrefix}-abort to ALARM as @alice")
    outcome = deploys.finish(arn)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.Aborted")
    assert outcome.cause is not None
    assert "Aborted during the 20% bake: aborted by @alice" in outcome.cause
    assert deploys.wait_in_service()["EndpointConfigName"] == original
    deploys.assert_no_leftovers(document)
    assert f"{document.Names.AlarmPrefix}-abort" not in deploys.alarms(), "the abort alarm is cleaned up"


def test_nothing_running_or_not_at_a_gate_is_refused(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    with pytest.raises(NothingWaitingError, match="no deploy of endpoint ep is running"):
        _answer(deploys, "approve")
    arn = deploys.start(deploys.document(BakeSeconds=30))
    deploys.wait_until(arn, "CheckAlarms")
    with pytest.raises(NothingWaitingError, match="is not waiting at a gate: nothing to approve"):
        _answer(deploys, "approve")
    deploys.sfn.stop_execution(executionArn=arn)


def test_without_approval_no_gate_is_entered(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    outcome = deploys.run(deploys.document(CanaryWeights=[10, 50]))
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert _gates(outcome) == 0
