"""The definition generated with the SageMaker SDK (run by ``make pipeline-check``, in the SDK's virtual environment).

Generation happens inside :func:`pipelines.offline.offline_environment`, whose socket guard raises on any connection
attempt: a passing generation is one that reached no network.
"""

from __future__ import annotations

import json

import pytest

from pipelines import build
from pipelines.placeholders import SKLEARN_FRAMEWORK_VERSION, SKLEARN_IMAGE_URI, render
from pipelines.spec import model_names


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return build.generate()


def test_committed_definitions_and_template_are_what_the_code_generates(generated: dict[str, str]) -> None:
    model, files = build.with_template(generated, build.ROOT)
    diffs = build.stale(files, build.ROOT)
    assert diffs == [], f"stale: run `make pipeline MODEL={model}`\n" + "".join(diffs)


def test_every_model_has_a_generated_definition(generated: dict[str, str]) -> None:
    models = model_names()
    assert "text" in models
    assert sorted(name for name in generated if name.startswith("pipelines/generated/")) == [
        build.definition_file(model) for model in models
    ]


def test_generation_is_deterministic(generated: dict[str, str]) -> None:
    assert build.generate() == generated


def test_definition_is_a_sagemaker_pipeline_with_the_expected_steps(generated: dict[str, str]) -> None:
    definition = json.loads(generated[build.definition_file("text")])
    assert definition["Version"] == "2020-12-01"
    assert [(s["Name"], s["Type"]) for s in definition["Steps"]] == [
        ("Preprocess", "Processing"),
        ("Train", "Training"),
        ("Evaluate", "Processing"),
        ("QualityGate", "Condition"),
    ]


@pytest.mark.parametrize("scope", ["training", "inference"])
def test_image_placeholder_resolves_to_the_sdks_own_image_in_every_region(
    generated: dict[str, str], scope: str
) -> None:
    from sagemaker.core import image_uris

    accounts = json.loads(generated[build.ACCOUNTS_FILE])
    assert len(accounts) > 20
    for region, account in accounts.items():
        expected = image_uris.retrieve(
            "sklearn", region, version=SKLEARN_FRAMEWORK_VERSION, instance_type="ml.m5.large", image_scope=scope
        )
        url_suffix = expected.split(f".dkr.ecr.{region}.", 1)[1].split("/", 1)[0]
        values = {"SklearnImageAccount": account, "AWS::Region": region, "AWS::URLSuffix": url_suffix}
        assert render(SKLEARN_IMAGE_URI, values) == expected
