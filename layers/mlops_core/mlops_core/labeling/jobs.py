"""Ground Truth labeling jobs for the built-in task types: the AWS-owned ARNs per region, and the request itself.

Built-in task types need the pre-annotation (``PRE-*``) and annotation-consolidation (``ACS-*``) Lambda functions
that AWS runs in each Region Ground Truth supports, and (for automated labeling) the Region's labeling algorithm.
There is no API to look them up; the table below is the one published in the SageMaker API reference
(``HumanTaskConfig.PreHumanTaskLambdaArn``, ``AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn``,
``LabelingJobAlgorithmsConfig.LabelingJobAlgorithmSpecificationArn``; botocore 1.44 service model).

Examples
--------
>>> pre_annotation_lambda_arn(TaskType.TEXT_CLASSIFICATION, "us-east-1")
'arn:aws:lambda:us-east-1:432418664414:function:PRE-TextMultiClass'
>>> labeling_algorithm_arn(TaskType.BOUNDING_BOX, "eu-west-1")
'arn:aws:sagemaker:eu-west-1:027400017018:labeling-job-algorithm-specification/object-detection'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mlops_core.errors import ConfigurationError

LABEL_ATTRIBUTE_NAME = "label"
"""The key of each object's label in Ground Truth's output manifest (``LabelAttributeName``)."""

AUTOMATED_LABELING_MIN_OBJECTS = 1250
"""Ground Truth's minimum data set size for automated data labeling; smaller batches are labeled by people only."""

ALGORITHM_ACCOUNT = "027400017018"
"""Owner of the automated-labeling algorithm specifications, in every Region (SageMaker API reference)."""

GROUND_TRUTH_ACCOUNTS: dict[str, str] = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
}
"""The AWS account that owns the built-in ``PRE-*`` and ``ACS-*`` Lambda functions, per supported Region."""


class TaskType(StrEnum):
    """The built-in Ground Truth task types this system starts (the ``LABELING_TASK_TYPE`` setting)."""

    TEXT_CLASSIFICATION = "text-classification"
    IMAGE_CLASSIFICATION = "image-classification"
    BOUNDING_BOX = "bounding-box"


@dataclass(frozen=True, slots=True)
class _TaskSpec:
    lambda_suffix: str
    algorithm: str
    title: str
    description: str
    keywords: tuple[str, ...]


_TASKS: dict[TaskType, _TaskSpec] = {
    TaskType.TEXT_CLASSIFICATION: _TaskSpec(
        "TextMultiClass",
        "text-classification",
        "Classify text",
        "Read the text carefully and choose the one category that fits it best.",
        ("Text", "Text classification", "Categorization"),
    ),
    TaskType.IMAGE_CLASSIFICATION: _TaskSpec(
        "ImageMultiClass",
        "image-classification",
        "Classify an image",
        "Inspect the image and choose the one category that fits it best.",
        ("Image", "Image classification", "Categorization"),
    ),
    TaskType.BOUNDING_BOX: _TaskSpec(
        "BoundingBox",
        "object-detection",
        "Draw bounding boxes",
        "Draw a tight box around every object of the listed categories in the image.",
        ("Image", "Bounding box", "Object detection"),
    ),
}


def _account(region: str) -> str:
    try:
        return GROUND_TRUTH_ACCOUNTS[region]
    except KeyError:
        supported = ", ".join(sorted(GROUND_TRUTH_ACCOUNTS))
        message = f"Ground Truth built-in tasks are not available in {region} (use one of: {supported})"
        raise ConfigurationError(message) from None


def pre_annotation_lambda_arn(task: TaskType, region: str) -> str:
    """The AWS-provided pre-annotation Lambda (``PreHumanTaskLambdaArn``) for a task type in a Region.

    Raises
    ------
    ConfigurationError
        When Ground Truth does not support the Region.
    """
    return f"arn:aws:lambda:{region}:{_account(region)}:function:PRE-{_TASKS[task].lambda_suffix}"


