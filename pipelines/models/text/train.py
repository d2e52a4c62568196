"""Train step: a TF-IDF + logistic-regression text classifier, saved as ``model.joblib``.

Runs as a SageMaker training job in the scikit-learn container (script mode: the container runs
``python train.py --max-features 20000 …`` with the job's hyperparameters) and in process in tests.

Reads ``*.jsonl`` (``{"text", "label"}`` lines) from the ``train`` channel and, when present, the ``validation``
channel; writes ``model.joblib`` to the model directory and copies ``inference.py`` (found beside this file) into
``<model dir>/code/``, so ``model.tar.gz`` carries its own serving code (``SAGEMAKER_SUBMIT_DIRECTORY=
/opt/ml/model/code``). Validation scores are printed as ``validation:macro_f1=0.912`` for the job's metric
definitions.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import Pipeline

if TYPE_CHECKING:
    from collections.abc import Sequence

LOGGER = logging.getLogger("train")

MODEL_FILENAME = "model.joblib"
INFERENCE_SCRIPT = "inference.py"


class TrainError(ValueError):
    """The training data cannot be used; the message says why."""


def read_dataset(directory: Path) -> tuple[list[str], list[str]]:
    """Read every ``*.jsonl`` file in ``directory`` into parallel lists of texts and labels."""
    texts: list[str] = []
    labels: list[str] = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                texts.append(str(item["text"]))
                labels.append(str(item["label"]))
    return texts, labels


def build_model(
    *,
    max_features: int = 20000,
    ngram_max: int = 2,
    min_df: int = 1,
    c: float = 4.0,
    max_iter: int = 1000,
    seed: int = 0,
) -> Pipeline:
    """The classifier: word n-gram TF-IDF (sublinear tf) feeding a balanced multinomial logistic regression."""
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    lowercase=True,
                    ngram_range=(1, ngram_max),
                    min_df=min_df,
                    max_features=max_features,
                    sublinear_tf=True,
                    strip_accents="unicode",
                ),
            ),
            ("classifier", LogisticRegression(C=c, max_iter=max_iter, class_weight="balanced", random_state=seed)),
        ]
    )


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Fit the model on the train channel, score it on validation, save it; return the scores."""
    texts, labels = read_dataset(Path(args.train))
    if len(set(labels)) < 2:
        raise TrainError(f"the train channel holds {len(texts)} records and {len(set(labels))} classes; need 2+")
    model = build_model(
        max_features=args.max_features,
        ngram_max=args.ngram_max,
        min_df=args.min_df,
        c=args.c,
        max_iter=args.max_iter,
        seed=args.seed,
    )
    model.fit(texts, labels)
    scores: dict[str, Any] = {"train_records": len(texts), "classes": sorted(set(labels))}
    if args.validation and Path(args.validation).is_dir():
        val_texts, val_labels = read_dataset(Path(args.validation))
        if val_texts:
            predicted = model.predict(val_texts)
            scores["validation_accuracy"] = float(accuracy_score(val_labels, predicted))
            scores["validation_macro_f1"] = float(f1_score(val_labels, predicted, average="macro", zero_division=0))
            # One line per metric, matched by the training job's metric definitions.
            LOGGER.info("validation:accuracy=%.4f", scores["validation_accuracy"])
            LOGGER.info("validation:macro_f1=%.4f", scores["validation_macro_f1"])
    save(model, Path(args.model_dir))
    return scores


def save(model: Pipeline, model_dir: Path) -> Path:
    """Write ``model.joblib`` and the serving code into ``model_dir``; return the model file."""
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / MODEL_FILENAME
    joblib.dump(model, path)
    inference = Path(__file__).resolve().with_name(INFERENCE_SCRIPT)
    if inference.is_file():
        (model_dir / "code").mkdir(exist_ok=True)
        shutil.copy2(inference, model_dir / "code" / INFERENCE_SCRIPT)
    else:
        LOGGER.warning("%s not found beside train.py; the model has no serving code", INFERENCE_SCRIPT)
    return path


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Hyperparameters (``--max-features`` or SageMaker's ``--max_features``) and channel/model directories."""
    parser = argparse.ArgumentParser(description="Train the ticket classifier.")
    parser.add_argument("--max-features", "--max_features", dest="max_features", type=int, default=20000)
    parser.add_argument("--ngram-max", "--ngram_max", dest="ngram_max", type=int, default=2)
    parser.add_argument("--min-df", "--min_df", dest="min_df", type=int, default=1)
    parser.add_argument("--c", "--C", dest="c", type=float, default=4.0, help="inverse regularisation strength")
    parser.add_argument("--max-iter", "--max_iter", dest="max_iter", type=int, default=1000)
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
    except TrainError as error:
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
