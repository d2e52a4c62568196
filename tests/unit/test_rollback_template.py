"""The rollback's template resources in template.yaml: alarm rule, function environment, permissions, dead letters
and dashboard."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mlops_core.config import RollbackSettings
from mlopsctl.local.moto_patches.backends import event_matcher
from mlopsctl.local.template.loader import read_yaml
from tests.support.deploy.events import alarm_event
from tests.support.files import ROOT_TEMPLATE
from tests.support.template_queries import as_list

STACK = "mlops-dev"
GLOBAL_VARIABLES = {"STACK_NAME", "LEDGER_TABLE_NAME", "NOTIFICATION_TOPIC_ARN", "POWERTOOLS_METRICS_NAMESPACE",
                    "POWERTOOLS_LOG_LEVEL"}  # fmt: skip


RESOURCES: dict[str, Any] = read_yaml(ROOT_TEMPLATE)["Resources"]
FUNCTION = RESOURCES["RollbackFunction"]["Properties"]


def substitute(value: Any, names: dict[str, str]) -> str:
    """A ``Fn::Sub`` string with ``${Name}`` and ``${Name.Attr}`` replaced from ``names``."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    return re.sub(r"\$\{([^}]+)\}", lambda m: names[m.group(1)], text)


def rule_pattern() -> dict[str, Any]:
    pattern = json.loads(json.dumps(FUNCTION["Events"]["AlarmStateChange"]["Properties"]["Pattern"]))
    for item in pattern["detail"]["alarmName"]:
        item["prefix"]["equals-ignore-case"] = substitute(
            item["prefix"]["equals-ignore-case"], {"AWS::StackName": STACK}
        )
    return pattern


@pytest.mark.parametrize(
    "alarm",
    ["mlops-dev-EndpointAlarm5xx-1A2B3C4D", "mlops-dev-EndpointAlarmLatencyP99-9Z8Y", "mlops-dev-endpointalarm5xx"],
)
def test_the_rule_matches_our_endpoint_alarms_going_to_alarm_as_aws_and_the_local_stack_name_them(alarm: str) -> None:
    assert event_matcher(rule_pattern())(alarm_event(alarm))


@pytest.mark.parametrize(
    ("alarm", "state"),
    [
        ("mlops-dev-EndpointAlarm5xx-1A2B3C4D", "OK"),
        ("mlops-dev-EndpointAlarm5xx-1A2B3C4D", "INSUFFICIENT_DATA"),
        ("mlops-staging-EndpointAlarm5xx-1A2B3C4D", "ALARM"),
        ("mlops-dev-DataArrivalDeadLetterAlarm-1A2B", "ALARM"),
        ("mlops-dev-RollbackDeadLetterAlarm-1A2B", "ALARM"),
    ],
)
def test_the_rule_ignores_other_states_other_stacks_and_our_other_alarms(alarm: str, state: str) -> None:
    assert not event_matcher(rule_pattern())(alarm_event(alarm, state))


def test_the_handler_checks_the_prefix_the_rule_matches() -> None:
    variables = FUNCTION["Environment"]["Variables"]
    rule_prefix = FUNCTION["Events"]["AlarmStateChange"]["Properties"]["Pattern"]["detail"]["alarmName"][0]
    assert variables["ENDPOINT_ALARM_PREFIX"] == rule_prefix["prefix"]["equals-ignore-case"]


def test_the_function_environment_is_exactly_what_its_settings_read() -> None:
    variables = set(FUNCTION["Environment"]["Variables"]) | GLOBAL_VARIABLES
    expected = {RollbackSettings.env_name(field) for field in RollbackSettings.model_fields} | {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
    }
    assert variables == expected


