"""Reports sent once: claim, publish, give the claim back if publishing failed.

An event handler that publishes and then writes the ledger notifies twice when the write fails and Lambda retries
the event (or when SageMaker's duplicate of the event is handled at the same time). :func:`publish_once` claims the
report first, with a conditional write (:meth:`~mlops_core.training.records.TrainingRecords.claim_report`),
so the retry or the duplicate finds it claimed and does not publish again; a publish that fails gives the claim back,
so the retry publishes. (If giving it back fails too, that report is lost rather than doubled.)

Examples
--------
>>> # if publish_once(records, notifier, record, "Succeeded", now, subject, message): ...
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mlops_core.aws.notifications import Notifier
from mlops_core.training.records import ReportSubject, TrainingRecords


def publish_once(  # noqa: PLR0917 - what is reported, about what, to whom
    records: TrainingRecords,
    notifier: Notifier,
    about: ReportSubject,
    status: str,
    now: datetime,
    subject: str,
    message: Mapping[str, Any],
) -> bool:
    """Publish the report of ``about`` having reached ``status`` unless it is claimed already; whether it published."""
    if not records.claim_report(about, status, now):
        return False
    try:
        notifier.publish(subject, message)
    except BaseException:
        records.release_report(about, status)
        raise
    return True
