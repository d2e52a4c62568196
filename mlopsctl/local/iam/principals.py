"""Every role of a template with its policies as AWS would deploy them, and the template's resource-based policies.

The SAM transform is the real one (``samtranslator``, run offline: local ``CodeUri``/``DefinitionUri``/``ContentUri``
are given placeholder S3 URIs it does not read), so SAM policy templates (``DynamoDBCrudPolicy``,
``LambdaInvokePolicy``, …), the managed policies SAM attaches (``AWSLambdaBasicExecutionRole``, the SQS poller's
``AWSLambdaSQSQueueExecutionRole``, X-Ray's ``AWSXrayWriteOnlyAccess`` when tracing is on) and the inline
``Statement``s are exactly what CloudFormation would receive. Intrinsic functions are then resolved with the local
stack's physical names and ARNs. Managed policy documents come from ``managed_policies.json`` (AWS Managed Policy
Reference Guide).

Identity-based policies of a role: its ``Policies``, its ``ManagedPolicyArns`` (AWS managed, or an
``AWS::IAM::ManagedPolicy`` of the template), ``AWS::IAM::Policy`` resources naming it in ``Roles`` and
``AWS::IAM::RolePolicy`` resources naming it in ``RoleName``. Resource-based policies: bucket, queue, topic and KMS key
policies and Lambda permissions.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from unittest import mock

from mlopsctl.local.errors import TemplateError
from mlopsctl.local.iam.evaluate import Policy, StatementRef
from mlopsctl.local.template.intrinsics import Resolver
from mlopsctl.local.template.loader import Template, read_yaml

_MANAGED = Path(__file__).with_name("managed_policies.json")
_LOCAL_URIS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


@dataclass(frozen=True)
class NamedPolicy:
    """One identity-based policy of a role."""

    name: str
    document: dict[str, Any]
    policy: Policy


@dataclass(frozen=True)
class RolePolicies:
    """A role of the template: its ARN, identity-based policies and trust policy."""

    logical_id: str
    arn: str
    policies: tuple[NamedPolicy, ...]
    trust: Policy

    @property
    def identity(self) -> list[Policy]:
        """The identity-based policies, for :func:`~.evaluate.evaluate`."""
        return [p.policy for p in self.policies]

    def statements(self) -> list[StatementRef]:
        """Every statement of every identity-based policy, in order."""
        return [s.ref for p in self.policies for s in p.policy.statements]


@dataclass
class AccountPolicies:
    """The roles of the stack by ARN, and resource-based policies by resource ARN."""

    roles: dict[str, RolePolicies] = field(default_factory=dict)
    resource_policies: dict[str, list[Policy]] = field(default_factory=dict)

    def role(self, arn: str) -> RolePolicies | None:
        """The role with this ARN."""
        return self.roles.get(arn)

    def role_by_logical_id(self, logical_id: str) -> RolePolicies | None:
        """The role with this logical ID."""
        return next((r for r in self.roles.values() if r.logical_id == logical_id), None)

    def for_resource(self, arn: str) -> list[Policy]:
        """The resource-based policies that apply to ``arn`` (a bucket's policy applies to its objects too)."""
        policies = list(self.resource_policies.get(arn, []))
        if arn.startswith("arn:aws:s3:::") and "/" in arn:
            policies += self.resource_policies.get(arn.split("/", 1)[0], [])
        return policies


def transformed_resources(path: Path) -> dict[str, Any]:
    """The template's resources after the real SAM transform (cached per file content)."""
    text = path.read_text(encoding="utf-8")
    return copy.deepcopy(_transform(hashlib.sha256(text.encode()).hexdigest(), str(path)))


@lru_cache(maxsize=16)
def _transform(_digest: str, path: str) -> dict[str, Any]:
    from samtranslator.translator.transform import transform  # noqa: PLC0415 - heavy, only with IAM on

    document = json.loads(json.dumps(read_yaml(Path(path)), default=str))
    for logical_id, body in (document.get("Resources") or {}).items():
        key = _LOCAL_URIS.get(str(body.get("Type")))
        props = body.get("Properties") or {}
        if key and isinstance(props.get(key), str):
            props[key] = f"s3://local-stack-placeholder/{logical_id}"

    class _NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    region = {"AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    with mock.patch.dict(os.environ, region):
        try:
            out = transform(document, {}, _NoManagedPolicies())
        except Exception as exc:  # samtranslator's InvalidDocumentException and friends
            raise TemplateError(f"the SAM transform refused {path}: {exc}") from None
    return dict(out["Resources"])


@lru_cache(maxsize=1)
def managed_policy_documents() -> dict[str, dict[str, Any]]:
    """AWS managed policies by ARN (see ``managed_policies.json``)."""
    data = json.loads(_MANAGED.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def account_policies(template: Template, lookup: Callable[[str, str | None], Any]) -> AccountPolicies:
    """Every role and resource-based policy of ``template``, resolved with ``lookup`` (the provisioned resources)."""
    resources = transformed_resources(template.path)
    resolver = Resolver(template.parameters, template.pseudo(), template.conditions, template.mappings, lookup)

    def active(body: Mapping[str, Any]) -> bool:
        condition = body.get("Condition")
        return condition is None or bool(template.conditions.get(str(condition), False))

    bodies = {lid: b for lid, b in resources.items() if active(b)}
    out = AccountPolicies()
    attached = _attached_policies(bodies, resolver)
    customer_managed = {
        str(lookup(lid, None)): resolver.resolve(b["Properties"]["PolicyDocument"])
        for lid, b in bodies.items()
        if b["Type"] == "AWS::IAM::ManagedPolicy"
    }
    for logical_id, body in bodies.items():
        if body["Type"] == "AWS::IAM::Role":
            role = _role(logical_id, resolver.resolve(body.get("Properties") or {}), lookup, attached, customer_managed)
            out.roles[role.arn] = role
    _resource_policies(out, bodies, resolver, lookup)
    return out


def _role(
    logical_id: str,
    props: dict[str, Any],
    lookup: Callable[[str, str | None], Any],
    attached: dict[str, list[tuple[str, dict[str, Any]]]],
    customer_managed: dict[str, dict[str, Any]],
) -> RolePolicies:
    arn = str(lookup(logical_id, "Arn"))
    name = str(lookup(logical_id, None))
    policies: list[NamedPolicy] = []
    for item in props.get("Policies") or []:
        policies.append(_named(logical_id, str(item["PolicyName"]), item["PolicyDocument"]))
    managed = managed_policy_documents()
    for policy_arn in props.get("ManagedPolicyArns") or []:
        document = managed.get(str(policy_arn)) or customer_managed.get(str(policy_arn))
        if document is None:
            raise TemplateError(
                f"{logical_id}: managed policy {policy_arn} is not known to the local stack "
                "(add its document to mlopsctl/local/iam/managed_policies.json from the AWS Managed Policy Reference)"
            )
        policies.append(_named(logical_id, str(policy_arn).rsplit("/", 1)[-1], document))
    for policy_name, document in attached.get(name, []):
        policies.append(_named(logical_id, policy_name, document))
    trust = Policy.of(props.get("AssumeRolePolicyDocument") or {}, owner=logical_id, name="trust", resource_based=True)
    return RolePolicies(logical_id, arn, tuple(policies), trust)


def _named(owner: str, name: str, document: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(name, document, Policy.of(document, owner=owner, name=name))


def _attached_policies(bodies: Mapping[str, Any], resolver: Resolver) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """``AWS::IAM::Policy`` / ``AWS::IAM::RolePolicy`` documents by the role name they attach to."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for body in bodies.values():
        if body["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::RolePolicy"):
            continue
        props = resolver.resolve(body.get("Properties") or {})
        roles = props.get("Roles") or ([props["RoleName"]] if "RoleName" in props else [])
        for role_name in roles:
            out.setdefault(str(role_name), []).append((str(props["PolicyName"]), props["PolicyDocument"]))
    return out


def _resource_policies(
    out: AccountPolicies, bodies: Mapping[str, Any], resolver: Resolver, lookup: Callable[[str, str | None], Any]
) -> None:
    def add(arn: str, owner: str, name: str, document: dict[str, Any]) -> None:
        policy = Policy.of(document, owner=owner, name=name, resource_based=True)
        out.resource_policies.setdefault(arn, []).append(policy)

    for logical_id, body in bodies.items():
        kind = body["Type"]
        if kind == "AWS::S3::BucketPolicy":
            props = resolver.resolve(body["Properties"])
            add(f"arn:aws:s3:::{props['Bucket']}", logical_id, "BucketPolicy", props["PolicyDocument"])
        elif kind == "AWS::SQS::QueuePolicy":
            props = resolver.resolve(body["Properties"])
            for url in props.get("Queues") or []:
                account, name = str(url).rstrip("/").split("/")[-2:]
                region = resolver.resolve({"Ref": "AWS::Region"})
                add(f"arn:aws:sqs:{region}:{account}:{name}", logical_id, "QueuePolicy", props["PolicyDocument"])
        elif kind == "AWS::SNS::TopicPolicy":
            props = resolver.resolve(body["Properties"])
            for topic in props.get("Topics") or []:
                add(str(topic), logical_id, "TopicPolicy", props["PolicyDocument"])
        elif kind == "AWS::KMS::Key":
            props = resolver.resolve(body["Properties"])
            add(str(lookup(logical_id, "Arn")), logical_id, "KeyPolicy", props.get("KeyPolicy") or {})
        elif kind == "AWS::Lambda::Permission":
            props = resolver.resolve(body["Properties"])
            add(_function_arn(props, resolver), logical_id, "Permission", _permission_statement(props))


def _function_arn(props: Mapping[str, Any], resolver: Resolver) -> str:
    name = str(props["FunctionName"])
    if name.startswith("arn:"):
        return ":".join(name.split(":")[:7])
    pseudo = resolver.resolve({"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}"})
    return f"{pseudo}:function:{name}"


def _permission_statement(props: Mapping[str, Any]) -> dict[str, Any]:
    """An ``AWS::Lambda::Permission`` as the statement Lambda adds to the function's policy (AddPermission)."""
    principal = str(props["Principal"])
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": principal} if principal.endswith(".amazonaws.com") else {"AWS": principal},
        "Action": props["Action"],
        "Resource": "*",
    }
    condition: dict[str, Any] = {}
    if "SourceArn" in props:
        condition["ArnLike"] = {"AWS:SourceArn": props["SourceArn"]}
    if "SourceAccount" in props:
        condition["StringEquals"] = {"AWS:SourceAccount": props["SourceAccount"]}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}
