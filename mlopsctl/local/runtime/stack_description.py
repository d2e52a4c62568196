"""The local stack as CloudFormation describes a deployed stack: parameters, outputs and resources.

:func:`describe` reads what provisioning made of the template: the parameter values, the template's ``Outputs``
resolved with the same intrinsics resolver as the resources' properties (``Ref`` to a resource or a parameter,
``Fn::GetAtt``, ``Fn::Sub``…; an output whose ``Condition`` is false is left out, as CloudFormation leaves it out),
and one resource per logical ID of the transformed template, with its type and physical ID. The physical ID is what
CloudFormation's ``Ref`` returns for the resource (a bucket's or a table's name, a queue's URL, a topic's or a state
machine's ARN), which is what ``ListStackResources`` reports as ``PhysicalResourceId`` for these types (AWS
CloudFormation User Guide, the "Return values" section of each resource type's page).
:mod:`mlopsctl.local.moto_patches.cloudformation` serves the description from moto's CloudFormation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlopsctl.local.runtime.provision import StackResources, template_resolver
from mlopsctl.local.template.loader import Template, read_yaml


@dataclass(frozen=True, slots=True)
class StackOutput:
    """One output of the stack, resolved."""

    key: str
    value: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class StackResource:
    """One resource of the stack: logical ID, physical ID, CloudFormation type."""

    logical_id: str
    physical_id: str
    type: str


@dataclass(frozen=True, slots=True)
class StackDescription:
    """The stack as ``DescribeStacks`` and ``ListStackResources`` answer for it."""

    name: str
    stack_id: str
    description: str | None
    parameters: dict[str, str]
    no_echo: frozenset[str]
    outputs: tuple[StackOutput, ...]
    resources: tuple[StackResource, ...]

    def output_values(self) -> dict[str, str]:
        """Output key → value."""
        return {output.key: output.value for output in self.outputs}


def describe(template: Template, resources: StackResources) -> StackDescription:
    """The description of a provisioned ``template`` (see the module docstring)."""
    document = read_yaml(template.path)
    declared = document.get("Parameters") or {}
    resolver = template_resolver(template, resources.records)
    outputs = []
    for key, body in (document.get("Outputs") or {}).items():
        condition = body.get("Condition")
        if condition is not None and not template.conditions.get(str(condition), False):
            continue
        value = _text(resolver.resolve(body.get("Value")))
        outputs.append(StackOutput(str(key), value, body.get("Description")))
    listed = tuple(
        StackResource(logical_id, _physical_id(record), record.type) for logical_id, record in resources.records.items()
    )
    return StackDescription(
        name=template.stack_name,
        stack_id=str(template.pseudo()["AWS::StackId"]),
        description=document.get("Description"),
        parameters={name: _text(value) for name, value in template.parameters.items()},
        no_echo=frozenset(name for name, decl in declared.items() if str(decl.get("NoEcho", "")).lower() == "true"),
        outputs=tuple(outputs),
        resources=listed,
    )


def _physical_id(record: Any) -> str:
    return str(record.ref) if isinstance(record.ref, str) and record.ref else str(record.physical_name)


def _text(value: Any) -> str:
    """A value as CloudFormation shows it: a list comma-joined (``CommaDelimitedList``), anything else as text."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return "" if value is None else str(value)
