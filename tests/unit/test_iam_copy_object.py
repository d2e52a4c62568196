"""What IAM authorizes for S3 CopyObject (pure): the source read, the destination write, the tags."""

from __future__ import annotations

from mlopsctl.local.iam.call_context import CallContext, NoFacts
from mlopsctl.local.iam.requests import authorization_requests

CTX = CallContext("aws", "us-east-1", "123456789012", NoFacts())


def requests_of(**params: object) -> list[tuple[str, str]]:
    return [(r.action, r.resource) for r in authorization_requests("s3", "CopyObject", params, CTX)]


def test_a_copy_reads_the_source_version_and_writes_the_destination() -> None:
    source = {"Bucket": "data", "Key": "labeled/a.jsonl", "VersionId": "v1"}

    assert requests_of(Bucket="data", Key="manifests/x/a.jsonl", CopySource=source, TaggingDirective="REPLACE") == [
        ("s3:GetObjectVersion", "arn:aws:s3:::data/labeled/a.jsonl"),
        ("s3:PutObject", "arn:aws:s3:::data/manifests/x/a.jsonl"),
    ]


def test_a_copy_that_keeps_the_tags_reads_and_writes_them_too() -> None:
    assert requests_of(Bucket="out", Key="b", CopySource="in/a%20b.txt") == [
        ("s3:GetObject", "arn:aws:s3:::in/a b.txt"),
        ("s3:PutObject", "arn:aws:s3:::out/b"),
        ("s3:GetObjectTagging", "arn:aws:s3:::in/a b.txt"),
        ("s3:PutObjectTagging", "arn:aws:s3:::out/b"),
    ]
