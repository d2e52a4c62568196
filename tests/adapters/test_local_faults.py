"""Injected faults fail the system's calls as AWS fails them: botocore parses the documented code and status in each
protocol's wire shape, standard retry mode retries what it would retry against AWS, a faulted attempt changes nothing
in moto, the stack's own and the user's calls are never faulted, and a seed makes the draws reproducible."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from mlopsctl.local.runtime.actionlog import STACK_USER_AGENT, ActionLog, AwsCallRecorder
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.faults import FaultInjector, FaultRule, FaultSpecError
from mlopsctl.local.runtime.wall_clock import following

REGION = "us-east-1"
ONE_ATTEMPT = Config(retries={"mode": "standard", "total_max_attempts": 1})
FIVE_ATTEMPTS = Config(retries={"mode": "standard", "total_max_attempts": 5})


class Faulted:
    """The action log's recorder and a fault injector on the followed clock, as a local stack installs them."""

    def __init__(self, rules: list[str], seed: int | None = 7) -> None:
        self.log = ActionLog(lambda: 0.0)
        self.injector = FaultInjector(rules, seed)
        self._recorder = AwsCallRecorder(self.log)
        self._clock = ExitStack()

    def __enter__(self) -> Faulted:
        self._clock.enter_context(following(VirtualClock(datetime(2031, 1, 1, tzinfo=UTC))))
        self._recorder.install()
        self.injector.install()
        return self

    def __exit__(self, *_: object) -> None:
        self.injector.uninstall()
        self._recorder.uninstall()
        self._clock.close()

    def client(self, service: str, config: Config = ONE_ATTEMPT) -> Any:
        """A client as a handler creates it (a new session, so it has the hooks)."""
        return boto3.session.Session(region_name=REGION).client(service, config=config)

    def own_client(self, service: str) -> Any:
        """A client of the stack itself (user actions, setup)."""
        return boto3.session.Session(region_name=REGION).client(
            service, config=Config(user_agent_extra=STACK_USER_AGENT)
        )

    def calls(self) -> list[dict[str, Any]]:
        return self.log.entries("aws_call")


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def failure(call: Any) -> ClientError:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value


def code_and_status(error: ClientError) -> tuple[str, int]:
    return error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize(
    ("rule", "service", "call", "expected"),
    [
        ("sagemaker:1", "sagemaker", lambda c: c.list_endpoints(), ("ThrottlingException", 400)),
        ("stepfunctions:1:InternalFailure", "stepfunctions", lambda c: c.list_activities(), ("InternalFailure", 500)),
        (
            "dynamodb:1:ProvisionedThroughputExceededException",
            "dynamodb",
            lambda c: c.list_tables(),
            ("ProvisionedThroughputExceededException", 400),
        ),
        ("lambda:1:TooManyRequestsException", "lambda", lambda c: c.list_layers(), ("TooManyRequestsException", 429)),
        ("sns:1:Throttled", "sns", lambda c: c.list_topics(), ("Throttled", 429)),
        ("s3:1:SlowDown", "s3", lambda c: c.list_buckets(), ("SlowDown", 503)),
        ("s3:1:AccessDenied", "s3", lambda c: c.list_buckets(), ("AccessDenied", 403)),
        ("sqs:1:ServiceUnavailable", "sqs", lambda c: c.list_queues(), ("ServiceUnavailable", 503)),
        ("events:1", "events", lambda c: c.list_rules(), ("ThrottlingException", 400)),
    ],
)
def test_botocore_parses_the_documented_code_and_status_in_each_protocols_wire_shape(
    aws: None, rule: str, service: str, call: Any, expected: tuple[str, int]
) -> None:
    with Faulted([rule]) as faulted:
        error = failure(lambda: call(faulted.client(service)))

    assert code_and_status(error) == expected
    (entry,) = faulted.calls()
    assert entry["error"] == expected[0]


