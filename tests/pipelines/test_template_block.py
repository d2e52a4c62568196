"""``make pipeline`` writes template.yaml's generated block: found by its markers, idempotent, nothing else touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlopsctl.local.template.loader import read_yaml
from pipelines.bundle import MODELS_DIR
from pipelines.template_block import BEGIN, END, TemplateBlockError, block_lines, current_model, replace_block
from tests.support.files import ROOT

TEMPLATE = (ROOT / "template.yaml").read_text(encoding="utf-8")
DEFINITION = '{\n  "Parameters": [],\n  "Role": "${SageMakerExecutionRoleArn}",\n  "Image": "${AWS::Region}"\n}\n'
SMALL = (
    "Resources:\n  TrainingPipeline:\n    Properties:\n      PipelineDefinition:\n"
    f"        {BEGIN.format(model='text')}\n        PipelineDefinitionBody: old\n        {END}\n"
    "      RoleArn: kept\n"
)


def test_the_template_names_a_model_of_pipelines_models_and_regenerating_it_changes_nothing() -> None:
    model = current_model(TEMPLATE)
    assert (MODELS_DIR / model).is_dir()
    generated = (ROOT / "pipelines" / "generated" / f"{model}.json").read_text(encoding="utf-8")
    assert replace_block(TEMPLATE, model, generated) == TEMPLATE


def test_the_block_is_the_definition_verbatim_in_a_sub_with_the_variables_it_uses(tmp_path: Path) -> None:
    (written := tmp_path / "template.yaml").write_text(replace_block(SMALL, "tabular", DEFINITION), encoding="utf-8")
    document = read_yaml(written)
    definition = document["Resources"]["TrainingPipeline"]["Properties"]["PipelineDefinition"]
    assert definition["PipelineDefinitionBody"] == {
        "Fn::Sub": [DEFINITION, {"SageMakerExecutionRoleArn": {"Fn::GetAtt": ["SageMakerExecutionRole", "Arn"]}}]
    }
    assert document["Resources"]["TrainingPipeline"]["Properties"]["RoleArn"] == "kept"
    assert current_model(replace_block(SMALL, "tabular", DEFINITION)) == "tabular"


def test_replacing_is_idempotent_and_touches_no_line_outside_the_markers() -> None:
    once = replace_block(SMALL, "text", DEFINITION)
    assert replace_block(once, "text", DEFINITION) == once
    before, after = SMALL.splitlines(), once.splitlines()
    assert after[:4] == before[:4]
    assert after[-2:] == before[-2:]


def test_windows_line_endings_are_kept() -> None:
    crlf = SMALL.replace("\n", "\r\n")
    out = replace_block(crlf, "text", DEFINITION)
    assert out.count("\r\n") == out.count("\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SMALL.replace(BEGIN.format(model="text"), "# something else"), "no 'begin' marker"),
        (SMALL.replace(END, "# the end"), "no 'end' marker"),
        (SMALL + f"  {END}\n", "more than one"),
        (SMALL.replace("      RoleArn", f"        {BEGIN.format(model='text')}\n      RoleArn"), "more than one"),
        (SMALL.replace(f"        {END}", f"      {END}"), "indented differently"),
        (SMALL.replace("(model: text)", "(model: Not A Name)"), "no valid model"),
    ],
)
def test_a_missing_duplicated_or_malformed_marker_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(TemplateBlockError, match=message):
        replace_block(text, "text", DEFINITION)


def test_an_end_marker_before_the_begin_marker_is_refused() -> None:
    lines = SMALL.splitlines(keepends=True)
    swapped = "".join([*lines[:4], lines[6], lines[5], lines[4], *lines[7:]])
    with pytest.raises(TemplateBlockError, match="comes before"):
        current_model(swapped)


def test_a_placeholder_the_template_cannot_fill_is_refused() -> None:
    with pytest.raises(TemplateBlockError, match="cannot fill"):
        block_lines("text", '{"A": "${SomethingElse}"}\n', 8)
