"""The shared opening of the EventBridge handlers: parse → ignore with a reason → the feature's result.

Every handler of one event type does the same three things: parse the event as its model, refusing events of other
accounts and Regions (:func:`~mlops_core.events.parse_event` with the function's :class:`~mlops_core.events.Origin`);
acknowledge an event it does not act on as *ignored*, with the reason (logged, optionally counted as an EMF metric,
returned as ``{"outcome": "ignored", "reason": ...}``, which the local stack's action log reads, and never raised, so it
is not retried); otherwise call the feature's function and log and return its result. Unexpected errors propagate,
so Lambda's retries and the dead-letter queue keep the event. :class:`EventHandler` holds what differs between
functions: the model(s), how the refusal reads (``"<detail-type> is not <what>"``), the metric counting ignored events
and the level they are logged at. The function module keeps its ``origin()`` and ``dependencies()`` (cached per cold
start, replaced by tests) and passes them in.

A handler module adopts it like this (``handle`` when ignored events are logged as ``"event ignored"``; ``parse``
then ``report`` when a function reports them like any other result, as LabelingEvents does)::

    handler = EventHandler(AlarmStateChangeEvent, "a CloudWatch alarm state change", metrics=Metrics(),
                           ignored_metric="RollbackEventsIgnored")   # logger=Logger(...) to configure it

    @handler.entry                      # inject_lambda_context(EVENT_BRIDGE correlation id), then log_metrics
    def lambda_handler(event, context):
        return handler.handle(event, origin(), lambda alarm: act(alarm, *dependencies()))

where ``act`` returns :class:`Handled` (the result, its log message, its metric) or :class:`Ignored` (the reason).

Examples
--------
>>> import io, logging
>>> from aws_lambda_powertools import Logger
>>> from mlops_core.events import LabelingJobStateChangeEvent, Origin, PipelineExecutionStatusChangeEvent
>>> logger = Logger(service="example", logger_handler=logging.StreamHandler(io.StringIO()))
>>> event = {"version": "0", "id": "1", "detail-type": "SageMaker Ground Truth Labeling Job State Change",
...          "source": "aws.sagemaker", "account": "111122223333", "time": "2018-10-06T12:26:13Z",
...          "region": "us-east-1", "resources": ["arn:aws:sagemaker:us-east-1:111122223333:labeling-job/cats"],
...          "detail": {"LabelingJobStatus": "Completed"}}
>>> ours = Origin.of("111122223333", "us-east-1")
>>> jobs = EventHandler(LabelingJobStateChangeEvent, "a labeling job state change", logger=logger)
>>> jobs.handle(event, ours, lambda job: Handled({"outcome": "ok", "job": job.labeling_job_name}, "job seen"))
{'outcome': 'ok', 'job': 'cats'}
>>> jobs.handle(event, ours, lambda job: Ignored(f"{job.labeling_job_name} is not ours"))
{'outcome': 'ignored', 'reason': 'cats is not ours'}
>>> EventHandler(PipelineExecutionStatusChangeEvent, "a pipeline execution status change").parse(event, ours)
Ignored(reason='SageMaker Ground Truth Labeling Job State Change is not a pipeline execution status change')
>>> jobs.parse(event, Origin.of("444455556666", "us-east-1")).reason
"event from account '111122223333', not this stack's account 444455556666"

Metrics are counted in the function's ``Metrics`` (flushed by :meth:`EventHandler.entry`'s ``log_metrics``):

>>> from aws_lambda_powertools import Metrics
>>> counting = EventHandler(PipelineExecutionStatusChangeEvent, "a pipeline execution status change",
...                         logger=logger, metrics=Metrics(namespace="Example"), ignored_metric="RunsIgnored")
>>> counting.metrics.clear_metrics()  # Powertools shares one metric set between its Metrics objects
>>> counting.handle(event, ours, lambda run: Handled({"outcome": "ok"}, "run seen"))["outcome"]
'ignored'
>>> counting.report(counted(EventResult("ok", "recorded", {"execution": "e1", "step": None}), "run seen", "Runs"))
{'outcome': 'ok', 'reason': 'recorded', 'execution': 'e1'}
>>> sorted(counting.metrics.metric_set)
['RunsIgnored', 'RunsOk']
>>> counting.metrics.clear_metrics()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from mlops_core.events.classifier import parse_event
from mlops_core.events.errors import EventError
from mlops_core.settings import OriginSettings

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics

    from mlops_core.events import Origin
    from mlops_core.events.envelope import EventEnvelope

type Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def read_origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``); handlers cache it per cold start."""
    return OriginSettings.from_env().origin()


