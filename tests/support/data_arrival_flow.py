"""Data arrival on the local stack: the keys users drop, the emulated workforce's gold labels, and SageMaker answers
injected into botocore's retry loop."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import botocore.handlers
from botocore.awsrequest import AWSResponse

from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.runtime.stack import EmulatorFactory, LocalStack
from tests.support.stack_queries import manifest_lines

# Keys as people name files: spaces, accents, non-Latin scripts, a literal plus.
KEYS = (
    "incoming/reviews/great product.txt",
    "incoming/avis clients/données été.txt",
    "incoming/レビュー/星5つ+1.txt",
)
INJECTED_URL = "https://answered-by-the-test.invalid/"
GOLD = {"great product.txt": "positive", "données été.txt": "negative", "星5つ+1.txt": "positive"}


def sagemaker_emulator(gold: Mapping[str, str] | None = None) -> EmulatorFactory:
    """The emulator, installed by the stack; its workforce answers ``gold`` labels (by object base name)."""

    def build(stack: LocalStack) -> SageMakerEmulator:
        return SageMakerEmulator(
            clock=stack.clock.now,
            account_id=stack.template.account_id,
            region=stack.template.region,
            workforce=GoldLabelWorkforce(gold or {}),
        )

    return build


def drop(stack: LocalStack, keys: Sequence[str], *, bucket: str | None = None) -> None:
    """A user drops objects at once (no time passes between them), then the stack settles."""
    name = bucket or stack.physical_name("DataBucket")
    for index, key in enumerate(keys):
        stack.aws("s3", "put_object", Bucket=name, Key=key, Body=f"object {index}".encode(), settle=False)
    stack.settle()


def source_refs(stack: LocalStack, job: Mapping[str, Any]) -> list[str]:
    """The objects a job's input manifest lists, sorted."""
    uri = job["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
    return sorted(line["source-ref"] for line in manifest_lines(stack, uri))


def uris(stack: LocalStack, keys: Sequence[str]) -> list[str]:
    """``s3://`` URIs of keys of the data bucket, sorted."""
    return sorted(f"s3://{stack.physical_name('DataBucket')}/{key}" for key in keys)


def object_created_events(stack: LocalStack, prefix: str = "incoming/") -> list[dict[str, Any]]:
    """The ``Object Created`` events S3 sent for keys of the data bucket under ``prefix``, as put on the bus."""
    bucket = stack.physical_name("DataBucket")
    return [
        event
        for event in stack.s3_events.sent
        if event["detail-type"] == "Object Created"
        and event["detail"]["bucket"]["name"] == bucket
        and event["detail"]["object"]["key"].startswith(prefix)
    ]


class _Body:
    def __init__(self, payload: dict[str, Any]) -> None:
        self._payload = json.dumps(payload).encode()

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._payload


@contextmanager
def create_labeling_job_answers(code: str, times: int | None = None) -> Iterator[list[str]]:
    """SageMaker answers ``CreateLabelingJob`` with error ``code`` (HTTP 400) for the first ``times`` attempts (every
    attempt when None), then normally; yields every attempt's answer (``code`` or ``"sent"``).

    The answer is given at botocore's ``before-send`` step, inside the retry loop, so botocore's standard retry mode
    handles it as it would AWS's; the request is pointed at an address no moto backend serves, because every
    ``before-send`` handler runs (the first answer wins). The hook is registered for every boto3 session created
    meanwhile: that is how it reaches the handler's client, created at the handler's cold start. Nothing else calls
    ``CreateLabelingJob``.
    """
    attempts: list[str] = []

    def answer(request: Any, **_: Any) -> AWSResponse | None:
        if times is not None and len(attempts) >= times:
            attempts.append("sent")
            return None
        attempts.append(code)
        request.url = INJECTED_URL  # so that no later before-send handler (moto's) serves the request as well
        body = _Body({"__type": code, "message": f"injected by the test: {code}"})
        return AWSResponse(request.url, 400, {"x-amzn-requestid": f"injected-{len(attempts)}"}, body)

    entry = ("before-send.sagemaker.CreateLabelingJob", answer)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        yield attempts
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
