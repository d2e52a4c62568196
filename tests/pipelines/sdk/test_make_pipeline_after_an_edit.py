"""The acceptance of "one source of truth": edit a step script, run ``make pipeline``, and the template, the generated
definition and the code the demo uploads agree, with nothing else touched (on a copy of the repository's files)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelines import build
from pipelines.bundle import code_files, code_prefix
from pipelines.spec import model_names
from pipelines.template_block import current_model

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's template and pipelines/ folder, copied."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copy2(ROOT / "template.yaml", root / "template.yaml")
    shutil.copytree(ROOT / "pipelines", root / "pipelines", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def pipeline_body(template: str) -> str:
    """The definition text of the template's generated block (the literal between its markers)."""
    lines = template.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- |") + 1
    end = next(i for i in range(start, len(lines)) if lines[i].lstrip().startswith("- "))
    return "\n".join(line[12:] for line in lines[start:end]) + "\n"


def test_an_edited_step_script_is_stale_until_make_pipeline_and_then_everything_agrees(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = current_model((copy / "template.yaml").read_text(encoding="utf-8"))
    models = copy / "pipelines" / "models"
    before = code_prefix(model, models)
    untouched = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    script = models / model / "train.py"
    script.write_text(script.read_text(encoding="utf-8") + "\n# an edit of our own\n", encoding="utf-8")

    assert build.main(["--check", "--root", str(copy)]) == 1
    assert f"run `make pipeline MODEL={model}`" in capsys.readouterr().err

    assert build.main(["--root", str(copy)]) == 0
    after = code_prefix(model, models)
    assert after != before
    template = (copy / "template.yaml").read_text(encoding="utf-8")
    definition = (copy / "pipelines" / "generated" / f"{model}.json").read_text(encoding="utf-8")
    assert pipeline_body(template) == definition
    assert f"s3://${{ArtifactsBucketName}}/{after}" in definition
    assert before not in definition
    lineage = json.loads(definition)
    assert after.strip("/").rsplit("/", 1)[1] in json.dumps(lineage)  # CodeVersion on the model package
    uploaded = code_files(model, models)  # what the demo puts in the artifacts bucket
    named = {uri.split("}/", 1)[1] for uri in _code_uris(definition)}
    assert {key for key in named if not key.endswith("/")} <= set(uploaded)
    assert all(key.startswith(after) for key in uploaded)
    assert build.main(["--check", "--root", str(copy)]) == 0

    changed = {p for p in copy.rglob("*") if p.is_file() and untouched.get(p) != p.read_bytes()}
    assert {p.relative_to(copy).as_posix() for p in changed} == {
        "template.yaml",
        f"pipelines/generated/{model}.json",
        f"pipelines/models/{model}/train.py",
    }


def test_make_pipeline_with_another_model_puts_its_definition_in_the_template(copy: Path) -> None:
    others = [m for m in model_names(copy / "pipelines" / "models") if m != "text"]
    model = others[0] if others else "text"
    assert build.main(["--root", str(copy), "--model", model]) == 0
    template = (copy / "template.yaml").read_text(encoding="utf-8")
    assert current_model(template) == model
    assert pipeline_body(template) == (copy / "pipelines" / "generated" / f"{model}.json").read_text(encoding="utf-8")
    assert build.main(["--check", "--root", str(copy)]) == 0


def test_an_unknown_model_is_a_clear_error(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["--root", str(copy), "--model", "nosuchmodel"]) == 2
    assert "no model 'nosuchmodel'" in capsys.readouterr().err


def _code_uris(definition: str) -> set[str]:
    import re

    return set(re.findall(r'"(s3://\$\{ArtifactsBucketName\}/pipelines/code/[^"]*)"', definition))
