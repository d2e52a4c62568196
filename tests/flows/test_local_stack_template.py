"""How the local stack reads a template: parameters, conditions, intrinsics, the SAM subset (no moto needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlopsctl.local.errors import TemplateError
from mlopsctl.local.runtime.provision import physical_name
from mlopsctl.local.runtime.resources_compute import definition_text
from mlopsctl.local.template.intrinsics import Resolver
from mlopsctl.local.template.loader import ResourceSpec, load_template

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "local_stack" / "template.yaml"
ROOT_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def resolver(resources: dict[tuple[str, str | None], Any] | None = None) -> Resolver:
    def lookup(logical_id: str, attribute: str | None) -> Any:
        if resources is None or (logical_id, attribute) not in resources:
            raise TemplateError(f"no {logical_id}.{attribute}")
        return resources[(logical_id, attribute)]

    return Resolver(
        parameters={"Stage": "dev", "Labels": ["a", "b"]},
        pseudo={"AWS::Region": "eu-west-1", "AWS::AccountId": "111122223333", "AWS::StackName": "s"},
        conditions={"IsProd": False},
        mappings={"Settings": {"dev": {"Level": "DEBUG"}}},
        resources=lookup,
    )


def test_sub_resolves_parameters_pseudo_parameters_attributes_and_keeps_escaped_literals() -> None:
    r = resolver({("Queue", "Arn"): "arn:aws:sqs:eu-west-1:111122223333:q"})
    text = "${AWS::StackName}-${Stage}-${Queue.Arn}-${!Literal}-${Extra}"
    assert (
        r.resolve({"Fn::Sub": [text, {"Extra": {"Ref": "Stage"}}]})
        == "s-dev-arn:aws:sqs:eu-west-1:111122223333:q-${Literal}-dev"
    )


def test_conditions_select_values_and_no_value_drops_keys() -> None:
    r = resolver()
    value = {
        "Kept": {"Fn::If": ["IsProd", "prod-value", "dev-value"]},
        "Dropped": {"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]},
        "List": ["a", {"Ref": "AWS::NoValue"}, "b"],
    }
    assert r.resolve(value) == {"Kept": "dev-value", "List": ["a", "b"]}


def test_list_functions_and_mappings() -> None:
    r = resolver()
    assert r.resolve({"Fn::Join": ["/", ["x", {"Ref": "Stage"}, {"Fn::Select": [1, {"Ref": "Labels"}]}]]}) == "x/dev/b"
    assert r.resolve({"Fn::Split": [",", "1,2"]}) == ["1", "2"]
    assert r.resolve({"Fn::FindInMap": ["Settings", {"Ref": "Stage"}, "Level"]}) == "DEBUG"
    assert r.resolve({"Fn::Equals": [{"Ref": "Stage"}, "dev"]}) is True


def test_reference_to_an_unknown_name_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match=r"no Missing\.Arn"):
        resolver().resolve({"Fn::GetAtt": ["Missing", "Arn"]})
    with pytest.raises(TemplateError, match="Fn::NoSuchThing is not supported"):
        resolver().resolve({"Fn::NoSuchThing": []})


def test_parameters_take_defaults_overrides_and_check_allowed_values() -> None:
    assert load_template(FIXTURE).parameters["Stage"] == "dev"
    prod = load_template(FIXTURE, parameters={"Stage": "prod"})
    assert prod.conditions == {"IsProd": True}
    assert "ProdOnlyQueue" in prod.resources
    with pytest.raises(TemplateError, match="not one of"):
        load_template(FIXTURE, parameters={"Stage": "qa"})
    with pytest.raises(TemplateError, match="unknown template parameter"):
        load_template(FIXTURE, parameters={"Nope": "1"})


def test_sam_function_becomes_function_role_mapping_and_rules_with_sams_logical_ids() -> None:
    template = load_template(FIXTURE)
    kinds = {lid: spec.type for lid, spec in template.resources.items()}
    assert kinds["DataArrivalFunction"] == "AWS::Lambda::Function"
    assert kinds["DataArrivalFunctionRole"] == "AWS::IAM::Role"
    assert kinds["DataArrivalFunctionDataArrivalMessages"] == "AWS::Lambda::EventSourceMapping"
    assert kinds["ApprovalFunctionModelPackageStateChange"] == "AWS::Events::Rule"
    assert kinds["DeployStateMachine"] == "AWS::StepFunctions::StateMachine"
    variables = template.resources["DataArrivalFunction"].properties["Environment"]["Variables"]
    assert {"STACK_NAME", "LEDGER_TABLE_NAME", "GREETING"} <= variables.keys()  # Globals merged with its own


def test_resources_are_ordered_after_what_they_refer_to() -> None:
    order = [spec.logical_id for spec in load_template(FIXTURE).ordered()]
    assert order.index("DataArrivalDeadLetterQueue") < order.index("DataArrivalQueue") < order.index("DataArrivalRule")
    assert order.index("NotifyFunction") < order.index("DeployStateMachine") < order.index("ApprovalFunction")


def test_definition_substitution_that_is_not_given_is_an_error() -> None:
    spec = ResourceSpec("Machine", "AWS::StepFunctions::StateMachine", {})
    props = {"Definition": {"StartAt": "A", "States": {"A": {"Type": "Pass", "Comment": "${Missing}", "End": True}}}}
    with pytest.raises(TemplateError, match="no DefinitionSubstitutions for Missing"):
        definition_text(spec, props)
    props["DefinitionSubstitutions"] = {"Missing": "found"}
    assert '"Comment": "found"' in definition_text(spec, props)


def test_physical_names_are_deterministic_and_fit_the_service_limits() -> None:
    assert physical_name("mlops-local", "DataBucket", "AWS::S3::Bucket") == "mlops-local-databucket"
    long_id = "A" * 90
    first, second = (physical_name("Stack", long_id, "AWS::Lambda::Function") for _ in range(2))
    assert first == second
    assert len(first) == 64


def test_the_projects_template_is_readable_by_the_local_stack() -> None:
    template = load_template(ROOT_TEMPLATE)
    assert template.resources["DataArrivalRule"].type == "AWS::Events::Rule"
    assert any(spec.type == "AWS::Lambda::EventSourceMapping" for spec in template.resources.values())
