"""The strings of a real-shaped event, and the names, ARNs and fields in them (read by :mod:`.deployed_names`).

An event names resources in ARNs, ``s3://`` URIs, fields (``alarmName``, ``bucket.name``) and JSON-encoded strings
(an SQS record's ``body``); these helpers walk all of them.

Examples
--------
>>> sorted(tokens("s3://mlops-dev-artifacts-1/models/a.tar.gz"))[:2]
['a.tar.gz', 'mlops-dev-artifacts-1']
>>> list(strings({"body": '{"bucket": "b"}'}))
['{"bucket": "b"}', 'b']
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

#: partition, service, Region, account, resource
ARN = re.compile(r"arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):([^\s\"]+)")
S3_URI = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def tokens(text: str) -> Iterator[str]:
    """The name-like words of ``text`` (what a name of the deployed stack can be)."""
    yield from TOKEN.findall(text)


def strings(value: Any) -> Iterator[str]:
    """Every string in ``value`` (JSON-encoded strings, such as an SQS record's ``body``, included)."""
    if isinstance(value, str):
        yield value
        decoded = json_object(value)
        if decoded is not None:
            yield from strings(decoded)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def json_object(text: str) -> dict[str, Any] | list[Any] | None:
    """``text`` decoded when it is a JSON object or array, else ``None``."""
    if not text.startswith(("{", "[")):
        return None
    try:
        decoded = json.loads(text)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict | list) else None


def fields(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) of the event's objects; ``bucket: {"name": N}`` reads as ``("bucket", N)``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "bucket" and isinstance(item, dict):
                yield key, item.get("name")
            else:
                yield key, item
            yield from fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from fields(item)
    elif isinstance(value, str) and (decoded := json_object(value)) is not None:
        yield from fields(decoded)


def event_metrics(event: Any) -> Iterator[Any]:
    """The metrics an alarm event's ``detail.configuration.metrics[].metricStat.metric`` names."""
    detail = event.get("detail") if isinstance(event, dict) else None
    configuration = detail.get("configuration") if isinstance(detail, dict) else None
    for metric in (configuration or {}).get("metrics") or []:
        if isinstance(metric, dict):
            yield ((metric.get("metricStat") or {}).get("metric")) or {}
