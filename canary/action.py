"""The GitHub Action's runtime: settings, state machine, start or attach, follow, outcome.

``main()`` is what ``entrypoint.py`` runs (and ``python -m canary deploy``, and the demo)::

    INPUT_* ─► Settings ─► AWS_* checked ─► prepare ─► (dry run: plan) ─► launch ─► follow ─► outcome
               settings    aws_environment    deploy      dry_run            deploy     follow     outcome
                                                                                        render     render

1. inputs → :class:`canary.settings.Settings`; invalid → one ``::error title=Invalid input::`` listing
   every problem, exit 2, no AWS call at all; a malformed ``AWS_*`` variable (or
   ``CANARY_START_HOLD_SECONDS``) → ``Invalid configuration``, exit 2, no AWS call;
2. read-only preflight (:func:`canary.deploy.prepare`): state machine, running deploys of this
   endpoint (attach to the same artifact, wait for another), endpoint checks; a configuration error
   exits 2 with nothing created; ``dry-run`` prints the plan here and exits 0;
3. :func:`canary.deploy.launch`: ensure the state machine, start (or attach);
4. follow the history until it closes, ``timeout-minutes`` passes (outcome ``timed-out``: the
   execution goes on) or the job is cancelled (SIGINT/SIGTERM, ``on-cancel``);
5. outputs (:class:`canary.report.Report`) and step summary — written on every path — and the exit
   status (docs/design.md).

Every exception that ends a run is reported through one table, :data:`canary.failures.FAILURES`.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from canary.aws import TERMINAL_EVENT_STATUS, console_url
from canary.aws_environment import aws_environment_problems
from canary.cancellation import (
    CANCEL_BUDGET_SECONDS,
    Abandoned,
    Cancellation,
    bounded,
    follow_in_background,
)
from canary.clients import Clients, make_clients
from canary.deploy import Deployment, Prepared, launch, prepare
from canary.dry_run import capacity_lines
from canary.endpoint import describe_endpoint
from canary.errors import Cancelled, ConfigurationError
from canary.failures import REPORTED, failure_of
from canary.github import Runner
from canary.names import RunContext
from canary.outcome import EXIT_FAILED, EXIT_INVALID, EXIT_OK, Outcome, classify
from canary.preflight import first_deploy_warning
from canary.race import start_hold_seconds
from canary.report import Report
from canary.settings import Settings, load_settings
from canary.strategy_plan import dry_run_lines

if TYPE_CHECKING:
    from types_boto3_sagemaker.client import SageMakerClient

    from canary.follow import HistoryEvent
    from canary.render import Renderer

__all__ = [
    "EXIT_FAILED",
    "EXIT_INVALID",
    "EXIT_OK",
    "Action",
    "Cancellation",
    "Report",
    "follow_in_background",
    "main",
]

FINAL_READ_SECONDS = 15.0
"""Time allowed for the closing DescribeExecution/DescribeEndpoint after following ends."""


def _terminal_description(event: HistoryEvent | None) -> dict[str, Any] | None:
    """DescribeExecution's status fields as the closing history event gives them (None: not closed)."""
    if event is None or not event.terminal:
        return None
    return {
        "status": TERMINAL_EVENT_STATUS[event.type],
        **{k: event.details[k] for k in ("error", "cause", "output") if k in event.details},
    }


def _final_endpoint(
    sagemaker: SageMakerClient, settings: Settings, report: Report, seconds: float, cancellation: Cancellation
) -> str | None:
    """The endpoint's line for the log, read within ``seconds`` (and the cancellation budget)."""
    try:
        state = bounded(lambda: describe_endpoint(sagemaker, settings.endpoint_name), seconds, cancellation)
    except (ClientError, BotoCoreError, Abandoned):
        return None
    report.endpoint_config_name = state.config_name or ""
    return state.describe()


def _follow_instructions(runner: Runner, arn: str) -> None:
    runner.line(f"follow it: python -m canary follow {arn}")
    runner.line(f"console: {console_url(arn)}")


