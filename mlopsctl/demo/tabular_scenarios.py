"""The tabular example's scenarios (``mlopsctl demo --example tabular``): the lifecycle with a CSV model.

The template is deployed with the tabular model's pipeline definition (``pipelines/generated/tabular.json``, as
``make pipeline MODEL=tabular`` would write it) and the tabular model's scripts are uploaded; the pipeline emulator
runs them for real. The stack's ``FeatureColumns`` are the data's numeric columns (the arrival check refuses files
without them; the pipeline's preprocess reads them).

1. **Happy path** — drop a labelled CSV file under ``labeled/``: no labeling job, the pipeline trains on it directly
   (histogram gradient boosting), model v1 ``PendingManualApproval`` with its ROC AUC; approve it: the endpoint is
   created serving v1.
2. **Rollback during the canary** — drop more rows: model v2; approve it: the alarm trips during the canary bake and
   SageMaker's guardrails roll back to v1.
3. **Quality gate** — retrain demanding a ROC AUC of 0.999 (``QualityGateThreshold``; the generated data's label
   noise keeps it out of reach): the execution fails at the gate, nothing is registered.
"""

from __future__ import annotations

from mlopsctl.demo.artifacts import DataDrop
from mlopsctl.demo.report import StepResult
from mlopsctl.demo.scenarios import (
    CANARY,
    HAPPY,
    Drops,
    StepSpec,
    approve_first,
    canary_rollback,
    check_registered,
    drop,
    packages_now,
    quality_gate_with,
    setup,
)
from mlopsctl.demo.session import DemoStack, check
from pipelines.data.tabular import LABELS, generate_rows, to_csv

GATE = "3 quality gate"
LABELED = "labeled/"
TABULAR_GATE_PARAMETERS = {"QualityGateThreshold": "0.999"}


def csv_drop(rows: int, seed: int, *, name: str, start: int = 0) -> DataDrop:
    """``rows`` generated customer rows as one labelled CSV object.

    Examples
    --------
    >>> drop = csv_drop(40, seed=1, name="customers-1.csv")
    >>> list(drop.objects), drop.objects["customers-1.csv"].splitlines()[0][:11]
    (['customers-1.csv'], b'customer_id')
    """
    body = to_csv(generate_rows(rows, seed, start=start)).encode("utf-8")
    return DataDrop(objects={name: body}, gold={}, label_set=LABELS)


def _trained_directly(demo: DemoStack, result: StepResult, data: DataDrop, role: str) -> None:
    """Drop ``data`` under ``labeled/``: no labeling job, one execution on it, one new package."""
    jobs_before, packages_before = len(demo.observe.labeling_jobs()), packages_now(demo)
    drop(demo, data, LABELED)
    jobs = len(demo.observe.labeling_jobs()) - jobs_before
    check(result, "labeling", "none: the data is labelled already", jobs == 0, f"{jobs} labeling job(s)")
    package = check_registered(demo, result, role, packages_before, "started by data arrival, labeled/ CSV")
    if package is not None:
        demo.facts.values[role] = package
        execution = demo.observe.executions(demo.name("TrainingPipeline"))[-1]
        demo.facts.values.setdefault("manifest", execution["Parameters"]["InputManifestUri"])


def first_csv(demo: DemoStack, result: StepResult, drops: Drops) -> None:
    """Drop the first CSV file: trained directly, model v1."""
    _trained_directly(demo, result, drops.first, "v1")


def second_csv(demo: DemoStack, result: StepResult, drops: Drops) -> None:
    """Drop a second CSV file: model v2."""
    _trained_directly(demo, result, drops.second, "v2")


def strict_gate(demo: DemoStack, result: StepResult, _drops: Drops) -> None:
    """Retrain demanding ROC AUC ≥ 0.999: the execution fails at the quality gate; nothing is registered."""
    quality_gate_with(demo, result, TABULAR_GATE_PARAMETERS)


TABULAR_STEPS: tuple[StepSpec, ...] = (
    StepSpec("setup", HAPPY, "deploy locally: stack up, tabular step code uploaded", (), setup),
    StepSpec("drop-1", HAPPY, "drop a labelled CSV into labeled/", ("setup",), first_csv),
    StepSpec("approve-v1", HAPPY, "approve v1 → endpoint created", ("drop-1",), approve_first),
    StepSpec("drop-2", CANARY, "drop another labelled CSV", ("setup",), second_csv),
    StepSpec("approve-v2", CANARY, "approve v2 → canary; alarm in bake", ("approve-v1", "drop-2"), canary_rollback),
    StepSpec("gate", GATE, "retrain demanding ROC AUC ≥ 0.999", ("drop-1",), strict_gate),
)
