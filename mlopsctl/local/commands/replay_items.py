"""The items of a replay file, parsed and checked before anything runs (the contract is in :mod:`.replay`).

Examples
--------
>>> items = parse_items('{"aws": "s3.put_object", "params": {"Bucket": "${DataBucket}", "Key": "incoming/a"}}')
>>> items[0].service, items[0].operation, sorted(items[0].names())
('s3', 'put_object', ['DataBucket'])
>>> timed = parse_items('[{"together": [{"aws": "s3.list_buckets"}], "after": {"seconds": 90}}]')
>>> timed[0].after, timed[0].parts[0].title()
(After(seconds=90.0, pattern=None), 'item 1.1: s3.list_buckets')
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session  # type: ignore[import-untyped, unused-ignore]
from botocore import xform_name  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.errors import ReplayError
from mlopsctl.local.moto_patches.backends import event_matcher
from mlopsctl.local.template.loader import Template

PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
PSEUDO = ("AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::Partition")
_TIMING_KEYS = ("after", "together")


@dataclass(frozen=True)
class After:
    """When an item is performed: ``seconds`` after the previous item was, or once an event matches ``pattern``."""

    seconds: float | None = None
    pattern: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Item:
    """One item of a replay file: a user action (``service`` set), a raw event, or a group (``parts``)."""

    index: int  # 1-based, in the file
    body: dict[str, Any]
    service: str | None = None
    operation: str | None = None
    after: After | None = None
    parts: tuple[Item, ...] = ()
    part: int | None = None  # 1-based, inside a "together" group

    @property
    def is_action(self) -> bool:
        """True for a user action."""
        return self.service is not None

    @property
    def is_group(self) -> bool:
        """True for ``{"together": [...]}``."""
        return bool(self.parts)

    def title(self) -> str:
        """A short description for messages and the timeline."""
        label = f"item {self.index}" if self.part is None else f"item {self.index}.{self.part}"
        if self.is_group:
            return f"{label}: together ({len(self.parts)} items)"
        if self.is_action:
            return f"{label}: {self.service}.{self.operation}"
        return f"{label}: event {self.body.get('source')} / {self.body.get('detail-type')}"

    def names(self) -> set[str]:
        """Every ``${…}`` name used in the item, its parts and its timing (without attribute)."""
        found = {name.split(".", 1)[0] for name in _placeholders(self.body)}
        if self.after is not None and self.after.pattern is not None:
            found |= {name.split(".", 1)[0] for name in _placeholders(self.after.pattern)}
        for part in self.parts:
            found |= part.names()
        return found


def _placeholders(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from PLACEHOLDER.findall(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholders(key)
            yield from _placeholders(item)
    elif isinstance(value, list):
        for item in value:
            yield from _placeholders(item)


def parse_items(text: str) -> list[Item]:
    """Parse a replay file (JSON array, JSON lines or one JSON object) into items; :class:`ReplayError` if malformed."""
    stripped = text.strip()
    if not stripped:
        raise ReplayError("the replay file is empty")
    raw: list[Any]
    if stripped.startswith("{") and (single := _one_object(stripped)) is not None:
        raw = [single]  # one pretty-printed (or one-line) item, e.g. a file of events/
    elif stripped.startswith("["):
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


def _one_object(text: str) -> dict[str, Any] | None:
    """The file as one JSON object, or ``None`` when it is not one (JSON lines of several objects)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


