"""The S3 object store on moto, and the client factory every adapter gets its clients from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlops_core.aws.clients import MAX_ATTEMPTS, ClientFactory
from mlops_core.aws.errors import RequestRejectedError
from mlops_core.errors import ConfigurationError
from mlops_core.ingest.objects import ObjectRef
from mlops_core.ingest.s3 import S3ObjectStore

BUCKET = "mlops-dev-data"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_text_is_written_as_utf8_with_its_content_type(s3: Any) -> None:
    uri = S3ObjectStore(s3, BUCKET).put_text(
        "manifests/d/input.manifest", '{"source": "été"}\n', "application/jsonlines"
    )

    stored = s3.get_object(Bucket=BUCKET, Key="manifests/d/input.manifest")
    assert uri == f"s3://{BUCKET}/manifests/d/input.manifest"
    assert stored["Body"].read().decode("utf-8") == '{"source": "été"}\n'
    assert stored["ContentType"] == "application/jsonlines"


def test_reading_text_takes_that_version_and_at_most_the_limit(s3: Any) -> None:
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=BUCKET, Key="incoming/a.txt", Body=b"first version, long text")
    s3.put_object(Bucket=BUCKET, Key="incoming/a.txt", Body=b"second")
    obj = ObjectRef(BUCKET, "incoming/a.txt", 24, first["ETag"].strip('"'), first["VersionId"])

    store = S3ObjectStore(s3, BUCKET)

    assert store.read_text(obj, max_bytes=1000) == "first version, long text"
    assert store.read_text(obj, max_bytes=5) == "first"


def test_undecodable_bytes_do_not_fail_the_read(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="incoming/b.txt", Body=b"ok \xff\xfe end")
    text = S3ObjectStore(s3, BUCKET).read_text(ObjectRef(BUCKET, "incoming/b.txt", 10, "e"), max_bytes=100)
    assert text.startswith("ok ")
    assert text.endswith(" end")


def test_a_missing_bucket_is_a_permanent_error(s3: Any) -> None:
    with pytest.raises(RequestRejectedError, match="NoSuchBucket"):
        S3ObjectStore(s3, "no-such-bucket").put_text("k", "v", "text/plain")


def test_clients_use_the_standard_retry_mode_and_are_created_once() -> None:
    factory = ClientFactory(region="eu-west-1")
    client = factory.client("s3")

    assert factory.client("s3") is client
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}


def test_the_region_comes_from_the_lambda_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-southeast-2")
    assert ClientFactory().region == "ap-southeast-2"


def test_a_missing_region_fails_fast_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(ConfigurationError, match="AWS_REGION"):
        ClientFactory()
