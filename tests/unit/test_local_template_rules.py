"""The local stack checks a template's ``Rules`` as CloudFormation does, and supplies the values a deployment must
(an emulated workteam), so the project's template runs locally with its defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlopsctl.local.errors import TemplateError
from mlopsctl.local.template.loader import EMULATED_WORKTEAM, load_template

ROOT_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
RULED = """
Parameters:
  Backend: {Type: String, Default: groundtruth, AllowedValues: [groundtruth, none]}
  LabelingWorkteamArn: {Type: String, Default: ""}
  Other: {Type: String, Default: ""}
Rules:
  NeedsOther:
    RuleCondition: !Equals [!Ref Backend, groundtruth]
    Assertions:
      - Assert: !Not [!Equals [!Ref Other, ""]]
        AssertDescription: Other is required with groundtruth.
Resources:
  Queue: {Type: AWS::SQS::Queue}
"""


@pytest.fixture
def ruled(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(RULED, encoding="utf-8")
    return path


def test_a_failed_assertion_stops_the_stack_with_its_description(ruled: Path) -> None:
    with pytest.raises(TemplateError, match="rule NeedsOther failed: Other is required with groundtruth"):
        load_template(ruled)


def test_a_rule_whose_condition_is_false_is_not_checked(ruled: Path) -> None:
    assert load_template(ruled, parameters={"Backend": "none"}).parameters["Other"] == ""


def test_a_satisfied_rule_lets_the_stack_load(ruled: Path) -> None:
    assert load_template(ruled, parameters={"Other": "x"}).parameters["Other"] == "x"


def test_the_projects_template_labels_with_ground_truth_by_default_and_an_emulated_workteam_locally() -> None:
    template = load_template(ROOT_TEMPLATE, region="eu-west-1", account_id="111122223333")

    assert template.parameters["LabelingBackend"] == "groundtruth"
    assert template.parameters["LabelingWorkteamArn"] == (
        f"arn:aws:sagemaker:eu-west-1:111122223333:workteam/private-crowd/{EMULATED_WORKTEAM}"
    )


def test_a_given_workteam_wins_over_the_local_one_and_an_empty_one_breaks_the_rule() -> None:
    given = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labelers"
    assert (
        load_template(ROOT_TEMPLATE, parameters={"LabelingWorkteamArn": given}).parameters["LabelingWorkteamArn"]
        == given
    )
    with pytest.raises(TemplateError, match="LabelingWorkteamArn is required"):
        load_template(ROOT_TEMPLATE, parameters={"LabelingWorkteamArn": ""})


CONSTRAINED = """
Parameters:
  Name: {Type: String, Default: churn, AllowedPattern: "^[a-z0-9](-*[a-z0-9]){0,62}$",
         ConstraintDescription: "lower-case letters, digits and hyphens"}
  Short: {Type: String, Default: ab, MinLength: 1, MaxLength: 3}
  Count: {Type: Number, Default: 2, MinValue: 1, MaxValue: 10}
Resources:
  Queue: {Type: AWS::SQS::Queue}
"""


@pytest.fixture
def constrained(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(CONSTRAINED, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("parameter", "value", "why"),
    [
        ("Name", "Churn", "Name='Churn' does not satisfy: lower-case letters, digits and hyphens"),
        ("Short", "abcd", "Short='abcd' must contain at most 3 characters"),
        ("Short", "", "Short='' must contain at least 1 characters"),
        ("Count", "11", "Count='11' must be a number not greater than 10"),
        ("Count", "0", "Count='0' must be a number not less than 1"),
        ("Count", "two", "Count='two' must be a number"),
    ],
)
def test_a_parameter_value_outside_its_constraints_stops_the_stack(
    constrained: Path, parameter: str, value: str, why: str
) -> None:
    with pytest.raises(TemplateError, match=re.escape(f"parameter {why}")):
        load_template(constrained, parameters={parameter: value})


def test_parameter_values_within_their_constraints_load(constrained: Path) -> None:
    parameters = load_template(constrained, parameters={"Name": "churn-2", "Short": "abc", "Count": "10"}).parameters

    assert (parameters["Name"], parameters["Short"], parameters["Count"]) == ("churn-2", "abc", "10")


def test_the_projects_template_refuses_an_upper_case_endpoint_name() -> None:
    with pytest.raises(TemplateError, match="parameter EndpointName='Churn-Endpoint' does not satisfy"):
        load_template(ROOT_TEMPLATE, parameters={"EndpointName": "Churn-Endpoint"})
