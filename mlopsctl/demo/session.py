"""The demo's local stack and how a step is run on it: timing, action log slice, failures.

:class:`DemoStack` starts the project's stack (:class:`~mlopsctl.local.runtime.stack.LocalStack`) with the emulated
parts the
demo needs: the SageMaker emulator with the gold-label workforce and the real pipeline runner
(:class:`~mlopsctl.local.emulators.pipelines.runner.StepScriptPipelineRunner`), and the endpoint alarm
(:class:`~mlopsctl.demo.alarms.
EndpointAlarm`). :meth:`DemoStack.step` runs one user action and its checks, and records a
:class:`~mlopsctl.demo.report.StepResult`.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.demo.alarms import EndpointAlarm
from mlopsctl.demo.artifacts import template_model
from mlopsctl.demo.errors import DemoError
from mlopsctl.demo.observe import Observer
from mlopsctl.demo.report import Check, DemoReport, Status, StepResult
from mlopsctl.local.emulators.pipelines.container import ContainerAccess
from mlopsctl.local.emulators.pipelines.runner import StepScriptPipelineRunner
from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.runtime.actionlog import STACK_USER_AGENT
from mlopsctl.local.runtime.stack import LocalStack
from pipelines.spec import ModelSpec, load_spec

ALARM_NAMES_VARIABLE = "ENDPOINT_ALARM_NAMES"
#: The template resources the demo's steps drive; the setup step checks they are all there.
PIECES = (
    "DataBucket",
    "ArtifactsBucket",
    "ModelPackageGroup",
    "LedgerTable",
    "DataArrivalFunction",
    "LabelingEventsFunction",
    "TrainingPipeline",
    "ApprovalFunction",
    "DeployStateMachine",
    "RollbackFunction",
    "RollbackStateMachine",
)


class CheckFailedError(DemoError):
    """A step's action could not be done (its checks then fail with this reason)."""


@dataclass
class Facts:
    """What steps learn and later steps use (model packages by role, manifests, execution parameters)."""

    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        """A fact a previous step established; :class:`CheckFailedError` when it is not known."""
        if key not in self.values:
            raise CheckFailedError(f"an earlier step did not establish {key}")
        return self.values[key]


class DemoStack:
    """The local stack as the demo drives it.

    Parameters
    ----------
    stack
        A started local stack (its emulators include the ones :func:`emulator_factories` builds).
    runner, alarm
        The pipeline runner and endpoint alarm installed in it.
    """

    def __init__(self, stack: LocalStack, runner: StepScriptPipelineRunner, alarm: EndpointAlarm | None) -> None:
        self.stack = stack
        self.runner = runner
        self.alarm = alarm
        self.observe = Observer(stack.client, stack.physical_name("LedgerTable"))
        self.report = DemoReport()
        self.facts = Facts()

    # -- what the template holds --------------------------------------------------------------------------------

    @functools.cached_property
    def model(self) -> ModelSpec:
        """The model whose pipeline the template holds (its generated block names it; ``pipelines/models/``)."""
        return load_spec(template_model(self.stack.template.path))

    def missing_pieces(self) -> list[str]:
        """What the demo drives and the template lacks: resources of :data:`PIECES`, the endpoint alarm."""
        missing = [name for name in PIECES if name not in self.stack.resources.records]
        if self.alarm is None:
            missing.append(f"an endpoint alarm ({ALARM_NAMES_VARIABLE} of the deploy functions)")
        return missing

    def endpoint_alarm(self) -> EndpointAlarm:
        """The endpoint alarm the deployments watch (the setup step checked there is one)."""
        if self.alarm is None:
            raise CheckFailedError(f"no endpoint alarm ({ALARM_NAMES_VARIABLE} of the deploy functions)")
        return self.alarm

    def name(self, logical_id: str) -> str:
        """A resource's physical name."""
        return self.stack.physical_name(logical_id)

    @property
    def endpoint_name(self) -> str:
        """The endpoint approved models are deployed to (template parameter ``EndpointName``)."""
        return str(self.stack.template.parameters.get("EndpointName", "mlops-endpoint"))

    # -- running a step ------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def step(self, key: str, scenario: str, title: str) -> Iterator[StepResult]:
        """Time a step and keep its slice of the action log; errors become a failed check, not a crash."""
        result = StepResult(key, scenario, title)
        self.report.steps.append(result)
        self.stack.log.mark(f"{scenario} · {title}")
        first = len(self.stack.log.entries())
        virtual, wall = self.stack.clock.elapsed().total_seconds(), time.perf_counter()
        result.started_at = virtual
        try:
            yield result
        except (DemoError, LocalStackError, ClientError, BotoCoreError) as exc:
            result.checks.append(Check("step ran", "the action and its aftermath complete", Status.FAILED, _short(exc)))
        finally:
            result.virtual_seconds = self.stack.clock.elapsed().total_seconds() - virtual
            result.wall_seconds = time.perf_counter() - wall
            result.entries = self.stack.log.entries()[first:]

    def skip(self, key: str, scenario: str, title: str, needs: str) -> StepResult:
        """Record a step that cannot run because an earlier one did not end as expected."""
        result = StepResult(key, scenario, title)
        result.checks.append(Check("prerequisites", f"{needs} ended as expected", Status.SKIPPED, f"needs: {needs}"))
        self.report.steps.append(result)
        return result

    def passed(self, *keys: str) -> bool:
        """Whether every step of ``keys`` ran and ended as expected."""
        done = {s.key: s.status for s in self.report.steps}
        return all(done.get(key) is Status.OK for key in keys)


