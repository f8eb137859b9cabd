"""Least privilege: the shipped IAM policies allow exactly what the state machine and the action call.

- State machine role (iam/state-machine-role-policy.json): the actions are derived from the bundled
  definition — every ``arn:aws:states:::aws-sdk:<service>:<apiAction>`` Task is the IAM action
  ``<prefix>:<ApiAction>`` (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html),
  plus the permissions AWS requires *for* those calls: ``iam:PassRole`` for CreateModel's execution
  role (https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html) and
  ``iam:CreateServiceLinkedRole`` for the first RegisterScalableTarget
  (https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-service-linked-roles.html).
- CI role (iam/ci-role-policy.json): the actions are what the action was *seen* calling through the
  recording proxy over deploys that take every path that calls AWS (create the machine, update it,
  start, follow, stop on cancel) and over the jobs that answer them (``command: approve`` at a gate,
  ``abort`` at a gate and during a bake), and every allowed action is one the code calls.
- No wildcard actions; ``Resource: "*"`` only for actions without resource-level permissions
  (Service Authorization Reference: CloudWatch DescribeAlarms and GetMetricData, Application Auto Scaling,
  Step Functions ListStateMachines); SageMaker actions scoped to endpoint/, endpoint-config/, model/.
- cloudformation/canary-deploy.yaml is generated from these files and the definition (no drift).
"""

from __future__ import annotations

import json
import re
import signal
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore import xform_name

from canary.emulator import Emulator
from canary.gates import waiting_token
from tests.action.conftest import OTHER_IMAGE, Runner, base_inputs, make_endpoint, wait_for
from tests.action.test_inference_components import inputs as ic_inputs
from tests.action.test_inference_components import make_endpoint as make_ic_endpoint
from tests.conftest import timings
from tests.proxy import Proxy

ROOT = Path(__file__).resolve().parents[2]
DEFINITION = ROOT / "canary" / "statemachine.asl.json"
GUARDRAILS = ROOT / "canary" / "guardrails.asl.json"
SM_POLICY = ROOT / "iam" / "state-machine-role-policy.json"
CI_POLICY = ROOT / "iam" / "ci-role-policy.json"
CI_TRUST = ROOT / "iam" / "ci-role-trust-policy.json"
TEMPLATE = ROOT / "cloudformation" / "canary-deploy.yaml"

