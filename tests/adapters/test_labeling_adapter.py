"""The Ground Truth adapter: the request SageMaker receives, and how its answers become outcomes and typed errors.

moto has no ``CreateLabelingJob``: the request shape is checked by botocore's Stubber (which validates parameters
against the service model), and retries by answering at the HTTP layer, so that botocore's standard retry mode
does the retrying exactly as in Lambda.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.retries.standard
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from mlops_core.aws.clients import ClientFactory
from mlops_core.aws.errors import RequestRejectedError
from mlops_core.errors import TransientError
from mlops_core.labeling.jobs import TaskType, labeling_job_request
from mlops_core.labeling.sagemaker import SageMakerLabelingJobs
from tests.support.fakes.data_arrival import ground_truth_config

JOB = "mlops-dev-0123456789abcdef0123"
ARN = f"arn:aws:sagemaker:us-east-1:123456789012:labeling-job/{JOB}"


def request_for(task: TaskType, *, objects: int = 10, automated: bool = False) -> dict[str, Any]:
    return labeling_job_request(
        ground_truth_config(task_type=task, automated=automated),
        job_name=JOB,
        batch_id="b1",
        manifest_uri="s3://mlops-dev-data/manifests/0123/input.manifest",
        label_categories_uri="s3://mlops-dev-data/manifests/0123/label-categories.json",
        ui_template_uri="s3://mlops-dev-data/manifests/0123/template.liquid.html",
        object_count=objects,
    )


@pytest.fixture(scope="module")
def session() -> Any:
    """One session for the module: the SageMaker service model is loaded once."""
    return boto3.session.Session(region_name="us-east-1")


@pytest.fixture
def client(session: Any) -> Any:
    return ClientFactory(region="us-east-1", session=session).sagemaker()


@pytest.mark.parametrize("task", list(TaskType))
@pytest.mark.parametrize("automated", [False, True])
def test_the_request_is_one_sagemaker_accepts_for_every_task_type(client: Any, task: TaskType, automated: bool) -> None:
    request = request_for(task, objects=5_000, automated=automated)
    with Stubber(client) as stub:
        stub.add_response("create_labeling_job", {"LabelingJobArn": ARN}, request)
        started = SageMakerLabelingJobs(client).create(request)
        stub.assert_no_pending_responses()

    assert (started.name, started.created, started.arn) == (JOB, True, ARN)


def test_a_job_that_already_exists_counts_as_started(client: Any) -> None:
    with Stubber(client) as stub:
        stub.add_client_error("create_labeling_job", "ResourceInUse", "Labeling job already exists", 400)
        started = SageMakerLabelingJobs(client).create(request_for(TaskType.TEXT_CLASSIFICATION))

    assert (started.name, started.created) == (JOB, False)


def test_a_request_sagemaker_refuses_is_a_permanent_error(client: Any) -> None:
    with Stubber(client) as stub:
        stub.add_client_error("create_labeling_job", "ValidationException", "Workteam ARN is not valid", 400)
        with pytest.raises(RequestRejectedError) as excinfo:
            SageMakerLabelingJobs(client).create(request_for(TaskType.TEXT_CLASSIFICATION))

    assert excinfo.value.code == "ValidationException"
    assert "Workteam" in str(excinfo.value)


def test_a_resource_limit_is_transient(client: Any) -> None:
    with Stubber(client) as stub:
        stub.add_client_error("create_labeling_job", "ResourceLimitExceeded", "Too many labeling jobs", 400)
        with pytest.raises(TransientError):
            SageMakerLabelingJobs(client).create(request_for(TaskType.TEXT_CLASSIFICATION))


class _Body:
    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = json.dumps(payload).encode()

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.payload


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Answers for ``CreateLabelingJob`` at the HTTP layer; no back-off sleeping between botocore's retries."""
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    return []


def answer(statuses: list[int]) -> Any:
    calls = iter(statuses)

    def send(request: Any, **_: Any) -> AWSResponse:
        status = next(calls)
        body = (
            {"LabelingJobArn": ARN} if status == 200 else {"__type": "ThrottlingException", "message": "Rate exceeded"}
        )
        return AWSResponse(request.url, status, {"x-amzn-requestid": "r"}, _Body(body))

    return send


def test_throttling_is_retried_by_the_standard_retry_mode(http: list[int], client: Any) -> None:
    statuses = [400, 400, 200]
    attempts: list[int] = []
    sender = answer(statuses)
    client.meta.events.register(
        "before-send.sagemaker.CreateLabelingJob", lambda request, **kw: attempts.append(1) or sender(request)
    )

    started = SageMakerLabelingJobs(client).create(request_for(TaskType.TEXT_CLASSIFICATION))

    assert started.created is True
    assert len(attempts) == 3


def test_throttling_that_outlasts_the_retries_becomes_a_transient_error(http: list[int], client: Any) -> None:
    attempts: list[int] = []
    sender = answer([400] * 10)
    client.meta.events.register(
        "before-send.sagemaker.CreateLabelingJob", lambda request, **kw: attempts.append(1) or sender(request)
    )

    with pytest.raises(TransientError, match="ThrottlingException"):
        SageMakerLabelingJobs(client).create(request_for(TaskType.TEXT_CLASSIFICATION))

    assert len(attempts) == 5
