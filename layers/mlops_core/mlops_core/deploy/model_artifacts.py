"""Whether a model package's model data exists, through S3 (preflight reads it before anything changes).

A package names its model data as ``ModelDataUrl`` (one object, ``model.tar.gz``) or as ``ModelDataSource`` with
``S3DataType`` ``S3Object`` (one object) or ``S3Prefix`` (every object under a prefix: at least one must exist). Both
are checked with one ``ListObjectsV2`` (``Prefix`` = the object's key or the prefix, ``MaxKeys`` 1): an object
exists when the first key listed is its key (keys are listed in UTF-8 binary order, so the key itself comes before
any longer key it prefixes); a prefix has data when anything is listed.

Why a list and not ``HeadObject``: S3 answers a ``HeadObject`` of a missing object with 404 only to a caller allowed
``s3:ListBucket`` on the bucket, otherwise with 403 (Amazon S3 API Reference, ``HeadObject``, "Permissions"), so a
HEAD needs ``s3:ListBucket`` anyway to tell "missing" from "not allowed". ``ListObjectsV2`` needs ``s3:ListBucket``
only, which the template grants on the artifacts bucket for the ``pipelines/runs/`` prefix alone (condition
``s3:prefix``): the deployment role learns whether model data exists, never reads it.

:class:`ModelArtifacts` is the port; :class:`S3ModelArtifacts` implements it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from mlops_core.aws.calls import aws_call
from mlops_core.aws.errors import RequestRejectedError


def split_s3_uri(uri: str) -> tuple[str, str] | None:
    """``(bucket, key)`` of an ``s3://bucket/key`` URI; ``None`` when it is not one.

    >>> split_s3_uri("s3://artifacts/pipelines/runs/r1/model/model.tar.gz")
    ('artifacts', 'pipelines/runs/r1/model/model.tar.gz')
    >>> split_s3_uri("https://example.com/model.tar.gz") is None
    True
    """
    if not uri.startswith("s3://"):
        return None
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return (bucket, key) if bucket else None


class ModelArtifacts(ABC):
    """Model data in S3, as far as its existence goes."""

    @abstractmethod
    def problem(self, uri: str, *, prefix: bool = False) -> str | None:
        """Why the model data at ``uri`` cannot be deployed (missing, not an S3 URI, not checkable); ``None`` when it
        exists. ``prefix``: ``uri`` is an S3 prefix (``S3DataType`` ``S3Prefix``), which needs one object at least."""


class S3ModelArtifacts(ModelArtifacts):
    """:class:`ModelArtifacts` on an S3 client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def problem(self, uri: str, *, prefix: bool = False) -> str | None:
        """One ``ListObjectsV2`` (see the module's note)."""
        where = split_s3_uri(uri)
        if where is None or (not prefix and not where[1]):
            return f"model data {uri} is not an s3:// URI of an object"
        bucket, key = where
        try:
            with aws_call("ListObjectsV2"):
                listed = self.client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
        except RequestRejectedError as exc:
            return f"model data {uri} cannot be checked: {exc.code}"
        keys = [str(item["Key"]) for item in listed.get("Contents", [])]
        if prefix:
            return None if keys else f"model data prefix {uri} holds no object"
        return None if keys[:1] == [key] else f"model data {uri} does not exist"
