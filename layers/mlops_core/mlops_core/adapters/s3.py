"""The data bucket through S3: write manifests and label files, read texts for ``source`` manifests."""

from __future__ import annotations

from typing import Any

from mlops_core.adapters.calls import aws_call
from mlops_core.domain.objects import ObjectRef
from mlops_core.domain.ports import ObjectStore


class S3ObjectStore(ObjectStore):
    """One bucket.

    Parameters
    ----------
    client
        An S3 client.
    bucket
        The bucket's name.
    """

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def put_text(self, key: str, text: str, content_type: str) -> str:
        """Write a UTF-8 text object and return its ``s3://`` URI (rewriting the same bytes is harmless)."""
        with aws_call("PutObject"):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type)
        return f"s3://{self.bucket}/{key}"

    def read_text(self, obj: ObjectRef, max_bytes: int) -> str:
        """Read at most ``max_bytes`` of an object (that exact version when it has one) as UTF-8 text."""
        params: dict[str, Any] = {"Bucket": obj.bucket, "Key": obj.key, "Range": f"bytes=0-{max(max_bytes - 1, 0)}"}
        if obj.version_id:
            params["VersionId"] = obj.version_id
        with aws_call("GetObject"):
            body = self.client.get_object(**params)["Body"].read()
        return bytes(body).decode("utf-8", errors="replace")
