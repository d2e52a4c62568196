"""``mlopsctl demo --data DIR``: a user's own labeled files through the real system (arrival check, the pipeline's
real step scripts, registration, approval, deployment) on a fresh local stack, and its exit codes.

The data sets are generated here so that what they lead to does not hang on a model's exact predictions: the good set
is separable by vocabulary (every class has its own words), and the set that must fail the quality gate gives the
model nothing to learn (each text's only distinguishing word is one it never saw in training).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from mlopsctl.cli import main

pytestmark = pytest.mark.flow

WORDS = {
    "billing": ("invoice", "refund", "charged", "payment", "receipt", "subscription"),
    "technical": ("crash", "error", "login", "timeout", "install", "server"),
}


def separable(count: int) -> list[tuple[str, str]]:
    """``count`` (label, text) pairs, classes taking turns, each text made of its class's words only."""
    rows = []
    for n in range(count):
        label = ("billing", "technical")[n % 2]
        words = WORDS[label]
        rows.append((label, f"{words[n % 6]} {words[(n // 2) % 6]} {words[(n // 3) % 6]} case{n:04d}"))
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["demo", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_own_csv_and_json_lines_with_other_columns_go_through_the_pipeline_to_the_endpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = separable(80)
    write_csv(tmp_path / "tickets.csv", ["id", "category", "body"], [[str(n), c, b] for n, (c, b) in enumerate(rows)])
    (tmp_path / "more").mkdir()
    more = "".join(json.dumps({"category": c, "body": b.replace("case", "more")}) + "\n" for c, b in separable(40))
    (tmp_path / "more" / "tickets.jsonl").write_text(more, encoding="utf-8")

    code, out, _ = run(capsys, "--data", str(tmp_path), "--label-column", "category", "--feature-columns", "body")

    assert code == 0, out
    assert "(label column category, feature columns body)" in out
    assert "arrival      2 accepted, 0 refused" in out
    assert "pipeline     Succeeded (Preprocess Succeeded, Train Succeeded, Evaluate Succeeded" in out
    assert "registered   v1 PendingManualApproval" in out
    assert "approved     v1: deployment SUCCEEDED" in out
    assert "endpoint     mlops-endpoint InService, serving v1" in out
    assert out.rstrip().endswith("ok: deployed")


def test_files_the_pipeline_cannot_read_are_refused_with_their_reasons_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_csv(tmp_path / "tickets.csv", ["body", "category"], [[b, c] for c, b in separable(10)])
    (tmp_path / "notes.txt").write_text("some notes\n", encoding="utf-8")

    code, out, _ = run(capsys, "--data", str(tmp_path))

    assert code == 1
    assert "arrival      0 accepted, 2 refused" in out
    assert "refused    labeled/tickets.csv: missing-columns: the header lacks the column(s) label, text" in out
    assert "refused    labeled/notes.txt: unsupported-format" in out
    assert out.rstrip().endswith("FAILED: nothing to train on: all 2 file(s) were refused at arrival")


def test_data_a_model_cannot_learn_fails_the_quality_gate_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [[f"ticket case{n:04d}", ("billing", "technical")[n % 2]] for n in range(60)]
    write_csv(tmp_path / "tickets.csv", ["text", "label"], rows)

    code, out, _ = run(capsys, "--data", str(tmp_path))

    assert code == 1
    assert "QualityGate Succeeded, QualityGateFailed Failed" in out
    assert "FAILED: the training pipeline Failed:" in out
    assert "registered" not in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--data", "{tmp}/nowhere"], "no such directory"),
        (["--data", "{tmp}"], "no files in it"),
        (["--data", "{tmp}", "--label-column", "text"], "distinct"),
        (["--label-column", "category"], "need --data DIR"),
    ],
)
def test_usage_errors_exit_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    if "distinct" in says:
        (tmp_path / "a.csv").write_text("text,label\na,b\n", encoding="utf-8")

    code, out, err = run(capsys, *(a.format(tmp=tmp_path) for a in args))

    assert code == 2
    assert says in err
    assert out == ""
