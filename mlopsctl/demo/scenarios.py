"""The demo's scenarios: what a user does, step by step, and the end state expected after each step.

1. **Happy path** — drop tickets into ``incoming/``: a labeling job (the emulated workforce answers with the
   gold labels), the training pipeline with the real step scripts, model v1 ``PendingManualApproval``; approve it:
   the endpoint is created serving v1.
2. **Rollback during the canary** — drop more tickets: model v2; approve it: a canary update, and the endpoint alarm
   trips during the bake; SageMaker's guardrails roll back and the system records ``ROLLED_BACK``.
3. **Rollback after the bake** — retrain with other hyperparameters: model v3; approve it: the canary passes;
   then the alarm trips on the live endpoint, and the system restores the last known-good model (v1) and rejects v3.
4. **Quality gate** — retrain demanding a macro-F1 of 0.99 (``QualityGateThreshold``): the execution fails at the
   gate, nothing is registered.

The tabular example's steps (``mlopsctl demo --example tabular``) are in :mod:`mlopsctl.demo.tabular_scenarios`; the
shared actions and checks below read the gate's metric and default threshold from the model's ``model.json``.

Each check reads the registry, the endpoint, the ledger or the job itself. The setup step checks that the template
has every piece the steps drive (:data:`~mlopsctl.demo.session.PIECES`, the endpoint alarm); a step whose
prerequisites did not end as expected is *skipped*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlopsctl.demo.artifacts import DataDrop, template_model, upload_step_code
from mlopsctl.demo.observe import Package
from mlopsctl.demo.report import StepResult
from mlopsctl.demo.session import CheckFailedError, DemoStack, check

HAPPY, CANARY, AFTER_BAKE, GATE = "1 happy path", "2 canary rollback", "3 rollback after bake", "4 quality gate"
RETRAIN_PARAMETERS = {"ngram_max": "1", "c": "1.0", "max_features": "5000"}
GATE_PARAMETERS = {"QualityGateThreshold": "0.99"}


@dataclass(frozen=True)
class Drops:
    """The two data drops of the demo."""

    first: DataDrop
    second: DataDrop


@dataclass(frozen=True)
class StepSpec:
    """One step: its key, scenario, title, the steps it needs, and what it does."""

    key: str
    scenario: str
    title: str
    needs: tuple[str, ...]
    run: Callable[[DemoStack, StepResult, Drops], None]


# -- actions and checks shared by steps ---------------------------------------------------------------------------


def drop(demo: DemoStack, data: DataDrop, prefix: str = "incoming/") -> None:
    """Put every object of ``data`` under ``prefix`` as a user would, then let the stack settle."""
    s3, bucket = demo.stack.client("s3"), demo.name("DataBucket")
    for name, body in data.objects.items():
        s3.put_object(Bucket=bucket, Key=f"{prefix}{name}", Body=body)
    demo.stack.settle()


def check_labeling(demo: DemoStack, result: StepResult, data: DataDrop, before: int) -> dict[str, Any] | None:
    """One new labeling job, ``Completed``, every object labeled; return it."""
    jobs = demo.observe.labeling_jobs()[before:]
    job = jobs[-1] if jobs else None
    counters = (job or {}).get("LabelCounters") or {}
    actual = (
        f"{len(jobs)} job(s); {job['LabelingJobName']} {job['LabelingJobStatus']}, {counters.get('TotalLabeled', 0)} "
        f"of {len(data.objects)} labeled"
        if job
        else "no labeling job"
    )
    ok = len(jobs) == 1 and job is not None and job["LabelingJobStatus"] == "Completed"
    ok = ok and counters.get("TotalLabeled") == len(data.objects)
    check(result, "labeling job", f"1 job Completed, {len(data.objects)} objects labeled", ok, actual)
    return job if ok else None


def check_registered(demo: DemoStack, result: StepResult, role: str, before: set[str], trigger: str) -> Package | None:
    """One execution ``Succeeded`` and one new package ``PendingManualApproval`` with its real gate metric ≥ the
    model's default threshold."""
    group = demo.name("ModelPackageGroup")
    new = [p for p in demo.observe.packages(group) if p.arn not in before]
    executions = demo.observe.executions(demo.name("TrainingPipeline"))
    last = executions[-1] if executions else None
    gate = demo.model.gate
    expected = f"pipeline Succeeded ({trigger}); 1 new package PendingManualApproval, {gate.metric} ≥ {gate.threshold}"
    if len(new) != 1:
        status = f"{last['PipelineExecutionStatus']}: {last.get('FailureReason', '')}" if last else "no execution"
        check(result, f"model {role} registered", expected, False, f"{len(new)} new package(s); pipeline {status}")
        return None
    package = new[0]
    pipeline = last["PipelineExecutionStatus"] if last else "?"
    actual = f"{package.label} {package.status}, {package.metric} {package.metric_value} (pipeline {pipeline})"
    ok = package.status == "PendingManualApproval" and package.metric == gate.metric
    ok = ok and (package.metric_value or 0.0) >= gate.threshold
    ok = ok and last is not None and last["PipelineExecutionStatus"] == "Succeeded"
    check(result, f"model {role} registered", expected, ok, actual)
    run = next((r for r in demo.runner.runs if r.model_package_arn == package.arn), None)
    if run is not None:
        steps = ", ".join(f"{s.name} {s.wall_seconds:.2f}s" for s in run.steps)
        result.notes.append(f"pipeline steps ran for real: {steps}")
    return package if ok else None


