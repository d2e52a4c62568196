"""Queries over a parsed CloudFormation template (as :func:`mlopsctl.local.template.loader.read_yaml` reads it, the
local stack's reader: intrinsic functions in their long form, ``{"Ref": ...}``, ``{"Fn::If": [...]}``).

Examples
--------
>>> as_list("s3:GetObject"), as_list(["a", "b"])
(['s3:GetObject'], ['a', 'b'])
>>> list(condition_branches({"Fn::If": ["IsProd", {"Fn::If": ["C", "a", {"Ref": "AWS::NoValue"}]}, "b"]}))
['a', 'b']
>>> resolve_refs({"Name": {"Ref": "Stage"}, "Arn": {"Fn::GetAtt": ["Q", "Arn"]}}, {"Stage": "dev"})
{'Name': 'dev', 'Arn': {'Fn::GetAtt': ['Q', 'Arn']}}
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any


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


def resolve_refs(value: Any, refs: dict[str, str], *, subs: bool = False) -> Any:
    """Replace ``{"Ref": X}`` by ``refs[X]`` throughout ``value``; with ``subs``, ``{"Fn::Sub": "..${X}.."}`` strings
    too (from the same ``refs``). Other intrinsics are left as they are.

    >>> resolve_refs({"A": {"Ref": "B"}, "C": [{"Fn::Sub": "${B}-x"}]}, {"B": "b"}, subs=True)
    {'A': 'b', 'C': ['b-x']}
    >>> resolve_refs({"Fn::Sub": "${B}-x"}, {"B": "b"})
    {'Fn::Sub': '${B}-x'}
    """
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in refs:
            return refs[value["Ref"]]
        if subs and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return re.sub(r"\$\{([^}]+)\}", lambda m: refs[m.group(1)], value["Fn::Sub"])
        return {key: resolve_refs(item, refs, subs=subs) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_refs(item, refs, subs=subs) for item in value]
    return value
