"""Evaluate step: score the trained model on the held-out test split; write ``evaluation.json``.

Runs as a SageMaker processing job in the scikit-learn container and in process in tests. Inputs: the training
job's ``model.tar.gz`` (or an unpacked ``model.joblib``) under ``--model-dir`` and ``*.jsonl`` test records under
``--test-dir``. Output, in the layout SageMaker Model Registry shows as model quality metrics (``value`` and
``standard_deviation`` per metric)::

    {
      "multiclass_classification_metrics": {
        "accuracy": {"value": 0.93, "standard_deviation": "NaN"},
        "macro_f1": {...}, "macro_precision": {...}, "macro_recall": {...}, "weighted_f1": {...},
        "confusion_matrix": {"<actual>": {"<predicted>": count}}
      },
      "per_class": {"<label>": {"precision": 0.9, "recall": 0.95, "f1": 0.92, "support": 16}},
      "dataset": {"test_records": 80, "labels": [...]}
    }

The pipeline's quality gate reads ``multiclass_classification_metrics.macro_f1.value``.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

if TYPE_CHECKING:
    from collections.abc import Sequence

LOGGER = logging.getLogger("evaluate")

PROCESSING_ROOT = "/opt/ml/processing"
MODEL_FILENAME = "model.joblib"
REPORT_FILENAME = "evaluation.json"
GATE_METRIC_PATH = "multiclass_classification_metrics.macro_f1.value"


class EvaluationError(ValueError):
    """The model or the test data is missing or unusable; the message says why."""


def load_model(model_dir: Path) -> Any:
    """Load ``model.joblib`` from ``model_dir``, directly or from inside ``model.tar.gz`` (without extracting)."""
    direct = model_dir / MODEL_FILENAME
    if direct.is_file():
        return joblib.load(direct)
    archive = model_dir / "model.tar.gz"
    if not archive.is_file():
        raise EvaluationError(f"neither {MODEL_FILENAME} nor model.tar.gz in {model_dir}")
    with tarfile.open(archive, "r:gz") as tar:
        member = next((m for m in tar.getmembers() if m.isfile() and Path(m.name).name == MODEL_FILENAME), None)
        extracted = tar.extractfile(member) if member is not None else None
        if extracted is None:
            raise EvaluationError(f"{archive} holds no {MODEL_FILENAME}")
        return joblib.load(io.BytesIO(extracted.read()))


def read_test_set(test_dir: Path) -> tuple[list[str], list[str]]:
    """Read the ``{"text", "label"}`` lines of every ``*.jsonl`` file in ``test_dir``."""
    texts: list[str] = []
    labels: list[str] = []
    for path in sorted(test_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                texts.append(str(item["text"]))
                labels.append(str(item["label"]))
    if not texts:
        raise EvaluationError(f"no test records in {test_dir}")
    return texts, labels


def metrics_report(actual: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Compute the evaluation report (layout in the module docstring) from true and predicted labels."""
    labels = sorted(set(actual) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(actual, predicted, labels=labels, zero_division=0)
    # Macro averages over the classes present in the test set, so a wrongly predicted unknown label counts
    # against precision without adding a phantom class to the average.
    present = [i for i, label in enumerate(labels) if label in set(actual)]
    matrix = confusion_matrix(actual, predicted, labels=labels)
    weights = [int(support[i]) for i in present]

    def mean(values: Any, indices: list[int], w: list[int] | None = None) -> float:
        if w is None:
            return float(sum(values[i] for i in indices) / len(indices))
        return float(sum(values[i] * wi for i, wi in zip(indices, w)) / sum(w))  # noqa: B905 - py3.9 container

    def metric(value: float) -> dict[str, Any]:
        return {"value": round(value, 6), "standard_deviation": "NaN"}

    return {
        "multiclass_classification_metrics": {
            "accuracy": metric(float(accuracy_score(actual, predicted))),
            "macro_f1": metric(mean(f1, present)),
            "macro_precision": metric(mean(precision, present)),
            "macro_recall": metric(mean(recall, present)),
            "weighted_f1": metric(mean(f1, present, weights)),
            "confusion_matrix": {a: {p: int(matrix[i][j]) for j, p in enumerate(labels)} for i, a in enumerate(labels)},
        },
        "per_class": {
            labels[i]: {
                "precision": round(float(precision[i]), 6),
                "recall": round(float(recall[i]), 6),
                "f1": round(float(f1[i]), 6),
                "support": int(support[i]),
            }
            for i in range(len(labels))
        },
        "dataset": {"test_records": len(actual), "labels": labels},
    }


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    """Run the step: load the model and test set, write ``evaluation.json``; return the report."""
    model = load_model(Path(args.model_dir))
    texts, labels = read_test_set(Path(args.test_dir))
    report = metrics_report(labels, [str(label) for label in model.predict(texts)])
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / REPORT_FILENAME).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    gate = report["multiclass_classification_metrics"]
    LOGGER.info("test accuracy=%.4f macro_f1=%.4f", gate["accuracy"]["value"], gate["macro_f1"]["value"])
    return report


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments; defaults follow the SageMaker processing layout."""
    parser = argparse.ArgumentParser(description="Evaluate the ticket classifier on the test split.")
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
