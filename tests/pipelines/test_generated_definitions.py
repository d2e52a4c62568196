"""Every model's generated definition (``pipelines/generated/<model>.json``, read as data, no SDK) is its
``model.json``: the image, the scripts and their arguments, the gate, the defaults and the code digest."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

from pipelines.bundle import code_digest, code_prefix
from pipelines.spec import load_spec, model_names
from tests.support.files import ROOT

MODELS = model_names()


def definition(model: str) -> dict[str, Any]:
    return json.loads((ROOT / "pipelines" / "generated" / f"{model}.json").read_text(encoding="utf-8"))


def steps(model: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    pending = list(definition(model)["Steps"])
    while pending:
        step = pending.pop()
        found[step["Name"]] = step
        pending.extend(step.get("Arguments", {}).get("IfSteps", []) + step.get("Arguments", {}).get("ElseSteps", []))
    return found


def test_every_model_folder_has_a_generated_definition_and_nothing_else_is_there() -> None:
    generated = sorted(p.stem for p in (ROOT / "pipelines" / "generated").glob("*.json"))
    assert generated == MODELS


@pytest.mark.parametrize("model", MODELS)
def test_jobs_and_model_run_the_models_image_and_scripts(model: str) -> None:
    spec, by_name = load_spec(model), steps(model)
    prefix = f"s3://${{ArtifactsBucketName}}/{code_prefix(model)}"
    for name, script in (("Preprocess", spec.steps.preprocess), ("Evaluate", spec.steps.evaluate)):
        app = by_name[name]["Arguments"]["AppSpecification"]
        assert app["ImageUri"] == spec.image_uri
        assert app["ContainerEntrypoint"][-1].endswith(f"/{script}")
    train = by_name["Train"]["Arguments"]
    assert train["AlgorithmSpecification"]["TrainingImage"] == spec.image_uri
    assert train["HyperParameters"]["sagemaker_program"] == spec.steps.train
    (container,) = by_name["RegisterModel"]["Arguments"]["InferenceSpecification"]["Containers"]
    assert container["Image"] == spec.image_uri
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == spec.steps.inference
    assert prefix in json.dumps(definition(model))
    lineage = by_name["RegisterModel"]["Arguments"]["CustomerMetadataProperties"]
    assert (lineage["CodeVersion"], lineage["Model"], lineage["GateMetric"]) == (
        code_digest(model),
        model,
        spec.gate.metric,
    )


@pytest.mark.parametrize("model", MODELS)
def test_the_gate_reads_the_models_metric_against_the_threshold_parameter(model: str) -> None:
    spec = load_spec(model)
    (condition,) = steps(model)["QualityGate"]["Arguments"]["Conditions"]
    assert condition["LeftValue"]["Std:JsonGet"]["Path"] == spec.gate.path
    assert condition["RightValue"] == {"Get": "Parameters.QualityGateThreshold"}
    parameters = {p["Name"]: p for p in definition(model)["Parameters"]}
    assert parameters["QualityGateThreshold"]["DefaultValue"] == spec.gate.threshold
    assert parameters["ProcessingInstanceType"]["DefaultValue"] == spec.instance_types.processing
    assert parameters["TrainingInstanceType"]["DefaultValue"] == spec.instance_types.training
    assert parameters["FeatureColumns"]["DefaultValue"] == spec.feature_columns


@pytest.mark.parametrize("model", MODELS)
def test_hyperparameters_are_parameters_of_their_name_that_the_train_script_accepts(model: str) -> None:
    spec = load_spec(model)
    parameters = {p["Name"]: p for p in definition(model)["Parameters"]}
    hyperparameters = steps(model)["Train"]["Arguments"]["HyperParameters"]
    train = importlib.import_module(f"pipelines.models.{model}.train")
    argv = []
    for name, default in spec.hyperparameters.items():
        assert parameters[name]["DefaultValue"] == default
        assert f"Parameters.{name}" in json.dumps(hyperparameters[name])
        argv += [f"--{name}", str(default)]
    parsed = vars(train.parse_args(argv))
    assert {name: parsed[name] for name in spec.hyperparameters} == spec.hyperparameters


@pytest.mark.parametrize("model", MODELS)
def test_the_preprocess_script_accepts_the_arguments_the_definition_gives_it(model: str) -> None:
    preprocess = importlib.import_module(f"pipelines.models.{model}.preprocess")
    arguments = steps(model)["Preprocess"]["Arguments"]["AppSpecification"].get("ContainerArguments", [])
    rendered = ["label" if isinstance(a, dict) else a for a in arguments]
    parsed = preprocess.parse_args(rendered)
    if load_spec(model).column_arguments:
        assert {"--label-column", "--feature-columns"} <= set(rendered)
        assert parsed.label_column == "label"
