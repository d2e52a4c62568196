"""``mlopsctl local replay FILE``: play events and user actions against a fresh local stack.

FILE is a JSON array or JSON lines. Each item is either a raw event as AWS would deliver it to EventBridge
(``source``, ``detail-type``, ``detail``; put on the default bus as-is) or a user action
``{"aws": "<service>.<operation>", "params": {...}}`` in boto3's names, performed as a user would. In any string,
``${Name}`` becomes the physical name of the template resource or parameter ``Name``, ``${Name.Arn}`` (or another
attribute) its ARN, and ``${AWS::Region}``/``${AWS::AccountId}``/``${AWS::StackName}`` the local ones. After each item
the stack runs to quiescence. A user action may carry ``"emulator": {OPTION: VALUE}``: emulator options for the events
that action causes, e.g. ``{"model_package_updated_fields": false}`` (a ``Model Package State Change`` without
``UpdatedModelPackageFields``, as most real events are; see :class:`~mlopsctl.local.emulator.SageMakerEmulator`).

The whole file is checked before the stack starts: a malformed item, an unknown name or an unknown operation is a
:class:`ReplayError` naming the item.

Examples
--------
>>> items = parse_items('{"aws": "s3.put_object", "params": {"Bucket": "${DataBucket}", "Key": "incoming/a"}}')
>>> items[0].service, items[0].operation, sorted(items[0].names())
('s3', 'put_object', ['DataBucket'])
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session  # type: ignore[import-untyped, unused-ignore]
from botocore import xform_name  # type: ignore[import-untyped, unused-ignore]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.emulator import SageMakerEmulator, emulator_options
from mlopsctl.local.errors import LocalStackError, ReplayError
from mlopsctl.local.stack import LocalStack
from mlopsctl.local.template import Template

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
_PSEUDO = ("AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::Partition")


@dataclass(frozen=True)
class Item:
    """One item of a replay file: a user action (``service`` set) or a raw event."""

    index: int  # 1-based
    body: dict[str, Any]
    service: str | None = None
    operation: str | None = None

    @property
    def is_action(self) -> bool:
        """True for a user action."""
        return self.service is not None

    def title(self) -> str:
        """A short description for messages and the timeline."""
        if self.is_action:
            return f"item {self.index}: {self.service}.{self.operation}"
        return f"item {self.index}: event {self.body.get('source')} / {self.body.get('detail-type')}"

    def names(self) -> set[str]:
        """Every ``${…}`` name used in the item (without attribute)."""
        return {name.split(".", 1)[0] for name in _placeholders(self.body)}


def _placeholders(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from _PLACEHOLDER.findall(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholders(key)
            yield from _placeholders(item)
    elif isinstance(value, list):
        for item in value:
            yield from _placeholders(item)


def parse_items(text: str) -> list[Item]:
    """Parse a replay file (JSON array or JSON lines) into items; raise :class:`ReplayError` if malformed."""
    stripped = text.strip()
    if not stripped:
        raise ReplayError("the replay file is empty")
    raw: list[Any]
    if stripped.startswith("["):
        try:
            document = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ReplayError(f"the replay file is not valid JSON: {exc}") from None
        raw = document
    else:
        raw = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    raw.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ReplayError(f"line {number} is not valid JSON: {exc}") from None
    return [_item(index, body) for index, body in enumerate(raw, start=1)]


def _item(index: int, body: Any) -> Item:
    if not isinstance(body, dict):
        raise ReplayError(f"item {index} is not a JSON object")
    if "aws" in body:
        target, params = body["aws"], body.get("params", {})
        if not isinstance(target, str) or target.count(".") != 1 or not all(target.split(".")):
            raise ReplayError(f'item {index}: "aws" must be "<service>.<operation>", got {target!r}')
        if not isinstance(params, dict):
            raise ReplayError(f'item {index}: "params" must be an object')
        service, operation = target.split(".")
        if operation not in _operations(service):
            raise ReplayError(f"item {index}: {service} has no operation {operation!r} (boto3 names, e.g. put_object)")
        options = body.get("emulator", {})
        unknown = sorted(set(options) - SageMakerEmulator.OPTIONS) if isinstance(options, dict) else ["?"]
        if unknown:
            known = ", ".join(sorted(SageMakerEmulator.OPTIONS))
            raise ReplayError(f'item {index}: "emulator" must be an object of known options ({known})')
        return Item(index, {"params": params, **({"emulator": options} if options else {})}, service, operation)
    missing = [key for key in ("source", "detail-type", "detail") if key not in body]
    if "emulator" in body:
        raise ReplayError(f'item {index}: "emulator" options apply to user actions ("aws") only')
    if missing:
        raise ReplayError(f'item {index} is neither a user action ("aws") nor an event (missing {", ".join(missing)})')
    if not isinstance(body["detail"], dict):
        raise ReplayError(f'item {index}: an event\'s "detail" must be an object')
    return Item(index, body)


@cache
def _operations(service: str) -> frozenset[str]:
    session = botocore.session.get_session()
    if service not in session.get_available_services():
        raise ReplayError(f"unknown AWS service {service!r}")
    model = session.get_service_model(service)
    return frozenset(xform_name(name) for name in model.operation_names)


def check_names(items: list[Item], template: Template) -> None:
    """Every ``${Name}`` must be a template resource, a parameter or a pseudo parameter."""
    known = set(template.resources) | set(template.parameters) | set(_PSEUDO)
    for item in items:
        unknown = sorted(item.names() - known)
        if unknown:
            raise ReplayError(f"{item.title()}: unknown name(s) {', '.join('${' + n + '}' for n in unknown)}")


def substitute(value: Any, resolve: Callable[[str], str]) -> Any:
    """Replace every ``${…}`` in the strings of ``value``."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: resolve(m.group(1)), value)
    if isinstance(value, dict):
        return {substitute(k, resolve): substitute(v, resolve) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, resolve) for v in value]
    return value


def resolver(stack: LocalStack) -> Callable[[str], str]:
    """How ``${Name}``, ``${Name.Attribute}`` and pseudo parameters resolve on ``stack``."""
    pseudo = stack.template.pseudo()

    def resolve(name: str) -> str:
        if name in pseudo:
            return str(pseudo[name])
        logical_id, _, attribute = name.partition(".")
        if not attribute and logical_id in stack.template.parameters:
            value = stack.template.parameters[logical_id]
            return ",".join(value) if isinstance(value, list) else str(value)
        record = stack.resources.records.get(logical_id)
        if record is None:
            raise ReplayError(f"unknown name ${{{name}}}")
        try:
            return str(record.get_att(attribute)) if attribute else record.physical_name
        except LocalStackError as exc:
            raise ReplayError(str(exc)) from None

    return resolve


def play(stack: LocalStack, items: list[Item]) -> None:
    """Play ``items`` on a running stack, settling after each; raise :class:`ReplayError` when an action fails."""
    check_names(items, stack.template)
    resolve = resolver(stack)
    for item in items:
        stack.log.mark(item.title())
        body = substitute(item.body, resolve)
        if item.service is None or item.operation is None:
            stack.put_event(body)
            continue
        try:
            with emulator_options(stack.emulators, body.get("emulator", {})):
                stack.aws(item.service, item.operation, settle=False, **body["params"])
        except (ClientError, BotoCoreError) as exc:
            raise ReplayError(f"{item.title()} failed: {exc}") from None
        stack.settle()
