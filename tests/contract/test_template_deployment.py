"""House rules of ``template.yaml``, checked on the parsed file: the events and alarms of deployment reach the
functions and state machines they should, and only those; the deployed models' role.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mlopsctl.local.moto_patches.backends import event_matcher
from tests.support.aws_corpus import corpus_dir
from tests.support.events import folder_samples
from tests.support.template_queries import as_list, resolve_refs
from tests.support.template_rules import RESOURCES, function_props, identity_policy_statements, of_type

# Deployment ------------------------------------------------------------------------------------------
OUR_GROUP, OUR_ENDPOINT = "our-models", "our-endpoint"
ENDPOINT_STATE_CHANGE = "SageMaker Endpoint State Change"
ENDPOINT_DEPLOYMENT_STATE_CHANGE = "SageMaker Endpoint Deployment State Change"


def _event_rule_matches(function: str, event: dict[str, Any]) -> bool:
    """Whether the rule SAM generates from ``function``'s only EventBridge event delivers ``event``."""
    (source,) = [e for e in function_props(function)["Events"].values() if e["Type"] == "EventBridgeRule"]
    refs = {
        "ModelPackageGroupName": OUR_GROUP,
        "EndpointName": OUR_ENDPOINT,
        "DeployStateMachine": OUR_MACHINE,
        "RollbackStateMachine": OUR_ROLLBACK_MACHINE,
    }
    pattern = resolve_refs(source["Properties"]["Pattern"], refs)
    return event_matcher(pattern)(event)


def _samples(folder: str) -> list[dict[str, Any]]:
    events = folder_samples(folder)
    return [event for event in events if isinstance(event, dict) and "detail" in event]


def _package_event(group: str, status: str = "Approved") -> dict[str, Any]:
    event = copy.deepcopy(_samples("sagemaker-model-package-state-change")[0])
    event["detail"].update(ModelPackageGroupName=group, ModelApprovalStatus=status)
    return event


def _endpoint_events(endpoint: str, status: str) -> list[dict[str, Any]]:
    events = _samples("sagemaker-endpoint-state-change") + _samples("sagemaker-endpoint-deployment-state-change")
    assert {e["detail-type"] for e in events} == {ENDPOINT_STATE_CHANGE, ENDPOINT_DEPLOYMENT_STATE_CHANGE}
    assert len(events) >= 3, f"too few endpoint samples under {corpus_dir()}"
    for event in events:
        event["detail"].update(EndpointName=endpoint, EndpointStatus=status)
    return events


@pytest.mark.parametrize("status", ["Approved", "Rejected", "PendingManualApproval"])
def test_every_package_change_of_our_group_reaches_the_approval_function(status: str) -> None:
    assert _event_rule_matches("ApprovalFunction", _package_event(OUR_GROUP, status))


def test_package_changes_of_other_groups_and_other_events_are_filtered_out() -> None:
    assert not _event_rule_matches("ApprovalFunction", _package_event("their-models"))
    assert not _event_rule_matches("ApprovalFunction", _endpoint_events(OUR_GROUP, "IN_SERVICE")[0])


@pytest.mark.parametrize("status", ["IN_SERVICE", "FAILED", "OUT_OF_SERVICE", "UPDATE_ROLLBACK_FAILED"])
def test_final_states_of_our_endpoint_reach_the_endpoint_events_function(status: str) -> None:
    assert all(_event_rule_matches("EndpointEventsFunction", e) for e in _endpoint_events(OUR_ENDPOINT, status))


@pytest.mark.parametrize(
    ("endpoint", "status"), [(OUR_ENDPOINT, "UPDATING"), (OUR_ENDPOINT, "CREATING"), ("their-endpoint", "IN_SERVICE")]
)
def test_progress_and_other_endpoints_do_not_wake_a_waiting_deployment(endpoint: str, status: str) -> None:
    assert not any(_event_rule_matches("EndpointEventsFunction", e) for e in _endpoint_events(endpoint, status))


