"""Evaluate step of the tabular example: score the model on the test split; write ``evaluation.json``.

Runs as a SageMaker processing job in the scikit-learn container and in process in tests. Inputs: the training
job's ``model.tar.gz`` (or an unpacked ``model.joblib``) under ``--model-dir`` and the test CSV under
``--test-dir``. Output, in the layout SageMaker Model Registry shows as model quality metrics::

    {
      "classification_metrics": {
        "roc_auc": {"value": 0.91, "standard_deviation": "NaN"},
        "accuracy": {...}, "macro_f1": {...},
        "confusion_matrix": {"<actual>": {"<predicted>": count}}
      },
      "dataset": {"test_records": 120, "labels": [...], "features": [...]}
    }

The pipeline's quality gate reads ``classification_metrics.roc_auc.value`` (``model.json``'s ``gate.path``).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score

if TYPE_CHECKING:
    from collections.abc import Sequence

LOGGER = logging.getLogger("evaluate")
PROCESSING_ROOT = "/opt/ml/processing"
MODEL_FILENAME = "model.joblib"
REPORT_FILENAME = "evaluation.json"


class EvaluationError(ValueError):
    """The model or the test data is missing or unusable; the message says why."""


def load_model(model_dir: Path) -> dict[str, Any]:
    """Load ``model.joblib`` from ``model_dir``, directly or from inside ``model.tar.gz`` (without extracting)."""
    direct = model_dir / MODEL_FILENAME
    if direct.is_file():
        return dict(joblib.load(direct))
    archive = model_dir / "model.tar.gz"
    if not archive.is_file():
        raise EvaluationError(f"neither {MODEL_FILENAME} nor model.tar.gz in {model_dir}")
    with tarfile.open(archive, "r:gz") as tar:
        member = next((m for m in tar.getmembers() if m.isfile() and Path(m.name).name == MODEL_FILENAME), None)
        extracted = tar.extractfile(member) if member is not None else None
        if extracted is None:
            raise EvaluationError(f"{archive} holds no {MODEL_FILENAME}")
        return dict(joblib.load(io.BytesIO(extracted.read())))


def read_test_set(test_dir: Path, features: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """The test rows (columns in the model's feature order) and their labels."""
    matrix: list[list[float]] = []
    labels: list[str] = []
    for path in sorted(test_dir.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [row for row in csv.reader(handle) if row]
        if not rows:
            continue
        header = rows[0]
        absent = [name for name in features if name not in header]
        if absent:
            raise EvaluationError(f"{path.name} lacks the model's features {absent}")
        at = [header.index(name) for name in features]
        for row in rows[1:]:
            labels.append(row[0])
            matrix.append([float(row[i]) if row[i] != "" else float("nan") for i in at])
    if not labels:
        raise EvaluationError(f"no test records in {test_dir}")
    return np.asarray(matrix, dtype=float), labels


def metrics_report(
    actual: Sequence[str], predicted: Sequence[str], probabilities: np.ndarray, classes: Sequence[str]
) -> dict[str, Any]:
    """The evaluation report (layout in the module docstring)."""
    if len(set(actual)) < 2:
        raise EvaluationError(f"the test split has one class only ({sorted(set(actual))}): ROC AUC is undefined")
    if len(classes) == 2:
        auc = roc_auc_score([label == classes[1] for label in actual], probabilities[:, 1])
    else:
        auc = roc_auc_score(actual, probabilities, multi_class="ovr", average="macro", labels=list(classes))
    labels = sorted(set(actual) | set(predicted))
    matrix = confusion_matrix(actual, predicted, labels=labels)

    def metric(value: float) -> dict[str, Any]:
        return {"value": round(float(value), 6), "standard_deviation": "NaN"}

    return {
        "classification_metrics": {
            "roc_auc": metric(auc),
            "accuracy": metric(accuracy_score(actual, predicted)),
            "macro_f1": metric(f1_score(actual, predicted, average="macro", zero_division=0)),
            "confusion_matrix": {a: {p: int(matrix[i][j]) for j, p in enumerate(labels)} for i, a in enumerate(labels)},
        },
        "dataset": {"test_records": len(actual), "labels": labels},
    }


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    """Run the step: load the model and test set, write ``evaluation.json``; return the report."""
    bundle = load_model(Path(args.model_dir))
    model, features = bundle["model"], list(bundle["features"])
    x, labels = read_test_set(Path(args.test_dir), features)
    classes = [str(c) for c in model.classes_]
    report = metrics_report(labels, [str(p) for p in model.predict(x)], model.predict_proba(x), classes)
    report["dataset"]["features"] = features
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / REPORT_FILENAME).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    scores = report["classification_metrics"]
    LOGGER.info("test roc_auc=%.4f accuracy=%.4f", scores["roc_auc"]["value"], scores["accuracy"]["value"])
    return report


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments; defaults follow the SageMaker processing layout."""
    parser = argparse.ArgumentParser(description="Evaluate the tabular classifier on the test split.")
    parser.add_argument("--model-dir", default=f"{PROCESSING_ROOT}/model")
    parser.add_argument("--test-dir", default=f"{PROCESSING_ROOT}/test")
    parser.add_argument("--output-dir", default=f"{PROCESSING_ROOT}/evaluation")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit code 1 with the reason when the model or test set is unusable."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        evaluate(parse_args(argv))
    except EvaluationError as error:
        LOGGER.error("evaluation failed: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