def approve(demo: DemoStack, package: Package) -> None:
    """Approve a package in the registry as a user would (``sagemaker.update_model_package``), then settle."""
    demo.stack.aws(
        "sagemaker",
        "update_model_package",
        ModelPackageArn=package.arn,
        ModelApprovalStatus="Approved",
        ApprovalDescription="approved in the demo",
    )


def check_deployment(demo: DemoStack, result: StepResult, package: Package, outcome: str, serving: Package) -> bool:
    """The ledger records ``outcome`` for ``package``; the endpoint is ``InService`` serving ``serving``."""
    record = demo.observe.deployment_of(demo.endpoint_name, package.arn)
    found = record.outcome.value if record else "no deployment record"
    reason = f" ({record.reason})" if record and record.reason else ""
    ok_record = check(result, f"ledger: deployment of {package.label}", outcome, found == outcome, found + reason)
    return check_serving(demo, result, serving) and ok_record


def check_serving(demo: DemoStack, result: StepResult, package: Package) -> bool:
    """The endpoint is ``InService``, not updating, serving ``package``."""
    serving = demo.observe.serving(demo.endpoint_name)
    labels = {p.arn: p.label for p in demo.observe.packages(demo.name("ModelPackageGroup"))}
    if serving is None:
        actual = "no endpoint"
    else:
        actual = f"{serving.status}, serving {labels.get(serving.package_arn or '', serving.package_arn)}"
    ok = serving is not None and serving.status == "InService" and not serving.updating
    ok = ok and serving is not None and serving.package_arn == package.arn
    return check(result, "endpoint", f"InService serving {package.label}", ok, actual)


def packages_now(demo: DemoStack) -> set[str]:
    """ARNs of the packages in the group now."""
    return {p.arn for p in demo.observe.packages(demo.name("ModelPackageGroup"))}


# -- the steps ----------------------------------------------------------------------------------------------------


def setup(demo: DemoStack, result: StepResult, _drops: Drops) -> None:
    """Deploy locally: the stack is up with every piece the demo drives; upload the step code where the pipeline
    definition looks for it."""
    missing = demo.missing_pieces()
    found = "missing: " + ", ".join(missing) if missing else "every resource the demo drives, an endpoint alarm"
    if not check(result, "pieces in place", "the template has what the demo drives", not missing, found):
        return
    model = template_model(demo.stack.template.path)
    prefix = upload_step_code(demo.stack.client("s3"), demo.name("ArtifactsBucket"), model)
    code = f"s3://{demo.name('ArtifactsBucket')}/{prefix}"
    resources = len(demo.stack.resources.records)
    check(result, "stack", "provisioned from template.yaml", True, f"{resources} resources, functions in process")
    pipeline = demo.stack.client("sagemaker").describe_pipeline(PipelineName=demo.name("TrainingPipeline"))
    named = f'"{code}' in pipeline["PipelineDefinition"]
    actual = code if named else f"{code}, which the registered pipeline definition does not name (run make pipeline)"
    check(result, "step code", f"the {model} model's scripts, where the pipeline looks", named, actual)


