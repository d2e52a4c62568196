"""What the benchmarks compute from their raw observations (pure; unit-tested).

Every function here takes what a run observed (timings, action-log entries, execution histories) and returns numbers;
nothing here measures time or talks to the stack.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Entry = Mapping[str, Any]

COLD_START_BUDGET = 1.15
"""A function's cold start (import + per-cold-start wiring) over boto3 creating the same clients, at most."""


def median(values: Sequence[float]) -> float:
    """The median of the samples.

    Examples
    --------
    >>> median([3.0, 1.0, 2.0])
    2.0
    """
    if not values:
        raise ValueError("no samples")
    return float(statistics.median(values))


def ratio(value: float, baseline: float) -> float:
    """``value / baseline``, rounded to 2 places.

    Examples
    --------
    >>> ratio(130.0, 100.0)
    1.3
    """
    if baseline <= 0:
        raise ValueError("the baseline must be positive")
    return round(value / baseline, 2)


@dataclass(frozen=True)
class FanIn:
    """What dropping objects caused: labeling jobs, handler invocations, SageMaker calls."""

    objects: int
    labeling_jobs: int
    invocations: dict[str, int]
    sagemaker_calls: int
    sagemaker_operations: dict[str, int]

    @property
    def lambda_invocations(self) -> int:
        """Handler runs of every function."""
        return sum(self.invocations.values())

    @property
    def sagemaker_calls_per_job(self) -> float | None:
        """SageMaker calls per labeling job (None without a job)."""
        return round(self.sagemaker_calls / self.labeling_jobs, 2) if self.labeling_jobs else None


def fan_in(objects: int, entries: Iterable[Entry]) -> FanIn:
    """Count the labeling jobs (``CreateLabelingJob`` calls), handler runs per function and SageMaker calls."""
    invocations: dict[str, int] = {}
    operations: dict[str, int] = {}
    for entry in entries:
        if entry.get("kind") == "handler":
            name = str(entry.get("function"))
            invocations[name] = invocations.get(name, 0) + 1
        elif entry.get("kind") == "aws_call" and entry.get("service") == "sagemaker":
            operation = str(entry.get("operation"))
            operations[operation] = operations.get(operation, 0) + 1
    return FanIn(
        objects=objects,
        labeling_jobs=operations.get("create_labeling_job", 0),
        invocations=dict(sorted(invocations.items())),
        sagemaker_calls=sum(operations.values()),
        sagemaker_operations=dict(sorted(operations.items())),
    )


def calls_by_function(entries: Iterable[Entry], service: str | None = None) -> dict[str, int]:
    """AWS calls attributed to the handler run they happened in.

    Handler runs are serialised in the local stack and logged when they end, so the calls logged since the previous
    handler entry belong to the next one. Calls after the last handler entry are ``(none)``.

    Examples
    --------
    >>> log = [
    ...     {"kind": "aws_call", "service": "sagemaker", "operation": "create_labeling_job"},
    ...     {"kind": "handler", "function": "DataArrivalFunction"},
    ...     {"kind": "aws_call", "service": "sagemaker", "operation": "describe_labeling_job"},
    ...     {"kind": "aws_call", "service": "sagemaker", "operation": "start_pipeline_execution"},
    ...     {"kind": "handler", "function": "LabelingEventsFunction"},
    ... ]
    >>> calls_by_function(log)
    {'DataArrivalFunction': 1, 'LabelingEventsFunction': 2}
    """
    out: dict[str, int] = {}
    pending = 0
    for entry in entries:
        if entry.get("kind") == "aws_call" and (service is None or entry.get("service") == service):
            pending += 1
        elif entry.get("kind") == "handler":
            name = str(entry.get("function"))
            out[name] = out.get(name, 0) + pending
            pending = 0
    if pending:
        out["(none)"] = pending
    return dict(sorted(out.items()))


def job_budget(objects: int, batch_maximum: int) -> int:
    """The most labeling jobs ``objects`` may become: ``⌈objects / batch maximum⌉``.

    Examples
    --------
    >>> job_budget(10_000, 1_000), job_budget(1, 1_000)
    (10, 1)
    """
    return max(1, math.ceil(objects / batch_maximum))


@dataclass(frozen=True)
class Transitions:
    """A state machine execution's history: events, states entered (what AWS bills), and its status."""

    events: int
    states_entered: int


def transitions(history: Sequence[Mapping[str, Any]]) -> Transitions:
    """Count a ``GetExecutionHistory`` event list.

    Examples
    --------
    >>> transitions([{"type": "ExecutionStarted"}, {"type": "TaskStateEntered"}, {"type": "TaskStateExited"}])
    Transitions(events=3, states_entered=1)
    """
    entered = sum(1 for event in history if str(event.get("type", "")).endswith("StateEntered"))
    return Transitions(events=len(history), states_entered=entered)


def calls_between(entries: Sequence[Entry], service: str | None = None) -> int:
    """AWS calls among ``entries`` (of one service, or all)."""
    return sum(1 for e in entries if e.get("kind") == "aws_call" and (service is None or e.get("service") == service))


@dataclass(frozen=True)
class AlarmToUpdate:
    """From the alarm event to the ``UpdateEndpoint`` call: the AWS calls made (the update included)."""

    found: bool
    aws_calls: int
    operations: tuple[str, ...]


def alarm_to_update(entries: Sequence[Entry]) -> AlarmToUpdate:
    """The AWS calls from the first ``CloudWatch Alarm State Change`` event to the first ``UpdateEndpoint`` after it.

    Examples
    --------
    >>> log = [
    ...     {"kind": "event", "detail_type": "CloudWatch Alarm State Change"},
    ...     {"kind": "aws_call", "service": "dynamodb", "operation": "query"},
    ...     {"kind": "aws_call", "service": "sagemaker", "operation": "update_endpoint"},
    ... ]
    >>> alarm_to_update(log)
    AlarmToUpdate(found=True, aws_calls=2, operations=('dynamodb.query', 'sagemaker.update_endpoint'))
    """
    start = next(
        (i for i, e in enumerate(entries) if e.get("kind") == "event" and e.get("detail_type") == ALARM_EVENT), None
    )
    if start is None:
        return AlarmToUpdate(False, 0, ())
    operations: list[str] = []
    for entry in entries[start + 1 :]:
        if entry.get("kind") != "aws_call":
            continue
        operations.append(f"{entry.get('service')}.{entry.get('operation')}")
        if entry.get("service") == "sagemaker" and entry.get("operation") == "update_endpoint":
            return AlarmToUpdate(True, len(operations), tuple(operations))
    return AlarmToUpdate(False, len(operations), tuple(operations))


ALARM_EVENT = "CloudWatch Alarm State Change"


@dataclass(frozen=True)
class Verdict:
    """A budget and whether the measurement met it."""

    budget: str
    met: bool | None  # None: not measured
    detail: str = ""

    @property
    def mark(self) -> str:
        """``met`` / ``NOT MET`` / ``not measured``."""
        if self.met is None:
            return "not measured"
        return "met" if self.met else "NOT MET"


def verdict(budget: str, met: bool | None, detail: str = "") -> Verdict:
    """A :class:`Verdict`."""
    return Verdict(budget, met, detail)


def constant(values: Sequence[int], tolerance: int = 0) -> bool:
    """Whether the values do not grow by more than ``tolerance`` (constant in bake time).

    Examples
    --------
    >>> constant([22, 22, 22]), constant([22, 24, 30])
    (True, False)
    """
    return bool(values) and max(values) - min(values) <= tolerance
