"""The part of the SAM transform the local stack needs, done offline and without ``samtranslator``.

``Globals`` are merged into ``AWS::Serverless::*`` resources (scalars: the resource wins; maps: merged; lists:
concatenated), then:

- ``AWS::Serverless::Function`` → ``AWS::Lambda::Function`` (``Code.LocalPath`` = the ``CodeUri`` folder), an
  ``AWS::IAM::Role`` ``<Function>Role`` when no ``Role`` is given, and for each entry of ``Events``: ``SQS`` →
  ``AWS::Lambda::EventSourceMapping`` ``<Function><Event>``; ``EventBridgeRule``/``CloudWatchEvent``/``Schedule`` →
  ``AWS::Events::Rule`` ``<Function><Event>`` targeting the function.
- ``AWS::Serverless::StateMachine`` → ``AWS::StepFunctions::StateMachine`` (``DefinitionLocalPath`` = the
  ``DefinitionUri`` file), ``<StateMachine>Role`` when no ``Role`` is given, and ``AWS::Events::Rule``
  ``<StateMachine><Event>`` for its EventBridge events.
- ``AWS::Serverless::SimpleTable`` → ``AWS::DynamoDB::Table``.

Logical IDs of generated resources follow SAM's, so ``${DataArrivalFunctionRole.Arn}`` means the same thing here
and in AWS. Everything else passes through unchanged; ``AWS::Serverless::LayerVersion`` is left to the provisioner
(which skips it: layer code is importable locally).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlopsctl.local.errors import TemplateError

#: key of a generated resource body naming the SAM resource it came from
ORIGIN_KEY = "x-local-origin"

_GLOBALS_SECTIONS = {
    "Function": "AWS::Serverless::Function",
    "StateMachine": "AWS::Serverless::StateMachine",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "LayerVersion": "AWS::Serverless::LayerVersion",
}
_RULE_EVENTS = {"EventBridgeRule", "CloudWatchEvent", "Schedule"}


def merge(global_value: Any, local_value: Any) -> Any:
    """SAM's ``Globals`` merge: maps merge recursively, lists concatenate, otherwise the resource's value wins."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        if _is_intrinsic(global_value) or _is_intrinsic(local_value):
            return local_value
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge(merged[key], value) if key in merged else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


def _is_intrinsic(value: dict[str, Any]) -> bool:
    if len(value) != 1:
        return False
    key = next(iter(value))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


def expand(resources: Mapping[str, Any], globals_: Mapping[str, Any], base_dir: Path) -> dict[str, Any]:
    """Apply ``Globals`` and turn the SAM resources into CloudFormation ones (see the module docstring)."""
    by_type = {_GLOBALS_SECTIONS[k]: v for k, v in globals_.items() if k in _GLOBALS_SECTIONS and isinstance(v, dict)}
    expanded: dict[str, Any] = {}
    for logical_id, body in resources.items():
        if not isinstance(body, dict) or "Type" not in body:
            raise TemplateError(f"resource {logical_id} has no Type")
        resource = copy.deepcopy(body)
        kind = resource["Type"]
        if kind in by_type:
            resource["Properties"] = merge(copy.deepcopy(by_type[kind]), resource.get("Properties") or {})
        if kind == "AWS::Serverless::Function":
            expanded.update(_function(logical_id, resource, base_dir))
        elif kind == "AWS::Serverless::StateMachine":
            expanded.update(_state_machine(logical_id, resource, base_dir))
        elif kind == "AWS::Serverless::SimpleTable":
            expanded[logical_id] = _simple_table(resource)
        else:
            expanded[logical_id] = resource
    return expanded


def _generated(origin: str, parent: dict[str, Any], kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"Type": kind, "Properties": properties, ORIGIN_KEY: origin}
    if "Condition" in parent:
        body["Condition"] = parent["Condition"]
    return body


def _role(origin: str, parent: dict[str, Any], principal: str) -> dict[str, Any]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}],
    }
    return _generated(origin, parent, "AWS::IAM::Role", {"AssumeRolePolicyDocument": trust})


