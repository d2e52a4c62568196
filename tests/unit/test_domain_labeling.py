"""Ground Truth requests: the AWS-owned Lambda and algorithm ARNs per Region, and the job request itself."""

from __future__ import annotations

import pytest

from mlops_core.errors import ConfigurationError
from mlops_core.labeling.jobs import (
    AUTOMATED_LABELING_MIN_OBJECTS,
    GROUND_TRUTH_ACCOUNTS,
    TaskType,
    consolidation_lambda_arn,
    labeling_algorithm_arn,
    labeling_job_request,
    pre_annotation_lambda_arn,
)
from tests.support.fakes.data_arrival import ground_truth_config


def request(objects: int = 10, **overrides: object) -> dict[str, object]:
    return labeling_job_request(
        ground_truth_config(**overrides),
        job_name="mlops-dev-abc",
        batch_id="b1",
        manifest_uri="s3://d/manifests/abc/input.manifest",
        label_categories_uri="s3://d/manifests/abc/label-categories.json",
        ui_template_uri="s3://d/manifests/abc/template.liquid.html",
        object_count=objects,
    )


def test_every_region_ground_truth_supports_is_in_the_table() -> None:
    assert sorted(GROUND_TRUTH_ACCOUNTS) == sorted(
        [
            "us-east-1",
            "us-east-2",
            "us-west-2",
            "ca-central-1",
            "eu-west-1",
            "eu-west-2",
            "eu-central-1",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-south-1",
            "ap-southeast-1",
            "ap-southeast-2",
        ]
    )


@pytest.mark.parametrize(
    ("task", "region", "pre", "acs"),
    [
        (
            TaskType.TEXT_CLASSIFICATION,
            "us-east-1",
            "arn:aws:lambda:us-east-1:432418664414:function:PRE-TextMultiClass",
            "arn:aws:lambda:us-east-1:432418664414:function:ACS-TextMultiClass",
        ),
        (
            TaskType.IMAGE_CLASSIFICATION,
            "eu-central-1",
            "arn:aws:lambda:eu-central-1:203001061592:function:PRE-ImageMultiClass",
            "arn:aws:lambda:eu-central-1:203001061592:function:ACS-ImageMultiClass",
        ),
        (
            TaskType.BOUNDING_BOX,
            "ap-southeast-2",
            "arn:aws:lambda:ap-southeast-2:454466003867:function:PRE-BoundingBox",
            "arn:aws:lambda:ap-southeast-2:454466003867:function:ACS-BoundingBox",
        ),
    ],
)
def test_built_in_lambdas_are_the_published_ones(task: TaskType, region: str, pre: str, acs: str) -> None:
    assert pre_annotation_lambda_arn(task, region) == pre
    assert consolidation_lambda_arn(task, region) == acs


def test_a_region_without_ground_truth_fails_with_the_supported_list() -> None:
    with pytest.raises(ConfigurationError, match=r"not available in sa-east-1.*us-east-1"):
        pre_annotation_lambda_arn(TaskType.TEXT_CLASSIFICATION, "sa-east-1")


def test_the_request_carries_the_settings_and_the_batch() -> None:
    built = request()
    task = built["HumanTaskConfig"]

    assert built["LabelingJobName"] == "mlops-dev-abc"
    assert built["InputConfig"] == {
        "DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://d/manifests/abc/input.manifest"}}
    }
    assert built["LabelCategoryConfigS3Uri"] == "s3://d/manifests/abc/label-categories.json"
    assert built["OutputConfig"] == {"S3OutputPath": "s3://mlops-dev-data/labeling-output/"}
    assert isinstance(task, dict)
    assert task["UiConfig"] == {"UiTemplateS3Uri": "s3://d/manifests/abc/template.liquid.html"}
    assert task["PreHumanTaskLambdaArn"].endswith(":function:PRE-TextMultiClass")
    assert task["NumberOfHumanWorkersPerDataObject"] == 1
    assert task["TaskTimeLimitInSeconds"] == 300
    assert {"Key": "mlops:batch-id", "Value": "b1"} in built["Tags"]  # type: ignore[operator]
    assert "LabelingJobAlgorithmsConfig" not in built


def test_automated_labeling_is_asked_for_only_when_the_batch_is_large_enough() -> None:
    small = request(objects=AUTOMATED_LABELING_MIN_OBJECTS - 1, automated=True)
    large = request(objects=AUTOMATED_LABELING_MIN_OBJECTS, automated=True, task_type=TaskType.BOUNDING_BOX)

    assert "LabelingJobAlgorithmsConfig" not in small
    assert large["LabelingJobAlgorithmsConfig"] == {
        "LabelingJobAlgorithmSpecificationArn": labeling_algorithm_arn(TaskType.BOUNDING_BOX, "us-east-1")
    }
    assert labeling_algorithm_arn(TaskType.BOUNDING_BOX, "us-east-1").endswith(
        "027400017018:labeling-job-algorithm-specification/object-detection"
    )
