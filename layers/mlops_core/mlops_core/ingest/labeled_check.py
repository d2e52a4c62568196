"""The arrival check of labeled data: read an object's head, judge it, refuse what training could not read.

Objects that go straight to training (``labeled/``, and ``incoming/`` when nothing labels them) are read once, the
first :data:`~mlops_core.ingest.labeled_data.HEAD_BYTES` bytes with a ranged ``GetObject`` at the announced version,
and judged by :func:`~mlops_core.ingest.labeled_data.check_head`. A refused object is logged at WARNING with its
reason, counted (``LabeledObjectsRefused`` and ``ObjectsIgnored``), never batched, and listed in one ``[DATA
REFUSED]`` notification per invocation on the stack's topic (where ``[TRAINING NOT STARTED]`` goes too). Retrying
cannot change the bytes, so the message is acknowledged.

Examples
--------
>>> subject_of([RefusedObject("labeled/a.csv", "missing-columns", "the header lacks label")])
'[DATA REFUSED] labeled/a.csv: missing-columns'
>>> subject_of([RefusedObject("labeled/a.csv", "no-data", "x"), RefusedObject("labeled/b.txt", "no-data", "y")])
'[DATA REFUSED] 2 files'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from aws_lambda_powertools import Logger

from mlops_core.aws.errors import ObjectGoneError
from mlops_core.aws.notifications import Notifier
from mlops_core.ingest.labeled_data import HEAD_BYTES, Columns, Refusal, Refused, check_head
from mlops_core.ingest.objects import ObjectKind, ObjectRef
from mlops_core.ingest.ports import ObjectStore

logger = Logger()

MAX_LISTED = 50
"""Most refused files one notification lists (the count says how many there were)."""
MAX_MESSAGE = 500


@dataclass(frozen=True, slots=True)
class RefusedObject:
    """A refused file, as the notification and the handler's result list it."""

    key: str
    reason: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """``{"key", "reason", "message"}``."""
        return {"key": self.key, "reason": self.reason, "message": self.message}


class LabeledDataCheck:
    """Checks the objects of ``kinds`` (those that skip labeling) against ``columns``.

    Parameters
    ----------
    objects
        The data bucket (reads the heads).
    columns
        The label and feature columns (``LABEL_COLUMN``, ``FEATURE_COLUMNS``).
    kinds
        Which accepted objects go straight to training: ``labeled`` always, ``labeling`` too with no labeling.
    notifier
        Where ``[DATA REFUSED]`` notifications go.
    """

    def __init__(
        self, objects: ObjectStore, columns: Columns, kinds: frozenset[ObjectKind], notifier: Notifier
    ) -> None:
        self.objects = objects
        self.columns = columns
        self.kinds = kinds
        self.notifier = notifier

    def refusal(self, obj: ObjectRef, kind: ObjectKind) -> Refused | None:
        """Why training could not read ``obj`` (logged at WARNING), or ``None`` (also for objects that get labeled).

        Raises
        ------
        TransientError
            S3 throttled or failed: the message is retried.
        """
        if kind not in self.kinds:
            return None
        refused = self._judge(obj)
        if refused is not None:
            logger.warning(
                "labeled object refused",
                extra={
                    "bucket": obj.bucket,
                    "key": obj.key,
                    "version_id": obj.version_id,
                    "reason": refused.reason.value,
                    "detail": refused.message,
                },
            )
        return refused

    def _judge(self, obj: ObjectRef) -> Refused | None:
        suffix = PurePosixPath(obj.key).suffix
        try:
            head = self.objects.read_head(obj, HEAD_BYTES)
        except ObjectGoneError as exc:
            return Refused(Refusal.OBJECT_GONE, f"the object was deleted before it could be checked ({exc.code})")
        complete = len(head) < HEAD_BYTES or len(head) >= obj.size
        return check_head(head, suffix, self.columns, complete=complete)

    def notify(self, refused: Sequence[RefusedObject]) -> None:
        """One ``[DATA REFUSED]`` notification listing the refused files (none when nothing was refused)."""
        if not refused:
            return
        message: dict[str, Any] = {
            "kind": "data",
            "outcome": "REFUSED",
            "bucket": self.objects.bucket,
            "refused": len(refused),
            "files": [
                {**r.as_dict(), "message": r.message[:MAX_MESSAGE]} for r in sorted(refused, key=lambda r: r.key)
            ][:MAX_LISTED],
            "label_column": self.columns.label,
            "feature_columns": list(self.columns.features),
        }
        self.notifier.publish(subject_of(refused), message)


def subject_of(refused: Sequence[RefusedObject]) -> str:
    """``[DATA REFUSED] <key>: <reason>`` for one file, ``[DATA REFUSED] <n> files`` for several."""
    if len(refused) == 1:
        return f"[DATA REFUSED] {refused[0].key}: {refused[0].reason}"
    return f"[DATA REFUSED] {len(refused)} files"
