"""Ground Truth input manifests and label category files, as bytes that depend only on their content.

An input manifest is JSON lines, one data object per line: ``{"source-ref": "s3://bucket/key"}`` (the object is
read from S3 by Ground Truth; images, and text by reference) or ``{"source": "<text>"}`` (the text itself, what
Ground Truth recommends for text tasks). Lines are in the members' canonical order, so the same batch always
yields the same bytes, hence the same key and the same job.

Examples
--------
>>> from mlops_core.ingest.objects import ObjectRef
>>> print(manifest_lines([ObjectRef("data", "incoming/a b.txt", 3, "e")]), end="")
{"source-ref": "s3://data/incoming/a b.txt"}
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from enum import StrEnum

from mlops_core.ingest.batching import sorted_members
from mlops_core.ingest.objects import ObjectRef

LABEL_CATEGORY_DOCUMENT_VERSION = "2018-11-28"


class ManifestMode(StrEnum):
    """How a data object is given to Ground Truth (the attribute of each manifest line)."""

    SOURCE_REF = "source-ref"
    SOURCE = "source"


def manifest_lines(
    members: Sequence[ObjectRef],
    mode: ManifestMode = ManifestMode.SOURCE_REF,
    texts: Mapping[str, str] | None = None,
) -> str:
    """The manifest's text: one JSON object per line, newline-terminated, in canonical member order.

    Parameters
    ----------
    members
        The batch's objects.
    mode
        ``source-ref`` (default) references each object; ``source`` inlines its text.
    texts
        With ``source``: each member's text, by :attr:`ObjectRef.identity`.

    Raises
    ------
    KeyError
        With ``source``, when a member's text is missing.
    """
    lines = []
    for obj in sorted_members(members):
        source = (texts or {})[obj.identity] if mode is ManifestMode.SOURCE else None
        record = {"source": source} if source is not None else {"source-ref": obj.s3_uri}
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)


def label_categories(labels: Sequence[str]) -> str:
    """The label category configuration file Ground Truth reads from ``LabelCategoryConfigS3Uri``."""
    document = {"document-version": LABEL_CATEGORY_DOCUMENT_VERSION, "labels": [{"label": label} for label in labels]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
