"""The local stack checks a template's ``Rules`` as CloudFormation does, and supplies the values a deployment must
(an emulated workteam), so the project's template runs locally with its defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlopsctl.local.errors import TemplateError
from mlopsctl.local.template import EMULATED_WORKTEAM, load_template

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