IAM_PREFIX = {
    "sagemaker": "sagemaker",
    "sagemakerruntime": "sagemaker",  # SageMaker Runtime actions are sagemaker:InvokeEndpoint
    "cloudwatch": "cloudwatch",
    "applicationautoscaling": "application-autoscaling",
    "sfn": "states",
    "sns": "sns",  # notify-topic-arn: sns:Publish on the topic (docs/notifications.md)
}
"""aws-sdk service name in a Task Resource → IAM service prefix."""
OPTIMIZED = {
    "arn:aws:states:::states:startExecution.sync:2": {
        "states:StartExecution",
        "states:DescribeExecution",
        "states:StopExecution",
        "events:PutTargets",
        "events:PutRule",
        "events:DescribeRule",
    },
    "arn:aws:states:::events:putEvents.waitForTaskToken": {"events:PutEvents"},
}
"""Optimized integrations → the IAM actions AWS lists for them: a child execution run to its end
(https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html, "Synchronous"), and the
approval gate's callback event (connect-eventbridge.html)."""
REQUIRED_FOR = {
    "iam:PassRole": "sagemaker:CreateModel",
    # CreateModel and CreateEndpointConfig with Tags need AddTags on what they create.
    "sagemaker:AddTags": "sagemaker:CreateModel",
    "iam:CreateServiceLinkedRole": "application-autoscaling:RegisterScalableTarget",
    # CreateEndpoint/UpdateEndpoint of a config with KmsKeyId ("required only if the associated
    # EndpointConfig has a KmsKeyId specified": api-permissions-reference).
    "kms:CreateGrant": "sagemaker:UpdateEndpoint",
}
NO_RESOURCE_LEVEL = {
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetMetricData",
    "application-autoscaling:DeregisterScalableTarget",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:DescribeScheduledActions",
    "application-autoscaling:PutScalingPolicy",
    "application-autoscaling:PutScheduledAction",
    "application-autoscaling:RegisterScalableTarget",
    "states:ListStateMachines",
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    # the capacity check (canary/quotas.py): Service Authorization Reference, Service Quotas and SageMaker
    # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_servicequotas.html)
    "sagemaker:ListEndpoints",
    "servicequotas:GetAWSDefaultServiceQuota",
    "servicequotas:GetServiceQuota",
    "servicequotas:ListAWSDefaultServiceQuotas",
    "servicequotas:ListServiceQuotas",
}
SAGEMAKER_RESOURCE = re.compile(
    r"^arn:aws:sagemaker:\*:\*:(endpoint|endpoint-config|model|inference-component)/\*$"
)
PASSED_ROLES = ({"Ref": "SageMakerExecutionRoleArn"}, {"Fn::GetAtt": ["StateMachineRole", "Arn"]})
ANSWER_ACTIONS = {
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:SetAlarmState",
}
"""What ``command: approve|abort`` calls (canary/gates.py): at a gate, and during a bake."""
TARGET_PREFIX = {
    "AWSStepFunctions": "states",
    "SageMaker": "sagemaker",
    "GraniteServiceVersion20100801": "cloudwatch",  # CloudWatch's JSON protocol target
    "ServiceQuotasV20190624": "servicequotas",
}
"""X-Amz-Target prefix seen by the proxy → IAM service prefix."""
ACTION_MODULES = [p for p in (ROOT / "canary").glob("*.py") if p.name != "demo.py"]
"""The action's code (the emulator and the local demo are not part of what runs in a user's job)."""


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy_actions(policy: dict[str, Any]) -> set[str]:
    return {action for statement in policy["Statement"] for action in _as_list(statement["Action"])}


def _tasks(states: dict[str, Any]) -> list[str]:
    resources: list[str] = []
    for state in states.values():
        if "Resource" in state:
            resources.append(state["Resource"])
        for branch in state.get("Branches", []):
            resources += _tasks(branch["States"])
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                resources += _tasks(state[key]["States"])
    return resources


def definition_actions() -> set[str]:
    """IAM actions of every Task of the bundled definitions, canary and guardrails (aws-sdk, and the
    optimized ones above)."""
    actions = set()
    for resource in _tasks(_load(DEFINITION)["States"]) + _tasks(_load(GUARDRAILS)["States"]):
        if resource in OPTIMIZED:
            actions |= OPTIMIZED[resource]
            continue
        match = re.fullmatch(
            r"arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)(?:\.waitForTaskToken)?", resource
        )
        assert match, f"a Task that is not an aws-sdk integration needs its own IAM rule: {resource}"
        service, api_action = match.groups()
        actions.add(f"{IAM_PREFIX[service]}:{api_action[0].upper()}{api_action[1:]}")
    return actions


@pytest.mark.parametrize("path", [SM_POLICY, CI_POLICY, CI_TRUST], ids=lambda p: p.name)
def test_policies_are_allow_only_with_explicit_actions(path: Path) -> None:
    for statement in _load(path)["Statement"]:
        assert statement["Effect"] == "Allow"
        assert not {"NotAction", "NotResource", "NotPrincipal"} & set(statement)
        for action in _as_list(statement["Action"]):
            assert "*" not in action, f"wildcard action {action}"


def test_state_machine_policy_allows_exactly_the_definitions_calls() -> None:
    derived = definition_actions()
    assert len(derived) >= 15
    expected = derived | {needed for needed, because in REQUIRED_FOR.items() if because in derived}
    assert _policy_actions(_load(SM_POLICY)) == expected


