"""The IAM report lists statements that exist only with some parameter values (``iam-report-parameters``), so a
conditional grant no flow uses fails it like any other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlopsctl.local.iam import report

pytestmark = pytest.mark.flow

LABEL = "SageMakerExecutionRole/TrainingJobs/PullCustomImage"


def test_a_conditional_statement_is_reported_unused_until_a_flow_uses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "unused").mkdir()
    assert report.main([str(tmp_path / "unused")]) == 1
    assert "unused: SageMakerExecutionRole TrainingJobs/PullCustomImage" in capsys.readouterr().err

    rows = report.rows(report.DEFAULT_TEMPLATE, {LABEL: {"tests/flows/test_custom_image_flow.py::test_with"}})
    (row,) = [r for r in rows if r.statement == "PullCustomImage"]
    assert (row.role, row.status) == ("SageMakerExecutionRole", "used")
    assert len({(r.role, r.policy, r.statement) for r in rows}) == len(rows)  # each statement once
    assert json.dumps([r.statement for r in rows]).count("PullJobImage") == 1
