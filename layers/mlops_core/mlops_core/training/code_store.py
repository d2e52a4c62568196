"""The step code a pipeline definition names, and whether it is in S3 (``DescribePipeline``, ``ListObjectsV2``).

A pipeline definition names its steps' code by ``s3://`` URI; SageMaker reads it only when a step's job starts, so
an execution started before the code is uploaded fails minutes later, in its first step. :func:`code_uris` finds, in
the definition ``DescribePipeline`` returns (``PipelineDefinition``, "The JSON pipeline definition", a string: SageMaker
API Reference, DescribePipeline), the objects each job needs:

- a **processing** step's code input: a ``ProcessingInputs`` entry named ``code``, or one whose ``LocalPath`` holds a
  ``ContainerEntrypoint`` argument; and any ``s3://`` argument of ``ContainerEntrypoint``;
- a **training** step's code channel: the ``InputDataConfig`` channel named ``code``, or the one
  ``sagemaker_submit_directory`` points at (``/opt/ml/input/data/<channel>``); a channel that is a prefix (ends with
  ``/``) needs ``<prefix><sagemaker_program>``; and an ``s3://`` ``sagemaker_submit_directory`` (a source archive);
- the same inside ``Condition`` steps' ``IfSteps`` and ``ElseSteps``.

URIs given by pipeline parameters or step properties (``{"Get": ...}``) are known only at run time and are not
checked. :class:`S3PipelineCode` lists each code prefix once (``ListObjectsV2`` tells a missing key from a forbidden
one, where ``HeadObject`` without ``s3:ListBucket`` answers 403 for both: S3 API Reference, HeadObject, Permissions).

Examples
--------
>>> definition = {"Steps": [{"Name": "Prep", "Type": "Processing", "Arguments": {
...     "AppSpecification": {"ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/prep.py"]},
...     "ProcessingInputs": [{"InputName": "code", "S3Input": {
...         "S3Uri": "s3://b/pipelines/code/abc/prep.py", "LocalPath": "/opt/ml/processing/input/code"}}]}}]}
>>> code_uris(definition)
('s3://b/pipelines/code/abc/prep.py',)
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from mlops_core.aws.calls import aws_call

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

CODE_NAME = "code"
"""The input (processing) or channel (training) name the SageMaker SDK gives step code."""
TRAINING_CHANNEL_ROOT = "/opt/ml/input/data/"
MAX_LISTED_KEYS = 10_000
"""Most keys listed under one code prefix (a code bundle holds a handful of files)."""


def _literal(value: Any) -> str | None:
    """A literal ``s3://`` URI, or ``None`` (a parameter, a step property, or not S3)."""
    return value if isinstance(value, str) and value.startswith("s3://") else None


def _hyperparameter(hyperparameters: Mapping[str, Any], name: str) -> str | None:
    """A hyperparameter's string value; the SDK's v2 script mode JSON-quotes them (``"\\"train.py\\""``)."""
    value = hyperparameters.get(name)
    if not isinstance(value, str):
        return None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        loaded = json.loads(value)
        return loaded if isinstance(loaded, str) else None
    return value


def _processing_code(arguments: Mapping[str, Any]) -> Iterator[str]:
    entrypoint = [a for a in (arguments.get("AppSpecification") or {}).get("ContainerEntrypoint") or [] if a]
    yield from (uri for uri in map(_literal, entrypoint) if uri)
    for item in arguments.get("ProcessingInputs") or []:
        s3_input = item.get("S3Input") or {}
        uri = _literal(s3_input.get("S3Uri"))
        local = str(s3_input.get("LocalPath") or "").rstrip("/")
        runs_from_it = bool(local) and any(isinstance(a, str) and a.startswith(f"{local}/") for a in entrypoint)
        if uri and (item.get("InputName") == CODE_NAME or runs_from_it):
            yield uri


def _training_code(arguments: Mapping[str, Any]) -> Iterator[str]:
    hyperparameters: Mapping[str, Any] = arguments.get("HyperParameters") or {}
    program = _hyperparameter(hyperparameters, "sagemaker_program")
    submit = _hyperparameter(hyperparameters, "sagemaker_submit_directory") or ""
    if _literal(submit):
        yield submit
    code_channel = submit.removeprefix(TRAINING_CHANNEL_ROOT) if submit.startswith(TRAINING_CHANNEL_ROOT) else CODE_NAME
    for channel in arguments.get("InputDataConfig") or []:
        if channel.get("ChannelName") != code_channel:
            continue
        uri = _literal(((channel.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri"))
        if uri and uri.endswith("/"):
            yield f"{uri}{program}" if program else uri
        elif uri:
            yield uri


def _step_code(steps: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    for step in steps:
        arguments: Mapping[str, Any] = step.get("Arguments") or {}
        kind = step.get("Type")
        if kind == "Processing":
            yield from _processing_code(arguments)
        elif kind == "Training":
            yield from _training_code(arguments)
        elif kind == "Condition":
            yield from _step_code([*(arguments.get("IfSteps") or []), *(arguments.get("ElseSteps") or [])])


def code_uris(definition: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``s3://`` code objects the definition's steps need (sorted, once each); one ending in ``/`` is a prefix
    that must hold at least one object."""
    return tuple(sorted(set(_step_code(definition.get("Steps") or []))))


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``(bucket, key)``."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


class PipelineCode(ABC):
    """Reads a pipeline's definition and lists the objects under a code prefix."""

    @abstractmethod
    def definition(self, pipeline_name: str) -> Mapping[str, Any]:
        """The pipeline's current definition, parsed (``DescribePipeline``)."""

    @abstractmethod
    def keys(self, bucket: str, prefix: str) -> frozenset[str]:
        """The keys under ``prefix`` in ``bucket``."""


class S3PipelineCode(PipelineCode):
    """:class:`PipelineCode` on a SageMaker and an S3 client."""

    def __init__(self, sagemaker: SageMakerClient, s3: Any) -> None:
        self.sagemaker = sagemaker
        self.s3 = s3

    def definition(self, pipeline_name: str) -> Mapping[str, Any]:
        """``DescribePipeline``'s ``PipelineDefinition``, parsed."""
        with aws_call("DescribePipeline"):
            response = self.sagemaker.describe_pipeline(PipelineName=pipeline_name)
        parsed = json.loads(response.get("PipelineDefinition") or "{}")
        return parsed if isinstance(parsed, dict) else {}

    def keys(self, bucket: str, prefix: str) -> frozenset[str]:
        """``ListObjectsV2`` under ``prefix``, every page (at most :data:`MAX_LISTED_KEYS` keys)."""
        paginator = self.s3.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=bucket, Prefix=prefix, PaginationConfig={"MaxItems": MAX_LISTED_KEYS})
        with aws_call("ListObjectsV2"):
            return frozenset(str(obj["Key"]) for page in pages for obj in page.get("Contents", []))