@pytest.mark.parametrize("path", [SM_POLICY, CI_POLICY], ids=lambda p: p.name)
def test_resources_are_scoped_wherever_aws_allows(path: Path) -> None:
    for statement in _load(path)["Statement"]:
        actions = set(_as_list(statement["Action"]))
        resources = _as_list(statement["Resource"])
        if resources == ["*"]:
            assert actions <= NO_RESOURCE_LEVEL, f"{statement['Sid']}: {actions - NO_RESOURCE_LEVEL} on *"
            continue
        assert "*" not in resources
        if any(a.startswith("sagemaker:") for a in actions):
            assert all(SAGEMAKER_RESOURCE.match(r) for r in resources), resources
        if any(a.startswith("states:") for a in actions):
            bundled = (":sagemaker-canary-deploy", ":sagemaker-guardrails-deploy")  # the two definitions
            assert all(any(name in r for name in bundled) for r in resources), resources
        if any(a.startswith("cloudwatch:") for a in actions):
            assert resources == ["arn:aws:cloudwatch:*:*:alarm:*"]
        if actions == {"events:PutEvents"}:
            assert resources == ["arn:aws:events:*:*:event-bus/default"], "the gate's event, default bus only"
        elif any(a.startswith("events:") for a in actions):
            rule = "arn:aws:events:*:*:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
            assert resources == [rule], "a child execution is followed by Step Functions' own rule only"


@pytest.mark.parametrize(
    ("path", "service"), [(SM_POLICY, "sagemaker.amazonaws.com"), (CI_POLICY, "states.amazonaws.com")]
)
def test_pass_role_only_to_the_one_service_that_needs_it(path: Path, service: str) -> None:
    (statement,) = [s for s in _load(path)["Statement"] if "iam:PassRole" in _as_list(s["Action"])]
    assert _as_list(statement["Action"]) == ["iam:PassRole"]
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": service}}


def test_service_linked_role_only_for_sagemaker_auto_scaling() -> None:
    (statement,) = [
        s for s in _load(SM_POLICY)["Statement"] if "iam:CreateServiceLinkedRole" in _as_list(s["Action"])
    ]
    name = "sagemaker.application-autoscaling.amazonaws.com"
    assert statement["Condition"] == {"StringEquals": {"iam:AWSServiceName": name}}
    assert f"/{name}/" in statement["Resource"]


