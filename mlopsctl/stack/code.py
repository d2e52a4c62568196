"""The step code, uploaded content-addressed to where the pipeline definition names it.

The pipeline definition reads its steps' scripts from ``s3://<ArtifactsBucket>/<code prefix>`` (``pipelines.bundle``:
the prefix is a digest of the model's scripts; the model is the one the template's generated block names).
:func:`upload_step_code` puts each file there unless an object with the same content is there already (its SHA-256,
kept as the object's ``sha256`` metadata, is compared: an SSE-KMS object's ETag is not its MD5). This module is the
only one that asks ``pipelines.bundle`` which files and which prefix.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from pipelines import bundle
from pipelines.spec import model_names

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


class StepCodeError(ValueError):
    """The template's pipeline names step code that no model of ``pipelines/models/`` has (or none at all)."""


_NAMED_CODE = re.compile(re.escape(bundle.CODE_ROOT) + rf"/(?P<digest>[0-9a-f]{{{bundle.DIGEST_LENGTH}}})/")


def named_code(template: Path) -> set[str]:
    """The step-code digests ``template`` names (``pipelines/code/<digest>/``)."""
    return {match["digest"] for match in _NAMED_CODE.finditer(template.read_text(encoding="utf-8"))}


def template_model(template: Path = TEMPLATE) -> str:
    """The model whose step code ``template``'s pipeline definition names (by its content digest).

    The digest, not the generated block's marker, decides: it is what the pipeline will read, and it survives a
    template rewritten as JSON. A digest that no model's scripts have now means the definition is stale.
    """
    named = named_code(template)
    if not named:
        raise StepCodeError(f"{template} names no step code under {bundle.CODE_ROOT}/")
    models = {bundle.code_digest(model): model for model in model_names()}
    found = sorted(models[digest] for digest in named if digest in models)
    if len(named) > 1 or not found:
        raise StepCodeError(
            f"{template} names step code {', '.join(sorted(named))}: "
            + ("several versions" if len(named) > 1 else "no model in pipelines/models/ has that code now")
            + "; run `make pipeline`"
        )
    return found[0]


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
