"""A batch's training input on moto's S3: each file copied under the batch's prefix, at the version that joined it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlops_core.ingest.objects import ObjectRef
from mlops_core.ingest.training_data import S3TrainingData, snapshot_key

BUCKET = "mlops-dev-data"
PREFIX = "manifests/abc/training/"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def put(s3: Any, key: str, body: bytes, **extra: Any) -> ObjectRef:
    response = s3.put_object(Bucket=BUCKET, Key=key, Body=body, **extra)
    return ObjectRef(BUCKET, key, len(body), response["ETag"].strip('"'), response.get("VersionId"))


def read(s3: Any, key: str) -> bytes:
    body: bytes = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return body


def test_every_file_is_copied_under_the_prefix_which_is_returned(s3: Any) -> None:
    a = put(s3, "labeled/day 1/a.jsonl", b'{"text": "a", "label": "x"}\n')
    b = put(s3, "labeled/b.JSON", b'{"text": "b", "label": "y"}\n')

    uri = S3TrainingData(s3, BUCKET).snapshot([a, b], PREFIX)

    assert uri == f"s3://{BUCKET}/{PREFIX}"
    listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX)["Contents"])
    assert listed == sorted([snapshot_key(PREFIX, a), snapshot_key(PREFIX, b)])
    assert snapshot_key(PREFIX, b).endswith(".json"), "the extension preprocess looks for survives"
    assert read(s3, snapshot_key(PREFIX, a)) == b'{"text": "a", "label": "x"}\n'


def test_the_version_that_joined_the_batch_is_copied_not_a_later_one(s3: Any) -> None:
    first = put(s3, "labeled/a.jsonl", b'{"text": "old", "label": "x"}\n')
    put(s3, "labeled/a.jsonl", b'{"text": "new", "label": "x"}\n')

    S3TrainingData(s3, BUCKET).snapshot([first], PREFIX)

    assert read(s3, snapshot_key(PREFIX, first)) == b'{"text": "old", "label": "x"}\n'


def test_a_repeated_snapshot_rewrites_the_same_keys(s3: Any) -> None:
    a = put(s3, "labeled/a.jsonl", b"{}\n")
    data = S3TrainingData(s3, BUCKET)

    data.snapshot([a], PREFIX)
    data.snapshot([a], PREFIX)

    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX)["Contents"]] == [snapshot_key(PREFIX, a)]


def test_the_sources_tags_are_not_copied(s3: Any) -> None:
    a = put(s3, "labeled/a.jsonl", b"{}\n", Tagging="owner=team-a")

    S3TrainingData(s3, BUCKET).snapshot([a], PREFIX)

    assert s3.get_object_tagging(Bucket=BUCKET, Key=snapshot_key(PREFIX, a))["TagSet"] == []