def first_drop(demo: DemoStack, result: StepResult, drops: Drops) -> None:
    """Drop the first tickets: labeling, training, model v1."""
    jobs_before, packages_before = len(demo.observe.labeling_jobs()), packages_now(demo)
    drop(demo, drops.first)
    job = check_labeling(demo, result, drops.first, jobs_before)
    package = check_registered(demo, result, "v1", packages_before, "started by the labeling job")
    if job is not None:
        demo.facts.values["manifest"] = job["LabelingJobOutput"]["OutputDatasetS3Uri"]
        demo.facts.values["labeling_job"] = job["LabelingJobName"]
    if package is not None:
        demo.facts.values["v1"] = package


def approve_first(demo: DemoStack, result: StepResult, _drops: Drops) -> None:
    """Approve v1: the endpoint is created."""
    v1 = demo.facts.get("v1")
    approve(demo, v1)
    check_deployment(demo, result, v1, "SUCCEEDED", v1)


def second_drop(demo: DemoStack, result: StepResult, drops: Drops) -> None:
    """Drop more tickets: model v2."""
    jobs_before, packages_before = len(demo.observe.labeling_jobs()), packages_now(demo)
    drop(demo, drops.second)
    check_labeling(demo, result, drops.second, jobs_before)
    package = check_registered(demo, result, "v2", packages_before, "started by the second labeling job")
    if package is not None:
        demo.facts.values["v2"] = package


def canary_rollback(demo: DemoStack, result: StepResult, _drops: Drops) -> None:
    """Approve v2; the alarm trips during the canary bake; guardrails roll back."""
    alarm = demo.endpoint_alarm()
    v1, v2 = demo.facts.get("v1"), demo.facts.get("v2")
    alarm.arm_for_bake()
    approve(demo, v2)
    tripped = [state for _, state, _ in alarm.history if state == "ALARM"]
    check(result, f"alarm {alarm.alarm_name}", "ALARM during the canary bake", bool(tripped) and not alarm.armed,
          "went into ALARM during the bake" if tripped and not alarm.armed else "never baked: not tripped")  # fmt: skip
    check_deployment(demo, result, v2, "ROLLED_BACK", v1)
    serving = demo.observe.serving(demo.endpoint_name)
    if serving is not None and serving.failure_reason:
        result.notes.append(f"endpoint FailureReason: {serving.failure_reason}")


def retrain(demo: DemoStack, result: StepResult, _drops: Drops) -> None:
    """Start the pipeline again with other hyperparameters (as a data scientist would): model v3."""
    before = packages_now(demo)
    start_pipeline(demo, RETRAIN_PARAMETERS, "demo-retrain")
    package = check_registered(demo, result, "v3", before, "started by the user: " + _params(RETRAIN_PARAMETERS))
    if package is not None:
        demo.facts.values["v3"] = package


def approve_third(demo: DemoStack, result: StepResult, _drops: Drops) -> None:
    """Approve v3: the canary passes."""
    v3 = demo.facts.get("v3")
    approve(demo, v3)
    check_deployment(demo, result, v3, "SUCCEEDED", v3)


