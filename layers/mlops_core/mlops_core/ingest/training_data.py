"""A batch's labelled files, snapshotted under one S3 prefix: the training pipeline's ``InputManifestUri``.

The pipeline's preprocess step reads every ``*.jsonl``, ``*.json`` and ``*.manifest`` object under that prefix. A
batch's files are spread over the data bucket's ``labeled/`` (or ``incoming/``) prefix among files of other batches,
so each is copied, server-side and at the exact version that joined the batch, to a per-batch prefix. The copies
are named after the object's identity, so a retried snapshot rewrites the same keys with the same bytes.

Examples
--------
>>> from mlops_core.ingest.objects import ObjectRef
>>> snapshot_key("manifests/abc/training/", ObjectRef("data", "labeled/day 1/a.JSONL", 5, "e1"))
'manifests/abc/training/1d2fe00647f2e9f1a8c8bf5e.jsonl'
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from mlops_core.aws.calls import aws_call
from mlops_core.ingest.objects import ObjectRef

_NAME_DIGEST = 24


def snapshot_key(prefix: str, obj: ObjectRef) -> str:
    """Where an object's copy goes: ``<prefix><identity digest><extension, lower case>``."""
    return f"{prefix}{obj.identity_hash[:_NAME_DIGEST]}{PurePosixPath(obj.key).suffix.lower()}"


class TrainingData(ABC):
    """Where training input is assembled."""

    @abstractmethod
    def snapshot(self, objects: Sequence[ObjectRef], prefix: str) -> str:
        """Copy the objects under ``prefix`` (a key prefix ending in ``/``); return its ``s3://`` URI."""


class S3TrainingData(TrainingData):
    """:class:`TrainingData` in one bucket (the data bucket: sources and copies live there).

    Copies take the bucket's default encryption, drop the sources' tags (no tagging permission is needed) and keep
    their metadata.
    """

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def snapshot(self, objects: Sequence[ObjectRef], prefix: str) -> str:
        """``CopyObject`` for each object, at its version when it has one."""
        for obj in objects:
            source: dict[str, str] = {"Bucket": obj.bucket, "Key": obj.key}
            if obj.version_id:
                source["VersionId"] = obj.version_id
            with aws_call("CopyObject"):
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=snapshot_key(prefix, obj),
                    CopySource=source,
                    TaggingDirective="REPLACE",
                )
        return f"s3://{self.bucket}/{prefix}"
