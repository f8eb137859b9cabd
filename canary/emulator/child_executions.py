"""moto extension: a state machine starts a child execution (``states:startExecution.sync:2``).

The optimized integration takes ``StateMachineArn``, ``Input`` and ``Name`` in PascalCase and, with
``.sync:2``, waits for the child and returns its DescribeExecution with ``Output`` as JSON; a child
that fails, times out or is aborted fails the task with ``States.TaskFailed``, whose cause is that
DescribeExecution
(https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html). moto 5.2.5 has the
integration (a vendored copy of LocalStack's) but passes the PascalCase arguments to botocore as
written, which refuses them, and returns botocore's camelCase results where it then reads
``ExecutionArn`` (so every such task failed with ``States.Runtime``). Here the arguments are renamed
to the API's members, as for aws-sdk tasks, and the results to the PascalCase Step Functions returns
(``ExecutionArn``, ``StartDate``, ``Output``; timestamps as ISO-8601 strings).
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Rename the integration's arguments to StartExecution's members before moto calls botocore."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_sfn

    from canary.emulator.sfn_sdk_tasks import boto_cased, json_safe

    cls = state_task_service_sfn.StateTaskServiceSfn
    original = cls._eval_service_task

    def _eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        parameters = kwargs.get("normalised_parameters", args[1] if len(args) > 1 else None)
        if isinstance(parameters, dict):
            boto_cased(self._get_boto_service_name(), self._get_boto_service_action(), parameters)
        original(self, env, *args, **kwargs)
        _normalise_response(self, env.stack[-1])

    def _normalise_response(self: Any, response: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(response, dict):
            for key in list(response):
                response[key[:1].upper() + key[1:]] = json_safe(response.pop(key))

    cls._eval_service_task = _eval_service_task
    cls._normalise_response = _normalise_response
