"""The step code, uploaded content-addressed to where the pipeline definition names it.

The pipeline definition reads its steps' scripts from ``s3://<ArtifactsBucket>/<code prefix>`` (``pipelines.bundle``:
the prefix is a digest of the model's scripts; the model is the one the template's generated block names).
:func:`upload_step_code` puts each file there unless an object with the same content is there already (its SHA-256,
kept as the object's ``sha256`` metadata, is compared: an SSE-KMS object's ETag is not its MD5). This module is the
only one that asks ``pipelines.bundle`` which files and which prefix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from pipelines import bundle
from pipelines.template_block import current_model

DIGEST_METADATA = "sha256"
TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@dataclass(frozen=True, slots=True)
class StepCode:
    """The files to upload and the key prefix they go under."""

    prefix: str
    files: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class CodeUpload:
    """What :func:`upload_step_code` did: the prefix, the keys it wrote and the keys already there."""

    bucket: str
    prefix: str
    uploaded: tuple[str, ...]
    unchanged: tuple[str, ...]

    def summary(self) -> str:
        """One line for the user."""
        return (
            f"step code: s3://{self.bucket}/{self.prefix} ({len(self.uploaded)} uploaded, "
            f"{len(self.unchanged)} already there)"
        )


def template_model(template: Path = TEMPLATE) -> str:
    """The model whose pipeline definition ``template`` holds (its generated block's marker names it)."""
    return current_model(template.read_text(encoding="utf-8"))


def step_code(model: str | None = None, template: Path = TEMPLATE) -> StepCode:
    """``model``'s step scripts (default: the model ``template`` holds) and their content-addressed prefix (the one
    place that asks ``pipelines.bundle``)."""
    model = model or template_model(template)
    folder = bundle.model_dir(model)
    return StepCode(bundle.code_prefix(model), tuple(folder / name for name in bundle.step_files(model)))


ABSENT_CODES = frozenset({"404", "NoSuchKey", "NotFound", "403", "Forbidden", "AccessDenied"})
"""``HeadObject`` answers for a missing key: 404, or 403 for a caller without ``s3:ListBucket`` (S3 API Reference,
HeadObject, Permissions). Either way the file is uploaded; a real denial then fails the ``PutObject``, in one line."""


def _stored_digest(s3: Any, bucket: str, key: str) -> str | None:
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ABSENT_CODES:
            return None
        raise
    return str((head.get("Metadata") or {}).get(DIGEST_METADATA) or "") or None


def upload_step_code(s3: Any, bucket: str, code: StepCode | None = None) -> CodeUpload:
    """Upload the step code to ``s3://bucket/<prefix>``, skipping files whose content is there already."""
    code = code or step_code()
    uploaded: list[str] = []
    unchanged: list[str] = []
    for path in code.files:
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()
        key = f"{code.prefix}{path.name}"
        if _stored_digest(s3, bucket, key) == digest:
            unchanged.append(key)
            continue
        s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata={DIGEST_METADATA: digest})
        uploaded.append(key)
    return CodeUpload(bucket, code.prefix, tuple(uploaded), tuple(unchanged))
