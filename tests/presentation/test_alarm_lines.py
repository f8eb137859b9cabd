"""The job log's alarm lines (canary/task_lines.py::describe_alarms), from DescribeAlarms answers.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html: names with
no alarm are left out of the answer, without an error; ``INSUFFICIENT_DATA`` means too little data to
evaluate ("Alarm states",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
"""

from __future__ import annotations

from typing import Any

from canary.task_lines import describe_alarms

ABORT = "ep-1-abort"


def _answer(**states: str) -> dict[str, Any]:
    return {
        "MetricAlarms": [
            {"AlarmName": n, "StateValue": s, "StateReason": f"{n} {s}"} for n, s in states.items()
        ]
    }


def _asked(*names: str) -> dict[str, Any]:
    return {"AlarmNames": [*names, ABORT]}


def test_all_ok_is_ok() -> None:
    shown = describe_alarms(_asked("a", "b"), _answer(a="OK", b="OK"), abort=ABORT)
    assert shown == ("ok", "alarms OK: a OK, b OK")


def test_insufficient_data_is_not_shown_as_ok() -> None:
    shown = describe_alarms(_asked("a", "b"), _answer(a="OK", b="INSUFFICIENT_DATA"), abort=ABORT)
    assert shown == (
        "info",
        "no alarm in ALARM; OK: a; INSUFFICIENT_DATA (too little data to evaluate: not judged): b",
    )


def test_a_named_alarm_missing_from_the_answer_is_an_error_and_the_abort_alarm_is_not() -> None:
    level, text = describe_alarms(_asked("a", "b"), _answer(a="OK"), abort=ABORT) or ("", "")
    assert level == "error"
    assert text == "ALARM: b: gone (DescribeAlarms no longer finds it)"


def test_the_start_check_names_what_is_missing_or_confirms_what_exists() -> None:
    missing = describe_alarms(_asked("a", "typo"), _answer(a="OK"), abort=ABORT, start=True)
    assert missing == ("error", "no alarm named typo: it could never roll the canary back")
    found = describe_alarms(_asked("a"), _answer(a="INSUFFICIENT_DATA"), abort=ABORT, start=True)
    assert found == ("ok", "alarm-names: a exist")
    assert describe_alarms(_asked(), _answer(), abort=ABORT, start=True) is None, "no names: no line"
