"""Moving a job's data between S3 and its working directory, as SageMaker does for ``File`` mode.

- an ``S3Prefix`` input is every object whose key starts with the prefix, each written below the local path at its
  key relative to the prefix (an object whose key *is* the prefix keeps its base name); no object is a
  ``ClientError``, as SageMaker reports it;
- an ``EndOfJob`` output uploads every file below the local path to the output prefix when the job ends;
- a training job's model directory is uploaded as ``model.tar.gz``.

Each function takes the job's role session (:class:`~mlopsctl.local.emulators.sagemaker.service_roles.RoleSession`,
None when
IAM is off): SageMaker lists and reads the inputs and writes the outputs *as the job's role*, so every object is
authorized before it moves, and a denial
(:class:`~mlopsctl.local.emulators.sagemaker.service_roles.ServiceAccessError`) stops
the job as AWS would.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlopsctl.local.errors import StepFailedError

if TYPE_CHECKING:
    from mlopsctl.local.emulators.sagemaker.service_roles import RoleSession


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``(bucket, key)``.

    Examples
    --------
    >>> split_s3_uri("s3://data/incoming/a.txt")
    ('data', 'incoming/a.txt')
    """
    if not isinstance(uri, str) or not uri.startswith("s3://") or not uri[5:].split("/", 1)[0]:
        raise StepFailedError(f"ClientError: {uri!r} is not an s3:// URI")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def relative_key(prefix: str, key: str) -> str:
    """Where an object of an ``S3Prefix`` input lands, relative to the input's local path.

    Examples
    --------
    >>> relative_key("runs/1/train", "runs/1/train/train.jsonl")
    'train.jsonl'
    >>> relative_key("manifests/out/output.manifest", "manifests/out/output.manifest")
    'output.manifest'
    """
    rest = key[len(prefix) :].lstrip("/")
    return rest or posixpath.basename(key)


def download_prefix(s3: Any, uri: str, local: Path, role: RoleSession | None = None) -> list[Path]:
    """Download every object under ``uri`` into ``local`` (as ``role``); return the files written.

    Raises
    ------
    StepFailedError
        When no object matches (SageMaker fails the job the same way).
    """
    bucket, prefix = split_s3_uri(uri)
    written: list[Path] = []
    if role is not None:
        role.list_objects(uri)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            key = str(entry["Key"])
            if key.endswith("/"):
                continue
            target = local / relative_key(prefix, key)
            if local.resolve() not in target.resolve().parents:
                raise StepFailedError(f"ClientError: object key {key!r} escapes the input directory")
            if role is not None:
                role.read(f"s3://{bucket}/{key}", "the input")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            written.append(target)
    if not written:
        raise StepFailedError(f"ClientError: No S3 objects found under S3 URL {uri!r} given in input data source.")
    return written


def upload_directory(s3: Any, local: Path, uri: str, role: RoleSession | None = None) -> list[str]:
    """Upload every file below ``local`` under the prefix ``uri`` (as ``role``); return the keys written."""
    bucket, prefix = split_s3_uri(uri)
    keys: list[str] = []
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        key = posixpath.join(prefix.rstrip("/"), path.relative_to(local).as_posix())
        if role is not None:
            role.write(f"s3://{bucket}/{key}")
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        keys.append(key)
    return keys


def model_archive(model_dir: Path) -> bytes:
    """``model.tar.gz`` of a model directory (members relative to it, as SageMaker packs ``/opt/ml/model``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
            tar.add(path, arcname=path.relative_to(model_dir).as_posix())
    return buffer.getvalue()


def upload_bytes(s3: Any, uri: str, body: bytes, role: RoleSession | None = None) -> None:
    """Write one object (as ``role``)."""
    bucket, key = split_s3_uri(uri)
    if role is not None:
        role.write(uri)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
