"""Checking model data exists (preflight), against moto's S3: one object, a prefix, and what is not there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlops_core.deploy.model_artifacts import S3ModelArtifacts

BUCKET = "artifacts"
KEY = "pipelines/runs/r1/model/model.tar.gz"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_object(Bucket=BUCKET, Key=KEY, Body=b"model")
        client.put_object(Bucket=BUCKET, Key=f"{KEY}.bak", Body=b"old")
        yield client


def test_an_object_that_exists_has_no_problem(s3: Any) -> None:
    assert S3ModelArtifacts(s3).problem(f"s3://{BUCKET}/{KEY}") is None


def test_an_object_that_does_not_exist_is_named(s3: Any) -> None:
    uri = f"s3://{BUCKET}/pipelines/runs/r2/model/model.tar.gz"

    assert S3ModelArtifacts(s3).problem(uri) == f"model data {uri} does not exist"


def test_a_key_that_only_prefixes_other_keys_is_not_an_object(s3: Any) -> None:
    uri = f"s3://{BUCKET}/pipelines/runs/r1/model/model.tar"

    assert S3ModelArtifacts(s3).problem(uri) == f"model data {uri} does not exist"


def test_a_prefix_needs_one_object_under_it(s3: Any) -> None:
    artifacts = S3ModelArtifacts(s3)

    assert artifacts.problem(f"s3://{BUCKET}/pipelines/runs/r1/model/", prefix=True) is None
    empty = f"s3://{BUCKET}/pipelines/runs/r9/model/"
    assert artifacts.problem(empty, prefix=True) == f"model data prefix {empty} holds no object"


@pytest.mark.parametrize("uri", ["https://example.com/model.tar.gz", "s3://", f"s3://{BUCKET}"])
def test_what_is_not_an_s3_object_uri_is_refused(s3: Any, uri: str) -> None:
    assert "is not an s3:// URI of an object" in (S3ModelArtifacts(s3).problem(uri) or "")


def test_a_bucket_that_does_not_exist_is_a_problem_not_a_crash(s3: Any) -> None:
    problem = S3ModelArtifacts(s3).problem("s3://no-such-bucket/model.tar.gz")

    assert problem == "model data s3://no-such-bucket/model.tar.gz cannot be checked: NoSuchBucket"
