"""``model.json`` (``pipelines/spec.py``): the shipped models load, and a bad file is refused naming the file and
what is wrong with it, before any definition is built."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipelines.bundle import MODELS_DIR
from pipelines.placeholders import SKLEARN_IMAGE_URI
from pipelines.spec import SpecError, load_spec, model_names


def test_the_shipped_models_load_with_their_gate_and_hyperparameters() -> None:
    assert {"text", "tabular"} <= set(model_names())
    text, tabular = load_spec("text"), load_spec("tabular")
    assert (text.gate.metric, text.gate.threshold, text.input_format) == ("macro_f1", 0.8, "jsonl")
    assert (tabular.gate.metric, tabular.gate.threshold, tabular.input_format) == ("roc_auc", 0.75, "csv")
    assert text.image_uri == tabular.image_uri == SKLEARN_IMAGE_URI
    assert set(text.hyperparameters) == {"max_features", "ngram_max", "min_df", "c"}
    assert tabular.feature_columns == "auto"


def copy_of(tmp_path: Path, model: str = "tabular", **changes: Any) -> Path:
    """``model``'s folder copied under ``tmp_path/models/mine`` with ``changes`` made to its model.json."""
    folder = tmp_path / "models" / "mine"
    shutil.copytree(MODELS_DIR / model, folder)
    spec = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    (folder / "model.json").write_text(json.dumps(spec), encoding="utf-8")
    return tmp_path / "models"


def test_a_copied_model_with_its_own_image_loads(tmp_path: Path) -> None:
    image = {"uri": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/my-model:1.0"}
    spec = load_spec("mine", copy_of(tmp_path, image=image))
    assert spec.name == "mine"
    assert spec.image_uri == image["uri"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"gate": None}, "gate: Field required"),
        ({"colour": "blue"}, "colour: Extra inputs are not permitted"),
        ({"input_format": "parquet"}, "input_format: Input should be 'jsonl' or 'csv'"),
        ({"hyperparameters": {"LearningRate": 0.1}}, "lower-case snake_case"),
        ({"hyperparameters": {"early_stopping": True}}, "not booleans"),
        ({"image": {"uri": "docker.io/me/model:1"}}, "image"),
        ({"image": {"framework": "pytorch"}}, "image"),
        ({"gate": {"metric": "auc", "path": "a..b", "threshold": 0.5}}, "gate.path"),
        ({"metric_definitions": {"validation:auc": "auc=[0-9.]+"}}, "exactly one group"),
        ({"metric_definitions": {"validation:auc": "auc=(["}}, "not a regular expression"),
        ({"steps": {"train": "fit.py"}}, "step files not in"),
        ({"name": "theirs"}, "differs from its folder"),
        ({"instance_types": {"training": "m5.large"}}, "instance_types.training"),
    ],
)
def test_a_bad_model_json_is_refused_naming_the_file_and_the_field(
    tmp_path: Path, changes: dict[str, Any], reason: str
) -> None:
    models = copy_of(tmp_path, **changes)
    with pytest.raises(SpecError, match=r"mine/model\.json") as raised:
        load_spec("mine", models)
    assert reason in str(raised.value)


def test_a_folder_without_model_json_or_with_broken_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(SpecError, match="no such file"):
        load_spec("empty", tmp_path)
    (tmp_path / "empty" / "model.json").write_text('{"description": ', encoding="utf-8")
    with pytest.raises(SpecError, match="not JSON"):
        load_spec("empty", tmp_path)
    (tmp_path / "empty" / "model.json").write_text("[]", encoding="utf-8")
    with pytest.raises(SpecError, match="expected a JSON object"):
        load_spec("empty", tmp_path)
    assert "empty" in model_names(tmp_path)
