"""Serving hooks of the model package, and the step scripts run as the SageMaker containers run them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.bundle import STEP_FILES, model_dir
from pipelines.models.text import inference
from pipelines.models.text.inference import UnsupportedContentTypeError
from tests.support.pipeline_runs import PipelineRun


def invoke(model_dir: Path, body: str | bytes, content_type: str, accept: str = "application/json") -> dict:
    """What the scikit-learn serving container does with a request, hook by hook."""
    model = inference.model_fn(str(model_dir))
    response, mimetype = inference.output_fn(
        inference.predict_fn(inference.input_fn(body, content_type), model), accept
    )
    assert mimetype == "application/json"
    return json.loads(response)


TEXTS = ["My invoice shows the wrong amount and my card was charged twice", "My parcel never arrived"]


def assert_served_as_the_model_predicts(predictions: list[dict], model_dir: Path, texts: list[str]) -> None:
    """Each prediction is the model's own, with a score per known class summing to 1 (whatever the labels are)."""
    model = inference.model_fn(str(model_dir))
    classes = {str(c) for c in model.classes_}
    assert [p["label"] for p in predictions] == [str(label) for label in model.predict(texts)]
    for prediction in predictions:
        assert set(prediction["scores"]) == classes
        assert sum(prediction["scores"].values()) == pytest.approx(1.0, abs=1e-4)
        assert prediction["label"] == max(prediction["scores"], key=prediction["scores"].__getitem__)


def test_served_model_labels_json_requests_with_scores(default_run: PipelineRun) -> None:
    predictions = invoke(default_run.root / "model", json.dumps({"instances": TEXTS}), "application/json")
    assert_served_as_the_model_predicts(predictions["predictions"], default_run.root / "model", TEXTS)


def test_served_model_takes_a_single_text_or_plain_text_lines(default_run: PipelineRun) -> None:
    model_dir = default_run.root / "model"
    single = invoke(model_dir, json.dumps({"text": "I cannot log in to my account"}), "application/json; charset=utf-8")
    lines = invoke(model_dir, b"I cannot log in to my account\n\nThe app crashes on start\n", "text/plain")
    assert_served_as_the_model_predicts(single["predictions"], model_dir, ["I cannot log in to my account"])
    assert_served_as_the_model_predicts(
        lines["predictions"], model_dir, ["I cannot log in to my account", "The app crashes on start"]
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("a,b", "text/csv"), (json.dumps({"instances": [1, 2]}), "application/json"), ("{}", "application/json")],
)
def test_unsupported_requests_are_refused_with_a_reason(body: str, content_type: str) -> None:
    with pytest.raises(UnsupportedContentTypeError):
        inference.input_fn(body, content_type)


def test_only_json_responses_are_offered() -> None:
    with pytest.raises(UnsupportedContentTypeError, match="accept"):
        inference.output_fn([], "text/csv")


def test_step_scripts_run_standalone_as_in_the_containers(tmp_path: Path) -> None:
    """Each script runs from a bare directory with only the bundle's files, like /opt/ml/code in SageMaker."""
    code = tmp_path / "code"
    code.mkdir()
    for name in STEP_FILES:
        shutil.copy2(model_dir("text") / name, code / name)
    data = tmp_path / "input"
    subprocess.run(  # noqa: S603 - our own generator, fixed arguments
        [sys.executable, "-m", "pipelines.data.generate", "--out", str(data / "labeled.jsonl"), "--count", "150"],
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    steps = [
        [
            "preprocess.py",
            f"--input-dir={data}",
            *(f"--{s}-dir={tmp_path / s}" for s in ("train", "validation", "test")),
        ],
        ["train.py", "--max_features", "5000", f"--model-dir={tmp_path / 'model'}"],
        ["evaluate.py", f"--model-dir={tmp_path / 'model'}", f"--test-dir={tmp_path / 'test'}"],
    ]
    env = {
        "PATH": "/usr/bin:/bin",
        "SM_CHANNEL_TRAIN": str(tmp_path / "train"),
        "SM_CHANNEL_VALIDATION": str(tmp_path / "validation"),
    }
    for script, *args in steps[:2]:
        subprocess.run([sys.executable, str(code / script), *args], check=True, cwd=tmp_path, env=env)  # noqa: S603
    evaluate_args = [*steps[2][1:], f"--output-dir={tmp_path / 'evaluation'}"]
    subprocess.run([sys.executable, str(code / "evaluate.py"), *evaluate_args], check=True, cwd=tmp_path, env=env)  # noqa: S603
    report = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text(encoding="utf-8"))
    assert report["dataset"]["test_records"] > 0
    assert (tmp_path / "model" / "code" / "inference.py").is_file()
