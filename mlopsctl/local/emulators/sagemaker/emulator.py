"""The SageMaker emulator: emulated SageMaker (and CloudWatch alarm) behaviour in virtual time.

Nothing here sleeps. API calls report what happened (see :mod:`mlopsctl.local.moto_patches`) as they happen; the
emulator queues each report, and turns it into the events AWS would send and into work due later (an endpoint
becoming ``InService``, a labeling job completing, a canary bake ending).

The queue is a :class:`~mlopsctl.local.runtime.scheduler.Scheduler`. In a local stack it is the stack's own, handed
over with :meth:`SageMakerEmulator.schedule_on` (lane :attr:`~mlopsctl.local.runtime.scheduler.Lane.EMULATED`):
the stack's settle loop runs the emulator's work with everything else due, and the events go on the stack's bus.
Driven by hand (tests, :mod:`.harness`), the emulator keeps a queue of its own: :meth:`SageMakerEmulator.next_due`
says when something is next due, and :meth:`SageMakerEmulator.run_due` with a later virtual ``now`` returns every
event AWS would have emitted by then, in time order.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any

from mlopsctl.local.emulators.sagemaker import events
from mlopsctl.local.emulators.sagemaker.context import DriverContext, Event, Task
from mlopsctl.local.emulators.sagemaker.endpoint_driver import EndpointDriver
from mlopsctl.local.emulators.sagemaker.labeling_driver import LabelingDriver
from mlopsctl.local.emulators.sagemaker.pipeline_driver import PipelineDriver
from mlopsctl.local.emulators.sagemaker.pipeline_runner import DefinitionPipelineRunner, PipelineOutcome, PipelineRunner
from mlopsctl.local.emulators.sagemaker.service_roles import RoleAuthority, ServiceRoles
from mlopsctl.local.emulators.sagemaker.timings import EmulatorTimings
from mlopsctl.local.emulators.sagemaker.workforce import GoldLabelWorkforce, Workforce
from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.moto_patches import NotificationKind, activate, deactivate, extension_state, install_extensions
from mlopsctl.local.moto_patches.state import Notification, as_utc
from mlopsctl.local.runtime.scheduler import Callback, Lane, Scheduler

DEFAULT_PIPELINE_FAILURE = "AlgorithmError: emulated failure"


class _NotificationTask:
    """Handles one notification when its time comes."""

    def __init__(self, handler: Callable[[Notification], list[Event]], note: Notification) -> None:
        self._handler = handler
        self._note = note

    def __call__(self, due: datetime) -> list[Event]:  # noqa: ARG002 - a task takes its due time
        return self._handler(self._note)


@contextmanager
def emulator_options(emulators: Iterable[object], options: Mapping[str, Any]) -> Iterator[None]:
    """Apply ``options`` to every emulator that takes options (see :meth:`SageMakerEmulator.configured`)."""
    with ExitStack() as applied:
        if options:
            takers = [e for e in emulators if callable(getattr(e, "configured", None))]
            if not takers:
                raise LocalStackError("no emulator of the local stack takes options")
            for emulator in takers:
                applied.enter_context(emulator.configured(**options))  # type: ignore[attr-defined]
        yield


class SageMakerEmulator:
    """Emulated SageMaker for the local stack, driven by a virtual clock.

    Parameters
    ----------
    clock
        Returns the current virtual time (tz-aware UTC); API calls are stamped with it.
    account_id, region
        The account and region emulated.
    workforce
        Labels Ground Truth tasks; default :class:`GoldLabelWorkforce` with an empty lookup (nothing labeled).
    pipeline_runner
        Decides how pipeline executions end; default :class:`DefinitionPipelineRunner` (every step succeeds).
    timings
        Virtual durations of emulated work.
    roles
        How SageMaker's own use of the roles it is given (models, jobs, labeling, pipelines) is authorized; a local
        stack with IAM sets it through :meth:`authorize_with`. None: not checked (moto alone has no policies).
    model_package_updated_fields
        Whether the ``Model Package State Change`` events of registry updates list ``UpdatedModelPackageFields``
        (as SageMaker's current documentation sample does) or leave it out (as 2 of the 3 real samples do); see
        :mod:`mlopsctl.local.moto_patches.registry`. :meth:`configured` changes it for some calls only.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> emulator = SageMakerEmulator(clock=lambda: datetime(2025, 1, 1, tzinfo=UTC))
    >>> emulator.install()  # patch moto (once) and let this emulator drive us-east-1
    >>> emulator.next_due() is None
    True
    >>> emulator.uninstall()
    """

    def __init__(  # noqa: PLR0917 - the local stack's documented signature
        self,
        clock: Callable[[], datetime],
        account_id: str = "123456789012",
        region: str = "us-east-1",
        workforce: Workforce | None = None,
        pipeline_runner: PipelineRunner | None = None,
        timings: EmulatorTimings | None = None,
        roles: ServiceRoles | None = None,
        *,
        model_package_updated_fields: bool = True,
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.timings = timings or EmulatorTimings()
        self.model_package_updated_fields = model_package_updated_fields
        self.roles = roles
        self._clock = clock
        self._queue: Scheduler[Callback] = Scheduler()
        self._emit: Callable[[Event], None] | None = None
        self._emitted: list[Event] = []
        self._lock = threading.RLock()
        self._labeling_failures: list[tuple[str, str]] = []
        self._pipeline_failures: list[tuple[str, str | None, str]] = []
        ctx = DriverContext(
            account_id=account_id,
            region=region,
            timings=self.timings,
            schedule=self._schedule,
            service_roles=lambda: self.roles,
        )
        self._endpoints = EndpointDriver(ctx)
        self._labeling = LabelingDriver(ctx, workforce or GoldLabelWorkforce(), self._labeling_failure_for)
        self._pipelines = PipelineDriver(ctx, pipeline_runner or DefinitionPipelineRunner(), self._steer_pipeline)
        self._handlers: dict[str, Callable[[Notification], list[Event]]] = {
            NotificationKind.ENDPOINT_CREATING: self._endpoints.on_creating,
            NotificationKind.ENDPOINT_UPDATING: self._endpoints.on_updating,
            NotificationKind.ENDPOINT_DELETING: self._endpoints.on_deleting,
            NotificationKind.LABELING_CREATED: self._labeling.on_created,
            NotificationKind.LABELING_STOPPING: self._labeling.on_stopping,
            NotificationKind.PIPELINE_STARTED: self._pipelines.on_started,
            NotificationKind.PIPELINE_STOPPING: self._pipelines.on_stopping,
            NotificationKind.MODEL_PACKAGE_CHANGED: self._on_model_package,
            NotificationKind.ALARM_CHANGED: self._on_alarm,
        }

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def install(self) -> None:
        """Patch moto with the extensions (idempotent) and make this emulator drive its account and region."""
        install_extensions()
        activate(self.account_id, self.region, self._clock, self._on_notification)
        extension_state(self.account_id, self.region).model_package_updated_fields = self.model_package_updated_fields

    def authorize_with(self, iam: RoleAuthority, partition: str = "aws") -> None:
        """Authorize SageMaker's own use of roles with the local stack's IAM (the stack calls this when it has IAM)."""
        self.roles = ServiceRoles(iam, partition=partition, region=self.region, account=self.account_id)

    def uninstall(self) -> None:
        """Stop driving the account and region: moto's own behaviour returns there (the patches stay inert)."""
        deactivate(self.account_id, self.region)

    # -- the stack's interface -------------------------------------------------------------------------------------

    @property
    def scheduler(self) -> Scheduler[Callback]:
        """The queue the emulator's work is in: the local stack's once handed over, else its own."""
        return self._queue

    def schedule_on(self, scheduler: Scheduler[Callback], emit: Callable[[Event], None]) -> None:
        """Put the emulator's work in ``scheduler`` and send its events to ``emit`` (the local stack does this when it
        starts, before anything is reported): the stack runs the work; :meth:`next_due` and :meth:`run_due` are then
        the stack's to answer, not the emulator's.

        Raises
        ------
        LocalStackError
            When work is already queued in the emulator's own queue (it would never run).
        """
        if self._queue.next_due() is not None:
            raise LocalStackError("the SageMaker emulator already has work queued: hand it a scheduler before use")
        self._queue, self._emit = scheduler, emit

    def next_due(self) -> datetime | None:
        """When the emulator next has something to do (tz-aware UTC), or None when idle (driven by hand only)."""
        self._require_own_queue()
        return self._queue.next_due()

    def run_due(self, now: datetime) -> list[dict[str, Any]]:
        """Do everything due at or before ``now``, in time order; return the events AWS would have emitted (driven by
        hand only)."""
        self._require_own_queue()
        self._queue.run_due(as_utc(now))
        emitted, self._emitted = self._emitted, []
        return emitted

    def emit(self, event: Event) -> None:
        """Send an event AWS would send: to the local stack's bus once :meth:`schedule_on` was called, else kept for
        :meth:`run_due` to return."""
        if self._emit is not None:
            self._emit(event)
        else:
            self._emitted.append(event)

    # -- steering --------------------------------------------------------------------------------------------------

    #: The options :meth:`configured` accepts (a replay item's ``"emulator"`` object names them).
    OPTIONS = frozenset({"model_package_updated_fields"})

    @contextmanager
    def configured(self, **options: Any) -> Iterator[None]:
        """Change emulator options for the calls made inside the context (e.g. one user action), then restore them.

        ``model_package_updated_fields``: see the class parameters. The shape of an event is decided when the call
        that causes it is made, so events emitted later keep the shape chosen here.

        Raises
        ------
        ValueError
            For an option not in :attr:`OPTIONS`.
        """
        unknown = sorted(set(options) - self.OPTIONS)
        if unknown:
            raise ValueError(f"unknown emulator option {unknown[0]!r} (known: {', '.join(sorted(self.OPTIONS))})")
        state = extension_state(self.account_id, self.region)
        previous = state.model_package_updated_fields
        if "model_package_updated_fields" in options:
            state.model_package_updated_fields = bool(options["model_package_updated_fields"])
        try:
            yield
        finally:
            state.model_package_updated_fields = previous

    def fail_labeling_job(self, name_or_prefix: str, reason: str) -> None:
        """Make labeling jobs whose name equals or starts with ``name_or_prefix`` end ``Failed`` with ``reason``.

        Applies to jobs in progress and to jobs created later, until :meth:`clear_failures`.
        """
        self._labeling_failures.append((name_or_prefix, reason))

    def fail_pipeline_execution(
        self, pipeline_name: str, step_name: str | None = None, reason: str = DEFAULT_PIPELINE_FAILURE
    ) -> None:
        """Make executions of ``pipeline_name`` fail at ``step_name`` (default: the first step) with ``reason``.

        Steps before it succeed, later steps do not run. Applies until :meth:`clear_failures`.
        """
        self._pipeline_failures.append((pipeline_name, step_name, reason))

    def clear_failures(self) -> None:
        """Forget every steered failure."""
        self._labeling_failures.clear()
        self._pipeline_failures.clear()

    # -- internals -------------------------------------------------------------------------------------------------

    def _schedule(
        self,
        at: datetime,
        task: Task,
        alive: Callable[[], bool] | None = None,
        *,
        first: bool = False,
        label: str = "sagemaker emulator",
    ) -> None:
        """Queue ``task`` at ``at``; at equal times, ``first`` tasks (what API calls reported) run before others."""
        due = as_utc(at)
        self._queue.schedule(
            due, label, functools.partial(self._run, due, task), alive=alive, first=first, lane=Lane.EMULATED
        )

    def _on_notification(self, note: Notification) -> None:
        """An API call reported ``note`` (on its own thread): queue its handling at its instant."""
        handler = self._handlers.get(note.kind)
        if handler is not None:
            self._schedule(note.at, _NotificationTask(handler, note), None, first=True, label=f"sagemaker {note.kind}")

    def _run(self, due: datetime, task: Task) -> None:
        """Run a queued task at its due time and emit its events; its own API calls are stamped with ``due``."""
        state = extension_state(self.account_id, self.region)
        with self._lock:
            # No lock on the extension state here: a task's own API calls may be served by another thread
            # (moto_server), which takes that lock.
            state.pin_time(due)
            try:
                events = task(due)
            finally:
                state.pin_time(None)
            for event in events:
                self.emit(event)

    def _require_own_queue(self) -> None:
        if self._emit is not None:
            raise LocalStackError("the SageMaker emulator's work is in the local stack's scheduler: settle the stack")

    def _labeling_failure_for(self, job_name: str) -> str | None:
        return next((reason for prefix, reason in self._labeling_failures if job_name.startswith(prefix)), None)

    def _steer_pipeline(self, pipeline_name: str, outcome: PipelineOutcome) -> PipelineOutcome:
        for name, step, reason in self._pipeline_failures:
            if name == pipeline_name:
                return outcome.failing_at(step, reason)
        return outcome

    def _on_model_package(self, note: Notification) -> list[Event]:
        return [
            events.model_package_state_change(
                account=self.account_id,
                region=self.region,
                time=note.at,
                package=note.data["package"],
                updated_fields=note.data.get("updated_fields"),
            )
        ]

    def _on_alarm(self, note: Notification) -> list[Event]:
        data = note.data
        event = events.alarm_state_change(
            account=self.account_id,
            region=self.region,
            time=note.at,
            alarm_name=data["alarm_name"],
            alarm_arn=data["alarm_arn"],
            state=data["state"],
            previous_state=data["previous_state"],
            configuration=data["configuration"],
        )
        return [event, *self._endpoints.on_alarm(note)]
