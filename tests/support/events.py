"""The one loader of sample events for the whole suite: the project's ``events/`` and the shared corpus of real AWS
samples (``../shared/aws-events/``, described by its ``index.json`` and ``SOURCES.md``).

The event models are strict to what AWS sends (:mod:`mlops_core.events`); published samples are not always. This
loader is where a sample's documented quirk is normalised, **explicitly, per sample, with the reason**
(:data:`QUIRKS`), before any model sees it, so that the corpus contract tests still decide every file. Only a quirk
whose wire value is known is normalised; a redacted value (``"time": "date"``, ``"<<version>>"``, ``<account>``) is
not guessed: those samples reach the models as published, and the contract test writes down that a strict model
refuses them, and why (``tests/contract/test_events_aws_samples.py``).

Where the corpus is looked for, and what a missing corpus does (skipped in a plain clone, an error in CI):
:mod:`tests.support.aws_corpus`. The corpus is read in place, never copied into the project.

Examples
--------
>>> project_event("labeling_job_completed.json")["detail-type"]
'SageMaker Ground Truth Labeling Job State Change'
>>> sample("sagemaker-endpoint-state-change/awsdocs-sm-devguide-2020-nospace-detail-type.json").load()["detail-type"]
'SageMaker Endpoint State Change'
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.support.aws_corpus import corpus_dir, corpus_present
from tests.support.files import ROOT, load_json

PROJECT_EVENTS = ROOT / "events"
"""The project's real-shaped events, one or more per function (``sam local invoke -e events/<file>``)."""


def project_event_paths() -> list[Path]:
    """Every file in ``events/``, sorted by name."""
    return sorted(PROJECT_EVENTS.glob("*.json"))


@cache
def _project_event(name: str) -> Any:
    return load_json(PROJECT_EVENTS / name)


