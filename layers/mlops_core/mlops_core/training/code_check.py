"""Before a pipeline starts: is the step code its definition names in S3? (:class:`PipelineCodeGuard`).

``make deploy`` updates the stack first and uploads the step code second (the bucket is a stack output), and a
stack can be deployed without it (``sam deploy`` alone). An execution started in that window would fail in its
first step, minutes later, or (on an older stack) run code other than the code its definition was generated with.
So every start is checked first (:class:`~mlops_core.training.starts.TrainingLauncher`):

=====================  =====================================================================================
the code               what happens
=====================  =====================================================================================
every object there     the start goes ahead
some missing           nothing starts; the trigger's record gets ``pipeline_status`` ``NOT_STARTED`` and the
                       reason (the missing URIs and "upload the step code: make deploy ENV=…"), one
                       ``[TRAINING NOT STARTED]`` notification per trigger, and :class:`PipelineCodeMissingError`
                       propagates: data arrival records the batch ``FAILED`` and SQS delivers it again (then its
                       dead-letter queue keeps it); LabelingEvents' event is retried by Lambda (then its
                       dead-letter queue keeps it). A retry after the upload starts the pipeline.
=====================  =====================================================================================

A positive answer is cached per cold start, keyed by the URIs: the code is content-addressed (new code, new URIs) and
the definition is read on every start, so a stack update that names new code is checked again. A negative answer is
never cached: an upload after a refusal is seen by the next attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.aws.notifications import Notifier
from mlops_core.training.code_store import PipelineCode, code_uris, split_uri
from mlops_core.training.ledger_items import TriggerFields
from mlops_core.training.records import TrainingRecords, Trigger
from mlops_core.training.reports import publish_once

logger = Logger()

REFUSED_STATUS = "CODE_MISSING"
"""The report claimed on the trigger for a refused start (one notification per trigger)."""
MAX_LISTED_URIS = 10
"""Missing URIs named in a reason at most (the rest are counted)."""


class PipelineCodeMissingError(RequestRejectedError):
    """The step code the pipeline's definition names is not in S3: the start is refused until it is uploaded."""

    def __init__(self, message: str) -> None:
        super().__init__("StartPipelineExecution", "PipelineCodeMissing", message)


def _prefix(key: str) -> str:
    """The "directory" of a key (``pipelines/code/abc/train.py`` → ``pipelines/code/abc/``; a prefix is its own)."""
    if key.endswith("/") or "/" not in key:
        return key if key.endswith("/") else ""
    return key.rpartition("/")[0] + "/"


class PipelineCodeCheck:
    """Which code objects of a pipeline's definition are missing (see the module's docstring for the cache)."""

    def __init__(self, code: PipelineCode) -> None:
        self.code = code
        self._present: set[tuple[str, ...]] = set()

    def missing(self, pipeline_name: str) -> tuple[str, ...]:
        """The definition's code URIs that are not in S3 (a prefix URI: when nothing is under it)."""
        uris = code_uris(self.code.definition(pipeline_name))
        if uris in self._present:
            return ()
        listed: dict[tuple[str, str], frozenset[str]] = {}
        absent: list[str] = []
        for uri in uris:
            bucket, key = split_uri(uri)
            where = (bucket, _prefix(key))
            if where not in listed:
                listed[where] = self.code.keys(*where)
            found = any(k.startswith(key) for k in listed[where]) if key.endswith("/") else key in listed[where]
            if not found:
                absent.append(uri)
        if not absent:
            self._present.add(uris)
        return tuple(absent)


def refusal_reason(stack_name: str, pipeline_name: str, missing: tuple[str, ...]) -> str:
    """Why a start was refused: what is missing and how to upload it."""
    named = ", ".join(missing[:MAX_LISTED_URIS])
    more = f" and {len(missing) - MAX_LISTED_URIS} more" if len(missing) > MAX_LISTED_URIS else ""
    return (
        f"the step code pipeline {pipeline_name} names is missing: {named}{more}; upload the step code: "
        f"make deploy ENV=… (the samconfig.toml environment of stack {stack_name}); the start is retried"
    )


@dataclass(frozen=True, slots=True)
class PipelineCodeGuard:
    """Refuses a start whose step code is missing: records it, notifies once, raises."""

    check: PipelineCodeCheck
    records: TrainingRecords
    notifier: Notifier
    stack_name: str

    def ensure(self, trigger: Trigger, pipeline_name: str, now: datetime) -> None:
        """Return when the code is there.

        Raises
        ------
        PipelineCodeMissingError
            Some code is missing; the trigger's record and the notification say which.
        """
        missing = self.check.missing(pipeline_name)
        if not missing:
            return
        reason = refusal_reason(self.stack_name, pipeline_name, missing)
        self.records.save_trigger(trigger, TriggerFields(pipeline_status="NOT_STARTED", pipeline_reason=reason), now)
        logger.error("pipeline start refused", extra={"trigger": trigger.name, "missing": list(missing)})
        message = {
            "kind": "training",
            "outcome": "NOT_STARTED",
            "trigger": trigger.kind.value,
            "trigger_name": trigger.name,
            "pipeline_name": pipeline_name,
            "missing_code": list(missing),
            "reason": reason,
        }
        subject = f"[TRAINING NOT STARTED] step code missing, {trigger.kind.value} {trigger.name}"
        publish_once(self.records, self.notifier, trigger, REFUSED_STATUS, now, subject, message)
        raise PipelineCodeMissingError(reason)