def test_standard_retry_mode_retries_a_throttled_call_until_its_attempts_run_out(aws: None) -> None:
    with Faulted(["sagemaker:1"]) as faulted:
        error = failure(faulted.client("sagemaker", FIVE_ATTEMPTS).list_endpoints)

    assert error.response["ResponseMetadata"]["RetryAttempts"] == 4
    (entry,) = faulted.calls()
    assert (entry["error"], entry["attempts"]) == ("ThrottlingException", 5)
    assert [f.attempt for f in faulted.injector.injected] == [1, 2, 3, 4, 5]


def test_standard_retry_mode_does_not_retry_an_error_it_would_not_retry_against_aws(aws: None) -> None:
    with Faulted(["sagemaker:1:ValidationError"]) as faulted:
        error = failure(faulted.client("sagemaker", FIVE_ATTEMPTS).list_endpoints)

    assert code_and_status(error) == ("ValidationError", 400)
    (entry,) = faulted.calls()
    assert "attempts" not in entry
    assert len(faulted.injector.injected) == 1


def test_a_call_that_succeeds_after_retried_faults_has_no_error_but_its_attempts(aws: None) -> None:
    seed = next(s for s in range(100) if _first_draws(s, 2) == [True, False])  # the first attempt fails, then not

    with Faulted(["dynamodb:0.5"], seed=seed) as faulted:
        faulted.client("dynamodb", FIVE_ATTEMPTS).list_tables()

    (entry,) = faulted.calls()
    assert "error" not in entry
    assert entry["attempts"] == 2


def _first_draws(seed: int, count: int) -> list[bool]:
    draws = random.Random(seed)  # noqa: S311 - the injector's own generator, replayed
    return [draws.random() < 0.5 for _ in range(count)]


def test_a_faulted_attempt_has_no_effect_in_moto(aws: None) -> None:
    with Faulted(["sqs:1"]) as faulted:
        failure(lambda: faulted.client("sqs").create_queue(QueueName="never"))
        assert faulted.own_client("sqs").list_queues().get("QueueUrls", []) == []


def test_the_stacks_own_calls_and_the_users_actions_are_never_faulted(aws: None) -> None:
    with Faulted(["sqs:1"]) as faulted:
        url = faulted.own_client("sqs").create_queue(QueueName="mine")["QueueUrl"]

    assert url.endswith("/mine")
    assert faulted.injector.injected == []
    assert faulted.injector.attempts() == 0


def test_calls_to_services_no_rule_names_are_not_faulted(aws: None) -> None:
    with Faulted(["sagemaker:1"]) as faulted:
        faulted.client("sqs").create_queue(QueueName="fine")

    assert faulted.injector.injected == []
    assert "error" not in faulted.calls()[0]


def test_one_seed_faults_the_same_attempts_and_the_rate_is_the_share_faulted(aws: None) -> None:
    def run(seed: int) -> list[int]:
        with Faulted(["sqs:0.3"], seed=seed) as faulted:
            client = faulted.client("sqs")
            for index in range(200):
                with suppress(ClientError):
                    client.list_queues(QueueNamePrefix=str(index))
        return [index for index, entry in enumerate(faulted.calls()) if "error" in entry]

    first, again, other = run(11), run(11), run(12)

    assert first == again
    assert first != other
    assert 40 <= len(first) <= 80  # 30 % of 200, give or take


def test_retries_of_faulted_attempts_take_no_real_time_while_the_clock_is_followed(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # botocore's back-off would sleep 0.5 + 1 + 2 + 4 s on average
    with Faulted(["sagemaker:1"]) as faulted:
        failure(faulted.client("sagemaker", FIVE_ATTEMPTS).list_endpoints)

    assert len(faulted.injector.injected) == 5
    assert sum(slept) == 0


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("sagemaker", "SERVICES:RATE"),
        ("sagemaker:lots", "a number"),
        ("sagemaker:1.5", "from 0 to 1"),
        ("sagemakr:0.3", "unknown AWS service"),
        ("sagemaker,:0.3", "empty service"),
        ("dynamodb:0.3:NoSuchThing", "no documented HTTP status"),
        ("s3:0.3:ThrottlingException", "no documented HTTP status"),
    ],
)
def test_a_rule_that_cannot_be_applied_is_refused_with_the_reason(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        FaultRule.parse(spec)
