"""How many alarms one deploy can watch.

CloudWatch's DescribeAlarms takes at most 100 ``AlarmNames`` a call and pages its answer
(``MaxRecords`` 1-100, default 50;
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html). The
project's rule: every DescribeAlarms call names at most 100 alarms and passes ``MaxRecords: 100``, so
one page holds every alarm it names and no check misses one. The state machine's ``CheckAlarms`` names
the user's alarms and the deploy's own ``-4xx``, ``-5xx`` and ``-abort``: hence at most 97 of the
user's (``alarm-names``, ``AlarmNames``).
"""

from __future__ import annotations

DESCRIBE_ALARMS_MAX_NAMES = 100
"""AlarmNames of one DescribeAlarms call, and its largest MaxRecords."""

OWN_ALARMS = 3
"""The deploy's own alarms every check names beside the user's: -4xx, -5xx, -abort."""

MAX_USER_ALARMS = DESCRIBE_ALARMS_MAX_NAMES - OWN_ALARMS
"""``alarm-names`` a deploy takes (97)."""
