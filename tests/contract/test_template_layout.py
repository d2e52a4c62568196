"""House rules of ``template.yaml`` and ``samconfig.toml``, checked on the parsed files: the layout and the names other
modules rely on (docs/wiring.md), the functions, the parameters and the stages.
"""

from __future__ import annotations

import ast
import re
import tomllib
from typing import Any

import pytest

from tests.support.files import ROOT
from tests.support.template_rules import (
    RESOURCES,
    TEMPLATE,
    WIRING,
    function_props,
    of_type,
    wiring_environment,
    wiring_logical_ids,
)


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
