"""``mlopsctl demo`` on the project's template: every scenario ends in its expected state.

The demo runs once for the module (about half a minute); the tests then read the end states through the stack's own
clients (registry, endpoint, ledger, S3), independently of the demo's checks, and look at what the demo reported.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mlopsctl.cli import main
from mlopsctl.demo.command import DemoOptions, run_demo
from mlopsctl.demo.report import Status
from pipelines.spec import load_spec
from tests.support.demo import DemoRun, EndStates, not_ok, read_end_states

pytestmark = pytest.mark.flow
GATE = load_spec("text").gate

FIXTURE_TEMPLATE = Path(__file__).resolve().parents[1] / "fixtures" / "local_stack" / "template.yaml"


@pytest.fixture(scope="module")
def run() -> DemoRun:
    end = EndStates()
    out = io.StringIO()
    report = run_demo(DemoOptions(), out, inspect=lambda demo: read_end_states(demo, end))
    return DemoRun(report, out.getvalue(), end)


def test_every_scenario_ends_in_its_expected_state(run: DemoRun) -> None:
    assert not_ok(run.report) == []
    assert run.report.ok
    assert [s.key for s in run.report.steps] == [
        "setup",
        "drop-1",
        "approve-v1",
        "drop-2",
        "approve-v2",
        "retrain",
        "approve-v3",
        "alarm-live",
        "gate",
    ]


def test_dropped_tickets_are_labeled_and_train_models_with_real_metrics(run: DemoRun) -> None:
    first, second = run.end.labeling_jobs
    assert first["LabelingJobStatus"] == second["LabelingJobStatus"] == "Completed"
    assert first["LabelCounters"]["TotalLabeled"] == second["LabelCounters"]["TotalLabeled"] == 150
    parameters = [execution["PipelineParameters"] for execution in run.end.executions]
    assert parameters[0]["LabelingJobName"] == first["LabelingJobName"]
    assert parameters[1]["LabelingJobName"] == second["LabelingJobName"]
    for version, report in run.end.reports.items():
        # Registered, so it passed the gate at the model's default threshold (not an exact score).
        assert report["multiclass_classification_metrics"]["macro_f1"]["value"] >= GATE.threshold, version
        assert report["dataset"]["test_records"] > 0


def test_lineage_in_the_registry_survives_approval(run: DemoRun) -> None:
    """SageMaker keeps ``CustomerMetadataProperties`` when ``UpdateModelPackage`` does not name them."""
    first = run.end.labeling_jobs[0]
    lineage = run.end.packages[1].get("CustomerMetadataProperties", {})
    assert lineage.get("LabelingJobName") == first["LabelingJobName"]
    measured = run.end.reports[1]["multiclass_classification_metrics"]["macro_f1"]["value"]
    assert lineage.get("GateMetric") == GATE.metric
    assert float(lineage.get("GateMetricValue", "nan")) == measured


def test_the_canary_that_trips_an_alarm_is_recorded_rolled_back(run: DemoRun) -> None:
    v2 = run.end.packages[2]["ModelPackageArn"]
    assert run.end.outcomes[v2] == ["ROLLED_BACK"]
    assert run.report.step("approve-v2").status is Status.OK
    events = [e["detail_type"] for e in run.report.step("approve-v2").entries if e["kind"] == "event"]
    assert "CloudWatch Alarm State Change" in events


def test_an_alarm_after_the_rollout_restores_the_last_known_good_model(run: DemoRun) -> None:
    v1, v3 = run.end.packages[1]["ModelPackageArn"], run.end.packages[3]["ModelPackageArn"]
    assert run.end.outcomes[v1][0] == "SUCCEEDED"
    assert run.end.outcomes[v3] == ["ROLLED_BACK"]
    assert run.end.packages[3]["ModelApprovalStatus"] == "Rejected"
    assert (run.end.endpoint_status, run.end.serving_package) == ("InService", v1)


def test_the_quality_gate_fails_a_strict_retraining_and_registers_nothing(run: DemoRun) -> None:
    gate = run.end.executions[-1]
    assert gate["PipelineExecutionStatus"] == "Failed"
    assert "QualityGateFailed" in gate["FailureReason"]
    assert sorted(run.end.packages) == [1, 2, 3]


def test_the_demo_prints_each_steps_timeline_with_durations_and_a_summary_table(run: DemoRun) -> None:
    for step in run.report.steps:
        assert f"▶ {step.scenario} · {step.title}" in run.output
    assert "event      aws.s3  Object Created  x150" in run.output
    assert "⏱ virtual" in run.output
    assert "Scenario" in run.output
    assert "total: virtual" in run.output
    assert run.report.virtual_seconds > 0
    assert run.report.wall_seconds > 0


def test_a_template_without_a_piece_fails_the_setup_check_naming_it_and_skips_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["demo", "--template", str(FIXTURE_TEMPLATE), "--quiet"])

    output = capsys.readouterr().out
    assert code == 1
    assert "✗ pieces in place: missing: ArtifactsBucket" in output
    assert "expected: the template has what the demo drives" in output
    assert "skipped" in output
