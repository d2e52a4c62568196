"""The demo's results and how they are printed: a timeline per step and a summary table (pure).

A *step* is one thing a user does (drop data, approve a model, …) after which the stack settles; each step has
*checks*, the end states expected of the system, read from the registry, the endpoint and the ledger. The timeline
condenses the action log of each step (events, handler runs, state machine runs, and the SageMaker / Step Functions /
CloudWatch calls; other calls are counted), merging repeats (``x150``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

_SHOWN_SERVICES = frozenset({"sagemaker", "stepfunctions", "cloudwatch"})
_ORDER = ("failed", "skipped", "ok")


class Status(StrEnum):
    """How a check (or a step) ended."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def mark(self) -> str:
        """A one-character mark for the timeline."""
        return {"ok": "✓", "failed": "✗", "skipped": "-"}[self.value]


@dataclass(frozen=True)
class Check:
    """One expected end state and what was found."""

    title: str
    expected: str
    status: Status
    actual: str


@dataclass
class StepResult:
    """One user action, the checks of its outcome, and how long it took (virtual and wall-clock seconds)."""

    key: str
    scenario: str
    title: str
    checks: list[Check] = field(default_factory=list)
    virtual_seconds: float = 0.0
    wall_seconds: float = 0.0
    started_at: float = 0.0
    entries: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """The worst status of its checks (``skipped`` when it has none)."""
        if not self.checks:
            return Status.SKIPPED
        return min((c.status for c in self.checks), key=lambda s: _ORDER.index(s.value))


@dataclass
class DemoReport:
    """Every step of a demo run."""

    steps: list[StepResult] = field(default_factory=list)
    wall_seconds: float = 0.0
    virtual_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every check ended as expected."""
        return bool(self.steps) and all(c.status is Status.OK for s in self.steps for c in s.checks)

    def step(self, key: str) -> StepResult:
        """The step with this key."""
        return next(s for s in self.steps if s.key == key)

    def counts(self) -> dict[Status, int]:
        """How many checks ended in each status."""
        out = dict.fromkeys(Status, 0)
        for step in self.steps:
            for check in step.checks:
                out[check.status] += 1
        return out


def duration(seconds: float) -> str:
    """Virtual durations as ``HH:MM:SS``.

    Examples
    --------
    >>> duration(3725)
    '01:02:05'
    """
    whole = round(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def wall(seconds: float) -> str:
    """Wall-clock durations as ``12.3s``."""
    return f"{seconds:.1f}s"


def describe(entry: dict[str, Any]) -> str | None:
    """One action-log entry as a timeline line, or None for calls the timeline only counts."""
    kind = entry.get("kind")
    if kind == "event":
        return f"event      {entry.get('source')}  {entry.get('detail_type')}"
    if kind == "handler":
        reason = f"  ({entry['reason']})" if entry.get("reason") else ""
        return f"handler    {entry.get('function')} → {entry.get('outcome')}{reason}"
    if kind == "execution":
        extra = f"  {entry['error']}: {entry.get('cause') or ''}".rstrip() if entry.get("error") else ""
        return f"execution  {entry.get('state_machine')} → {entry.get('status')}{extra}"
    if kind == "aws_call" and entry.get("service") in _SHOWN_SERVICES:
        return f"call       {entry.get('service')}.{entry.get('operation')}{_call_detail(entry.get('params') or {})}"
    return None


def _call_detail(params: dict[str, Any]) -> str:
    for key in ("EndpointName", "LabelingJobName", "PipelineName", "ModelPackageArn", "AlarmName", "stateMachineArn"):
        if isinstance(params.get(key), str):
            return f"  {params[key].rsplit(':', 1)[-1]}"
    return ""


def condense(entries: Iterable[dict[str, Any]], start: float = 0.0, width: int = 110) -> list[str]:
    """Timeline lines for a step's entries: ``+HH:MM:SS  line`` (offset from ``start``), repeats merged.

    Examples
    --------
    >>> entries = [{"kind": "event", "source": "aws.s3", "detail_type": "Object Created", "t": 0}] * 3
    >>> condense(entries + [{"kind": "aws_call", "service": "dynamodb", "operation": "put_item", "t": 60}])
    ['+00:00:00  event      aws.s3  Object Created  x3', '           (+1 other AWS call: dynamodb x1)']
    """
    lines: list[tuple[float, str, int]] = []
    others: dict[str, int] = {}
    for entry in entries:
        text = describe(entry)
        if text is None:
            if entry.get("kind") == "aws_call":
                service = str(entry.get("service"))
                others[service] = others.get(service, 0) + 1
            continue
        if lines and lines[-1][1] == text:
            at, previous, count = lines[-1]
            lines[-1] = (at, previous, count + 1)
        else:
            lines.append((float(entry.get("t", 0.0)) - start, text, 1))
    out = []
    for at, text, count in lines:
        line = f"+{duration(max(at, 0.0))}  {text}" + (f"  x{count}" if count > 1 else "")
        out.append(line if len(line) <= width else line[: width - 1] + "…")
    if others:
        total = sum(others.values())
        detail = ", ".join(f"{name} x{count}" for name, count in sorted(others.items()))
        out.append(f"           (+{total} other AWS call{'s' if total != 1 else ''}: {detail})")
    return out


def render_step(step: StepResult, *, timeline: bool = True) -> list[str]:
    """A step as printed when it ends: heading, timeline, notes, and one line per check."""
    heading = f"▶ {step.scenario} · {step.title}"
    lines = [heading, "  " + "─" * (len(heading) - 2)]
    if timeline:
        lines += ["  " + line for line in condense(step.entries, step.started_at)]
    lines += [f"  • {note}" for note in step.notes]
    for check in step.checks:
        lines.append(f"  {check.status.mark} {check.title}: {check.actual}")
        if check.status is not Status.OK:
            lines.append(f"      expected: {check.expected}")
    lines.append(f"  ⏱ virtual {duration(step.virtual_seconds)}  wall {wall(step.wall_seconds)}")
    return lines


def summary_table(report: DemoReport) -> list[str]:
    """The final table: one row per check, with its step's durations; then the totals and the verdict."""
    header = ("Scenario", "Step", "Check", "Result", "Actual", "Virtual", "Wall")
    rows: list[Sequence[str]] = []
    for step in report.steps:
        for index, check in enumerate(step.checks):
            first = index == 0
            rows.append(
                (
                    step.scenario if first else "",
                    step.title if first else "",
                    check.title,
                    f"{check.status.mark} {check.status.value}",
                    _clip(check.actual, 48),
                    duration(step.virtual_seconds) if first else "",
                    wall(step.wall_seconds) if first else "",
                )
            )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    widths[1] = min(widths[1], 34)
    lines = [_row(header, widths), _row(tuple("─" * w for w in widths), widths)]
    lines += [_row(tuple(_clip(str(v), widths[i]) for i, v in enumerate(row)), widths) for row in rows]
    counts = report.counts()
    verdict = "every check ended as expected" if report.ok else "SOME CHECKS DID NOT END AS EXPECTED"
    lines.append("")
    lines.append(
        f"{counts[Status.OK]} ok · {counts[Status.FAILED]} failed · {counts[Status.SKIPPED]} skipped — {verdict}"
    )
    lines.append(f"total: virtual {duration(report.virtual_seconds)}, wall {wall(report.wall_seconds)}")
    return lines


def _row(values: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(str(v).ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
