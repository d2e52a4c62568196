"""``mlopsctl demo --example tabular`` (``make demo EXAMPLE=tabular``): the lifecycle with the tabular CSV model.

The demo runs once for the module; the tests read the end states through the stack's own clients, independently of
the demo's checks. Nothing here depends on the model's exact scores: the registered models passed the gate at its
default threshold, and the strict gate's threshold is above what any of them measured.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mlopsctl.cli import main
from mlopsctl.demo.command import DemoOptions, run_demo
from mlopsctl.demo.examples import example_template
from mlopsctl.demo.session import DemoStack
from mlopsctl.demo.tabular_scenarios import TABULAR_GATE_PARAMETERS
from pipelines.bundle import code_prefix
from pipelines.spec import load_spec
from pipelines.template_block import current_model
from tests.support.demo import DemoRun, EndStates, not_ok, read_end_states

pytestmark = pytest.mark.flow

SPEC = load_spec("tabular")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run() -> DemoRun:
    end = EndStates()
    out = io.StringIO()
    code: list[str] = []

    def inspect(demo: DemoStack) -> None:
        read_end_states(demo, end)
        s3, bucket = demo.stack.client("s3"), demo.stack.physical_name("ArtifactsBucket")
        code.extend(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="pipelines/code/").get("Contents", []))

    report = run_demo(DemoOptions(example="tabular", timeline=False), out, inspect=inspect)
    return DemoRun(report, out.getvalue() + "\n".join(code), end)


def test_every_tabular_scenario_ends_in_its_expected_state(run: DemoRun) -> None:
    assert not_ok(run.report) == []
    assert run.report.ok
    assert [s.key for s in run.report.steps] == ["setup", "drop-1", "approve-v1", "drop-2", "approve-v2", "gate"]


def test_the_stack_ran_the_tabular_models_own_scripts_and_labeled_nothing(run: DemoRun) -> None:
    assert run.end.labeling_jobs == []
    assert f"{code_prefix('tabular')}preprocess.py" in run.output
    assert code_prefix("text") not in run.output
    for version, package in run.end.packages.items():
        lineage = package["CustomerMetadataProperties"]
        assert (lineage["Model"], lineage["GateMetric"]) == ("tabular", "roc_auc"), version
        assert package["InferenceSpecification"]["SupportedContentTypes"] == ["text/csv", "application/json"]


def test_registered_models_passed_the_gate_and_the_strict_gate_was_out_of_their_reach(run: DemoRun) -> None:
    strict = float(TABULAR_GATE_PARAMETERS["QualityGateThreshold"])
    measured = [report["classification_metrics"]["roc_auc"]["value"] for report in run.end.reports.values()]
    assert len(measured) == 2
    assert all(SPEC.gate.threshold <= value < strict for value in measured)
    failed = [e for e in run.end.executions if e["PipelineExecutionStatus"] == "Failed"]
    (gate,) = failed
    assert gate["PipelineParameters"]["QualityGateThreshold"] == TABULAR_GATE_PARAMETERS["QualityGateThreshold"]
    assert "QualityGateFailed" in gate["FailureReason"]


def test_the_canary_rollback_leaves_v1_serving(run: DemoRun) -> None:
    v1, v2 = run.end.packages[1]["ModelPackageArn"], run.end.packages[2]["ModelPackageArn"]
    assert run.end.outcomes[v2] == ["ROLLED_BACK"]
    assert run.end.serving_package == v1
    assert run.end.endpoint_status == "InService"


def test_the_derived_template_holds_the_tabular_definition_and_is_removed_afterwards() -> None:
    with example_template(ROOT / "template.yaml", "tabular") as derived:
        assert derived != ROOT / "template.yaml"
        assert current_model(derived.read_text(encoding="utf-8")) == "tabular"
        assert (derived.parent / "functions").resolve() == ROOT / "functions"
        folder = derived.parent
    assert not folder.exists()
    with example_template(ROOT / "template.yaml", "text") as same:
        assert same == ROOT / "template.yaml"


def test_an_unknown_example_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["demo", "--example", "images", "--quiet"])
    assert raised.value.code == 2
    assert "invalid choice: 'images'" in capsys.readouterr().err
