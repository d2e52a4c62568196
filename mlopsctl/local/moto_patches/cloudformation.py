"""The local stack registered in moto's CloudFormation (a moto internal filled; see :data:`.checked.PATCHES`).

moto's CloudFormation creates a stack's resources itself when asked to create a stack; the local stack's resources
already exist (provisioning made them), so :func:`registered` puts into moto's CloudFormation backend a stack that
*describes* them: a moto ``Stack`` made from a template of its parameters (their declarations reduced to ``Type`` and
``NoEcho``, so ``DescribeStacks`` masks a ``NoEcho`` value as ``****`` as CloudFormation does), its outputs with their
values already resolved (moto's output parser returns a literal as it is) and its resources' types. Its resource map
is filled with the resources as they are (``ResourceMap._parsed_resources``: moto creates nothing for them), so
``ListStackResources``, ``DescribeStackResources`` and ``DescribeStackResource`` answer with each one's logical ID,
physical ID and type. The stack's status is ``CREATE_COMPLETE``; its events are those of a creation.

The stack lives in moto's backend, so the answers are the same in process (``mock_aws``) and from ``moto_server``
over HTTP; it leaves when the context closes (and with moto's reset).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.cloudformation.models import Stack, cloudformation_backends

from mlopsctl.local.runtime.stack_description import StackDescription, StackResource


class _DeclaredResource:
    """A resource of the local stack as moto's CloudFormation responses read one."""

    def __init__(self, resource: StackResource) -> None:
        self.logical_resource_id = resource.logical_id
        self.physical_resource_id = resource.physical_id
        self.cf_resource_type = resource.type


def _template(description: StackDescription) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    for name in description.parameters:
        parameters[name] = {"Type": "String", **({"NoEcho": "true"} if name in description.no_echo else {})}
    outputs: dict[str, Any] = {}
    for output in description.outputs:
        described = {"Description": output.description} if output.description else {}
        outputs[output.key] = {"Value": output.value, **described}
    template: dict[str, Any] = {
        "Parameters": parameters,
        "Outputs": outputs,
        "Resources": {r.logical_id: {"Type": r.type} for r in description.resources},
    }
    if description.description:
        template["Description"] = description.description
    return template


def build_stack(description: StackDescription, account_id: str, region: str) -> Stack:
    """A moto ``Stack`` that answers for ``description`` (not yet registered)."""
    stack = Stack(  # type: ignore[abstract]  # moto's CreateStack makes it the same way
        stack_id=description.stack_id,
        name=description.name,
        template=json.dumps(_template(description)),  # the template body, as CreateStack takes it
        parameters=dict(description.parameters),
        account_id=account_id,
        region_name=region,
    )
    parsed = stack.resource_map._parsed_resources
    for resource in description.resources:
        parsed[resource.logical_id] = _DeclaredResource(resource)
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.status = "CREATE_COMPLETE"
    stack._add_stack_event("CREATE_COMPLETE")
    return stack


@contextmanager
def registered(description: StackDescription, account_id: str, region: str) -> Iterator[Stack]:
    """CloudFormation answers for the local stack while the context is open."""
    backend = cloudformation_backends[account_id][region]
    stack = build_stack(description, account_id, region)
    backend.stacks[stack.stack_id] = stack
    try:
        yield stack
    finally:
        backend.stacks.pop(stack.stack_id, None)
