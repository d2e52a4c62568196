"""Read CloudFormation/SAM YAML (short-form intrinsic tags included) into plain Python data, and query it.

PyYAML's safe loader rejects CloudFormation's short-form tags (``!Ref``, ``!Sub``, ``!GetAtt``...). This loader turns
each into the long form CloudFormation itself uses (``{"Ref": ...}``, ``{"Fn::Sub": ...}``,
``{"Fn::GetAtt": [resource, attribute]}``), so tests see the template exactly as CloudFormation would.

Examples
--------
>>> load_cfn_yaml("A: !GetAtt DataBucket.Arn")
{'A': {'Fn::GetAtt': ['DataBucket', 'Arn']}}
>>> load_cfn_yaml("B: !If [IsProd, !Ref X, !Ref AWS::NoValue]")
{'B': {'Fn::If': ['IsProd', {'Ref': 'X'}, {'Ref': 'AWS::NoValue'}]}}
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.support.files import ROOT

TEMPLATE_PATH = ROOT / "template.yaml"

# Short-form tag -> long-form key. Ref and Condition are not "Fn::" functions.
_INTRINSICS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "And",
            "Base64",
            "Cidr",
            "Equals",
            "FindInMap",
            "GetAtt",
            "GetAZs",
            "If",
            "ImportValue",
            "Join",
            "Length",
            "Not",
            "Or",
            "Select",
            "Split",
            "Sub",
            "ToJsonString",
            "Transform",
        )
    },
}


class CfnLoader(yaml.CSafeLoader):  # type: ignore[misc]  # PyYAML ships no type hints
    """A safe loader that also understands CloudFormation's short-form intrinsic function tags (libyaml's parser:
    the same documents as PyYAML's own, eight times faster on ``template.yaml``)."""


def _construct_intrinsic(loader: yaml.CSafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = _INTRINSICS[tag_suffix]
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            # "Resource.Attribute" (the attribute may itself contain dots, e.g. Endpoint.Address)
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


for _tag in _INTRINSICS:
    CfnLoader.add_constructor(
        f"!{_tag}",
        lambda loader, node, _t=_tag: _construct_intrinsic(loader, _t, node),
    )


def load_cfn_yaml(text: str) -> Any:
    """Parse CloudFormation YAML text; intrinsic functions come back in their long (JSON) form."""
    return yaml.load(text, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a safe loader (CSafeLoader)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """Parse a template file (``template.yaml`` at the project root by default)."""
    data = load_cfn_yaml(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError(f"{path} is not a CloudFormation template (top level is {type(data).__name__})")
    return data


# Queries over a parsed template ------------------------------------------------------------------------------------
def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else ``[value]`` (CloudFormation accepts both for actions, resources...)."""
    return value if isinstance(value, list) else [value]


def condition_branches(value: Any) -> Iterator[Any]:
    """Every value an ``Fn::If`` may resolve to (recursively, ``AWS::NoValue`` left out), or the value itself."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        for branch in value["Fn::If"][1:]:
            yield from condition_branches(branch)
    elif value != {"Ref": "AWS::NoValue"}:
        yield value


def function_properties(template: dict[str, Any], name: str) -> dict[str, Any]:
    """A SAM function's properties with ``Globals.Function`` merged in as SAM merges them (maps merge, lists add)."""
    merged: dict[str, Any] = copy.deepcopy(template.get("Globals", {}).get("Function", {}))
    for key, value in template["Resources"][name]["Properties"].items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_maps(merged[key], value)
        elif isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = merged[key] + value
        else:
            merged[key] = value
    return merged


def _merge_maps(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge_maps(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def iam_identity_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(logical ID, statement)`` for every identity-policy statement: roles, IAM policies, SAM function policies.

    Statements under ``Fn::If`` are yielded for each branch. SAM policy templates (``DynamoDBCrudPolicy: ...``) and
    managed policy names are not statements and are skipped.
    """
    for name, res in template["Resources"].items():
        props = res.get("Properties", {})
        documents: list[Any] = []
        if res["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        elif res["Type"] in {"AWS::IAM::RolePolicy", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            documents = [props["PolicyDocument"]]
        elif res["Type"] in {"AWS::Serverless::Function", "AWS::Serverless::StateMachine"}:
            documents = [p for item in as_list(props.get("Policies", [])) for p in condition_branches(item)]
        for document in documents:
            if isinstance(document, dict) and "Statement" in document:
                for statement in as_list(document["Statement"]):
                    yield from ((name, s) for s in condition_branches(statement))


def resolve_refs(value: Any, refs: dict[str, str]) -> Any:
    """Replace ``{"Ref": X}`` by ``refs[X]`` throughout ``value`` (other intrinsics are left as they are)."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in refs:
            return refs[value["Ref"]]
        return {key: resolve_refs(item, refs) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_refs(item, refs) for item in value]
    return value