def _function(logical_id: str, body: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    props = body.get("Properties") or {}
    out: dict[str, Any] = {}
    code_uri = props.get("CodeUri")
    function_props: dict[str, Any] = {
        key: props[key]
        for key in (
            "FunctionName", "Handler", "Runtime", "Timeout", "MemorySize", "Environment", "Layers",
            "ReservedConcurrentExecutions", "Architectures", "Description", "Tags",
        )
        if key in props
    }  # fmt: skip
    if isinstance(code_uri, str):
        function_props["Code"] = {"LocalPath": str((base_dir / code_uri).resolve())}
    if "DeadLetterQueue" in props:
        function_props["DeadLetterConfig"] = {"TargetArn": props["DeadLetterQueue"].get("TargetArn")}
    if "EventInvokeConfig" in props:
        function_props["EventInvokeConfig"] = props["EventInvokeConfig"]
    if "Role" in props:
        function_props["Role"] = props["Role"]
    else:
        out[f"{logical_id}Role"] = _role(logical_id, body, "lambda.amazonaws.com")
        function_props["Role"] = {"Fn::GetAtt": [f"{logical_id}Role", "Arn"]}
    function = {k: v for k, v in body.items() if k in ("Condition", "DependsOn", "Metadata")}
    function.update({"Type": "AWS::Lambda::Function", "Properties": function_props})
    out[logical_id] = function
    for event_name, event in (props.get("Events") or {}).items():
        kind, eprops = event.get("Type"), event.get("Properties") or {}
        event_id = f"{logical_id}{event_name}"
        if kind == "SQS":
            mapping = {"EventSourceArn": eprops.get("Queue"), "FunctionName": {"Ref": logical_id}}
            for key in ("BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "Enabled"):
                if key in eprops:
                    mapping[key] = eprops[key]
            out[event_id] = _generated(logical_id, body, "AWS::Lambda::EventSourceMapping", mapping)
        elif kind in _RULE_EVENTS:
            target = {"Arn": {"Fn::GetAtt": [logical_id, "Arn"]}, "Id": f"{event_id}LambdaTarget"}
            out[event_id] = _generated(logical_id, body, "AWS::Events::Rule", _rule(eprops, target))
        else:
            out[event_id] = _generated(logical_id, body, f"AWS::Serverless::Function.{kind}", dict(eprops))
    return out


def _rule(eprops: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if "Pattern" in eprops:
        rule["EventPattern"] = eprops["Pattern"]
    if "Schedule" in eprops:
        rule["ScheduleExpression"] = eprops["Schedule"]
    for source, dest in (("EventBusName", "EventBusName"), ("RuleName", "Name"), ("Name", "Name")):
        if source in eprops:
            rule[dest] = eprops[source]
    enabled = eprops.get("Enabled", True)
    rule["State"] = eprops.get("State", "ENABLED" if enabled else "DISABLED")
    target_props = eprops.get("Target") or {}
    if "Id" in target_props:
        target["Id"] = target_props["Id"]
    for key in ("Input", "InputPath", "InputTransformer", "DeadLetterConfig", "RetryPolicy"):
        if key in eprops:
            target[key] = eprops[key]
    rule["Targets"] = [target]
    return rule


def _state_machine(logical_id: str, body: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    props = body.get("Properties") or {}
    out: dict[str, Any] = {}
    machine: dict[str, Any] = {
        key: props[key] for key in ("Definition", "DefinitionSubstitutions", "Tags") if key in props
    }
    if "Name" in props:
        machine["StateMachineName"] = props["Name"]
    if "Type" in props:
        machine["StateMachineType"] = props["Type"]
    uri = props.get("DefinitionUri")
    if isinstance(uri, str):
        machine["DefinitionLocalPath"] = str((base_dir / uri).resolve())
    elif uri is not None:
        raise TemplateError(f"{logical_id}: DefinitionUri must be a local file for the local stack")
    if "Role" in props:
        machine["RoleArn"] = props["Role"]
    else:
        out[f"{logical_id}Role"] = _role(logical_id, body, "states.amazonaws.com")
        machine["RoleArn"] = {"Fn::GetAtt": [f"{logical_id}Role", "Arn"]}
    resource = {k: v for k, v in body.items() if k in ("Condition", "DependsOn", "Metadata")}
    resource.update({"Type": "AWS::StepFunctions::StateMachine", "Properties": machine})
    out[logical_id] = resource
    for event_name, event in (props.get("Events") or {}).items():
        kind, eprops = event.get("Type"), event.get("Properties") or {}
        event_id = f"{logical_id}{event_name}"
        if kind in _RULE_EVENTS:
            target = {"Arn": {"Ref": logical_id}, "Id": f"{event_id}StepFunctionsTarget"}
            out[event_id] = _generated(logical_id, body, "AWS::Events::Rule", _rule(eprops, target))
        else:
            out[event_id] = _generated(logical_id, body, f"AWS::Serverless::StateMachine.{kind}", dict(eprops))
    return out


def _simple_table(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("Properties") or {}
    key = props.get("PrimaryKey") or {"Name": "id", "Type": "String"}
    attr_type = {"String": "S", "Number": "N", "Binary": "B"}.get(key.get("Type", "String"), "S")
    table: dict[str, Any] = {
        "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": attr_type}],
        "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if "TableName" in props:
        table["TableName"] = props["TableName"]
    return {**{k: v for k, v in body.items() if k != "Properties"}, "Type": "AWS::DynamoDB::Table", "Properties": table}
