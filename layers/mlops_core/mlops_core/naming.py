"""Deterministic names: the same content always gets the same batch id, manifest, and labeling job name.

A retried or re-grouped delivery must converge on what the first attempt created, never create a second one. So
names are digests of content (the sorted identities of a batch's objects), never clocks or random ids, and a
labeling job name starts with the stack's name so that IAM can scope permissions to ``labeling-job/<stack>-*``.

The stack name limit
--------------------
Every name the system derives starts with the stack name, so the stack name is limited to what all of them fit
(the limits are each API's, in botocore's service model and the API references):

===========================================  ==========================================  =====  ===============
name                                         derived as                                  limit  longest stack
===========================================  ==========================================  =====  ===============
labeling job (CreateLabelingJob)             ``<stack>-<20-hex digest>``                 63     **42**
model (CreateModel)                          ``<stack>-m<version>-<10 hex>``             63     50 - digits
endpoint config (CreateEndpointConfig)       ``<stack>-c<version>-<10 hex>``             63     50 - digits
deployment execution (StartExecution)        ``<stack>-v<version>-<16 hex>``             80     61 - digits
rollback execution (StartExecution)          ``<stack>-rb-<16 hex>``                     80     60
pipeline run for a batch (display name)      ``<stack>-batch-<20-hex batch id>``         82     55
pipeline run for a labeling job              the labeling job's name                     82     (as above)
state machine                                ``<stack>-deploy`` (template)               80     73
===========================================  ==========================================  =====  ===============

So :data:`MAX_STACK_NAME_LENGTH` is 42, and with it a model package version may have up to 8 digits
(:data:`MAX_MODEL_PACKAGE_VERSION`). The stack name must also be lower case: SageMaker lower-cases names inside the
ARNs it returns and evaluates, and IAM matches resource ARNs case-sensitively, so a policy scoped to
``model/<Stack>-*`` would never match. CloudFormation ``Rules`` cannot measure ``AWS::StackName`` (the rule
functions compare and look up values, none measures a length or matches a pattern), so every function checks it at
cold start (:class:`mlops_core.config.CoreSettings`).

Examples
--------
>>> content_digest(["b", "a"]) == content_digest(["a", "b"])
True
>>> labeling_job_name("mlops-dev", "0123456789abcdef0123")
'mlops-dev-0123456789abcdef0123'
>>> MAX_STACK_NAME_LENGTH
42
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime

DIGEST_LENGTH = 20
"""Hex characters kept from a SHA-256 digest (80 bits): collisions are negligible, and the digest fixes the longest
stack name (:data:`MAX_STACK_NAME_LENGTH`)."""

LABELING_JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
MAX_LABELING_JOB_NAME = 63
#: SageMaker's limit on model, endpoint config, endpoint and labeling job names.
MAX_SAGEMAKER_NAME = 63

MAX_STACK_NAME_LENGTH = MAX_LABELING_JOB_NAME - 1 - DIGEST_LENGTH
"""The longest stack name every derived name fits (see the module docstring): a labeling job's ``<stack>-<digest>``
is the tightest."""

STACK_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")
"""A CloudFormation stack name (a letter, then letters, digits and hyphens) in lower case only."""

MAX_MODEL_PACKAGE_VERSION = 99_999_999
"""The highest model package version whose model and endpoint config names fit 63 characters with the longest stack
name (``<stack>-m<version>-<10 hex>``: 42 + 2 + 8 + 1 + 10)."""

PIPELINE_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$"
"""A SageMaker pipeline's name (``TRAINING_PIPELINE_NAME`` of the training functions)."""
PIPELINE_NAME_OR_EMPTY = r"^([a-zA-Z0-9](-*[a-zA-Z0-9]){0,255})?$"
"""The same, or empty (DataArrivalFunction's ``TRAINING_PIPELINE_NAME``: empty, ready batches are only recorded)."""


def content_digest(parts: Iterable[str]) -> str:
    """A digest of a set of strings that does not depend on their order (they are sorted first)."""
    h = hashlib.sha256()
    for part in sorted(parts):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()[:DIGEST_LENGTH]


def batch_id_for(kind: str, identities: Iterable[str], previous: str | None = None) -> str:
    """The id of a batch formed from these objects (without debouncing): the same objects give the same id.

    ``previous`` chains a batch formed from the leftovers of an earlier one (objects that could not join it
    because it had been sealed meanwhile), so that the new id differs from the sealed one.
    """
    tags = [f"kind:{kind}"] + ([f"after:{previous}"] if previous else [])
    return content_digest([*tags, *(f"obj:{i}" for i in identities)])


def buffer_id_for(kind: str, opened_at: datetime, previous: str | None) -> str:
    """The id of a debounce buffer opened at ``opened_at`` after ``previous`` (its content is not known yet)."""
    # isoformat(), not the ledger's spelling (mlops_core.timefmt.stamp): the id is a digest of this text, and another
    # spelling would give every buffer (and so every batch) a different id than the one already stored.
    return content_digest([f"buffer:{kind}", f"at:{opened_at.isoformat()}", f"after:{previous or '-'}"])


def labeling_job_name(stack_name: str, digest: str) -> str:
    """``<stack>-<digest>``: a Ground Truth job name that is valid, at most 63 characters, and deterministic.

    Raises
    ------
    ValueError
        When the result would not be a valid labeling job name (the stack name is too long or ill-formed).
    """
    name = f"{stack_name}-{digest}"
    if len(name) > MAX_LABELING_JOB_NAME or not LABELING_JOB_NAME_PATTERN.match(name):
        raise ValueError(f"{name!r} is not a valid labeling job name (<= 63 characters, letters, digits, hyphens)")
    return name


def manifest_key(manifest_prefix: str, digest: str) -> str:
    """Key of a batch's input manifest (JSON lines)."""
    return f"{manifest_prefix}{digest}/input.manifest"


def label_categories_key(manifest_prefix: str, digest: str) -> str:
    """Key of a batch's label category configuration (``LabelCategoryConfigS3Uri``)."""
    return f"{manifest_prefix}{digest}/label-categories.json"


def ui_template_key(manifest_prefix: str, digest: str) -> str:
    """Key of the worker task template written for a batch when none is configured."""
    return f"{manifest_prefix}{digest}/template.liquid.html"
