"""Creators for functions, event source mappings, state machines, rules and buses (see :mod:`.provision`).

Rules are created in moto with their real pattern, but with one target: an internal SQS queue per rule. moto does
the matching; the stack drains that queue and delivers to the template's targets itself (moto cannot deliver to
Lambda or Step Functions, and applies ``Input``/``InputPath`` nowhere), see :mod:`.dispatch`.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from mlopsctl.local.errors import TemplateError
from mlopsctl.local.runtime.provision import (
    Creator,
    EventSourceMappingSpec,
    FunctionSpec,
    ProvisionContext,
    Provisioned,
    RuleRoute,
    physical_name,
)
from mlopsctl.local.template.loader import ResourceSpec

_SUBSTITUTION = re.compile(r"\$\{([^}]+)\}")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        raise TemplateError(f"expected a string, got {value!r}")
    return str(value)


def _zip_of(code_dir: str | None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        folder = Path(code_dir) if code_dir else None
        files = sorted(folder.glob("*.py")) if folder and folder.is_dir() else []
        for file in files:
            archive.write(file, file.name)
        if not files:
            archive.writestr("placeholder.txt", "no local code")
    return buffer.getvalue()


def function(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::Lambda::Function``: registered in moto, run in process by the stack."""
    name = ctx.name(spec, props, "FunctionName")
    environment = {k: _text(v) for k, v in ((props.get("Environment") or {}).get("Variables") or {}).items()}
    code_dir = (props.get("Code") or {}).get("LocalPath")
    handler = str(props.get("Handler", "app.lambda_handler"))
    timeout, memory = int(props.get("Timeout", 3)), int(props.get("MemorySize", 128))
    described = ctx.clients.client("lambda").create_function(
        FunctionName=name,
        Runtime=str(props.get("Runtime", "python3.12")),
        Role=props["Role"],
        Handler=handler,
        Code={"ZipFile": _zip_of(code_dir)},
        Timeout=timeout,
        MemorySize=memory,
        Environment={"Variables": environment},
    )
    invoke_config = props.get("EventInvokeConfig") or {}
    ctx.resources.functions[spec.logical_id] = FunctionSpec(
        logical_id=spec.logical_id,
        name=name,
        arn=described["FunctionArn"],
        handler=handler,
        code_dir=code_dir,
        environment=environment,
        timeout=timeout,
        memory=memory,
        dead_letter_arn=(props.get("DeadLetterConfig") or {}).get("TargetArn"),
        max_retry_attempts=int(invoke_config.get("MaximumRetryAttempts", 2)),
        role_arn=str(props["Role"]),
    )
    return Provisioned(spec.logical_id, spec.type, name, name, {"Arn": described["FunctionArn"]})


def event_source_mapping(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::Lambda::EventSourceMapping`` from SQS; polled by the stack, not by moto."""
    source = str(props.get("EventSourceArn", ""))
    if ":sqs:" not in source:
        raise TemplateError(f"{spec.logical_id}: only SQS event sources are emulated, got {source!r}")
    target = ctx.resources.function_by_arn_or_name(str(props.get("FunctionName", "")))
    if target is None:
        raise TemplateError(f"{spec.logical_id}: FunctionName {props.get('FunctionName')!r} is not a local function")
    ctx.resources.mappings.append(
        EventSourceMappingSpec(
            logical_id=spec.logical_id,
            function=target.logical_id,
            queue_arn=source,
            batch_size=int(props.get("BatchSize", 10)),
            window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
            report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
            enabled=str(props.get("Enabled", True)).lower() != "false",
        )
    )
    uuid = f"local-{spec.logical_id.lower()}"
    return Provisioned(spec.logical_id, spec.type, uuid, uuid, {"Id": uuid})


def definition_text(spec: ResourceSpec, props: dict[str, Any]) -> str:
    """The state machine's definition with ``DefinitionSubstitutions`` applied (every ``${…}`` must be one)."""
    if "DefinitionLocalPath" in props:
        text = Path(props["DefinitionLocalPath"]).read_text(encoding="utf-8")
    elif "DefinitionString" in props:
        text = str(props["DefinitionString"])
    elif "Definition" in props:
        text = json.dumps(props["Definition"])
    else:
        raise TemplateError(f"{spec.logical_id}: no definition")
    substitutions = props.get("DefinitionSubstitutions") or {}
    missing = sorted({name for name in _SUBSTITUTION.findall(text) if name not in substitutions})
    if missing:
        raise TemplateError(f"{spec.logical_id}: no DefinitionSubstitutions for {', '.join(missing)}")
    text = _SUBSTITUTION.sub(lambda m: _text(substitutions[m.group(1)]), text)
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{spec.logical_id}: the definition is not valid JSON after substitution: {exc}") from None
    return text


def state_machine(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::StepFunctions::StateMachine`` (``Ref`` is its ARN)."""
    name = ctx.name(spec, props, "StateMachineName")
    arn = ctx.clients.client("stepfunctions").create_state_machine(
        name=name,
        definition=definition_text(spec, props),
        roleArn=props["RoleArn"],
        type=props.get("StateMachineType", "STANDARD"),
    )["stateMachineArn"]
    attributes = {"Arn": arn, "Name": name, "StateMachineName": name, "RoleArn": str(props["RoleArn"])}
    return Provisioned(spec.logical_id, spec.type, name, arn, attributes)


def event_bus(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::Events::EventBus``."""
    name = ctx.name(spec, props, "Name")
    arn = ctx.clients.client("events").create_event_bus(Name=name)["EventBusArn"]
    ctx.resources.buses.append(name)
    return Provisioned(spec.logical_id, spec.type, name, name, {"Arn": arn, "Name": name})


def rule(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::Events::Rule``: the real pattern in moto, delivered through an internal queue."""
    events, sqs = ctx.clients.client("events"), ctx.clients.client("sqs")
    name = ctx.name(spec, props, "Name")
    bus = str(props.get("EventBusName", "default")).rsplit("/", 1)[-1]
    kwargs: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": props.get("State", "ENABLED")}
    pattern = props.get("EventPattern")
    if pattern is not None:
        kwargs["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    if "ScheduleExpression" in props:
        kwargs["ScheduleExpression"] = props["ScheduleExpression"]
    arn = events.put_rule(**kwargs)["RuleArn"]
    queue_name = physical_name(ctx.template.stack_name, f"local-{spec.logical_id}", "AWS::SQS::Queue")
    queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    events.put_targets(
        Rule=name, EventBusName=bus, Targets=[{"Id": "local-dispatch", "Arn": ctx.arn("sqs", queue_name)}]
    )
    ctx.resources.rules.append(
        RuleRoute(
            logical_id=spec.logical_id,
            name=name,
            queue_url=queue_url,
            targets=list(props.get("Targets") or []),
            enabled=kwargs["State"] == "ENABLED",
        )
    )
    return Provisioned(spec.logical_id, spec.type, name, name, {"Arn": arn})


CREATORS: dict[str, Creator] = {
    "AWS::Lambda::Function": function,
    "AWS::Lambda::EventSourceMapping": event_source_mapping,
    "AWS::StepFunctions::StateMachine": state_machine,
    "AWS::Events::EventBus": event_bus,
    "AWS::Events::Rule": rule,
}