def test_ci_trust_policy_is_github_oidc_for_one_audience_and_subject() -> None:
    """https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services"""
    (statement,) = _load(CI_TRUST)["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    condition = statement["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    subject = condition["token.actions.githubusercontent.com:sub"]
    assert subject.startswith("repo:")
    assert "*" not in subject


# -- the CI role: what the action really calls -------------------------------------------------------


def _code_operations() -> set[str]:
    """IAM actions of every Step Functions / SageMaker operation named anywhere in the action's code."""
    text = "\n".join(p.read_text() for p in ACTION_MODULES)
    words = set(re.findall(r"[a-z_]+", text))
    session = botocore.session.get_session()
    found = set()
    for service, prefix in (
        ("stepfunctions", "states"),
        ("sagemaker", "sagemaker"),
        ("cloudwatch", "cloudwatch"),
        ("service-quotas", "servicequotas"),
    ):
        model = session.get_service_model(service)
        for operation in model.operation_names:
            snake = xform_name(operation)  # GetAWSDefaultServiceQuota → get_aws_default_service_quota
            if snake in words:
                found.add(f"{prefix}:{operation}")
    return found


def _observed(recorder: Proxy) -> set[str]:
    actions = set()
    for operation in recorder.operations:
        target, _, name = operation.partition(".")
        assert target in TARGET_PREFIX, f"the action called an unexpected service: {operation}"
        actions.add(f"{TARGET_PREFIX[target]}:{name}")
    return actions


def test_ci_policy_allows_exactly_what_the_action_calls(
    runner: Runner, recorder: Proxy, aws: Any, emulator: Emulator
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    make_endpoint(aws, "other-team", ["AllTraffic"])  # counted by the quota check
    # The quota check finds the code in the defaults and reads the default when the applied value is
    # not available.
    emulator.set_quota("ml.m5.large", None, available=False)
    # A gate after each of two bakes: an answering job approves the first gate, another aborts at the second.
    first = runner.start(base_inputs(canary_weights="10,50", approval="each-step"))
    gate = _wait_for_gate(aws)
    approved = runner.run(_answer("approve"), {"GITHUB_ACTOR": "alice", "GITHUB_RUN_ID": "11"})
    assert approved.returncode == 0, approved.stdout + approved.stderr
    _wait_for_gate(aws, after=gate)
    aborted = runner.run(_answer("abort"), {"GITHUB_ACTOR": "alice", "GITHUB_RUN_ID": "12"})
    assert aborted.returncode == 0, aborted.stdout + aborted.stderr
    rolled_back = first.wait(120)
    assert rolled_back.outputs["outcome"] == "rolled-back", rolled_back.stdout + rolled_back.stderr
    assert "Canary.Aborted" in rolled_back.stdout
    # The deployed definition drifts (an older action version): the next run updates it. During its
    # bake a second job aborts it, which sets its abort alarm; the bake would see it at its next check,
    # a minute away, but the job is cancelled first and stops the execution.
    sfn = aws("stepfunctions")
    (machine,) = sfn.list_state_machines()["stateMachines"]
    _drift(sfn, machine["stateMachineArn"])
    # It names an alarm of the team's, which the action checks exists (canary/preflight.py).
    aws("cloudwatch").put_composite_alarm(AlarmName="team-slo", AlarmRule="FALSE")
    second = runner.start(
        base_inputs(
            wait_minutes="1",
            alarm_check_seconds="60",
            on_cancel="stop",
            image_uri=OTHER_IMAGE,
            alarm_names="team-slo",
        ),
        {"GITHUB_RUN_ID": "2"},
    )
    wait_for(lambda: _baking(aws), 90)
    alarmed = runner.run(_answer("abort"), {"GITHUB_ACTOR": "bob", "GITHUB_RUN_ID": "13"})
    assert alarmed.returncode == 0, alarmed.stdout + alarmed.stderr
    (alarm,) = re.findall(r"set alarm (\S+-abort) to ALARM", alarmed.stdout)
    (state,) = aws("cloudwatch").describe_alarms(AlarmNames=[alarm])["MetricAlarms"]
    assert state["StateValue"] == "ALARM"
    second.signal(signal.SIGINT)
    cancelled = second.wait(30)
    assert cancelled.outputs["status"] == "ABORTED", cancelled.stdout + cancelled.stderr

    # A deploy to an inference component reads it before starting (canary/component_checks.py).
    emulator.set_timings(timings(create_seconds=0.0, update_seconds=0.3, weights_seconds=0.05))
    make_ic_endpoint(aws)
    ic = runner.run(ic_inputs("llm", wait_minutes="0.01"))
    assert ic.returncode == 0, ic.stdout + ic.stderr

    observed = _observed(recorder)
    policy = _policy_actions(_load(CI_POLICY))
    assert "states:UpdateStateMachine" in observed
    assert "states:StopExecution" in observed
    assert observed >= ANSWER_ACTIONS, "approve, abort at a gate and abort during a bake were seen"
    assert observed | {"iam:PassRole"} == policy, "allowed = seen, plus PassRole for the machine's role"
    assert policy - {"iam:PassRole"} <= _code_operations(), "nothing allowed that the code never calls"


def _answer(command: str) -> dict[str, str]:
    """Inputs of a job that answers the deploy of churn-model (no image or role: not a deploy)."""
    return {"command": command, "endpoint_name": "churn-model"}


def _running(aws: Any) -> str | None:
    """ARN of the one running execution, if any."""
    sfn = aws("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        arn = machine["stateMachineArn"]
        for execution in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            return str(execution["executionArn"])
    return None


def _wait_for_gate(aws: Any, after: str | None = None) -> str:
    """Wait until the running execution waits at a gate other than ``after``; returns its token."""
    tokens: list[str] = []

    def waiting() -> bool:
        arn = _running(aws)
        token = waiting_token(aws("stepfunctions"), arn, settle_seconds=0) if arn else None
        if token is None or token == after:
            return False
        tokens.append(token)
        return True

    wait_for(waiting, 90)
    return tokens[-1]


def _baking(aws: Any) -> bool:
    """The running execution waits in a bake, its first alarm check done."""
    arn = _running(aws)
    if arn is None:
        return False
    history = aws("stepfunctions").get_execution_history(executionArn=arn, reverseOrder=True, maxResults=1)
    newest = history["events"][0] if history["events"] else {}
    return bool(
        newest.get("type") == "WaitStateEntered" and newest["stateEnteredEventDetails"]["name"] == "Bake"
    )


def _drift(sfn: Any, arn: str) -> None:
    definition = json.loads(DEFINITION.read_text())
    definition["Comment"] = "an older version of the bundled definition"
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(definition))


# -- the CloudFormation template ---------------------------------------------------------------------


def _generator() -> Any:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_cloudformation
    finally:
        sys.path.pop(0)
    return gen_cloudformation


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that accepts CloudFormation's short-form tags (the template uses long forms)."""


def _template() -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader
    return document


def test_committed_template_is_the_generated_one() -> None:
    assert TEMPLATE.read_text() == _generator().render(), "run scripts/gen_cloudformation.py"


def test_template_deploys_the_bundled_definition_verbatim_with_its_roles() -> None:
    resources = _template()["Resources"]
    machine = resources["StateMachine"]["Properties"]
    assert machine["DefinitionString"] == DEFINITION.read_text()
    assert machine["RoleArn"] == {"Fn::GetAtt": ["StateMachineRole", "Arn"]}
    assert machine["StateMachineType"] == "STANDARD"
    trust = resources["StateMachineRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"], "confused deputy guard"


def _template_policy(resource: str) -> dict[str, Any]:
    (policy,) = _template()["Resources"][resource]["Properties"]["Policies"]
    document: dict[str, Any] = policy["PolicyDocument"]
    return document


@pytest.mark.parametrize(("resource", "source"), [("StateMachineRole", SM_POLICY), ("CiRole", CI_POLICY)])
def test_template_policies_are_the_shipped_ones_bound_to_the_stack(resource: str, source: Path) -> None:
    bound = _template_policy(resource)
    assert _policy_actions(bound) == _policy_actions(_load(source))
    for statement in bound["Statement"]:
        actions = set(_as_list(statement["Action"]))
        for arn in _as_list(statement["Resource"]):
            if arn == "*":
                assert actions <= NO_RESOURCE_LEVEL
                continue
            if actions == {"iam:PassRole"}:
                assert arn in PASSED_ROLES
                continue
            text = arn["Fn::Sub"]
            assert text.startswith("arn:${AWS::Partition}:"), text
            assert ":${AWS::AccountId}:" in text, text
            owns = _names_a_deploy_owns(text, actions) and statement["Sid"] not in COUNTS_OTHER_ENDPOINTS
            assert ("${EndpointNamePrefix}" in text) == owns, (text, actions)


COUNTS_OTHER_ENDPOINTS = {"CountTheInstancesOfOtherEndpointsForTheQuotaCheck"}
"""Reads of every endpoint of the account (canary/quotas.py counts what they run of an instance type)."""


def _names_a_deploy_owns(arn: str, actions: set[str]) -> bool:
    """Resources named after the endpoint (names.py): the endpoint, the models, configs and alarms a
    deploy creates, tags or deletes. The config and model the endpoint is on before the deploy can
    have any name (they are read, carried over and rolled back to)."""
    kind = re.search(r":(endpoint-config|endpoint|model|alarm)[/:]", arn)
    if kind is None:
        return False
    if kind[1] in {"endpoint-config", "model"}:
        return all(a.split(":")[1].startswith(("Create", "Delete", "AddTags")) for a in actions)
    return True


def test_ci_role_trusts_only_the_given_repository_subject() -> None:
    role = _template()["Resources"]["CiRole"]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": {"Ref": "GitHubSubject"},
    }
    pattern = _template()["Parameters"]["GitHubSubject"]["AllowedPattern"]
    assert not re.match(pattern, "*")
    assert not re.match(pattern, "repo:acme/models:*")
    assert re.match(pattern, "repo:acme/models:environment:production")


def test_endpoint_prefix_parameter_is_lower_case_as_sagemaker_arns_are() -> None:
    pattern = _template()["Parameters"]["EndpointNamePrefix"]["AllowedPattern"]
    assert re.match(pattern, "churn-")
    assert not re.match(pattern, "Churn-")


KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _kms_statement(policy: dict[str, Any]) -> dict[str, Any]:
    (statement,) = [s for s in policy["Statement"] if "kms:CreateGrant" in _as_list(s["Action"])]
    return statement


def test_a_kms_endpoints_deploy_has_the_grant_sagemaker_needs_and_only_through_sagemaker(
    runner: Runner, aws: Any
) -> None:
    """SageMaker's API permissions reference
    (https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html): CreateEndpoint (and
    UpdateEndpoint) need kms:CreateGrant when the endpoint config has a KmsKeyId. A deploy of an endpoint
    whose config has one updates the endpoint to configs that carry it; the state machine's role may
    create grants on keys, through SageMaker only, for AWS resources only."""
    sagemaker = aws("sagemaker")
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    sagemaker.create_endpoint_config(
        EndpointConfigName="churn-kms",
        KmsKeyId=KMS_KEY,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "churn-model-AllTraffic",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sagemaker.update_endpoint(EndpointName="churn-model", EndpointConfigName="churn-kms")
    wait_for(
        lambda: sagemaker.describe_endpoint(EndpointName="churn-model")["EndpointStatus"] == "InService", 30
    )
    run = runner.run(base_inputs(image_uri=OTHER_IMAGE))
    assert run.returncode == 0, run.stdout + run.stderr
    sfn = aws("stepfunctions")
    history = sfn.get_execution_history(executionArn=run.outputs["execution-arn"], maxResults=1000)["events"]
    scheduled = [
        (e["taskScheduledEventDetails"]["resource"], json.loads(e["taskScheduledEventDetails"]["parameters"]))
        for e in history
        if e["type"] == "TaskScheduled"
    ]
    created = {
        p["EndpointConfigName"]: p.get("KmsKeyId") for r, p in scheduled if r == "createEndpointConfig"
    }
    updated = [p["EndpointConfigName"] for r, p in scheduled if r in {"updateEndpoint", "createEndpoint"}]
    assert len(updated) == 2, "the canary and the promotion"
    assert all(created[config] == KMS_KEY for config in updated), (created, updated)
    statement = _kms_statement(_load(SM_POLICY))
    assert statement["Action"] == "kms:CreateGrant"
    assert statement["Resource"] == "arn:aws:kms:*:*:key/*"
    assert statement["Condition"] == {
        "StringLike": {"kms:ViaService": "sagemaker.*.amazonaws.com"},
        "Bool": {"kms:GrantIsForAWSResource": "true"},
    }
    bound = _kms_statement(_template_policy("StateMachineRole"))
    assert bound["Condition"]["StringLike"]["kms:ViaService"] == {
        "Fn::Sub": "sagemaker.${AWS::Region}.amazonaws.com"
    }


def test_the_template_lets_auto_scaling_make_its_target_tracking_alarms_under_a_prefix() -> None:
    """PutScalingPolicy (target tracking) creates, and DeregisterScalableTarget deletes,
    ``TargetTracking-<resource id>-…`` alarms with the caller's cloudwatch permissions
    (https://docs.aws.amazon.com/autoscaling/application/userguide/security_iam_id-based-policy-examples.html);
    an endpoint's resource id is ``endpoint/NAME/variant/VARIANT``. With an EndpointNamePrefix the alarm
    permissions name the deploy's own alarms and those."""
    (statement,) = [
        s
        for s in _template_policy("StateMachineRole")["Statement"]
        if "cloudwatch:PutMetricAlarm" in _as_list(s["Action"])
    ]
    assert set(_as_list(statement["Action"])) == {"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"}
    resources = [r["Fn::Sub"].split(":alarm:")[1] for r in _as_list(statement["Resource"])]
    assert resources == ["${EndpointNamePrefix}*", "TargetTracking-endpoint/${EndpointNamePrefix}*"]
