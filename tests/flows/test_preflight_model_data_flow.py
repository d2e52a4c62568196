"""What preflight trusts (#12, point 10, first half), on the local stack from the project's template: a package whose
model data does not exist never deploys. Preflight looks for the object (or, for ``ModelDataSource`` with
``S3DataType`` ``S3Prefix``, an object under the prefix) and fails with the reason; the endpoint is not touched, and
the action log shows no call that changes it. Helpers: :mod:`tests.support.deploy_flow`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.deploy_flow import DEPLOY_CALLS, IMAGE, DeployFlow, start_flow
from tests.support.untrusted_events import after, changes

pytestmark = pytest.mark.flow

ENDPOINT_CHANGES = {f"sagemaker.{c}" for c in (*DEPLOY_CALLS, "create_model", "create_endpoint_config")}


@pytest.fixture
def flow() -> Iterator[DeployFlow]:
    stack, deploy_flow = start_flow()
    with stack:
        yield deploy_flow


def register(flow: DeployFlow, container: dict[str, Any]) -> str:
    spec = {
        "Containers": [{"Image": IMAGE, **container}],
        "SupportedContentTypes": ["text/plain"],
        "SupportedResponseMIMETypes": ["application/json"],
    }
    arn: str = flow.stack.aws(
        "sagemaker", "create_model_package", ModelPackageGroupName=flow.group, InferenceSpecification=spec
    )["ModelPackageArn"]
    return arn


def runs_prefix(flow: DeployFlow, run: str) -> str:
    return f"s3://{flow.stack.physical_name('ArtifactsBucket')}/pipelines/runs/{run}/model/"


def approve_and_check_refused(flow: DeployFlow, arn: str, reason: str) -> None:
    live, mark = flow.serves(), len(flow.stack.log.entries())

    flow.approve(arn)

    (version,) = [v for v, record in flow.records().items() if record["model_package_arn"] == arn]
    record = flow.records()[version]
    assert record["outcome"] == "FAILED"
    assert reason in record["reason"]
    assert ENDPOINT_CHANGES.isdisjoint(changes(after(flow.stack, mark)))
    assert flow.serves() == live
    message = flow.deployment_messages()[-1]
    assert (message["outcome"], message["reason"]) == ("FAILED", record["reason"])


def test_a_package_whose_model_tarball_does_not_exist_fails_preflight(flow: DeployFlow) -> None:
    flow.release()
    missing = runs_prefix(flow, "never-trained") + "model.tar.gz"

    arn = register(flow, {"ModelDataUrl": missing})

    approve_and_check_refused(flow, arn, f"model data {missing} does not exist")


def test_a_package_on_an_empty_model_prefix_fails_preflight(flow: DeployFlow) -> None:
    prefix = runs_prefix(flow, "empty")
    source = {"S3DataSource": {"S3Uri": prefix, "S3DataType": "S3Prefix", "CompressionType": "None"}}

    arn = register(flow, {"ModelDataSource": source})

    approve_and_check_refused(flow, arn, f"model data prefix {prefix} holds no object")


@pytest.mark.iam_denials  # the deployment role may list model data under pipelines/runs/ only
def test_a_package_whose_model_data_is_outside_the_training_runs_fails_preflight(flow: DeployFlow) -> None:
    elsewhere = f"s3://{flow.stack.physical_name('DataBucket')}/incoming/model.tar.gz"
    flow.stack.client("s3").put_object(
        Bucket=flow.stack.physical_name("DataBucket"), Key="incoming/model.tar.gz", Body=b"not a model"
    )

    arn = register(flow, {"ModelDataUrl": elsewhere})

    approve_and_check_refused(flow, arn, f"model data {elsewhere} cannot be checked: AccessDenied")