def alarm_after_bake(demo: DemoStack, result: StepResult, _drops: Drops) -> None:
    """The alarm trips on the live endpoint: the system restores the last known-good model and rejects v3."""
    alarm = demo.endpoint_alarm()
    v1, v3 = demo.facts.get("v1"), demo.facts.get("v3")
    before = {(r.started_at, r.deployment_id) for r in demo.observe.deployments(demo.endpoint_name)}
    alarm.trip()
    demo.stack.settle()
    check_serving(demo, result, v1)
    approval = demo.observe.package(v3.arn).status
    check(result, f"model {v3.label}", "Rejected", approval == "Rejected", approval)
    record = demo.observe.deployment_of(demo.endpoint_name, v3.arn)
    found = record.outcome.value if record else "no deployment record"
    check(result, f"ledger: deployment of {v3.label}", "ROLLED_BACK", found == "ROLLED_BACK", found)
    for new in demo.observe.deployments(demo.endpoint_name):
        if (new.started_at, new.deployment_id) not in before:
            what = " ".join(str(value) for value in (new.decision, new.outcome.value, new.reason) if value)
            result.notes.append(f"ledger: new record {new.deployment_id}: {what}")
    state = str(demo.observe.alarm_state(alarm.alarm_name))
    check(result, f"alarm {alarm.alarm_name}", "OK again once v3 takes no traffic", state == "OK", state)


def quality_gate(demo: DemoStack, result: StepResult, _drops: Drops) -> None:
    """Retrain demanding macro-F1 ≥ 0.99: the execution fails at the quality gate; nothing is registered."""
    quality_gate_with(demo, result, GATE_PARAMETERS)


def quality_gate_with(demo: DemoStack, result: StepResult, parameters: dict[str, str]) -> None:
    """Retrain with ``parameters`` (a threshold out of reach): the execution fails at the gate, registers nothing."""
    before = packages_now(demo)
    start_pipeline(demo, parameters, "demo-strict-gate")
    execution = demo.observe.executions(demo.name("TrainingPipeline"))[-1]
    reason = str(execution.get("FailureReason", ""))
    status = str(execution["PipelineExecutionStatus"])
    ok = status == "Failed" and "QualityGateFailed" in reason
    check(result, "pipeline execution", "Failed at QualityGateFailed", ok, f"{status}: {reason}" if reason else status)
    new = packages_now(demo) - before
    check(result, "registry", "no new model package", not new, f"{len(new)} new package(s)")


def start_pipeline(demo: DemoStack, parameters: dict[str, str], display: str) -> None:
    """``sagemaker.start_pipeline_execution`` on the first drop's training input (the labeling job's manifest), as a
    user would; then settle."""
    values = {"InputManifestUri": demo.facts.get("manifest")}
    if "labeling_job" in demo.facts.values:
        values["LabelingJobName"] = demo.facts.get("labeling_job")
    values.update(parameters)
    demo.stack.aws(
        "sagemaker",
        "start_pipeline_execution",
        PipelineName=demo.name("TrainingPipeline"),
        PipelineExecutionDisplayName=display,
        PipelineParameters=[{"Name": k, "Value": v} for k, v in values.items()],
    )
    if not demo.runner.runs:
        raise CheckFailedError("the pipeline execution never ran")


def _params(parameters: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in parameters.items())


STEPS: tuple[StepSpec, ...] = (
    StepSpec("setup", HAPPY, "deploy locally: stack up, step code uploaded", (), setup),
    StepSpec("drop-1", HAPPY, "drop tickets into incoming/", ("setup",), first_drop),
    StepSpec("approve-v1", HAPPY, "approve v1 → endpoint created", ("drop-1",), approve_first),
    StepSpec("drop-2", CANARY, "drop more tickets", ("setup",), second_drop),
    StepSpec("approve-v2", CANARY, "approve v2 → canary; alarm in bake", ("approve-v1", "drop-2"), canary_rollback),
    StepSpec("retrain", AFTER_BAKE, "retrain with other hyperparameters", ("drop-1",), retrain),
    StepSpec("approve-v3", AFTER_BAKE, "approve v3 → canary passes", ("approve-v2", "retrain"), approve_third),
    StepSpec("alarm-live", AFTER_BAKE, "alarm after the rollout", ("approve-v3",), alarm_after_bake),
    StepSpec("gate", GATE, "retrain demanding macro-F1 ≥ 0.99", ("drop-1",), quality_gate),
)
