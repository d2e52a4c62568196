"""One clock: while a stack's clock is followed, ``datetime.now``/``time.time`` and moto read virtual time, and what
waits on the wall clock (SQS long polls, visibility timeouts of 0) still ends; real durations stay measurable."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlopsctl.local.moto_patches.speed import installed
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.wall_clock import following

REGION = "us-east-1"
START = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[VirtualClock]:
    virtual = VirtualClock(START)
    with following(virtual), mock_aws(), installed():
        yield virtual


def test_the_wall_clock_is_the_virtual_clock_and_moves_with_it(clock: VirtualClock) -> None:
    assert datetime.now(UTC) == START
    time.sleep(0.05)
    assert time.time() == START.timestamp()  # frozen between moves

    clock.advance_to(START + timedelta(days=3, seconds=5))

    assert datetime.now(UTC) == START + timedelta(days=3, seconds=5)
    assert time.time() == (START + timedelta(days=3, seconds=5)).timestamp()


def test_monotonic_time_still_measures_real_durations(clock: VirtualClock) -> None:
    began = time.monotonic()
    time.sleep(0.05)

    assert time.monotonic() - began >= 0.04


def test_moto_stamps_resources_with_virtual_time(clock: VirtualClock) -> None:
    clock.advance_to(START + timedelta(hours=5))
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="stamped")
    s3.put_object(Bucket="stamped", Key="k", Body=b"x")

    modified = s3.head_object(Bucket="stamped", Key="k")["LastModified"]

    assert modified == START + timedelta(hours=5)


def receive_in_thread(sqs: Any, url: str, wait: int) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def receive() -> None:
        began = time.monotonic()
        outcome["messages"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait).get("Messages", [])
        outcome["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    return thread, outcome


def test_a_long_poll_of_an_empty_queue_ends_after_its_wait_time_although_the_clock_stands_still(
    clock: VirtualClock,
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="empty")["QueueUrl"]

    thread, outcome = receive_in_thread(sqs, url, wait=1)
    thread.join(timeout=10)

    assert not thread.is_alive(), "the long poll never returned: it waits for frozen time to pass"
    assert outcome["messages"] == []
    assert 0.9 <= outcome["seconds"] < 5


def test_a_long_poll_returns_as_soon_as_a_message_arrives(clock: VirtualClock) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="arrives")["QueueUrl"]

    thread, outcome = receive_in_thread(sqs, url, wait=20)
    time.sleep(0.2)
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    thread.join(timeout=10)

    assert not thread.is_alive()
    assert [m["Body"] for m in outcome["messages"]] == ["hello"]
    assert outcome["seconds"] < 5


def test_a_message_released_with_visibility_timeout_0_is_visible_at_once(clock: VirtualClock) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="released")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    (message,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)["Messages"]
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []

    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)

    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", [])] == ["again"]


def test_a_visibility_timeout_ends_when_virtual_time_has_passed_it(clock: VirtualClock) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="hidden")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)

    clock.advance_to(START + timedelta(seconds=599))
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    clock.advance_to(START + timedelta(seconds=600))

    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", [])] == ["later"]


def test_the_real_clock_is_back_once_the_clock_is_no_longer_followed() -> None:
    virtual = VirtualClock(START)
    with following(virtual):
        virtual.advance_to(START + timedelta(days=400))
    virtual.advance_to(START + timedelta(days=800))  # no longer heard

    first = time.time()
    time.sleep(0.02)
    assert time.time() > first
    assert abs(time.time() - time.clock_gettime(time.CLOCK_REALTIME)) < 1
