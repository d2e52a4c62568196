"""What a deployment puts in place besides the stack, and the demo's data: step code, tickets, gold labels.

- :func:`upload_step_code` is ``pipelines/README.md``'s deploying step 1: the step scripts of the model the template
  holds (:func:`template_model`) go to the artifacts bucket under their content-addressed prefix
  (:mod:`mlopsctl.stack.code`, as ``make deploy`` does), where the pipeline definition looks;
- :func:`ticket_objects` is the sample data set (``pipelines.data.generate``) as ``.txt`` objects to drop, with the
  gold labels the emulated workforce answers from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlopsctl.stack import code
from pipelines.data.generate import LABELS, generate_tickets, gold_labels


@dataclass(frozen=True)
class DataDrop:
    """A data set to drop into the data bucket: object key suffix → body, and each file name's gold label."""

    objects: dict[str, bytes]
    gold: dict[str, str]
    label_set: tuple[str, ...] = LABELS

    @property
    def labels(self) -> tuple[str, ...]:
        """The label categories."""
        return self.label_set


def template_model(template: Path) -> str:
    """The model whose pipeline definition ``template`` holds (its generated block's marker names it)."""
    return code.template_model(template)


def upload_step_code(s3: Any, bucket: str, model: str = "text") -> str:
    """Upload ``model``'s step scripts to ``s3://bucket/<code prefix>`` as ``make deploy`` does; return the prefix."""
    return code.upload_step_code(s3, bucket, code.step_code(model)).prefix


def ticket_objects(count: int, seed: int, *, start: int = 0) -> DataDrop:
    """``count`` generated tickets (file names numbered from ``start + 1``) as ``.txt`` objects, with gold labels.

    Examples
    --------
    >>> drop = ticket_objects(10, seed=1, start=100)
    >>> sorted(drop.objects)[0], len(drop.gold)
    ('ticket-0101.txt', 10)
    """
    tickets = generate_tickets(count=start + count, seed=seed)[start:]
    return DataDrop(
        objects={t.filename: (t.text + "\n").encode("utf-8") for t in tickets},
        gold=gold_labels(tickets),
    )
