"""Whose event is it? The handler's own account, Region and partition against everything an event names.

EventBridge delivers to a bus events from other accounts too (a rule or a bus policy forwarding them keeps the
sender's ``account`` and ``region``), and an event may name resources of other accounts in its ARNs. A pattern
cannot say "this stack's account": each handler knows its own (:class:`Origin`, from ``ACCOUNT_ID`` and
``AWS_REGION``, see :class:`mlops_core.config.OriginSettings`) and refuses, with the reason, an event whose envelope
``account`` or ``region``, or any carried ARN's partition, Region or account, is not its own
(:class:`~mlops_core.events.errors.ForeignEventError`, an :class:`~mlops_core.events.errors.EventError`: ignored,
never retried). An ARN without a Region or an account (``arn:aws:s3:::bucket``) is compared on what it has.
EventBridge S3 events carry no bucket owner: the envelope ``account`` is the bucket owner's.

The partition follows from the Region, as the AWS SDKs map them (botocore's ``endpoints.json`` ``regionRegex``; a
unit test compares the two).

Examples
--------
>>> Origin.of("123456789012", "cn-north-1").partition
'aws-cn'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlops_core.events.arns import Arn, shown
from mlops_core.events.envelope import EventEnvelope

PARTITIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws-cn", re.compile(r"cn-\w+-\d+")),
    ("aws-us-gov", re.compile(r"us-gov-\w+-\d+")),
    ("aws-iso", re.compile(r"us-iso-\w+-\d+")),
    ("aws-iso-b", re.compile(r"us-isob-\w+-\d+")),
    ("aws-iso-e", re.compile(r"eu-isoe-\w+-\d+")),
    ("aws-iso-f", re.compile(r"us-isof-\w+-\d+")),
    ("aws-eusc", re.compile(r"eusc-de-\w+-\d+")),
    ("aws", re.compile(r"(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+")),
)


def partition_of(region: str) -> str:
    """The partition of ``region`` (``us-gov-west-1`` → ``aws-us-gov``); ``ValueError`` for an unknown Region."""
    for partition, pattern in PARTITIONS:
        if pattern.fullmatch(region):
            return partition
    raise ValueError(f"{region!r} is in no AWS partition")


@dataclass(frozen=True)
class Origin:
    """Where a function runs: its account, Region and partition."""

    account: str
    region: str
    partition: str

    @classmethod
    def of(cls, account: str, region: str) -> Origin:
        """The origin of a function in ``account`` and ``region`` (the partition follows from the Region)."""
        return cls(account, region, partition_of(region))


def _arn_problem(arn: Arn, origin: Origin) -> str | None:
    if arn.partition != origin.partition:
        return f"partition {shown(arn.partition)}, not {origin.partition}"
    if arn.region and arn.region != origin.region:
        return f"Region {shown(arn.region)}, not {origin.region}"
    if arn.account and arn.account != origin.account:
        return f"account {shown(arn.account)}, not {origin.account}"
    return None


def foreign_reason(event: EventEnvelope, origin: Origin) -> str | None:
    """Why ``event`` is not this function's to act on (another account, Region or partition), or ``None``."""
    if event.account != origin.account:
        return f"event from account {shown(event.account)}, not this stack's account {origin.account}"
    if event.region != origin.region:
        return f"event from Region {shown(event.region)}, not this stack's Region {origin.region}"
    for text, arn in zip(dict.fromkeys(event.carried_arns()), event.parsed_arns(), strict=True):
        problem = _arn_problem(arn, origin)
        if problem is not None:
            return f"event names {shown(text)}, of {problem}"
    return None