def test_failed_alarm_events_are_kept_from_the_rule_and_from_the_function() -> None:
    rule = FUNCTION["Events"]["AlarmStateChange"]["Properties"]
    assert rule["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["RollbackDeadLetterQueue", "Arn"]}
    assert FUNCTION["DeadLetterQueue"]["TargetArn"] == {"Fn::GetAtt": ["RollbackDeadLetterQueue", "Arn"]}
    statements = RESOURCES["RollbackDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allow = next(s for s in statements if s["Effect"] == "Allow")
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::GetAtt": ["RollbackFunctionAlarmStateChange", "Arn"]
    }
    alarm = RESOURCES["RollbackDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["RollbackDeadLetterQueue", "QueueName"]}


def test_permissions_are_the_hot_path_scoped_to_our_table_endpoint_configs_and_state_machine() -> None:
    # DescribeExecution and DescribeEndpoint: only when the lock is held (is its holder running, the endpoint
    # updating?), never on the hot path.
    statements = [s for policy in FUNCTION["Policies"] if "Statement" in policy for s in policy["Statement"]]
    actions = {action for s in statements for action in as_list(s["Action"])}
    assert actions == {
        "dynamodb:Query",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:DescribeModelPackage",
        "states:StartExecution",
        "states:DescribeExecution",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    }
    assert all(resource != "*" for s in statements for resource in as_list(s["Resource"]))
    update = next(s for s in statements if s["Action"] == "sagemaker:UpdateEndpoint")
    resources = [r["Fn::Sub"].split(":${AWS::AccountId}:", 1)[1] for r in update["Resource"]]
    assert resources == ["endpoint/${EndpointName}", "endpoint-config/${AWS::StackName}-*"]
    describe = next(s for s in statements if s["Action"] == "states:DescribeExecution")
    machines = [r["Fn::Sub"].rsplit(":execution:", 1)[1] for r in describe["Resource"]]
    assert machines == ["${AWS::StackName}-deploy:*", "${AWS::StackName}-rollback:*"]
    start = next(s for s in statements if s["Action"] == "states:StartExecution")
    assert start["Resource"] == {"Ref": "RollbackStateMachine"}
    config = next(s for s in statements if s["Action"] == "sagemaker:DescribeEndpointConfig")
    assert config["Resource"]["Fn::Sub"].endswith(":endpoint-config/${AWS::StackName}-*")
    # An operator's `rollback --to N` only: is version N of our group Approved?
    package = next(s for s in statements if s["Action"] == "sagemaker:DescribeModelPackage")
    assert package["Resource"]["Fn::Sub"].endswith(":model-package/${ModelPackageGroupName}/*")


def dashboard() -> dict[str, Any]:
    """The dashboard body with its substitutions filled in: names, alarm ARNs and thresholds (numbers)."""

    def value(name: str) -> str:
        fixed = {"EndpointName": "churn-endpoint", "AWS::Region": "us-east-1", "AWS::StackName": STACK}
        if name.endswith(".Arn"):
            return f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{STACK}-{name.removesuffix('.Arn')}-X"
        return fixed.get(name, "1000")

    text = RESOURCES["EndpointDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    body: dict[str, Any] = json.loads(re.sub(r"\$\{([^}]+)\}", lambda m: value(m.group(1)), text))
    return body


def test_the_dashboard_shows_the_rollback_alarms_and_traffic_errors_latency_per_variant_of_our_endpoint() -> None:
    widgets = dashboard()["widgets"]
    (alarms,) = [w for w in widgets if w["type"] == "alarm"]
    arns = alarms["properties"]["alarms"]
    shown = [arn.split(":alarm:")[1].removeprefix(f"{STACK}-").removesuffix("-X") for arn in arns]
    assert len(shown) == 2
    assert all(name.startswith("Endpoint") for name in shown)  # the alarms the rule listens to
    assert all(RESOURCES[name]["Type"] == "AWS::CloudWatch::Alarm" for name in shown if name in RESOURCES)
    expressions = [m[0]["expression"] for w in widgets if w["type"] == "metric" for m in w["properties"]["metrics"]]
    for metric in ("Invocations", "Invocation5XXErrors", "ModelLatency"):
        assert any(f'MetricName="{metric}"' in e and "VariantName}" in e for e in expressions), metric
    sagemaker = [e for e in expressions if "AWS/SageMaker" in e]
    assert all('EndpointName="churn-endpoint"' in e for e in sagemaker)
    annotated = [w["properties"]["annotations"] for w in widgets if "annotations" in w.get("properties", {})]
    thresholds = [annotations["horizontal"][0]["value"] for annotations in annotated]
    assert thresholds == [1000, 1000]
    assert all(w["properties"]["region"] == "us-east-1" for w in widgets if w["type"] == "metric")
