"""The local stack's S3 → EventBridge events (emulated on moto) have the shape of the real samples, and what they
say about the object is what S3 says about it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlops_core.events import S3ObjectCreatedEvent, parse_event
from mlopsctl.local.emulators.s3_events import S3EventNotifier, encode_key
from tests.support.events import load_sample

REGION = "us-east-1"
ACCOUNT = "123456789012"
NOW = datetime(2025, 3, 1, 12, 30, 15, tzinfo=UTC)


def real_created() -> dict[str, Any]:
    """The S3 User Guide's Object Created sample (the corpus)."""
    event: dict[str, Any] = load_sample("s3-object-created-eventbridge/awsdocs-s3-userguide-2023.json")
    return event


def real_deleted(sample: str) -> dict[str, Any]:
    """An Object Deleted sample of the corpus."""
    event: dict[str, Any] = load_sample(f"s3-object-deleted-eventbridge/{sample}")
    return event


@dataclass
class Buses:
    s3: Any
    sqs: Any
    default_queue: str
    custom_queue: str
    notifier: S3EventNotifier

    def received(self, queue: str | None = None) -> list[dict[str, Any]]:
        url, out = queue or self.default_queue, []
        while batch := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                out.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return out

    def bucket(self, name: str, *, versioned: bool) -> str:
        self.s3.create_bucket(Bucket=name)
        if versioned:
            self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        self.s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
        return name


def _route_all(events: Any, sqs: Any, bus: str, name: str) -> str:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": ["aws.s3"]}))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return str(url)


@pytest.fixture
def buses() -> Iterator[Buses]:
    with mock_aws():
        notifier = S3EventNotifier(lambda: NOW)
        notifier.install()
        try:
            events, sqs = boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)
            events.create_event_bus(Name="custom")
            default_queue = _route_all(events, sqs, "default", "from-default")
            custom_queue = _route_all(events, sqs, "custom", "from-custom")
            yield Buses(boto3.client("s3", region_name=REGION), sqs, default_queue, custom_queue, notifier)
        finally:
            notifier.uninstall()


def test_object_created_has_the_real_fields_and_what_s3_says_about_the_object(buses: Buses) -> None:
    bucket = buses.bucket("data", versioned=True)
    key = "incoming/Customer Reviews/données été+1.txt"
    put = buses.s3.put_object(Bucket=bucket, Key=key, Body=b"great product")

    [event] = buses.received()

    real = real_created()
    assert event.keys() == real.keys()
    assert event["detail"].keys() == real["detail"].keys()
    assert event["detail"]["object"].keys() == real["detail"]["object"].keys()
    parsed = parse_event(event)
    assert isinstance(parsed, S3ObjectCreatedEvent)
    head = buses.s3.head_object(Bucket=bucket, Key=key)
    assert (parsed.bucket, parsed.key, parsed.size) == (bucket, key, 13)
    assert parsed.etag == head["ETag"].strip('"')
    assert parsed.version_id == put["VersionId"]
    assert parsed.reason == "PutObject"
    assert parsed.requester == ACCOUNT
    assert parsed.time == NOW
    assert event["resources"] == [f"arn:aws:s3:::{bucket}"]
    assert event["detail"]["object"]["key"] == "incoming/Customer%20Reviews/donn%C3%A9es%20%C3%A9t%C3%A9%2B1.txt"


def test_every_event_has_its_own_id_request_id_and_a_growing_sequencer(buses: Buses) -> None:
    bucket = buses.bucket("data", versioned=False)
    for index in range(3):
        buses.s3.put_object(Bucket=bucket, Key=f"incoming/{index}.txt", Body=b"x")

    received = buses.received()

    assert len({e["id"] for e in received}) == 3
    assert len({e["detail"]["request-id"] for e in received}) == 3
    sequencers = [e["detail"]["object"]["sequencer"] for e in received]
    assert sequencers == sorted(sequencers)
    assert len(set(sequencers)) == 3


def test_unversioned_buckets_send_no_version_id(buses: Buses) -> None:
    bucket = buses.bucket("plain", versioned=False)
    buses.s3.put_object(Bucket=bucket, Key="incoming/a.txt", Body=b"x")

    [event] = buses.received()

    assert "version-id" not in event["detail"]["object"]
    parsed = parse_event(event)
    assert isinstance(parsed, S3ObjectCreatedEvent)
    assert parsed.version_id is None


