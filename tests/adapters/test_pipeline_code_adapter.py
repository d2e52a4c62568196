""":class:`~mlops_core.training.code_store.S3PipelineCode` on moto: the definition ``DescribePipeline`` returns
(``PipelineDefinition``, a JSON string, as the SageMaker API Reference documents), and every key under a prefix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.training.code_store import S3PipelineCode, code_uris

REGION = "us-east-1"
DEFINITION = Path(__file__).resolve().parents[2] / "pipelines" / "generated" / "text.json"


@pytest.fixture
def code() -> Iterator[S3PipelineCode]:
    with mock_aws():
        yield S3PipelineCode(boto3.client("sagemaker", region_name=REGION), boto3.client("s3", region_name=REGION))


def test_the_definition_sagemaker_returns_names_the_step_code(code: S3PipelineCode) -> None:
    text = DEFINITION.read_text().replace("${ArtifactsBucketName}", "artifacts")
    code.sagemaker.create_pipeline(
        PipelineName="p",
        PipelineDefinition=text,
        RoleArn="arn:aws:iam::123456789012:role/r",
        ClientRequestToken="t" * 32,
    )

    assert code_uris(code.definition("p")) == code_uris(json.loads(text))


def test_every_page_of_keys_is_listed(code: S3PipelineCode) -> None:
    code.s3.create_bucket(Bucket="artifacts")
    for n in range(1005):
        code.s3.put_object(Bucket="artifacts", Key=f"pipelines/code/x/{n:04}.py", Body=b"")
    code.s3.put_object(Bucket="artifacts", Key="pipelines/code/y/other.py", Body=b"")

    keys = code.keys("artifacts", "pipelines/code/x/")

    assert len(keys) == 1005
    assert "pipelines/code/y/other.py" not in keys


def test_an_unknown_pipeline_is_a_refused_request(code: S3PipelineCode) -> None:
    with pytest.raises(RequestRejectedError, match="DescribePipeline"):
        code.definition("missing")
