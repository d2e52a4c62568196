"""The data bucket through S3: write manifests and label files, read texts for ``source`` manifests."""

from __future__ import annotations

from typing import Any

from mlops_core.aws.calls import aws_call
from mlops_core.aws.errors import OBJECT_GONE_CODES, ObjectGoneError, RequestRejectedError
from mlops_core.ingest.objects import ObjectRef
from mlops_core.ingest.ports import ObjectStore


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
        return self.read_head(obj, max_bytes).decode("utf-8", errors="replace")

    def read_head(self, obj: ObjectRef, max_bytes: int) -> bytes:
        """The first ``max_bytes`` bytes of an object (that exact version when it has one): one ranged ``GetObject``.

        "Downloads the specified byte range of an object" (``Range: bytes=0-N`` reads bytes 0 to N inclusive; a range
        past the end returns what there is: S3 API Reference, GetObject, ``Range``,
        https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html). ``s3:GetObject`` (``s3:GetObjectVersion``
        with a version id) is all it needs.

        Raises
        ------
        ObjectGoneError
            ``NoSuchKey`` / ``NoSuchVersion``: the object was deleted after the event.
        """
        params: dict[str, Any] = {"Bucket": obj.bucket, "Key": obj.key, "Range": f"bytes=0-{max(max_bytes - 1, 0)}"}
        if obj.version_id:
            params["VersionId"] = obj.version_id
        try:
            with aws_call("GetObject"):
                body = self.client.get_object(**params)["Body"].read()
        except RequestRejectedError as exc:
            if exc.code in OBJECT_GONE_CODES:
                raise ObjectGoneError(exc.operation, exc.code, exc.message) from exc
            raise
        return bytes(body)[:max_bytes]