def test_failed_deployment_events_are_kept_14_days_and_raise_an_alarm() -> None:
    queue = {"Fn::GetAtt": ["DeploymentEventsDeadLetterQueue", "Arn"]}
    rules = []
    for function in ("ApprovalFunction", "EndpointEventsFunction", "ExecutionEventsFunction"):
        props = function_props(function)
        assert props["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": queue}
        for event_name, event in props["Events"].items():
            assert event["Properties"]["DeadLetterConfig"] == {"Arn": queue}
            rules.append({"Fn::GetAtt": [f"{function}{event_name}", "Arn"]})
    assert RESOURCES["DeploymentEventsDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    policies = of_type("AWS::SQS::QueuePolicy").values()
    (policy,) = [p for p in policies if {"Ref": "DeploymentEventsDeadLetterQueue"} in p["Properties"]["Queues"]]
    (allow,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == rules
    alarm = RESOURCES["DeploymentEventsDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["DeploymentEventsDeadLetterQueue", "QueueName"]}
    assert {"Ref": "NotificationTopic"} in alarm["AlarmActions"]


OUR_MACHINE = "arn:aws:states:us-east-1:012345678912:stateMachine:mlops-dev-deploy"
OUR_ROLLBACK_MACHINE = "arn:aws:states:us-east-1:012345678912:stateMachine:mlops-dev-rollback"


def _execution_events(status: str, machine: str = OUR_MACHINE) -> list[dict[str, Any]]:
    """The real ``Step Functions Execution Status Change`` samples, as executions of ``machine`` ending ``status``."""
    events = []
    for event in _samples("stepfunctions-execution-status-change"):
        execution = machine.replace(":stateMachine:", ":execution:") + ":" + event["detail"]["name"]
        event["detail"].update(stateMachineArn=machine, executionArn=execution, status=status)
        events.append(event)
    return events


@pytest.mark.parametrize("machine", [OUR_MACHINE, OUR_ROLLBACK_MACHINE])
@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_our_deploy_and_rollback_executions_that_fail_time_out_or_are_aborted_reach_the_execution_events_function(
    status: str, machine: str
) -> None:
    assert all(_event_rule_matches("ExecutionEventsFunction", e) for e in _execution_events(status, machine))


@pytest.mark.parametrize(
    ("status", "machine"),
    [
        ("SUCCEEDED", OUR_MACHINE),
        ("RUNNING", OUR_MACHINE),
        ("SUCCEEDED", OUR_ROLLBACK_MACHINE),
        ("FAILED", OUR_MACHINE.replace("deploy", "theirs")),
    ],
)
def test_running_succeeded_and_other_machines_executions_do_not_reach_it(status: str, machine: str) -> None:
    assert not any(_event_rule_matches("ExecutionEventsFunction", e) for e in _execution_events(status, machine))


def test_every_state_machine_alarms_on_failed_timed_out_and_aborted_executions() -> None:
    machines = of_type("AWS::Serverless::StateMachine") | of_type("AWS::StepFunctions::StateMachine")
    assert machines
    alarms = of_type("AWS::CloudWatch::Alarm").values()
    for name in machines:
        watched = {
            alarm["Properties"]["MetricName"]
            for alarm in alarms
            if alarm["Properties"].get("Namespace") == "AWS/States"
            and alarm["Properties"]["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": name}}]
            and {"Ref": "NotificationTopic"} in alarm["Properties"]["AlarmActions"]
            and alarm["Properties"]["Threshold"] == 0
            and alarm["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
        }
        assert watched == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}, name


def test_every_update_rolls_back_on_all_the_endpoints_alarms_and_only_those() -> None:
    variables = function_props("DeployTasksFunction")["Environment"]["Variables"]
    endpoint_alarms = sorted(
        name
        for name, res in of_type("AWS::CloudWatch::Alarm").items()
        if {"Name": "EndpointName", "Value": {"Ref": "EndpointName"}} in res["Properties"].get("Dimensions", [])
    )
    assert len(endpoint_alarms) >= 2
    delimiter, refs = variables["ENDPOINT_ALARM_NAMES"]["Fn::Join"]
    assert delimiter == ","
    assert sorted(ref["Ref"] for ref in refs) == endpoint_alarms
    for name in endpoint_alarms:
        dimensions = RESOURCES[name]["Properties"]["Dimensions"]
        assert {"Name": "VariantName", "Value": variables["DEPLOY_VARIANT_NAME"]} in dimensions, name


@pytest.mark.parametrize(
    ("tasks", "machine"),
    [("DeployTasksFunction", "DeployStateMachine"), ("RollbackTasksFunction", "RollbackStateMachine")],
)
def test_each_tasks_function_may_resume_waits_of_its_own_state_machine_only(tasks: str, machine: str) -> None:
    name = RESOURCES[machine]["Properties"]["Name"]["Fn::Sub"]
    (resume,) = [s for o, s in identity_policy_statements() if o == tasks and s["Sid"] == "ResumeOwnWait"]
    assert resume["Action"] == "states:SendTaskSuccess"
    assert resume["Resource"]["Fn::Sub"].endswith(f":stateMachine:{name}")
    statements = [s for o, s in identity_policy_statements() if o == "EndpointEventsFunction"]
    (resume,) = [s for s in statements if "states:SendTaskSuccess" in as_list(s["Action"])]
    assert resume["Resource"] == [{"Ref": "DeployStateMachine"}, {"Ref": "RollbackStateMachine"}]


def test_deployed_models_run_as_their_own_role_which_only_the_deploy_tasks_pass() -> None:
    passes = {
        owner: statement["Resource"]
        for owner, statement in identity_policy_statements()
        if "iam:PassRole" in as_list(statement.get("Action"))
        and statement["Resource"] == {"Fn::GetAtt": ["EndpointModelRole", "Arn"]}
    }
    assert list(passes) == ["DeployTasksFunction", "RollbackTasksFunction"]  # RollbackTasks: a recreated model
    for function in passes:
        variables = function_props(function)["Environment"]["Variables"]
        assert variables["SAGEMAKER_EXECUTION_ROLE_ARN"] == {"Fn::GetAtt": ["EndpointModelRole", "Arn"]}
