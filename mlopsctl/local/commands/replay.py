"""``mlopsctl local replay FILE``: play events and user actions against a fresh local stack.

FILE is a JSON array or JSON lines. Each item is either a raw event as AWS would deliver it to EventBridge
(``source``, ``detail-type``, ``detail``; put on the default bus as-is) or a user action
``{"aws": "<service>.<operation>", "params": {...}}`` in boto3's names, performed as a user would. In any string,
``${Name}`` becomes the physical name of the template resource or parameter ``Name``, ``${Name.Arn}`` (or another
attribute) its ARN, and ``${AWS::Region}``/``${AWS::AccountId}``/``${AWS::StackName}`` the local ones. A user action
may carry ``"emulator": {OPTION: VALUE}``: emulator options for the events that action causes, e.g.
``{"model_package_updated_fields": false}`` (a ``Model Package State Change`` without ``UpdatedModelPackageFields``,
as most real events are; see :class:`~mlopsctl.local.emulators.sagemaker.SageMakerEmulator`).

Timing (a contract; also in the README and ``mlopsctl local replay --help``)
---------------------------------------------------------------------------
- After each item the stack runs to quiescence (every emulated job, event and execution it caused has finished,
  within a bounded virtual time), as if a person acted only once things had settled — unless the *next* item says
  when it comes (``"after"``): then its own timing replaces the settling.
- ``{"together": [ITEM, ...]}`` performs its items in order with no settling between them (nothing the first one
  causes happens before the last one is performed; they share one virtual instant), then settles once. Its items
  are actions or events; they carry no ``"after"`` and no ``"together"`` of their own.
- ``"after": {"seconds": N}`` on an item (a ``together`` too): it is performed N virtual seconds after the previous
  item was performed, without waiting for the stack to settle: the stack runs the work due up to that instant
  (work due exactly then included), the clock stands at that instant, then the item is performed.
- ``"after": {"event": PATTERN}``: it is performed as soon as an event matching PATTERN (EventBridge pattern syntax,
  matched by moto's EventBridge) is put on the bus after the previous item was performed — before that event's
  rule targets react. Events the previous item itself caused count. If the stack settles without such an event, the
  replay fails with a :class:`ReplayError` naming the item.
- For the first item, "the previous item" is the start of the replay.

The whole file is checked before the stack starts: a malformed item (``together``/``after`` included), an unknown
name or an unknown operation is a :class:`ReplayError` naming the item.

Examples
--------
>>> items = parse_items('{"aws": "s3.put_object", "params": {"Bucket": "${DataBucket}", "Key": "incoming/a"}}')
>>> items[0].service, items[0].operation, sorted(items[0].names())
('s3', 'put_object', ['DataBucket'])
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.commands.replay_items import PLACEHOLDER, Item, check_names, parse_items
from mlopsctl.local.emulators.sagemaker import emulator_options
from mlopsctl.local.errors import LocalStackError, ReplayError
from mlopsctl.local.runtime.stack import LocalStack

__all__ = ["Item", "check_names", "parse_items", "play", "resolver", "substitute"]


def substitute(value: Any, resolve: Callable[[str], str]) -> Any:
    """Replace every ``${…}`` in the strings of ``value``."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: resolve(m.group(1)), value)
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
    """Play ``items`` on a running stack with their timing; raise :class:`ReplayError` when an item cannot be played."""
    check_names(items, stack.template)
    resolve = resolver(stack)
    previous = stack.clock.now()
    for position, item in enumerate(items):
        if item.after is not None:
            _wait(stack, item, previous, resolve)
        stack.bus.drain_taps()  # what was put on the bus so far came before this item
        stack.log.mark(item.title())
        previous = stack.clock.now()
        for part in item.parts or (item,):
            _perform(stack, part, resolve)
        following = items[position + 1] if position + 1 < len(items) else None
        if following is None or following.after is None:
            stack.settle()


def _wait(stack: LocalStack, item: Item, previous: datetime, resolve: Callable[[str], str]) -> None:
    after = item.after
    if after is None:
        return
    if after.seconds is not None:
        stack.run_until(previous + timedelta(seconds=after.seconds))
        return
    pattern = substitute(after.pattern, resolve)
    if stack.run_until_event(pattern) is None:
        raise ReplayError(
            f"{item.title()}: no event matching {json.dumps(pattern)} was put on the bus before the stack settled"
        )


def _perform(stack: LocalStack, item: Item, resolve: Callable[[str], str]) -> None:
    body = substitute(item.body, resolve)
    if item.service is None or item.operation is None:
        stack.put_event(body, settle=False)
        return
    try:
        with emulator_options(stack.emulators, body.get("emulator", {})):
            stack.aws(item.service, item.operation, settle=False, **body["params"])
    except (ClientError, BotoCoreError) as exc:
        raise ReplayError(f"{item.title()} failed: {exc}") from None