def project_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``events/<name>`` (the project's events follow the wire: nothing is normalised)."""
    event: dict[str, Any] = copy.deepcopy(_project_event(name))
    return event


def project_sqs_body(name: str, index: int = 0) -> dict[str, Any]:
    """The EventBridge event in record ``index`` of the SQS batch ``events/<name>``."""
    event: dict[str, Any] = json.loads(project_event(name)["Records"][index]["body"])
    return event


# --- the corpus -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quirk:
    """A published sample's departure from the wire, and how the loader puts it back (``fix`` edits a copy)."""

    why: str
    fix: Callable[[dict[str, Any]], None]


def _source_string(event: dict[str, Any]) -> None:
    assert event["source"] == ["aws.sagemaker"], event["source"]
    event["source"] = "aws.sagemaker"


def _spaced_endpoint_detail_type(event: dict[str, Any]) -> None:
    assert event["detail-type"] == "SageMakerEndpointStateChange", event["detail-type"]
    event["detail-type"] = "SageMaker Endpoint State Change"


def _wire_detail_type(event: dict[str, Any]) -> None:
    event["detail-type"] = event.pop("detailType")


_DUPLICATE_SOURCE = Quirk(
    "the published block has a duplicate top-level 'source' key (the string 'aws.sagemaker', then the array "
    "['aws.sagemaker']); JSON parsers keep the last, EventBridge sends the string (SOURCES.md)",
    _source_string,
)

QUIRKS: dict[str, Quirk] = {
    "sagemaker-model-package-state-change/awsdocs-sm-devguide-2023-rejected.json": _DUPLICATE_SOURCE,
    "sagemaker-model-package-state-change/awsdocs-sm-current-rejected-modellifecycle.json": _DUPLICATE_SOURCE,
    "sagemaker-endpoint-state-change/awsdocs-sm-devguide-2020-nospace-detail-type.json": Quirk(
        "the 2020 revision of the SageMaker guide printed 'SageMakerEndpointStateChange', a documentation error "
        "corrected in later revisions to 'SageMaker Endpoint State Change', the detail-type AWS sends (SOURCES.md; "
        "EventBridge reference, events-ref-sagemaker)",
        _spaced_endpoint_detail_type,
    ),
    "eventbridge-generic/awsdocs-lambda-devguide-java-events-cloudwatch-scheduled.json": Quirk(
        "the Java events sample is a Java POJO serialisation: 'detailType' is its name for the wire's 'detail-type'",
        _wire_detail_type,
    ),
}
"""Every normalised sample, by corpus file. Samples with redacted values are not here: they are refused."""

REDACTED: dict[str, str] = {
    "s3-object-created-eventbridge/localstack-snapshot-recorded.json": "LocalStack's snapshot normalisation replaced "
    "the envelope 'time' by the word 'date', and the Region, bucket, key and ids by '<placeholders>'",
    "sagemaker-model-package-state-change/aws-samples-drift-detection-approved-redacted.json": "account, Region, "
    "group and version ('<<version>>') redacted",
    "sagemaker-pipeline-execution-status-change/aws-samples-drift-detection-succeeded-redacted.json": "account, "
    "Region, pipeline name and execution id redacted",
    "cloudwatch-alarm-state-change/aws-samples-drift-detection-model-monitor-alarm-redacted.json": "account, Region "
    "and the project's name in the alarm's name redacted",
    "sagemaker-ground-truth-labeling-job-state-change/"
    + "aws-samples-rekognition-custom-brand-detection-placeholders.json": "account, Region and job name are "
    "'<account>', '<region>', '<project-name>'",
}
"""Samples of consumed types whose values were redacted: no wire value can be put back, so they are loaded as
published and a strict model refuses them (the corpus contract test says with which reason)."""


@dataclass(frozen=True)
class AwsSample:
    """One file of the corpus, with what ``index.json`` says about it."""

    file: str
    folder: str
    source: str | None
    detail_type: str | None
    odd: bool
    syntax_fixed: bool
    converted: bool

    @property
    def path(self) -> Path:
        """Where the file is."""
        return corpus_dir() / self.file

    @property
    def quirk(self) -> Quirk | None:
        """The quirk the loader normalises in this sample, if any."""
        return QUIRKS.get(self.file)

    def raw(self) -> Any:
        """The event as published, as JSON parsers read it (for a duplicate key, the last value wins)."""
        return load_json(self.path)

    def load(self) -> Any:
        """The event as AWS sends it: :meth:`raw` with the sample's quirk (:data:`QUIRKS`) normalised."""
        event = self.raw()
        if self.quirk is not None:
            self.quirk.fix(event)
        return event


def _index_source(value: Any) -> str | None:
    # index.json records the value JSON parsers keep for the duplicate-key samples: the one-element array.
    if isinstance(value, list) and len(value) == 1:
        return str(value[0])
    return value if value is None else str(value)


@cache
def all_samples() -> tuple[AwsSample, ...]:
    """Every file listed in ``index.json``, in index order."""
    return tuple(
        AwsSample(
            file=entry["file"],
            folder=entry["folder"],
            source=_index_source(entry["source"]),
            detail_type=entry["detail-type"],
            odd=bool(entry["flag_negative_or_odd"]),
            syntax_fixed=bool(entry["syntax_fixed"]),
            converted=bool(entry["converted_from_code"]),
        )
        for entry in load_json(corpus_dir() / "index.json")
    )


def sample(file: str) -> AwsSample:
    """The corpus entry for ``file`` (``<folder>/<name>.json``); ``KeyError`` when the index does not list it."""
    for entry in all_samples():
        if entry.file == file:
            return entry
    raise KeyError(f"{file} is not in {corpus_dir() / 'index.json'}")


def load_sample(file: str) -> Any:
    """The event in ``file``, normalised (:meth:`AwsSample.load`)."""
    return sample(file).load()


def folder_samples(folder: str) -> list[Any]:
    """Every event of a corpus folder, normalised, sorted by file name."""
    return [entry.load() for entry in sorted(all_samples(), key=lambda s: s.file) if entry.folder == folder]


def samples_if_present() -> tuple[AwsSample, ...]:
    """:func:`all_samples` when the corpus is there; none in a plain clone (so that tests drawing on the project's
    events as well still run there). Where the corpus is required (CI), a missing one fails, as everywhere."""
    return all_samples() if corpus_present() else ()