def consolidation_lambda_arn(task: TaskType, region: str) -> str:
    """The AWS-provided annotation-consolidation Lambda (``AnnotationConsolidationLambdaArn``)."""
    return f"arn:aws:lambda:{region}:{_account(region)}:function:ACS-{_TASKS[task].lambda_suffix}"


def labeling_algorithm_arn(task: TaskType, region: str) -> str:
    """The automated-labeling algorithm (``LabelingJobAlgorithmSpecificationArn``) for a task type in a Region."""
    _account(region)
    algorithm = _TASKS[task].algorithm
    return f"arn:aws:sagemaker:{region}:{ALGORITHM_ACCOUNT}:labeling-job-algorithm-specification/{algorithm}"


@dataclass(frozen=True, slots=True)
class GroundTruthConfig:
    """Everything a labeling job request needs besides the batch itself (from the function's settings).

    Parameters
    ----------
    region, stack_name
        Where jobs run, and the stack whose name prefixes and tags them.
    task_type, labels
        The built-in task and its label categories.
    workteam_arn, role_arn
        The private or vendor work team, and the execution role Ground Truth assumes.
    output_uri
        ``s3://<data bucket>/<labeling output prefix>``; Ground Truth writes under ``<output_uri><job name>/``.
    task_time_limit_seconds, workers_per_object, automated
        ``TaskTimeLimitInSeconds``, ``NumberOfHumanWorkersPerDataObject``, and whether to ask for automated
        labeling (only used for batches of at least :data:`AUTOMATED_LABELING_MIN_OBJECTS` objects).
    ui_template_s3_uri
        A worker task template in S3; when empty, the built-in one for the task type is written per batch.
    """

    region: str
    stack_name: str
    task_type: TaskType
    labels: tuple[str, ...]
    workteam_arn: str
    role_arn: str
    output_uri: str
    task_time_limit_seconds: int = 300
    workers_per_object: int = 1
    automated: bool = False
    ui_template_s3_uri: str = ""

    def validate(self) -> None:
        """Fail at cold start, not at the first batch, when the Region has no Ground Truth."""
        _account(self.region)


def labeling_job_request(
    config: GroundTruthConfig,
    *,
    job_name: str,
    batch_id: str,
    manifest_uri: str,
    label_categories_uri: str,
    ui_template_uri: str,
    object_count: int,
) -> dict[str, Any]:
    """The ``CreateLabelingJob`` request (boto3 parameter names) for one sealed batch.

    Automated labeling is requested only when configured *and* the batch is large enough for Ground Truth to
    accept it.
    """
    task = _TASKS[config.task_type]
    request: dict[str, Any] = {
        "LabelingJobName": job_name,
        "LabelAttributeName": LABEL_ATTRIBUTE_NAME,
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": manifest_uri}}},
        "OutputConfig": {"S3OutputPath": config.output_uri},
        "RoleArn": config.role_arn,
        "LabelCategoryConfigS3Uri": label_categories_uri,
        "HumanTaskConfig": {
            "WorkteamArn": config.workteam_arn,
            "UiConfig": {"UiTemplateS3Uri": ui_template_uri},
            "PreHumanTaskLambdaArn": pre_annotation_lambda_arn(config.task_type, config.region),
            "TaskKeywords": list(task.keywords),
            "TaskTitle": task.title,
            "TaskDescription": task.description,
            "NumberOfHumanWorkersPerDataObject": config.workers_per_object,
            "TaskTimeLimitInSeconds": config.task_time_limit_seconds,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": consolidation_lambda_arn(config.task_type, config.region)
            },
        },
        "Tags": [
            {"Key": "mlops:stack", "Value": config.stack_name},
            {"Key": "mlops:batch-id", "Value": batch_id},
        ],
    }
    if config.automated and object_count >= AUTOMATED_LABELING_MIN_OBJECTS:
        request["LabelingJobAlgorithmsConfig"] = {
            "LabelingJobAlgorithmSpecificationArn": labeling_algorithm_arn(config.task_type, config.region)
        }
    return request
