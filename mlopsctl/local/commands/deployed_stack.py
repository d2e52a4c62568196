"""Which deployed stack a real-shaped event comes from: its name, account and Region.

- **Name.** Given (``--deployed-stack``), or read from the event: a name the template gives with
  ``!Sub "${AWS::StackName}-suffix"`` (``mlops-dev-training`` → ``mlops-dev``), a name CloudFormation generated
  (``<stack>-<LogicalId>-<random>``) or a stack of ``samconfig.toml`` whose ``<stack>-`` prefixes a name; the name
  most words of the event vote for wins.
- **Account and Region.** An EventBridge event's ``account`` and ``region``; for an SQS batch, its queue's ARN (or
  the event in the first record's body).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlopsctl.local.commands.event_strings import ARN, json_object, strings, tokens
from mlopsctl.local.template.loader import Template


@dataclass(frozen=True)
class Deployed:
    """Where the event comes from: the deployed stack's name (``None`` when unknown), account and Region."""

    stack_name: str | None
    account_id: str | None
    region: str | None


def deployed_of(
    event: Any, template: Template, *, stack_name: str | None = None, samconfig: Path | None = None
) -> Deployed:
    """The deployed stack an event names: its name (given, or read from the event), account and Region."""
    account, region = _origin(event)
    return Deployed(stack_name or _stack_name(event, template, samconfig), account, region)


def _origin(event: Any) -> tuple[str | None, str | None]:
    if isinstance(event, dict) and isinstance(event.get("Records"), list) and event["Records"]:
        record = event["Records"][0]
        match = ARN.match(str(record.get("eventSourceARN", ""))) if isinstance(record, dict) else None
        if match is not None:
            return match.group(4) or None, match.group(3) or None
        body = json_object(str(record.get("body", ""))) if isinstance(record, dict) else None
        return _origin(body)
    if isinstance(event, dict):
        account, region = event.get("account"), event.get("region")
        return (account if isinstance(account, str) else None), (region if isinstance(region, str) else None)
    return None, None


def _stack_name(event: Any, template: Template, samconfig: Path | None) -> str | None:
    words = [token for text in strings(event) for token in tokens(text)]
    votes: Counter[str] = Counter()
    for matcher in _stack_matchers(template, samconfig):
        for word in words:
            found = matcher(word)
            if found:
                votes[found] += 1
    return votes.most_common(1)[0][0] if votes else None


def _stack_matchers(template: Template, samconfig: Path | None) -> Iterator[Callable[[str], str | None]]:
    for spec in template.resources.values():
        for key, value in spec.properties.items():
            sub = value.get("Fn::Sub") if isinstance(value, dict) else None
            if key.endswith("Name") and isinstance(sub, str) and sub.startswith("${AWS::StackName}"):
                literal = sub.removeprefix("${AWS::StackName}")
                if literal and "${" not in literal:
                    yield _group(re.compile(rf"([a-z][a-z0-9-]*){re.escape(literal)}"))
        yield _group(re.compile(rf"([A-Za-z][A-Za-z0-9-]*)-{re.escape(spec.logical_id)}-[A-Za-z0-9]{{8,13}}", re.I))
    for name in _samconfig_stacks(samconfig):
        yield _group(re.compile(rf"({re.escape(name)})-.+"))


def _group(pattern: re.Pattern[str]) -> Callable[[str], str | None]:
    def match(word: str) -> str | None:
        found = pattern.fullmatch(word)
        return found.group(1) if found else None

    return match


def _samconfig_stacks(path: Path | None) -> list[str]:
    if path is None or not path.is_file():
        return []
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    names = {
        str(env.get("global", {}).get("parameters", {}).get("stack_name", ""))
        for env in config.values()
        if isinstance(env, dict)
    }
    return sorted((name for name in names if name), key=len, reverse=True)
