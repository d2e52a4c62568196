"""Run the pipeline's step scripts in process, wired as the SageMaker pipeline wires them; the preprocess step's
arguments and the splits it writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.data.generate import DEFAULT_NOISE, DEFAULT_SEED, generate_tickets, write_labeled_jsonl
from pipelines.models.text import evaluate, preprocess, train


@dataclass(frozen=True)
class PipelineRun:
    """Directories and results of one run of preprocess → train → evaluate."""

    root: Path
    preprocess_summary: dict[str, Any]
    train_scores: dict[str, Any]
    report: dict[str, Any]

    @property
    def macro_f1(self) -> float:
        return float(self.report["multiclass_classification_metrics"]["macro_f1"]["value"])


def run_steps(root: Path, count: int = 400, seed: int = DEFAULT_SEED, noise: float = DEFAULT_NOISE) -> PipelineRun:
    """Generate tickets into ``root/input``, then run the three steps with SageMaker-like directories."""
    write_labeled_jsonl(generate_tickets(count, seed, noise), root / "input" / "labeled.jsonl")
    summary = preprocess.run(
        preprocess.parse_args(
            [
                f"--input-dir={root / 'input'}",
                f"--train-dir={root / 'train'}",
                f"--validation-dir={root / 'validation'}",
                f"--test-dir={root / 'test'}",
            ]
        )
    )
    scores = train.train(
        train.parse_args(
            [f"--train={root / 'train'}", f"--validation={root / 'validation'}", f"--model-dir={root / 'model'}"]
        )
    )
    report = evaluate.evaluate(
        evaluate.parse_args(
            [f"--model-dir={root / 'model'}", f"--test-dir={root / 'test'}", f"--output-dir={root / 'evaluation'}"]
        )
    )
    return PipelineRun(root, summary, scores, report)


def args_for(root: Path, *extra: str) -> list[str]:
    return [
        f"--input-dir={root / 'in'}",
        f"--train-dir={root / 'train'}",
        f"--validation-dir={root / 'validation'}",
        f"--test-dir={root / 'test'}",
        *extra,
    ]


def read_split(root: Path, name: str) -> list[dict[str, str]]:
    text = (root / name / f"{name}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]