def test_events_go_to_the_default_bus_only(buses: Buses) -> None:
    buses.s3.put_object(Bucket=buses.bucket("data", versioned=False), Key="incoming/a.txt", Body=b"x")

    assert len(buses.received()) == 1
    assert buses.received(buses.custom_queue) == []


def test_put_object_sends_no_tags_added_but_put_object_tagging_does(buses: Buses) -> None:
    bucket = buses.bucket("data", versioned=False)
    buses.s3.put_object(Bucket=bucket, Key="incoming/a.txt", Body=b"x", Tagging="team=ml")
    buses.s3.put_object_tagging(
        Bucket=bucket, Key="incoming/a.txt", Tagging={"TagSet": [{"Key": "reviewed", "Value": "yes"}]}
    )

    assert [e["detail-type"] for e in buses.received()] == ["Object Created", "Object Tags Added"]


def test_copy_and_multipart_uploads_name_their_api_as_the_reason(buses: Buses) -> None:
    bucket = buses.bucket("data", versioned=False)
    buses.s3.put_object(Bucket=bucket, Key="incoming/a.txt", Body=b"x")
    buses.s3.copy_object(Bucket=bucket, Key="incoming/b.txt", CopySource={"Bucket": bucket, "Key": "incoming/a.txt"})
    upload = buses.s3.create_multipart_upload(Bucket=bucket, Key="incoming/c.txt")
    part = buses.s3.upload_part(
        Bucket=bucket, Key="incoming/c.txt", UploadId=upload["UploadId"], PartNumber=1, Body=b"y"
    )
    buses.s3.complete_multipart_upload(
        Bucket=bucket,
        Key="incoming/c.txt",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )

    created = [e for e in buses.received() if e["detail-type"] == "Object Created"]

    assert [e["detail"]["reason"] for e in created] == ["PutObject", "CopyObject", "CompleteMultipartUpload"]


@pytest.mark.parametrize(
    ("versioned", "deletion_type", "sample"),
    [
        (True, "Delete Marker Created", "awsdocs-s3-userguide-2023-deleteobject.json"),
        (False, "Permanently Deleted", "localstack-snapshot-recorded-permanently-deleted.json"),
    ],
)
def test_deleting_an_object_sends_object_deleted_like_the_real_samples(
    buses: Buses, versioned: bool, deletion_type: str, sample: str
) -> None:
    bucket = buses.bucket("data", versioned=versioned)
    buses.s3.put_object(Bucket=bucket, Key="incoming/a b.txt", Body=b"x")
    buses.received()
    deleted = buses.s3.delete_object(Bucket=bucket, Key="incoming/a b.txt")

    [event] = buses.received()

    real = real_deleted(sample)
    assert event["detail-type"] == "Object Deleted"
    assert event["detail"]["deletion-type"] == deletion_type
    assert event["detail"]["reason"] == "DeleteObject"
    assert event["detail"]["object"].keys() == real["detail"]["object"].keys()
    assert event["detail"]["object"]["key"] == "incoming/a%20b.txt"
    if versioned:
        assert event["detail"]["object"]["version-id"] == deleted["VersionId"]


def test_the_events_sent_are_kept_as_put_on_the_bus(buses: Buses) -> None:
    buses.s3.put_object(Bucket=buses.bucket("data", versioned=False), Key="incoming/a.txt", Body=b"x")

    assert buses.notifier.sent == buses.received()


def test_uninstall_gives_moto_its_own_events_back(buses: Buses) -> None:
    bucket = buses.bucket("data", versioned=False)
    buses.notifier.uninstall()
    buses.s3.put_object(Bucket=bucket, Key="incoming/a.txt", Body=b"x")

    created = [e for e in buses.received() if e["detail-type"] == "Object Created"]

    assert "eTag" in created[0]["detail"]["object"]  # moto's own spelling
    assert buses.notifier.sent == []


def test_keys_are_percent_encoded_so_that_one_unquote_gives_them_back() -> None:
    assert encode_key("incoming/a b+c/ü%20.txt") == "incoming/a%20b%2Bc/%C3%BC%2520.txt"