@dataclass(frozen=True, slots=True)
class Ignored:
    """An event the function does not act on, and why (returned by :meth:`EventHandler.parse` or a feature)."""

    reason: str
    outcome: ClassVar[Literal["ignored"]] = "ignored"

    def as_dict(self) -> dict[str, Any]:
        """The handler's return value: ``{"outcome": "ignored", "reason": ...}``."""
        return {"outcome": self.outcome, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Handled:
    """A feature's result and how its handler reports it: ``message`` logged at ``level`` with ``extra`` (default:
    the result), ``metric`` (if any) counted, ``result`` returned."""

    result: dict[str, Any]
    message: str
    metric: str | None = None
    level: Literal["info", "warning"] = "info"
    extra: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class EventResult:
    """What a feature returns its handler: ``outcome`` ``ok`` or ``ignored``, why, and what was done (the details
    that are not ``None`` are returned beside them; :func:`counted` logs and counts it)."""

    outcome: str
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)
    #: Whether :meth:`as_dict` returns the details whose value is ``None`` too (the Approval and Rollback results do).
    keeps_none: ClassVar[bool] = False

    @classmethod
    def ignored(cls, reason: str) -> EventResult:
        """Nothing done: the event is not for this function, or needs no action."""
        return cls("ignored", reason)

    def as_dict(self) -> dict[str, Any]:
        """The handler's return value (the local stack's action log reads ``outcome`` and ``reason``)."""
        details = self.details if self.keeps_none else {k: v for k, v in self.details.items() if v is not None}
        return {"outcome": self.outcome, "reason": self.reason, **details}


class Outcome(Protocol):
    """A feature's result that says its outcome (``ok``, ``ignored``) and how it is returned."""

    @property
    def outcome(self) -> str:
        """``ok`` or ``ignored``."""

    def as_dict(self) -> dict[str, Any]:
        """The handler's return value."""


def counted(result: Outcome, message: str, prefix: str) -> Handled:
    """``result`` logged under ``message`` and counted by its outcome as ``<prefix><Outcome>`` (``PipelineEventsOk``,
    ``PipelineEventsIgnored``): for the functions that report an ignored event like any other result."""
    return Handled(result.as_dict(), message, f"{prefix}{result.outcome.title()}")


class EventHandler[E: EventEnvelope]:
    """One function's parse → ignore → result, logged with ``logger`` and counted with ``metrics``.

    Parameters
    ----------
    accepts
        The event model, or a tuple of models, the function acts on.
    what
        The accepted type in words: another consumed type is ignored as ``"<detail-type> is not <what>"``.
    logger, metrics
        The function's Powertools ``Logger`` (default: a new one) and, when it emits any, ``Metrics``.
    ignored_metric
        The count metric of ignored events, or ``None``; ``ignored_level`` the level of their log line.
    """

    def __init__(
        self,
        accepts: type[E] | tuple[type[E], ...],
        what: str,
        *,
        logger: Logger | None = None,
        metrics: Metrics | None = None,
        ignored_metric: str | None = None,
        ignored_level: Literal["info", "warning"] = "info",
    ) -> None:
        self.accepts, self.what = accepts, what
        self.logger, self.metrics = logger or Logger(), metrics
        self.ignored_metric, self.ignored_level = ignored_metric, ignored_level

    def entry(self, function: Handler) -> Handler:
        """Decorate ``lambda_handler``: Lambda context and EventBridge correlation id in the logs, metrics flushed."""
        wrapped: Handler = self.logger.inject_lambda_context(
            function, correlation_id_path=correlation_paths.EVENT_BRIDGE
        )
        return self.metrics.log_metrics(wrapped) if self.metrics is not None else wrapped

    def parse(self, event: Mapping[str, Any], origin: Origin) -> E | Ignored:
        """The event as the accepted model, or :class:`Ignored` with the reason (malformed, foreign, another type)."""
        try:
            parsed = parse_event(event, origin=origin)
        except EventError as exc:
            return Ignored(exc.reason)
        if not isinstance(parsed, self.accepts):
            return Ignored(f"{parsed.detail_type} is not {self.what}")
        return parsed

    def ignore(self, reason: str) -> dict[str, Any]:
        """Log (and count) an ignored event; ``{"outcome": "ignored", "reason": reason}``."""
        getattr(self.logger, self.ignored_level)("event ignored", extra={"reason": reason})
        if self.ignored_metric is not None:
            self.count(self.ignored_metric)
        return Ignored(reason).as_dict()

    def count(self, metric: str) -> None:
        """Add 1 to the count metric ``metric``."""
        if self.metrics is None:
            raise ValueError(f"{metric}: this handler has no Metrics")
        self.metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)

    def report(self, handled: Handled) -> dict[str, Any]:
        """Count the result's metric, log its message, return the result."""
        if handled.metric is not None:
            self.count(handled.metric)
        getattr(self.logger, handled.level)(handled.message, extra=dict(handled.extra or handled.result))
        return handled.result

    def handle(self, event: Mapping[str, Any], origin: Origin, act: Callable[[E], Handled | Ignored]) -> dict[str, Any]:
        """Parse ``event``; ignore it, or report what ``act(parsed)`` returns (``act`` may also ignore it)."""
        parsed = self.parse(event, origin)
        return self.answer(parsed if isinstance(parsed, Ignored) else act(parsed))

    def answer(self, done: Handled | Ignored) -> dict[str, Any]:
        """Log (and count) ``done``, ignored or handled; return it as the handler's result."""
        return self.ignore(done.reason) if isinstance(done, Ignored) else self.report(done)
