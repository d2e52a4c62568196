"""Create a template's resources in moto, in dependency order, and remember what each became.

Physical names are deterministic: the resource's own name property when the template gives one, else
``<stack>-<logicalid in lower case>`` (shortened with a hash suffix past the service's limit). What the stack needs
at run time (functions to run, event source mappings to poll, rules to dispatch, topics' local inboxes) is collected
in :class:`StackResources`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlopsctl.local.errors import TemplateError
from mlopsctl.local.runtime.clients import StackClients
from mlopsctl.local.template.intrinsics import Resolver
from mlopsctl.local.template.loader import ResourceSpec, Template

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Provisioned:
    """What a template resource became locally."""

    logical_id: str
    type: str
    physical_name: str
    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def arn(self) -> str | None:
        """The resource's ARN, when it has one."""
        value = self.attributes.get("Arn")
        return str(value) if value is not None else None

    def get_att(self, attribute: str) -> Any:
        """``Fn::GetAtt`` of this resource."""
        if attribute not in self.attributes:
            raise TemplateError(f"{self.logical_id} ({self.type}) has no attribute {attribute!r} in the local stack")
        return self.attributes[attribute]


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function the stack runs in process."""

    logical_id: str
    name: str
    arn: str
    handler: str
    code_dir: str | None
    environment: dict[str, str]
    timeout: int
    memory: int
    dead_letter_arn: str | None = None
    max_retry_attempts: int = 2
    #: the execution role the function's code calls AWS as
    role_arn: str = ""


@dataclass(frozen=True)
class EventSourceMappingSpec:
    """An SQS → Lambda event source mapping, polled by the stack."""

    logical_id: str
    function: str  # logical ID
    queue_arn: str
    batch_size: int
    window_seconds: int
    report_batch_item_failures: bool
    enabled: bool


@dataclass(frozen=True)
class RuleRoute:
    """An EventBridge rule: moto matches its pattern into ``queue_url``; the stack delivers to ``targets``."""

    logical_id: str
    name: str
    queue_url: str
    targets: list[dict[str, Any]]
    enabled: bool


@dataclass
class StackResources:
    """Everything provisioned, by logical ID, plus what the stack needs at run time."""

    records: dict[str, Provisioned] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    mappings: list[EventSourceMappingSpec] = field(default_factory=list)
    rules: list[RuleRoute] = field(default_factory=list)
    topic_inboxes: dict[str, str] = field(default_factory=dict)
    buses: list[str] = field(default_factory=lambda: ["default"])
    skipped: dict[str, str] = field(default_factory=dict)

    def function_by_arn_or_name(self, name_or_arn: str) -> FunctionSpec | None:
        """The function called ``name_or_arn`` (a name, an ARN, or an ARN with a qualifier)."""
        name = name_or_arn.split(":function:", 1)[-1].split(":", 1)[0]
        return next((f for f in self.functions.values() if f.name == name), None)

    def logical_id_of_arn(self, arn: str) -> str | None:
        """The logical ID of the resource with this ARN."""
        return next((lid for lid, r in self.records.items() if r.arn == arn), None)


_NAME_LIMITS = {
    "AWS::S3::Bucket": 63,
    "AWS::Lambda::Function": 64,
    "AWS::Events::Rule": 64,
    "AWS::IAM::Role": 64,
    "AWS::SageMaker::ModelPackageGroup": 63,
    "AWS::SageMaker::Pipeline": 82,
    "AWS::CloudWatch::Alarm": 255,
    "AWS::DynamoDB::Table": 255,
}


def physical_name(stack_name: str, logical_id: str, resource_type: str, *, suffix: str = "") -> str:
    """``<stack>-<logicalid-lower>``, shortened with a stable hash when longer than the service allows."""
    limit = _NAME_LIMITS.get(resource_type, 80) - len(suffix)
    name = f"{stack_name}-{logical_id.lower()}"
    if resource_type == "AWS::S3::Bucket":
        name = name.lower()
    if len(name) > limit:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{name[: limit - 9]}-{digest}"
    return name + suffix


#: A creator makes one resource type: ``(context, spec, resolved properties) -> Provisioned``.
Creator = Callable[["ProvisionContext", ResourceSpec, dict[str, Any]], Provisioned]


@dataclass
class ProvisionContext:
    """What creators share: the template, clients, and the collected resources."""

    template: Template
    clients: StackClients
    resources: StackResources

    @property
    def region(self) -> str:
        """The stack's region."""
        return self.template.region

    @property
    def account_id(self) -> str:
        """The stack's account."""
        return self.template.account_id

    def name(self, spec: ResourceSpec, props: dict[str, Any], name_key: str | None, suffix: str = "") -> str:
        """The resource's physical name: its name property if given, else the deterministic one."""
        given = props.get(name_key) if name_key else None
        return (
            str(given) if given else physical_name(self.template.stack_name, spec.logical_id, spec.type, suffix=suffix)
        )

    def arn(self, service: str, resource: str) -> str:
        """An ARN in this stack's region and account."""
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"


def provision(template: Template, clients: StackClients, creators: dict[str, Creator]) -> StackResources:
    """Create every resource of ``template``; a type without a creator is skipped with a logged note."""
    context = ProvisionContext(template, clients, StackResources(skipped=dict(template.skipped)))
    records = context.resources.records
    resolver = template_resolver(template, records)
    for spec in template.ordered():
        try:
            props = resolver.resolve(spec.properties) or {}
        except TemplateError as exc:
            raise TemplateError(f"{spec.logical_id}: {exc}") from None
        creator = creators.get(spec.type)
        if creator is None:
            records[spec.logical_id] = _placeholder(context, spec, props)
            context.resources.skipped[spec.logical_id] = f"{spec.type} is not emulated by the local stack"
            logger.info("skipped %s (%s): not emulated by the local stack", spec.logical_id, spec.type)
            continue
        records[spec.logical_id] = creator(context, spec, props)
    return context.resources


def template_resolver(template: Template, records: Mapping[str, Provisioned]) -> Resolver:
    """The intrinsics resolver of ``template``: references to resources read ``records`` (created so far)."""

    def lookup(logical_id: str, attribute: str | None) -> Any:
        record = records.get(logical_id)
        if record is None:
            raise TemplateError(f"reference to {logical_id}, which is not a parameter or a created resource")
        return record.ref if attribute is None else record.get_att(attribute)

    return Resolver(template.parameters, template.pseudo(), template.conditions, template.mappings, lookup)


def _placeholder(context: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A skipped resource still resolves: ``Ref`` to its deterministic name, ``Arn`` to a matching ARN."""
    name = context.name(spec, props, None)
    service = spec.type.split("::")[1].lower() if spec.type.count("::") >= 2 else "local"
    if spec.type in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
        arn = context.arn("lambda", f"layer:{name}:1")
        return Provisioned(spec.logical_id, spec.type, name, arn, {"Arn": arn})
    arn = context.arn(service, name)
    return Provisioned(spec.logical_id, spec.type, name, name, {"Arn": arn})
