"""Generate cloudformation/canary-deploy.yaml from the bundled definition and the IAM policies in iam/.

    .venv/bin/python scripts/gen_cloudformation.py          # rewrite the template
    .venv/bin/python scripts/gen_cloudformation.py --check  # exit 1 when the committed one differs

The template creates the bundled state machine (its definition is ``canary/statemachine.asl.json``,
verbatim), the state machine's role (``iam/state-machine-role-policy.json``) and the CI role that
GitHub Actions assumes through OIDC (``iam/ci-role-policy.json``, trust as in
``iam/ci-role-trust-policy.json``). The policies are copied with their ARNs bound to the stack's
partition, region and account, and narrowed by parameters: SageMaker endpoint, model and endpoint
config names to ``EndpointNamePrefix``, the state machine to ``StateMachineName``, each
``iam:PassRole`` to the one role it must pass. Nothing is written by hand, so nothing can drift
(tests/security/test_least_privilege.py checks the committed template equals this output).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFINITION = ROOT / "canary" / "statemachine.asl.json"
GUARDRAILS = ROOT / "canary" / "guardrails.asl.json"
STATE_MACHINE_POLICY = ROOT / "iam" / "state-machine-role-policy.json"
CI_POLICY = ROOT / "iam" / "ci-role-policy.json"
CI_TRUST = ROOT / "iam" / "ci-role-trust-policy.json"
TEMPLATE = ROOT / "cloudformation" / "canary-deploy.yaml"
OIDC_HOST = "token.actions.githubusercontent.com"
MACHINE_NAMES = ("${StateMachineName}", "${GuardrailsStateMachineName}")
"""The two bundled state machines: the canary flow, and SageMaker's guardrails (strategy)."""

PREFIXED_KINDS = {
    "DeployToEndpoints": {"endpoint"},
    "CreateAndRemoveTheDeploysEndpointConfigs": {"endpoint-config"},
    "CreateAndRemoveTheDeploysModel": {"model"},
    "CanaryErrorAlarms": {"alarm"},
    "AbortDuringABakeWithTheDeploysAbortAlarm": {"alarm"},
    "TagTheDeploysModelAndConfigsAsTheCurrentOnes": {"model", "endpoint-config"},
    "PreflightReadOfTheEndpoint": {"endpoint"},
}
"""Per statement Sid, the resource kinds whose names start with the endpoint's (names.py): every
resource a deploy creates, tags or deletes, and the endpoint itself. The endpoint config and model the
endpoint is on before the deploy can have any name (they are read, carried over and rolled back to),
so reads of them stay ``*``."""

TARGET_TRACKING_ALARMS_TOO = {"CanaryErrorAlarms"}
"""Statements whose alarm permissions also cover the endpoint's target tracking alarms: PutScalingPolicy
(target tracking) creates, and DeregisterScalableTarget deletes, ``TargetTracking-<resource id>-…``
alarms with the caller's cloudwatch:PutMetricAlarm and cloudwatch:DeleteAlarms
(https://docs.aws.amazon.com/autoscaling/application/userguide/security_iam_id-based-policy-examples.html);
for an endpoint the resource id is ``endpoint/NAME/variant/VARIANT``, so a prefix narrows them too."""
TARGET_TRACKING_ALARMS = {
    "Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
    "TargetTracking-endpoint/${EndpointNamePrefix}*"
}
KMS_GRANT = "GrantSageMakerTheConfigsKmsKeyThroughSageMakerOnly"
"""kms:CreateGrant for CreateEndpoint/UpdateEndpoint of a config with KmsKeyId
(https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html), via SageMaker in the
stack's region only."""