def _item(index: int, body: Any, part: int | None = None) -> Item:
    label = f"item {index}" if part is None else f"item {index}.{part}"
    if not isinstance(body, dict):
        raise ReplayError(f"{label} is not a JSON object")
    after = _after(label, body["after"]) if "after" in body else None
    if part is not None and ("after" in body or "together" in body):
        raise ReplayError(f'{label}: an item of "together" is performed with the others; it has no "after"/"together"')
    if "together" in body:
        return _group(index, label, body, after)
    plain = {key: value for key, value in body.items() if key not in _TIMING_KEYS}
    if "aws" in plain:
        return _action(index, part, label, plain, after)
    missing = [key for key in ("source", "detail-type", "detail") if key not in plain]
    if "emulator" in plain:
        raise ReplayError(f'{label}: "emulator" options apply to user actions ("aws") only')
    if missing:
        raise ReplayError(f'{label} is neither a user action ("aws") nor an event (missing {", ".join(missing)})')
    if not isinstance(plain["detail"], dict):
        raise ReplayError(f'{label}: an event\'s "detail" must be an object')
    return Item(index, plain, after=after, part=part)


def _group(index: int, label: str, body: dict[str, Any], after: After | None) -> Item:
    extra = sorted(set(body) - set(_TIMING_KEYS))
    if extra:
        raise ReplayError(f'{label}: a "together" item has only "together" (and "after"), not {", ".join(extra)}')
    parts = body["together"]
    if not isinstance(parts, list) or not parts:
        raise ReplayError(f'{label}: "together" must be a non-empty array of items')
    items = tuple(_item(index, part, number) for number, part in enumerate(parts, start=1))
    return Item(index, {}, after=after, parts=items)


def _action(index: int, part: int | None, label: str, body: dict[str, Any], after: After | None) -> Item:
    target, params = body["aws"], body.get("params", {})
    if not isinstance(target, str) or target.count(".") != 1 or not all(target.split(".")):
        raise ReplayError(f'{label}: "aws" must be "<service>.<operation>", got {target!r}')
    if not isinstance(params, dict):
        raise ReplayError(f'{label}: "params" must be an object')
    service, operation = target.split(".")
    if operation not in _operations(service):
        raise ReplayError(f"{label}: {service} has no operation {operation!r} (boto3 names, e.g. put_object)")
    options = body.get("emulator", {})
    unknown = sorted(set(options) - SageMakerEmulator.OPTIONS) if isinstance(options, dict) else ["?"]
    if unknown:
        known = ", ".join(sorted(SageMakerEmulator.OPTIONS))
        raise ReplayError(f'{label}: "emulator" must be an object of known options ({known})')
    action = {"params": params, **({"emulator": options} if options else {})}
    return Item(index, action, service, operation, after=after, part=part)


def _after(label: str, value: Any) -> After:
    if not isinstance(value, dict) or len(value) != 1 or not set(value) <= {"seconds", "event"}:
        raise ReplayError(f'{label}: "after" must be {{"seconds": N}} or {{"event": PATTERN}}, got {value!r}')
    if "seconds" in value:
        seconds = value["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds < float("inf"):
            raise ReplayError(f'{label}: "after": {{"seconds": N}} needs a number of seconds >= 0, got {seconds!r}')
        return After(seconds=float(seconds))
    pattern = value["event"]
    if not isinstance(pattern, dict) or not pattern:
        raise ReplayError(f'{label}: "after": {{"event": PATTERN}} needs an EventBridge pattern (a JSON object)')
    try:
        event_matcher(pattern)
    except Exception as exc:  # moto raises several kinds for a pattern it cannot use
        raise ReplayError(f'{label}: the event pattern of "after" is not valid: {exc}') from None
    return After(pattern=pattern)


@cache
def _operations(service: str) -> frozenset[str]:
    session = botocore.session.get_session()
    if service not in session.get_available_services():
        raise ReplayError(f"unknown AWS service {service!r}")
    model = session.get_service_model(service)
    return frozenset(xform_name(name) for name in model.operation_names)


def check_names(items: list[Item], template: Template) -> None:
    """Every ``${Name}`` must be a template resource, a parameter or a pseudo parameter."""
    known = set(template.resources) | set(template.parameters) | set(PSEUDO)
    for item in items:
        unknown = sorted(item.names() - known)
        if unknown:
            raise ReplayError(f"{item.title()}: unknown name(s) {', '.join('${' + n + '}' for n in unknown)}")
