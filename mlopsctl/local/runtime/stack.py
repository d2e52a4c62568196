"""The local stack: the whole application on moto, wired from ``template.yaml``, with virtual time.

Examples
--------
Not a doctest: the stack runs every handler in process, and a handler's logger keeps the standard output it first
sees (a doctest's would swallow later tests' logs); ``tests/flows/test_data_arrival_flow.py`` runs the same::

    with LocalStack(DEFAULT_TEMPLATE, emulators=[lambda s: SageMakerEmulator(clock=s.clock.now)]) as stack:
        stack.aws("s3", "put_object", Bucket=stack.physical_name("DataBucket"), Key="incoming/a.txt", Body=b"hi")
        [(e["function"], e["outcome"]) for e in stack.log.entries("handler")]
    # [('DataArrivalFunction', 'ok'), ('LabelingEventsFunction', 'ok'), ('PipelineEventsFunction', 'ok'),
    #  ('PipelineEventsFunction', 'ok')]: the labeling job, then the pipeline execution Executing and Succeeded
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from mlopsctl.local.emulators.s3_events import S3EventNotifier
from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.iam.enforce import IamEnforcer
from mlopsctl.local.iam.wiring import enforce_iam, lambda_service_roles
from mlopsctl.local.moto_patches import cloudformation, limits, sfn_errors, sfn_waits, speed
from mlopsctl.local.moto_patches.backends import event_matcher
from mlopsctl.local.moto_patches.lambda_invoke import lambda_invokes_run
from mlopsctl.local.moto_patches.runtime import start_moto
from mlopsctl.local.protocols import Emulator
from mlopsctl.local.runtime import sfn_time, wall_clock
from mlopsctl.local.runtime.actionlog import ActionLog, AwsCallRecorder
from mlopsctl.local.runtime.bus import EventBus
from mlopsctl.local.runtime.clients import StackClients
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.executions import ExecutionMonitor
from mlopsctl.local.runtime.faults import FaultInjector, FaultRule
from mlopsctl.local.runtime.functions import FunctionRunner, lambda_response
from mlopsctl.local.runtime.http_server import AppWrapper
from mlopsctl.local.runtime.provision import StackResources, provision
from mlopsctl.local.runtime.resources_compute import CREATORS as COMPUTE_CREATORS
from mlopsctl.local.runtime.resources_data import CREATORS as DATA_CREATORS
from mlopsctl.local.runtime.scheduler import Callback, Scheduler
from mlopsctl.local.runtime.settle import SettleLimits, Settler
from mlopsctl.local.runtime.sqs_source import SqsPoller
from mlopsctl.local.runtime.stack_description import StackDescription, describe
from mlopsctl.local.template.loader import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    Template,
    load_template,
)
from mlopsctl.stack.code import named_code, step_code, upload_step_code

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"

#: Builds an emulator once the stack is up (it gets the stack: clock, names, clients).
EmulatorFactory = Callable[["LocalStack"], Emulator]


class LocalStack:
    """The application on moto; a context manager.

    Parameters
    ----------
    template:
        The SAM template to read the wiring from (default: the project's ``template.yaml``).
    parameters:
        Template parameter values overriding the defaults.
    server:
        Run ``moto_server`` on a loopback port instead of mocking in process (``endpoint_url`` gives its address).
    port:
        With ``server``: the port (default 0: a free one); a taken port raises
        :class:`~mlopsctl.local.runtime.http_server.PortInUseError`.
    middleware:
        With ``server``: wraps moto's WSGI application (``mlopsctl local up`` serializes a person's requests with
        its loop's steps: :mod:`mlopsctl.local.up.gate`).
    clock:
        The virtual clock (default: starts now).
    emulators:
        Emulators, or factories called with the started stack; one with ``schedule_on(scheduler, emit)`` (the
        SageMaker emulator) is handed the stack's scheduler and bus, and its work runs from there; the others are
        polled (:class:`~mlopsctl.local.protocols.Emulator`). An emulator with ``install()`` is installed after moto
        starts (and ``uninstall()``-ed, if it has one, on close); one with ``authorize_with(iam)`` is given the
        stack's IAM, to authorize what the emulated service does with the roles it is handed.
    limits:
        Bounds of each run to quiescence.
    iam:
        Authorize every call the system makes against its role's policies, as AWS does (:mod:`.iam`); off only for
        tests of the stack's own machinery.
    faults:
        Fault rules (:class:`~.faults.FaultRule` or ``"SERVICES:RATE[:ERROR]"``): that share of the system's own calls
        to those services fail as AWS fails them (see :mod:`.faults`).
    seed:
        Seed of the fault draws (reproducible faults).
    step_code:
        Upload the step code to the artifacts bucket once the stack is up, as ``make deploy`` does after
        ``sam deploy`` (:func:`mlopsctl.stack.code.upload_step_code`); ``False``: a stack deployed without it.

    Attributes
    ----------
    scheduler:
        The stack's one :class:`~.scheduler.Scheduler`: its own due work, the ends of the executions' virtual waits
        and the SageMaker emulator's work, in one order (its tie rule).
    faults:
        The :class:`~.faults.FaultInjector` (what it injected: ``faults.injected``).
    s3_events:
        The S3 → EventBridge notifier (real-shaped events, emulated); ``s3_events.sent`` lists every S3 event put on
        the bus, so a test can deliver the same events again.
    description:
        The stack as CloudFormation describes it (:mod:`.stack_description`): while the stack runs, moto's
        CloudFormation answers ``DescribeStacks``, ``ListStackResources`` and ``DescribeStackResource(s)`` for it,
        under its stack name (``mlops-local`` by default), in process and over HTTP.
    """

    def __init__(
        self,
        template: Path | str = DEFAULT_TEMPLATE,
        *,
        parameters: Mapping[str, str] | None = None,
        stack_name: str = DEFAULT_STACK_NAME,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        server: bool = False,
        port: int = 0,
        middleware: AppWrapper | None = None,
        clock: VirtualClock | None = None,
        emulators: Sequence[Emulator | EmulatorFactory] = (),
        limits: SettleLimits | None = None,
        iam: bool = True,
        faults: Sequence[FaultRule | str] = (),
        seed: int | None = None,
        step_code: bool = True,
    ) -> None:
        self.template: Template = load_template(
            Path(template), stack_name=stack_name, region=region, account_id=account_id, parameters=parameters
        )
        self.clock = clock or VirtualClock()
        self.log = ActionLog(lambda: self.clock.elapsed().total_seconds())
        self.server = server
        self._serve = (port, middleware)
        self.endpoint_url: str | None = None
        self._emulator_specs = list(emulators)
        self.emulators: list[Emulator] = []
        self._limits = limits or SettleLimits()
        self.faults = FaultInjector(faults, seed)
        self._exit = ExitStack()
        self._started = False
        self._iam_enabled = iam
        self._step_code = step_code
        self.iam: IamEnforcer | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self._exit.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _start(self) -> None:
        self._exit.enter_context(wall_clock.following(self.clock))
        self._exit.enter_context(speed.installed())
        self._exit.enter_context(limits.installed())
        self.endpoint_url = start_moto(self._exit, server=self.server, port=self._serve[0], wrap=self._serve[1])
        self.s3_events = S3EventNotifier(self.clock.now)
        self.s3_events.install()
        self._exit.callback(self.s3_events.uninstall)
        recorder = AwsCallRecorder(self.log)
        recorder.install()
        self._exit.callback(recorder.uninstall)
        if self.faults.rules:
            self.faults.install()
            self._exit.callback(self.faults.uninstall)
        self.scheduler: Scheduler[Callback] = Scheduler()  # the one queue of due work (see .scheduler)
        self.lot = sfn_time.ParkingLot(self.clock, self.scheduler)
        self._exit.enter_context(sfn_waits.install(self.lot, self.clock))
        self._exit.enter_context(sfn_errors.installed())
        self.clients = StackClients(self.template.region, self.endpoint_url)
        self.resources: StackResources = provision(self.template, self.clients, {**DATA_CREATORS, **COMPUTE_CREATORS})
        artifacts = self.resources.records.get("ArtifactsBucket")
        if self._step_code and artifacts is not None and named_code(self.template.path):
            code = step_code(template=self.template.path)  # the model whose code the template's pipeline names
            upload_step_code(self.clients.client("s3"), str(artifacts.physical_name), code)
        self.description: StackDescription = describe(self.template, self.resources)
        self._exit.enter_context(
            cloudformation.registered(self.description, self.template.account_id, self.template.region)
        )
        self.runner = FunctionRunner(self.resources, self.log, self._function_environment(), uuid.uuid4().hex[:8])
        self._exit.callback(self.runner.close)
        if self._iam_enabled:
            self.iam = enforce_iam(self)
        self._exit.enter_context(lambda_invokes_run(self._lambda_invoke))
        self.bus = EventBus(
            self.clients, self.resources, self.runner, self.log, self.clock, self.scheduler,
            stack_name=self.template.stack_name, account_id=self.template.account_id, iam=self.iam,
        )  # fmt: skip
        self.bus.create_taps()
        self.executions = ExecutionMonitor(self.clients, self.resources, self.log, self.lot, self.bus.inject)
        self.emulators = [self._emulator(spec) for spec in self._emulator_specs]
        pollers = [SqsPoller(m, self.clients, self.runner, self.clock, self.scheduler) for m in self.resources.mappings]
        if self.iam is not None:
            lambda_service_roles(self, self.iam, pollers, self.bus)
        self._settler = Settler(
            self.clock, self.emulators, self.bus, pollers, self.scheduler, self.executions, self._limits
        )
        self._started = True

    def _emulator(self, spec: Emulator | EmulatorFactory) -> Emulator:
        is_factory = isinstance(spec, type) or not hasattr(spec, "next_due")
        emulator: Emulator = spec(self) if is_factory else spec  # type: ignore[operator,assignment]
        schedule_on = getattr(emulator, "schedule_on", None)
        if callable(schedule_on):
            schedule_on(self.scheduler, self.bus.inject)  # its work in the stack's one queue, its events on the bus
        install = getattr(emulator, "install", None)
        if callable(install):
            install()
        authorize_with = getattr(emulator, "authorize_with", None)
        if callable(authorize_with) and self.iam is not None:
            authorize_with(self.iam)  # SageMaker's own use of roles, checked (emulator/service_roles.py)
        uninstall = getattr(emulator, "uninstall", None)
        if callable(uninstall):
            self._exit.callback(uninstall)
        return emulator

    def close(self) -> None:
        """Stop everything started (executions first, then moto)."""
        try:
            if self._started:
                self._stop_executions()
        finally:
            if hasattr(self, "lot"):
                self.lot.close()
            self._started = False
            self._exit.close()

    def _stop_executions(self) -> None:
        sfn = self.clients.client("stepfunctions")
        for running in self.executions.poll().running:
            sfn.stop_execution(executionArn=running, error="LocalStackClosed")

    def _function_environment(self) -> dict[str, str]:
        env = {
            "AWS_REGION": self.template.region,
            "AWS_DEFAULT_REGION": self.template.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        return env

    def _lambda_invoke(self, function_name: str, body: Any, response_headers: dict[str, str]) -> bytes | None:
        text = body.decode() if isinstance(body, bytes) else body
        return lambda_response(
            self.runner.invoke_by_name(function_name, json.loads(text) if text else {}), response_headers
        )

    # -- what tests and the CLI use ----------------------------------------------------------------------------------

    def settle(self) -> None:
        """Run until everything that was caused has happened (see :mod:`.settle`)."""
        self._require_started()
        self._settler.settle()

    def run_until(self, instant: datetime) -> None:
        """Do the work due up to ``instant`` and leave the clock there, without waiting for quiescence."""
        self._require_started()
        self._settler.run(until=instant)

    def run_until_event(self, pattern: Mapping[str, Any]) -> dict[str, Any] | None:
        """Run until an event matching ``pattern`` (EventBridge syntax) is put on the bus, before its targets react.

        Returns the event, or ``None`` when the stack settled without one.
        """
        self._require_started()
        matches, seen = event_matcher(pattern), list[dict[str, Any]]()

        def watch(event: dict[str, Any]) -> None:
            if not seen and matches(event):
                seen.append(event)

        with self.bus.watching(watch):
            self._settler.run(stop=lambda: bool(seen))
        return seen[0] if seen else None

    def put_event(self, event: dict[str, Any], *, settle: bool = True) -> dict[str, Any]:
        """Put an event on the default bus as the AWS service in its ``source`` would; return it as put."""
        self._require_started()
        put = self.bus.inject(event)
        if settle:
            self.settle()
        return put

    def aws(self, service: str, operation: str, *, settle: bool = True, **params: Any) -> Any:
        """Do what a user would (``stack.aws("s3", "put_object", ...)``), then let the stack settle."""
        self._require_started()
        client = self.client(service)
        if operation not in client.meta.method_to_api_mapping:
            raise LocalStackError(f"{service} has no operation {operation!r}")
        response = getattr(client, operation)(**params)
        if settle:
            self.settle()
        return response

    def client(self, service: str) -> Any:
        """A boto3 client on the local stack whose calls are not in the action log."""
        self._require_started()
        return self.clients.client(service)

    def physical_name(self, logical_id: str) -> str:
        """The local physical name of a template resource."""
        return str(self._record(logical_id).physical_name)

    def arn(self, logical_id: str) -> str:
        """The ARN of a template resource."""
        arn = self._record(logical_id).arn
        if arn is None:
            raise LocalStackError(f"{logical_id} has no ARN")
        return str(arn)

    def outputs(self) -> dict[str, str]:
        """The stack's outputs (key → value), as ``DescribeStacks`` answers for the stack ``mlops-local``."""
        self._require_started()
        return self.description.output_values()

    def notifications(self, topic: str = "NotificationTopic") -> list[dict[str, Any]]:
        """Messages published to an SNS topic of the template since the last call (SNS envelopes)."""
        self._require_started()
        url = self.resources.topic_inboxes.get(topic)
        if url is None:
            raise LocalStackError(f"no SNS topic {topic} in the template")
        sqs, out = self.clients.client("sqs"), []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                out.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return out

    def _record(self, logical_id: str) -> Any:
        self._require_started()
        record = self.resources.records.get(logical_id)
        if record is None:
            raise LocalStackError(f"no resource {logical_id} in the template")
        return record

    def _require_started(self) -> None:
        if not self._started:
            raise LocalStackError("the local stack is not running: use it as a context manager")
