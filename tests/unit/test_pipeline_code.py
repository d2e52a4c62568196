"""Which step code a pipeline definition names, and the check's cache (positive answers only)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from mlops_core.training.code_check import MAX_LISTED_URIS, PipelineCodeCheck, refusal_reason
from mlops_core.training.code_store import PipelineCode, code_uris

GENERATED = sorted((Path(__file__).resolve().parents[2] / "pipelines" / "generated").glob("*.json"))


def training_step(uri: Any, hyperparameters: Mapping[str, Any]) -> dict[str, Any]:
    channel = {"ChannelName": "code", "DataSource": {"S3DataSource": {"S3Uri": uri}}}
    arguments = {"HyperParameters": hyperparameters, "InputDataConfig": [channel]}
    return {"Name": "Train", "Type": "Training", "Arguments": arguments}


@pytest.mark.parametrize("definition", GENERATED, ids=lambda path: path.stem)
def test_every_generated_definition_names_its_three_job_scripts(definition: Path) -> None:
    text = definition.read_text().replace("${ArtifactsBucketName}", "artifacts")
    uris = code_uris(json.loads(text))

    prefixes = {uri.rpartition("/")[0] for uri in uris}
    assert len(prefixes) == 1
    assert prefixes.pop().startswith("s3://artifacts/pipelines/code/")
    assert sorted(uri.rpartition("/")[2] for uri in uris) == ["evaluate.py", "preprocess.py", "train.py"]


def test_there_is_a_generated_definition_for_each_example() -> None:
    assert {path.stem for path in GENERATED} >= {"text", "tabular"}


def test_a_training_code_prefix_needs_its_program_and_quoted_hyperparameters_are_read() -> None:
    step = training_step("s3://b/code/x/", {"sagemaker_program": '"train.py"'})

    assert code_uris({"Steps": [step]}) == ("s3://b/code/x/train.py",)


def test_a_source_archive_and_a_channel_named_by_the_submit_directory_are_checked() -> None:
    step = training_step("s3://b/other/", {"sagemaker_submit_directory": "s3://b/code/src.tar.gz"})
    named = training_step("s3://b/code/y/", {"sagemaker_submit_directory": "/opt/ml/input/data/code"})

    assert code_uris({"Steps": [step]}) == ("s3://b/code/src.tar.gz", "s3://b/other/")
    assert code_uris({"Steps": [named]}) == ("s3://b/code/y/",)


def test_code_given_by_a_parameter_is_known_only_at_run_time_and_steps_inside_conditions_count() -> None:
    inner = training_step("s3://b/code/z/train.py", {})
    condition = {"Name": "Gate", "Type": "Condition", "Arguments": {"IfSteps": [inner], "ElseSteps": []}}
    parameterised = training_step({"Get": "Parameters.CodeUri"}, {})

    assert code_uris({"Steps": [condition, parameterised]}) == ("s3://b/code/z/train.py",)


class FakeCode(PipelineCode):
    def __init__(self, definition: dict[str, Any], keys: set[str]) -> None:
        self._definition = definition
        self.stored = keys
        self.listed = 0

    def definition(self, pipeline_name: str) -> Mapping[str, Any]:
        return self._definition

    def keys(self, bucket: str, prefix: str) -> frozenset[str]:
        self.listed += 1
        return frozenset(k for k in self.stored if k.startswith(prefix))


@pytest.fixture
def code() -> FakeCode:
    return FakeCode({"Steps": [training_step("s3://b/code/x/", {"sagemaker_program": "train.py"})]}, set())


def test_a_missing_answer_is_not_cached_and_a_present_one_is(code: FakeCode) -> None:
    check = PipelineCodeCheck(code)

    assert check.missing("p") == ("s3://b/code/x/train.py",)
    code.stored.add("code/x/train.py")
    assert check.missing("p") == ()
    assert check.missing("p") == ()
    assert code.listed == 2  # the third call answered from the cache


def test_a_definition_naming_new_code_is_checked_again(code: FakeCode) -> None:
    code.stored.add("code/x/train.py")
    check = PipelineCodeCheck(code)
    assert check.missing("p") == ()

    code._definition = {"Steps": [training_step("s3://b/code/new/", {"sagemaker_program": "train.py"})]}

    assert check.missing("p") == ("s3://b/code/new/train.py",)


def test_the_reason_names_the_missing_code_and_the_command() -> None:
    missing = tuple(f"s3://b/code/{n}.py" for n in range(MAX_LISTED_URIS + 2))

    reason = refusal_reason("mlops-dev", "mlops-dev-training", missing)

    assert "s3://b/code/0.py" in reason
    assert "and 2 more" in reason
    assert "upload the step code: make deploy ENV=" in reason
    assert "mlops-dev" in reason
