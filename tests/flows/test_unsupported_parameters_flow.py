"""What the template allows but the system cannot finish (#12, point 13), refused at deploy time: the local stack
loads the project's template as CloudFormation would and refuses, before creating anything, a labeling task type the
training pipeline cannot train on (images: labeling paid for, then every training run fails) and the public crowd
(Amazon Mechanical Turk needs a price per task, which the system does not send). The reason is the parameter's
``ConstraintDescription``; ``mlopsctl local replay --parameter`` fails with it too."""

from __future__ import annotations

import pytest

from mlopsctl.cli import main
from mlopsctl.local.errors import TemplateError
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.files import ROOT

pytestmark = pytest.mark.flow

PRIVATE = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labelers"
VENDOR = "arn:aws:sagemaker:us-east-1:123456789012:workteam/vendor-crowd/acme-labeling"
PUBLIC = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
TEXT_ONLY = "text-classification only. The training pipeline trains a text classifier"
NO_PUBLIC = "The public crowd (Amazon Mechanical Turk, workteam/public-crowd/...) is not supported"

CASES = [
    ({"LabelingTaskType": "image-classification"}, TEXT_ONLY),
    ({"LabelingTaskType": "bounding-box"}, TEXT_ONLY),
    ({"LabelingWorkteamArn": PUBLIC}, NO_PUBLIC),
    ({"LabelingWorkteamArn": PUBLIC, "LabelingBackend": "none"}, NO_PUBLIC),
]


@pytest.mark.parametrize(("overrides", "reason"), CASES, ids=["images", "boxes", "public-crowd", "public-crowd-none"])
def test_a_parameter_value_the_system_cannot_finish_is_refused_before_anything_is_created(
    overrides: dict[str, str], reason: str
) -> None:
    parameters = {"LabelingBackend": "groundtruth", "LabelingWorkteamArn": PRIVATE, **overrides}

    with pytest.raises(TemplateError, match=r"parameter Labeling\w+=") as refused:
        LocalStack(parameters=parameters)

    assert reason in str(refused.value)


@pytest.mark.parametrize("workteam", [PRIVATE, VENDOR])
def test_text_labeling_by_a_private_or_vendor_workteam_is_accepted(workteam: str) -> None:
    stack = LocalStack(parameters={"LabelingWorkteamArn": workteam, "LabelingTaskType": "text-classification"})

    assert stack.template.parameters["LabelingWorkteamArn"] == workteam


def test_replay_with_an_image_task_type_fails_with_the_reason_and_plays_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    replay = ROOT / "tests" / "fixtures" / "replay" / "data_arrival.json"

    code = main(["local", "replay", str(replay), "--parameter", "LabelingTaskType=image-classification"])

    captured = capsys.readouterr()
    assert code != 0
    assert TEXT_ONLY in captured.err
    assert '"kind": "aws_call"' not in captured.out
