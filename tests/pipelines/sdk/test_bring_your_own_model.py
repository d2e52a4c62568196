"""The README's "Bring your own model" guide, followed literally on a copy of the repository's files: copy an example,
describe the model (own image, gate, hyperparameters, instance types) in its ``model.json``, build, and the
template's pipeline is that model's, running that image with those defaults."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cfnlint.decode import decode

from pipelines import build
from pipelines.bundle import code_prefix
from pipelines.template_block import current_model

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = README[README.index("### Bring your own model") : README.index("## Approval → canary deployment")]
IMAGE = "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/churn:1.0"


def test_the_guide_names_the_commands_this_test_runs() -> None:
    assert "`cp -r pipelines/models/tabular pipelines/models/churn`" in GUIDE
    assert f'`{{"uri": "{IMAGE}"}}`' in GUIDE
    assert "`make pipeline MODEL=churn`" in GUIDE
    assert "CustomImageRepositoryArn" in GUIDE
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert '-m pipelines.build $(if $(MODEL),--model "$(MODEL)")' in makefile


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("byom")
    shutil.copy2(ROOT / "template.yaml", root / "template.yaml")
    shutil.copytree(ROOT / "pipelines", root / "pipelines", ignore=shutil.ignore_patterns("__pycache__"))
    # 1. Copy an example close to your data.
    command = re.search(r"`(cp -r pipelines/models/tabular pipelines/models/churn)`", GUIDE)
    assert command is not None
    subprocess.run(command.group(1).split(), cwd=root, check=True)  # noqa: S603 - the guide's own command
    # 2. Write your scripts (here: an edit of our own).
    train = root / "pipelines" / "models" / "churn" / "train.py"
    train.write_text(train.read_text(encoding="utf-8") + "\n# churn: our own training code\n", encoding="utf-8")
    # 3. Describe it in model.json.
    spec_file = root / "pipelines" / "models" / "churn" / "model.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    spec["description"] = "Churn classifier"
    spec["image"] = {"uri": IMAGE}
    spec["gate"] = {"metric": "roc_auc", "path": "classification_metrics.roc_auc.value", "threshold": 0.8}
    spec["hyperparameters"]["learning_rate"] = 0.2
    spec["instance_types"]["training"] = "ml.m5.xlarge"
    spec_file.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    # 4. Build: make pipeline MODEL=churn.
    assert build.main(["--root", str(root), "--model", "churn"]) == 0
    return root


def block(repo: Path) -> tuple[dict[str, object], dict[str, object]]:
    template, problems = decode(str(repo / "template.yaml"))  # the local stack's decoder (it runs without the stack)
    assert template is not None, problems
    assert not problems
    body = template["Resources"]["TrainingPipeline"]["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]
    text, variables = body["Fn::Sub"]
    return json.loads(text), variables


def test_the_template_now_holds_the_new_models_definition(repo: Path) -> None:
    template = (repo / "template.yaml").read_text(encoding="utf-8")
    assert current_model(template) == "churn"
    definition, _ = block(repo)
    assert definition == json.loads((repo / "pipelines" / "generated" / "churn.json").read_text(encoding="utf-8"))
    assert (repo / "pipelines" / "generated" / "tabular.json").is_file()  # the other models keep theirs
    assert build.main(["--check", "--root", str(repo)]) == 0


def test_every_job_and_the_model_run_the_own_image_and_no_scikit_learn_account_is_needed(repo: Path) -> None:
    definition, variables = block(repo)
    text = json.dumps(definition)
    assert text.count(IMAGE) == 4  # preprocess, train, evaluate, the registered model
    assert "sagemaker-scikit-learn" not in text
    assert "SklearnImageAccount" not in variables


def test_the_gate_hyperparameters_instance_types_and_code_are_the_new_models(repo: Path) -> None:
    definition, _ = block(repo)
    parameters = {p["Name"]: p.get("DefaultValue") for p in definition["Parameters"]}  # type: ignore[index]
    assert parameters["QualityGateThreshold"] == 0.8
    assert parameters["learning_rate"] == 0.2
    assert parameters["TrainingInstanceType"] == "ml.m5.xlarge"
    text = json.dumps(definition)
    prefix = code_prefix("churn", repo / "pipelines" / "models")
    assert f"s3://${{ArtifactsBucketName}}/{prefix}" in text
    assert prefix != code_prefix("tabular")  # our edit is our own code version
    assert '"Model": "churn"' in text
    assert "Churn classifier" in text


def test_a_bad_model_json_fails_the_build_with_the_file_and_the_field(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = repo / "pipelines" / "models" / "broken"
    shutil.copytree(repo / "pipelines" / "models" / "churn", broken)
    spec = json.loads((broken / "model.json").read_text(encoding="utf-8"))
    spec["gate"]["threshold"] = "high"
    (broken / "model.json").write_text(json.dumps(spec), encoding="utf-8")
    try:
        assert build.main(["--check", "--root", str(repo)]) == 2
        err = capsys.readouterr().err
        assert "broken/model.json" in err
        assert "gate.threshold" in err
    finally:
        shutil.rmtree(broken)
