"""SageMaker Ground Truth labeling jobs through boto3.

``CreateLabelingJob`` is not idempotent by itself; names are (they are unique per account and Region, and ours are
derived from the batch's content). So a ``ResourceInUse`` answer means an earlier attempt created this very job: it
is reported as started, not as an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from mlops_core.aws.calls import aws_call, error_code
from mlops_core.ingest.ports import LabelingJobs, LabelingJobStart

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

ALREADY_EXISTS_CODES = frozenset({"ResourceInUse"})


class SageMakerLabelingJobs(LabelingJobs):
    """Labeling jobs in one account and Region.

    Parameters
    ----------
    client
        A SageMaker client (standard retry mode: throttling is retried before an error reaches this class).
    """

    def __init__(self, client: SageMakerClient) -> None:
        self.client = client

    def create(self, request: Mapping[str, Any]) -> LabelingJobStart:
        """Create the job; an existing job with the same name counts as started (``created=False``)."""
        name = str(request["LabelingJobName"])
        with aws_call("CreateLabelingJob"):
            try:
                response = self.client.create_labeling_job(**request)
            except ClientError as exc:
                if error_code(exc) in ALREADY_EXISTS_CODES:
                    return LabelingJobStart(name=name, created=False)
                raise
        return LabelingJobStart(name=name, created=True, arn=response["LabelingJobArn"])