STEP_FUNCTIONS_EVENTS_RULE = "arn:aws:events:*:*:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
"""The EventBridge rule Step Functions creates to follow a child execution (stepfunctions-iam.html)."""
_ARN = re.compile(r"^arn:aws:(?P<service>[a-z-]+):\*:\*:(?P<kind>[A-Za-z-]+)(?P<sep>[/:])(?P<name>.+)$")


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _bind(resource: str, sid: str) -> Any:
    """One ARN pattern of a policy, bound to the stack and narrowed where the name is known."""
    if resource == "*":
        return resource
    if resource == "arn:aws:sns:*:*:*":  # notify-topic-arn: any topic of the stack's account and region
        return _sub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*")
    if (
        resource == "arn:aws:events:*:*:event-bus/default"
    ):  # the approval gate's event (docs/state-machine.md)
        return _sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default")
    if resource == STEP_FUNCTIONS_EVENTS_RULE:  # startExecution.sync: the rule Step Functions manages
        rule = resource.rsplit(":", maxsplit=1)[-1]
        return _sub(f"arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:{rule}")
    match = _ARN.match(resource)
    if match is None:
        raise ValueError(f"{sid}: no binding rule for resource {resource}")
    service, kind, sep = match["service"], match["kind"], match["sep"]
    if service != "states" and match["name"] != "*":
        raise ValueError(f"{sid}: only states ARNs may name their resource: {resource}")
    if service == "states":
        machine = "${GuardrailsStateMachineName}" if "guardrails" in match["name"] else "${StateMachineName}"
        name = machine if kind == "stateMachine" else f"{machine}:*"
    elif kind in PREFIXED_KINDS.get(sid, set()):
        name = "${EndpointNamePrefix}*"
    else:
        name = "*"
    return _sub(f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{kind}{sep}{name}")


def bind_policy(policy: dict[str, Any], pass_role: Any) -> dict[str, Any]:
    """``policy`` with every ARN bound; ``iam:PassRole`` on ``pass_role`` only."""
    bound = copy.deepcopy(policy)
    for statement in bound["Statement"]:
        sid = statement["Sid"]
        resources = statement["Resource"]
        if statement["Action"] == "iam:PassRole":
            statement["Resource"] = pass_role
        elif sid == "AutoScalingServiceLinkedRoleForSageMakerOnly":
            statement["Resource"] = _sub(
                resources.replace("arn:aws:iam::*:", "arn:${AWS::Partition}:iam::${AWS::AccountId}:")
            )
        elif isinstance(resources, list):
            statement["Resource"] = [_bind(r, sid) for r in resources]
        else:
            statement["Resource"] = _bind(resources, sid)
        if sid in TARGET_TRACKING_ALARMS_TOO:
            statement["Resource"] = [*_as_list(statement["Resource"]), TARGET_TRACKING_ALARMS]
        if sid == KMS_GRANT:
            via = _sub("sagemaker.${AWS::Region}.amazonaws.com")
            statement["Condition"]["StringLike"]["kms:ViaService"] = via
    return bound


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def template() -> dict[str, Any]:
    """The CloudFormation template as a document."""
    definition = DEFINITION.read_text(encoding="utf-8")
    guardrails = GUARDRAILS.read_text(encoding="utf-8")
    trust = _load(CI_TRUST)["Statement"][0]
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "sm-canary-action: the bundled canary-deploy state machine, its role, and the CI role GitHub "
            "Actions assumes through OIDC (generated by scripts/gen_cloudformation.py; do not edit)."
        ),
        "Parameters": {
            "StateMachineName": {
                "Type": "String",
                "Default": "sagemaker-canary-deploy",
                "AllowedPattern": "^[A-Za-z0-9_-]{1,80}$",
                "Description": (
                    "The action's state-machine-name (or use output StateMachineArn as state-machine-arn)."
                ),
            },
            "GuardrailsStateMachineName": {
                "Type": "String",
                "Default": "sagemaker-guardrails-deploy",
                "AllowedPattern": "^[A-Za-z0-9_-]{1,80}$",
                "Description": (
                    "The state machine of strategy blue-green and rolling (SageMaker's deployment "
                    "guardrails): the action's state-machine-name for those (or output "
                    "GuardrailsStateMachineArn)."
                ),
            },
            "EndpointNamePrefix": {
                "Type": "String",
                "Default": "",
                "AllowedPattern": "^[a-z0-9-]{0,30}$",
                "Description": (
                    "Deploys may only touch endpoints (and create models, endpoint configs and alarms) whose "
                    "names start with this, lower case as SageMaker ARNs are. Empty: any endpoint."
                ),
            },
            "SageMakerExecutionRoleArn": {
                "Type": "String",
                "AllowedPattern": "^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$",
                "Description": (
                    "The action's execution-role-arn: the only role the state machine may pass to SageMaker."
                ),
            },
            "GitHubSubject": {
                "Type": "String",
                "AllowedPattern": "^repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:[^*]+$",
                "Description": (
                    "The OIDC token's sub claim allowed to assume the CI role, e.g. "
                    "repo:acme/models:environment:production (no wildcards)."
                ),
            },
            "GitHubOidcProviderArn": {
                "Type": "String",
                "Default": "",
                "Description": "The account's existing GitHub OIDC provider; empty: create one.",
            },
            "CiMaxSessionSeconds": {
                "Type": "Number",
                "Default": 14400,
                "MinValue": 3600,
                "MaxValue": 43200,
                "Description": (
                    "Longest CI session; configure-aws-credentials' role-duration-seconds must cover the "
                    "action's timeout-minutes (180 by default)."
                ),
            },
        },
        "Conditions": {"CreateOidcProvider": {"Fn::Equals": [{"Ref": "GitHubOidcProviderArn"}, ""]}},
        "Resources": {
            "GitHubOidcProvider": {
                "Type": "AWS::IAM::OIDCProvider",
                "Condition": "CreateOidcProvider",
                "Properties": {"Url": f"https://{OIDC_HOST}", "ClientIdList": ["sts.amazonaws.com"]},
            },
            "StateMachineRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": "Assumed by the canary-deploy state machine only.",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "states.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                    "ArnLike": {
                                        "aws:SourceArn": [
                                            _sub(
                                                "arn:${AWS::Partition}:states:${AWS::Region}:"
                                                "${AWS::AccountId}:stateMachine:" + name
                                            )
                                            for name in (
                                                "${StateMachineName}",
                                                "${GuardrailsStateMachineName}",
                                            )
                                        ]
                                    },
                                },
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "canary-deploy",
                            "PolicyDocument": bind_policy(
                                _load(STATE_MACHINE_POLICY), {"Ref": "SageMakerExecutionRoleArn"}
                            ),
                        }
                    ],
                },
            },
            "StateMachine": {
                "Type": "AWS::StepFunctions::StateMachine",
                # cfn-lint's ASL schema predates JSONata: a Task's TimeoutSeconds may be a JSONata
                # expression (https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html);
                # the definition itself is checked by AWS's validator (tools/validate-asl.mjs).
                "Metadata": {"cfn-lint": {"config": {"ignore_checks": ["E3601"]}}},
                "Properties": {
                    "StateMachineName": {"Ref": "StateMachineName"},
                    "StateMachineType": "STANDARD",
                    "RoleArn": {"Fn::GetAtt": ["StateMachineRole", "Arn"]},
                    "DefinitionString": definition,
                },
            },
            "GuardrailsStateMachine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Metadata": {"cfn-lint": {"config": {"ignore_checks": ["E3601"]}}},
                "Properties": {
                    "StateMachineName": {"Ref": "GuardrailsStateMachineName"},
                    "StateMachineType": "STANDARD",
                    "RoleArn": {"Fn::GetAtt": ["StateMachineRole", "Arn"]},
                    "DefinitionString": guardrails,
                },
            },
            "CiRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": "Assumed by GitHub Actions (OIDC) to run sm-canary-action.",
                    "MaxSessionDuration": {"Ref": "CiMaxSessionSeconds"},
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {
                                    "Federated": {
                                        "Fn::If": [
                                            "CreateOidcProvider",
                                            {"Ref": "GitHubOidcProvider"},
                                            {"Ref": "GitHubOidcProviderArn"},
                                        ]
                                    }
                                },
                                "Action": trust["Action"],
                                "Condition": {
                                    "StringEquals": {
                                        f"{OIDC_HOST}:aud": "sts.amazonaws.com",
                                        f"{OIDC_HOST}:sub": {"Ref": "GitHubSubject"},
                                    }
                                },
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "sm-canary-action",
                            "PolicyDocument": bind_policy(
                                _load(CI_POLICY), {"Fn::GetAtt": ["StateMachineRole", "Arn"]}
                            ),
                        }
                    ],
                },
            },
        },
        "Outputs": {
            "StateMachineArn": {
                "Description": "state-machine-arn for the action",
                "Value": {"Ref": "StateMachine"},
            },
            "GuardrailsStateMachineArn": {
                "Description": "state-machine-arn for the action with strategy blue-green or rolling",
                "Value": {"Ref": "GuardrailsStateMachine"},
            },
            "StateMachineRoleArn": {
                "Description": "state-machine-role-arn for the action",
                "Value": {"Fn::GetAtt": ["StateMachineRole", "Arn"]},
            },
            "CiRoleArn": {
                "Description": "role-to-assume for aws-actions/configure-aws-credentials",
                "Value": {"Fn::GetAtt": ["CiRole", "Arn"]},
            },
        },
    }


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings (the definition reads as JSON in the template)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render() -> str:
    """The template's text."""
    header = (
        "# Generated by scripts/gen_cloudformation.py from canary/statemachine.asl.json, "
        "canary/guardrails.asl.json and iam/*.json.\n"
    )
    header += "# Do not edit: change those files and re-run the script.\n"
    body = yaml.dump(template(), Dumper=_Dumper, sort_keys=False, width=110, allow_unicode=True)
    return header + body


def main(argv: list[str] | None = None) -> int:
    """Write the template, or with ``--check`` report whether the committed one is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the template is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TEMPLATE.read_text(encoding="utf-8") if TEMPLATE.exists() else ""
        if current != text:
            sys.stderr.write(
                f"{TEMPLATE.relative_to(ROOT)} is out of date: run scripts/gen_cloudformation.py\n"
            )
            return 1
        return 0
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
