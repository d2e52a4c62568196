"""Pipeline runners: what an emulated SageMaker Pipelines execution does and how it ends.

The emulator asks a :class:`PipelineRunner` for the outcome of an execution when its virtual run time is over. A
runner may also cause side effects a real pipeline has (for example, registering a model package in moto, which the
emulator then announces with a ``Model Package State Change`` event).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mlopsctl.local.emulators.sagemaker.pipeline_access import PipelineAccess


@dataclass(frozen=True)
class PipelineRun:
    """One execution to run.

    Attributes
    ----------
    pipeline_name, execution_arn
        Which execution.
    parameters
        ``PipelineParameters`` of ``StartPipelineExecution`` as name → value.
    definition
        The pipeline definition the execution runs (parsed JSON), or None if it is not JSON.
    account_id, region
        Where it runs.
    access
        What SageMaker Pipelines does with the execution's roles, authorized by the local stack's IAM (None: not
        checked); a runner checks each step with it before the step does the work.
    """

    pipeline_name: str
    execution_arn: str
    parameters: Mapping[str, str]
    definition: Mapping[str, Any] | None
    account_id: str
    region: str
    access: PipelineAccess | None = None


@dataclass(frozen=True)
class StepOutcome:
    """How one step ended: ``Succeeded`` or ``Failed`` (with a reason); ``metadata`` as ListPipelineExecutionSteps."""

    name: str
    step_type: str
    status: str = "Succeeded"
    failure_reason: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineOutcome:
    """The steps an execution ran, in order; the execution failed if any step failed."""

    steps: tuple[StepOutcome, ...] = ()

    @property
    def status(self) -> str:
        """``Failed`` if a step failed, else ``Succeeded``."""
        return "Failed" if any(s.status == "Failed" for s in self.steps) else "Succeeded"

    @property
    def failure_reason(self) -> str | None:
        """The first failed step's reason, as DescribePipelineExecution reports it."""
        failed = next((s for s in self.steps if s.status == "Failed"), None)
        if failed is None:
            return None
        return f"Step failure: One or multiple steps failed. {failed.name}: {failed.failure_reason or 'failed'}"

    def failing_at(self, step_name: str | None, reason: str) -> PipelineOutcome:
        """This outcome with ``step_name`` (or the first step) failed for ``reason`` and later steps not run."""
        steps = list(self.steps) or [StepOutcome(name=step_name or "Step", step_type="Processing")]
        index = next((i for i, s in enumerate(steps) if s.name == step_name), None)
        if index is None:
            if step_name is not None:
                steps.append(StepOutcome(name=step_name, step_type="Processing"))
                index = len(steps) - 1
            else:
                index = 0
        failed = StepOutcome(steps[index].name, steps[index].step_type, "Failed", reason, steps[index].metadata)
        return PipelineOutcome(steps=(*steps[:index], failed))


class PipelineRunner(Protocol):
    """Decides how an emulated pipeline execution ends and performs its side effects."""

    def run(self, run: PipelineRun) -> PipelineOutcome:
        """Run ``run`` and return its outcome."""
        ...


def definition_steps(definition: Mapping[str, Any] | None) -> list[StepOutcome]:
    """The steps a definition runs when every condition holds: top-level steps, a condition's ``IfSteps`` after it.

    A ``Fail`` step that would run makes the outcome ``Failed`` with its error message.
    """
    out: list[StepOutcome] = []

    def walk(steps: Any) -> None:
        for step in steps or []:
            if not isinstance(step, Mapping):
                continue
            step_type = str(step.get("Type", "Processing"))
            name = str(step.get("Name", "Step"))
            arguments = step.get("Arguments") or {}
            if step_type == "Fail":
                message = arguments.get("ErrorMessage") if isinstance(arguments, Mapping) else None
                out.append(StepOutcome(name, step_type, "Failed", str(message or "FailStep reached")))
                continue
            metadata = {"Condition": {"Outcome": "True"}} if step_type == "Condition" else {}
            out.append(StepOutcome(name, step_type, metadata=metadata))
            if step_type == "Condition" and isinstance(arguments, Mapping):
                walk(arguments.get("IfSteps"))

    walk((definition or {}).get("Steps"))
    return out


class DefinitionPipelineRunner:
    """Default runner: every step of the pipeline definition succeeds; no side effects (emulated).

    Conditions are taken to hold, so a condition's ``IfSteps`` run and its ``ElseSteps`` do not. With
    :attr:`PipelineRun.access`, each step is first checked as SageMaker would use the roles for it
    (:func:`~mlopsctl.local.emulators.sagemaker.pipeline_access.authorize_definition`): the first denied step fails
    with the
    AccessDenied as its reason, and later steps do not run.
    """

    def run(self, run: PipelineRun) -> PipelineOutcome:
        """The definition's steps, all ``Succeeded`` (unless a ``Fail`` step is reached or a role is denied)."""
        steps = definition_steps(run.definition)
        if run.access is not None and run.definition is not None:
            from mlopsctl.local.emulators.sagemaker.pipeline_access import authorize_definition  # noqa: PLC0415 - no cycle

            denied = authorize_definition(run.access, run.definition, run.parameters)
            if denied is not None:
                return PipelineOutcome(steps=tuple(steps)).failing_at(*denied)
        first_failure = next((i for i, s in enumerate(steps) if s.status == "Failed"), None)
        if first_failure is not None:
            steps = steps[: first_failure + 1]
        return PipelineOutcome(steps=tuple(steps))


def parse_definition(raw: Any) -> Mapping[str, Any] | None:
    """The pipeline definition as a mapping (moto stores it as the JSON string it was given)."""
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return None
        return parsed if isinstance(parsed, Mapping) else None
    return None
