"""Train step of the tabular example: a histogram gradient-boosting classifier, saved as ``model.joblib``.

Runs as a SageMaker training job in the scikit-learn container (script mode: ``python train.py --learning_rate 0.1
…`` with the job's hyperparameters) and in process in tests. Reads the CSV of the ``train`` channel (header: the
label, then the features) and, when present, the ``validation`` channel; writes ``model.joblib`` (the fitted model
with its feature names) and copies ``inference.py`` into ``<model dir>/code/``. Validation scores are printed as
``validation:roc_auc=0.912`` for the job's metric definitions.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, roc_auc_score

if TYPE_CHECKING:
    from collections.abc import Sequence

LOGGER = logging.getLogger("train")
MODEL_FILENAME = "model.joblib"
INFERENCE_SCRIPT = "inference.py"


class TrainError(ValueError):
    """The training data cannot be used; the message says why."""


def read_split(directory: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """``(feature names, X, labels)`` of every ``*.csv`` in ``directory`` (empty cells are missing values)."""
    features: list[str] | None = None
    matrix: list[list[float]] = []
    labels: list[str] = []
    for path in sorted(directory.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [row for row in csv.reader(handle) if row]
        if not rows:
            continue
        if features is not None and rows[0][1:] != features:
            raise TrainError(f"{path.name}: columns {rows[0][1:]} differ from {features}")
        features = rows[0][1:]
        for row in rows[1:]:
            labels.append(row[0])
            matrix.append([float(cell) if cell != "" else float("nan") for cell in row[1:]])
    if features is None or not labels:
        raise TrainError(f"no rows in {directory}")
    return features, np.asarray(matrix, dtype=float), labels


def roc_auc(model: Any, x: np.ndarray, labels: Sequence[str]) -> float:
    """ROC AUC of ``model`` on ``x``: binary on the second class's probability, else one-vs-rest macro."""
    probabilities = model.predict_proba(x)
    classes = [str(c) for c in model.classes_]
    if len(set(labels)) < 2:
        raise TrainError("ROC AUC needs both classes in the data it scores")
    if len(classes) == 2:
        return float(roc_auc_score([label == classes[1] for label in labels], probabilities[:, 1]))
    return float(roc_auc_score(labels, probabilities, multi_class="ovr", average="macro", labels=classes))


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Fit on the train channel, score on validation, save; return the scores."""
    features, x, labels = read_split(Path(args.train))
    if len(set(labels)) < 2:
        raise TrainError(f"the train split has one class only: {sorted(set(labels))}")
    model = HistGradientBoostingClassifier(
        learning_rate=args.learning_rate,
        max_iter=args.max_iter,
        max_leaf_nodes=args.max_leaf_nodes,
        min_samples_leaf=args.min_samples_leaf,
        l2_regularization=args.l2_regularization,
        random_state=args.seed,
    )
    model.fit(x, labels)
    scores: dict[str, Any] = {"train_records": len(labels), "features": features, "classes": sorted(set(labels))}
    if args.validation and Path(args.validation).is_dir() and any(Path(args.validation).glob("*.csv")):
        val_features, val_x, val_labels = read_split(Path(args.validation))
        if val_features != features:
            raise TrainError(f"validation columns {val_features} differ from train's {features}")
        scores["validation_accuracy"] = float(accuracy_score(val_labels, model.predict(val_x)))
        scores["validation_roc_auc"] = roc_auc(model, val_x, val_labels)
        LOGGER.info("validation:accuracy=%.4f", scores["validation_accuracy"])
        LOGGER.info("validation:roc_auc=%.4f", scores["validation_roc_auc"])
    save({"model": model, "features": features}, Path(args.model_dir))
    return scores


def save(bundle: dict[str, Any], model_dir: Path) -> Path:
    """Write ``model.joblib`` and the serving code into ``model_dir``; return the model file."""
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / MODEL_FILENAME
    joblib.dump(bundle, path)
    inference = Path(__file__).resolve().with_name(INFERENCE_SCRIPT)
    if inference.is_file():
        (model_dir / "code").mkdir(exist_ok=True)
        shutil.copy2(inference, model_dir / "code" / INFERENCE_SCRIPT)
    else:
        LOGGER.warning("%s not found beside train.py; the model has no serving code", INFERENCE_SCRIPT)
    return path


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Hyperparameters (``--learning-rate`` or SageMaker's ``--learning_rate``) and channel/model directories."""
    parser = argparse.ArgumentParser(description="Train the tabular classifier.")
    parser.add_argument("--learning-rate", "--learning_rate", dest="learning_rate", type=float, default=0.05)
    parser.add_argument("--max-iter", "--max_iter", dest="max_iter", type=int, default=100)
    parser.add_argument("--max-leaf-nodes", "--max_leaf_nodes", dest="max_leaf_nodes", type=int, default=15)
    parser.add_argument("--min-samples-leaf", "--min_samples_leaf", dest="min_samples_leaf", type=int, default=20)
    parser.add_argument("--l2-regularization", "--l2_regularization", dest="l2_regularization", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    parser.add_argument(
        "--validation", default=os.environ.get("SM_CHANNEL_VALIDATION", "/opt/ml/input/data/validation")
    )
    # SageMaker script mode may pass more hyperparameters than the script uses; ignore them.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        LOGGER.info("ignoring unknown arguments: %s", unknown)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit code 1 (and SageMaker's failure file) when the data cannot be used."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        scores = train(parse_args(argv))
    except (TrainError, ValueError) as error:
        LOGGER.error("training failed: %s", error)
        _write_failure(str(error))
        return 1
    LOGGER.info("training done: %s", json.dumps(scores, sort_keys=True))
    return 0


def _write_failure(message: str) -> None:
    """SageMaker reports the first 1024 characters of ``/opt/ml/output/failure`` as the job's FailureReason."""
    output_dir = Path(os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output"))
    if output_dir.is_dir():
        (output_dir / "failure").write_text(message[:1024], encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