def check(result: StepResult, title: str, expected: str, ok: bool, actual: str) -> bool:
    """Record one check on ``result``; return ``ok``."""
    result.checks.append(Check(title, expected, Status.OK if ok else Status.FAILED, actual))
    return ok


def alarm_name(stack: LocalStack) -> str | None:
    """The first alarm the deploy functions watch (``ENDPOINT_ALARM_NAMES`` in their environment), if any."""
    for function in stack.resources.functions.values():
        names = [n.strip() for n in function.environment.get(ALARM_NAMES_VARIABLE, "").split(",") if n.strip()]
        if names:
            return names[0]
    return None


@dataclass
class Installed:
    """What :func:`emulator_factories` built once the stack started."""

    runner: StepScriptPipelineRunner | None = None
    alarm: EndpointAlarm | None = None


def emulator_factories(gold: Mapping[str, str], installed: Installed) -> list[Callable[[LocalStack], Any]]:
    """Factories for the stack's emulators: SageMaker (gold labels, real pipeline runner), then the endpoint alarm."""

    def sagemaker(stack: LocalStack) -> SageMakerEmulator:
        access = ContainerAccess(
            region=stack.template.region, user_agent_extra=STACK_USER_AGENT, endpoint_url=stack.endpoint_url
        )
        installed.runner = StepScriptPipelineRunner(stack.client, access=access)
        return SageMakerEmulator(
            clock=stack.clock.now,
            account_id=stack.template.account_id,
            region=stack.template.region,
            workforce=GoldLabelWorkforce(gold),
            pipeline_runner=installed.runner,
        )

    def alarm(stack: LocalStack) -> Any:
        name = alarm_name(stack)
        if name is None:
            return _Idle()
        observer = Observer(stack.client, str(stack.resources.records["LedgerTable"].physical_name))
        endpoint = str(stack.template.parameters.get("EndpointName", "mlops-endpoint"))
        installed.alarm = EndpointAlarm(stack.client, observer, stack.clock.now, endpoint, name)
        return installed.alarm

    return [sagemaker, alarm]


class _Idle:
    """An emulator with nothing to do (no alarm to steer)."""

    def next_due(self) -> None:
        return None

    def run_due(self, now: Any) -> list[dict[str, Any]]:  # noqa: ARG002 - the emulator protocol's signature
        return []


def _short(exc: BaseException, width: int = 300) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= width else text[: width - 1] + "…"
