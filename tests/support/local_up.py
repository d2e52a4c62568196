"""``mlopsctl local up``'s machinery in the test process: :func:`local_up` and :class:`LocalUp`.

The stack is served on a free loopback port with its time running (600 virtual seconds per real second by default),
as ``mlopsctl local up`` serves it, by the same :class:`~mlopsctl.local.up.live.LiveStack`, its loop on a background
thread. A test acts as a person over HTTP (:meth:`LocalUp.client`, inside ``a_person_acts()``: the account
administrator's calls, neither logged nor authorized as the system's), and waits for the system's reaction with
:func:`eventually`: a poll with a bounded real-time deadline, never a sleep taken as an assertion.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import boto3

from mlopsctl.local.runtime.actionlog import a_person_acts
from mlopsctl.local.runtime.stack import LocalStack
from mlopsctl.local.up.live import EntryListener, LiveStack, UpOptions
from mlopsctl.local.up.report import environment
from tests.support.deploy_flow import IMAGE

FAST = 600.0


def eventually[T](probe: Callable[[], T | None], *, within: float = 60.0, what: str = "the condition") -> T:
    """The first truthy result of ``probe()``, polled for ``within`` real seconds at most (else the test fails)."""
    deadline = time.monotonic() + within
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within:g} s (real)")
        time.sleep(0.05)


@dataclass
class LocalUp:
    """A live local stack (``live``), and what a person does with it over HTTP."""

    live: LiveStack
    _runs: Iterator[int] = field(default_factory=lambda: count(1))

    @property
    def url(self) -> str:
        return self.live.url

    @property
    def stack(self) -> LocalStack:
        return self.live.stack

    def environment(self) -> dict[str, str]:
        """What ``mlopsctl local up`` tells a user to export."""
        return environment(self.live)

    def client(self, service: str) -> Any:
        """A person's boto3 client on the served URL (use it inside ``a_person_acts()``)."""
        env = self.environment()
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    def register(self) -> str:
        """A person registers a model version (its artifact in the artifacts bucket); returns its ARN."""
        outputs = self.stack.outputs()
        bucket, key = outputs["ArtifactsBucketName"], f"pipelines/runs/run-{next(self._runs)}/model/model.tar.gz"
        spec = {
            "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{bucket}/{key}"}],
            "SupportedContentTypes": ["text/plain"],
            "SupportedResponseMIMETypes": ["application/json"],
        }
        with a_person_acts():
            self.client("s3").put_object(Bucket=bucket, Key=key, Body=b"model")
            created = self.client("sagemaker").create_model_package(
                ModelPackageGroupName=outputs["ModelPackageGroupName"], InferenceSpecification=spec
            )
        return str(created["ModelPackageArn"])

    def approve(self, arn: str) -> None:
        """A reviewer approves a version in the registry (``update-model-package --model-approval-status``)."""
        with a_person_acts():
            self.client("sagemaker").update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")


@contextmanager
def local_up(
    parameters: dict[str, str] | None = None, speed: float = FAST, on_entries: EntryListener | None = None
) -> Iterator[LocalUp]:
    """The live local stack on a free port (stopped, port freed, when the block ends); ``on_entries`` hears the
    action log's new entries after each step, as ``mlopsctl local up``'s reporter does."""
    with LiveStack(UpOptions(parameters=parameters or {}, port=0, speed=speed), on_entries=on_entries) as live:
        yield LocalUp(live)