class Action:
    """One run of the action (kept as an object so every path can reach the report)."""

    def __init__(self, out: TextIO, env: Mapping[str, str], cancellation: Cancellation) -> None:
        self.out = out
        self.env = env
        self.runner = Runner(out, env)
        self.cancellation = cancellation
        self.report = Report()
        self.started = time.time()
        self.summary_written = False

    # -- phases ----------------------------------------------------------------------------------

    def run(self, load: Callable[[], Settings] = load_settings) -> int:
        """Run every phase; returns the exit status."""
        settings: Settings | None = None
        try:
            settings = load()
            return self._run(settings)
        except REPORTED as error:
            return self._fail(error)
        finally:
            self._finish(settings)

    def _fail(self, error: BaseException) -> int:
        """Report ``error`` by its row of :data:`canary.failures.FAILURES`; returns the exit status."""
        failure = failure_of(error)
        text = failure.text(error)
        if failure.title is None:
            self.runner.line(text)
        else:
            self.runner.error(text, title=failure.title)
        self.report.outcome = self.report.outcome or failure.outcome
        if failure.follow_hint and self.report.execution_arn:
            _follow_instructions(self.runner, self.report.execution_arn)
        return failure.exit_code

    def _run(self, settings: Settings) -> int:
        self.report.region = settings.aws_region
        problems = aws_environment_problems(self.env)
        if problems:
            raise ConfigurationError("\n".join(problems))
        if settings.command != "deploy":
            return self._answer(settings)
        hold = start_hold_seconds(self.env)
        run = RunContext.from_env(self.env)
        deadline = self.started + settings.timeout_seconds
        stop = self.cancellation.event
        say = self.runner.line
        clients = make_clients(settings.aws_region)
        try:
            prepared = bounded(
                lambda: prepare(
                    clients,
                    settings,
                    run=run,
                    deadline=deadline,
                    stop=stop,
                    say=say,
                    wait=not settings.dry_run,
                    hold=hold,
                ),
                math.inf,
                self.cancellation,
            )
        except Abandoned:
            raise Cancelled(
                "cancelled while AWS had not answered a read, before any execution was started: "
                "nothing was changed"
            ) from None
        names = prepared.execution_input.Names
        self.report.model_name = names.Model
        if prepared.endpoint is not None:
            self._announce_kind(settings, prepared.endpoint.exists)
        if prepared.attach_to is not None and prepared.attach_to.names is not None:
            self.report.model_name = prepared.attach_to.names.Model
        if settings.dry_run:
            self.runner.group(f"Plan for endpoint {settings.endpoint_name} (dry run)")
            for line in dry_run_lines(settings, prepared):
                self.runner.line(line)
            self.runner.endgroup()
            self._capacity_warnings(prepared)
            self.report.outcome = "dry-run"
            if prepared.endpoint is not None:
                self.report.endpoint_config_name = prepared.endpoint.config_name or ""
            return EXIT_OK
        self._capacity(prepared)
        try:
            deployment = bounded(
                lambda: launch(clients, settings, prepared, run=run, deadline=deadline, stop=stop, say=say),
                math.inf,
                self.cancellation,
            )
        except Abandoned:
            raise Cancelled(
                "cancelled while the start was still waiting for AWS (state machine, StartExecution or "
                "the race check): an execution of this deploy may have started and would go on; look for "
                "it among the executions of state machine "
                f"{settings.state_machine_arn or settings.state_machine_name} in the Step Functions console"
            ) from None
        self.report.execution_arn = deployment.execution_arn
        if deployment.names is not None:
            self.report.model_name = deployment.names.Model
        self.runner.line(f"execution {deployment.execution_name}: {console_url(deployment.execution_arn)}")
        from canary.render import Renderer, make_console

        console = make_console(self.runner.stream, self.env)
        renderer = Renderer(console, self.runner, verbose=settings.verbose)
        return self._follow(clients, settings, deployment, renderer=renderer, deadline=deadline, run=run)

    def _capacity(self, prepared: Prepared) -> None:
        """The log's header: the capacity plan and its quota check (canary/capacity.py, canary/quotas.py)."""
        lines = capacity_lines(prepared)
        if lines:
            self.runner.group("Capacity")
            for line in lines:
                self.runner.line(line)
            self.runner.endgroup()
        self._capacity_warnings(prepared)

    def _capacity_warnings(self, prepared: Prepared) -> None:
        for warning in prepared.capacity.warnings if prepared.capacity is not None else ():
            self.runner.warning(warning, title="Capacity")

    def _announce_kind(self, settings: Settings, exists: bool) -> None:
        """``kind``; a first deploy is said before the start, as a warning (canary/preflight.py)."""
        self.report.kind = "canary" if exists else "first-deploy"
        if not exists:
            text = first_deploy_warning(settings)
            self.runner.warning(text, title="SageMaker canary deploy: first deploy")
            self.report.notes.append(f"First deploy: {text}")

    def _answer(self, settings: Settings) -> int:
        """``command: approve``/``abort``: answer the endpoint's deploy (canary/gates.py)."""
        from canary.gates import Answer, answer_gate
        from canary.machine import answering_machine

        clients = make_clients(settings.aws_region)
        run = RunContext.from_env(self.env)
        actor = self.env.get("GITHUB_ACTOR") or self.env.get("USER") or "unknown"
        answer = Answer(actor=f"@{actor}" if self.env.get("GITHUB_ACTOR") else actor, run=run.run_url)
        machine = answering_machine(clients.sfn, settings)
        command: Literal["approve", "abort"] = "approve" if settings.command == "approve" else "abort"
        arn = answer_gate(
            clients.sfn,
            clients.cloudwatch,
            machine,
            settings.endpoint_name,
            command=command,
            answer=answer,
            say=self.runner.line,
            execution_name=settings.execution_name,
        )
        self.report.execution_arn = arn
        self.report.status = "RUNNING"
        return EXIT_OK

    def _follow(
        self,
        clients: Clients,
        settings: Settings,
        deployment: Deployment,
        *,
        renderer: Renderer,
        deadline: float,
        run: RunContext,
    ) -> int:
        from canary.follow import Follower, FollowTimeout

        stop = self.cancellation.event
        follower = Follower(
            clients.follow_sfn, deployment.execution_arn, include_data=True, definition=deployment.definition
        )
        timed_out = False
        last: HistoryEvent | None = None
        with self.runner.protect():
            try:
                for event in follow_in_background(follower, deadline=deadline, stop=stop):
                    last = event
                    renderer.event(event)
            except FollowTimeout:
                timed_out = True
        closing = _terminal_description(last)
        if stop.is_set() and closing is None:
            return self._cancelled(clients, settings, deployment, renderer, run)
        try:
            description: Mapping[str, Any] = bounded(
                lambda: follower.describe(deadline=time.time() + FINAL_READ_SECONDS),
                FINAL_READ_SECONDS,
                self.cancellation,
            )
        except (ClientError, BotoCoreError, Abandoned):
            if closing is None:
                if not timed_out:
                    raise
                closing = {"status": "RUNNING"}  # still running at the deadline, as far as we know
            description = closing
        outcome = classify(description)
        self.report.status = outcome.status
        self.report.outcome = outcome.outcome
        if not self.report.kind:  # attached: the execution says what it did
            first = any(entry.phase == "First deploy" for entry in renderer.timeline)
            self.report.kind = str(outcome.summary.get("Kind") or ("first-deploy" if first else "canary"))
        with self.runner.protect():
            renderer.outcome(outcome)
        sagemaker = clients.cancel_sagemaker if stop.is_set() else clients.sagemaker
        endpoint_line = _final_endpoint(
            sagemaker, settings, self.report, FINAL_READ_SECONDS, self.cancellation
        )
        if endpoint_line:
            self.runner.line(endpoint_line)
        if timed_out and outcome.status == "RUNNING":
            self.runner.error(
                f"stopped following after timeout-minutes ({settings.timeout_minutes:g}); "
                "the execution goes on",
                title="Timed out",
            )
            _follow_instructions(self.runner, deployment.execution_arn)
        self._summary(settings, outcome, renderer)
        return outcome.exit_code

    def _cancelled(
        self,
        clients: Clients,
        settings: Settings,
        deployment: Deployment,
        renderer: Renderer,
        run: RunContext,
    ) -> int:
        """The way out of a cancelled job, within :data:`CANCEL_BUDGET_SECONDS` of the first signal.

        Outputs first (the runner may kill the container at any moment from here), then one
        StopExecution (``on-cancel: stop``) and one endpoint read, each on a client with short
        timeouts and no retries, and each abandoned when the budget runs out.
        """
        arn = deployment.execution_arn
        self.report.status = "RUNNING"  # last known: following ended before the execution closed
        self.report.outcome = "cancelled"
        self.runner.set_outputs(self.report.outputs())
        signal_name = self.cancellation.signal_name or "signal"
        self.runner.line(f"job cancelled ({signal_name}); on-cancel: {settings.on_cancel}")
        if settings.on_cancel == "detach":
            outcome = Outcome("cancelled", "RUNNING", None, "detached: the execution goes on", exit_code=1)
        else:
            outcome = self._stop(clients, deployment, run)
        self.report.status = outcome.status
        self.runner.set_outputs(self.report.outputs())
        with self.runner.protect():
            renderer.outcome(outcome)
        if outcome.status == "RUNNING":
            _follow_instructions(self.runner, arn)
        endpoint_line = _final_endpoint(
            clients.cancel_sagemaker, settings, self.report, CANCEL_BUDGET_SECONDS, self.cancellation
        )
        if endpoint_line:
            self.runner.line(f"now: {endpoint_line}")
            names = deployment.names
            if names is not None and self.report.endpoint_config_name == names.CanaryConfig:
                self.runner.line(
                    "the canary variant is still on the endpoint: re-run the deploy, or update the endpoint "
                    "back to its previous endpoint config"
                )
        else:
            self.runner.line(
                f"endpoint {settings.endpoint_name}: its state could not be read in time; "
                "check it in the SageMaker console"
            )
        self._summary(settings, outcome, renderer)
        return EXIT_FAILED

    def _stop(self, clients: Clients, deployment: Deployment, run: RunContext) -> Outcome:
        """StopExecution, then its status, within the cancellation budget."""
        arn = deployment.execution_arn
        where = run.run_url or "the command line"
        sfn = clients.cancel_sfn
        try:
            bounded(
                lambda: sfn.stop_execution(
                    executionArn=arn, error="Canary.Cancelled", cause=f"cancelled from GitHub run {where}"
                ),
                CANCEL_BUDGET_SECONDS,
                self.cancellation,
            )
        except Abandoned:
            self.runner.line(
                f"could not stop the execution: StopExecution was not answered within the "
                f"{CANCEL_BUDGET_SECONDS:g} s cancellation budget; it may still be running"
            )
            return Outcome("cancelled", "RUNNING", None, "stop not confirmed", exit_code=1)
        except ClientError as error:
            self.runner.line(f"could not stop the execution: {error}")
            return Outcome("cancelled", "RUNNING", None, "could not stop the execution", exit_code=1)
        except BotoCoreError as error:  # no answer: the request may or may not have reached AWS
            self.runner.line(f"could not stop the execution: no answer ({error}); it may still be running")
            return Outcome("cancelled", "RUNNING", None, "stop not confirmed", exit_code=1)
        self.runner.line(f"stopped execution {deployment.execution_name}")
        try:
            described = bounded(
                lambda: sfn.describe_execution(executionArn=arn), CANCEL_BUDGET_SECONDS, self.cancellation
            )
            status = described["status"]
        except (ClientError, BotoCoreError, Abandoned):
            status = "ABORTED"  # StopExecution answered: "the date the execution is stopped"
        return Outcome("cancelled", status, "Canary.Cancelled", f"stopped from {where}")

    # -- outputs -----------------------------------------------------------------------------------

    def _summary(self, settings: Settings, outcome: Outcome, renderer: Renderer) -> None:
        from canary.render import summary_markdown

        run = RunContext.from_env(self.env)
        markdown = summary_markdown(
            outcome=outcome,
            timeline=renderer.timeline,
            endpoint_name=settings.endpoint_name,
            execution_arn=self.report.execution_arn,
            console_url=self.report.console_url,
            model_name=self.report.model_name,
            endpoint_config_name=self.report.endpoint_config_name,
            checks=renderer.checks,
            facts=renderer.facts.facts,
            commit=run.sha or "",
            commit_url=f"{run.server_url}/{run.repository}/commit/{run.sha}"
            if run.repository and run.sha
            else "",
            notes=[*self.report.notes, *renderer.notes],
        )
        self.runner.append_summary(markdown)
        self.summary_written = True

    def _finish(self, settings: Settings | None) -> None:
        self.runner.set_outputs(self.report.outputs())
        if not self.summary_written:
            self.runner.append_summary(_short_summary(settings, self.report))
            self.summary_written = True


def _short_summary(settings: Settings | None, report: Report) -> str:
    endpoint = settings.endpoint_name if settings else "(invalid input)"
    lines = [
        f"### SageMaker canary deploy: {endpoint}",
        "",
        f"**Outcome:** {report.outcome or 'not started'}",
    ]
    if report.execution_arn:
        lines += ["", f"[Execution in the AWS console]({report.console_url})"]
    return "\n".join(lines) + "\n"


def main(
    out: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    load: Callable[[], Settings] = load_settings,
) -> int:
    """Run the action from the runner's INPUT_* environment; returns the exit status.

    ``out`` defaults to stdout and ``env`` to ``os.environ``; ``load`` reads the settings (the CLI
    passes its flags' instead).
    """
    cancellation = Cancellation()
    restore = cancellation.install()
    try:
        action = Action(out or sys.stdout, env if env is not None else os.environ, cancellation)
        return action.run(load)
    finally:
        restore()
