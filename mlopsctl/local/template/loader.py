"""Read ``template.yaml`` as the local stack sees it: parameters, conditions and plain CloudFormation resources.

The SAM transform is applied by :mod:`mlopsctl.local.template.sam` (the subset the project uses); what comes out is a
list of
resources in dependency order, with their properties still unresolved (intrinsics are resolved while provisioning,
when the physical names and ARNs they refer to exist).

Examples
--------
>>> from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE
>>> t = load_template(DEFAULT_TEMPLATE, parameters={"EndpointName": "churn-endpoint"})
>>> t.parameters["EndpointName"], t.resources["DataBucket"].type
('churn-endpoint', 'AWS::S3::Bucket')
>>> order = [r.logical_id for r in t.ordered()]
>>> order.index("MlopsKey") < order.index("DataBucket")  # the bucket is encrypted with the key: it comes after
True
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

from mlopsctl.local.errors import TemplateError
from mlopsctl.local.template import sam
from mlopsctl.local.template.intrinsics import Resolver, references

DEFAULT_STACK_NAME = "mlops-local"
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"
EMULATED_WORKTEAM = "mlops-local-emulated-workforce"


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template (YAML or JSON) with cfn-lint's decoder, into plain Python data.

    Short-form tags become CloudFormation's long forms (``!GetAtt A.Arn`` → ``{"Fn::GetAtt": ["A", "Arn"]}``);
    YAML dates are kept as the strings they are written as (``Version: 2012-10-17``), as CloudFormation reads them.

    Parsing costs about 0.3 s of CPU for ``template.yaml``, and a test suite starts hundreds of stacks from a few
    templates: the parsed document is kept per (path, content hash), and every call gets its own copy, so a caller
    may change what it gets and a file that changes is parsed again.
    """
    if not path.is_file():
        raise TemplateError(f"cannot read template {path}: no such file")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    plain: dict[str, Any] = pickle.loads(_parsed(str(path), digest))  # noqa: S301 - our own bytes, just pickled
    return plain


@lru_cache(maxsize=32)
def _parsed(path: str, _digest: str) -> bytes:
    """The template at ``path`` (whose content hashes to ``_digest``) parsed, as pickled plain data."""
    document, problems = decode(path)
    if problems:
        raise TemplateError(f"cannot read template {path}: {problems[0].message}")
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources section)")
    return pickle.dumps(_plain(document), protocol=pickle.HIGHEST_PROTOCOL)


def _plain(value: Any) -> Any:
    """cfn-lint's nodes (``dict``/``list``/``str`` subclasses carrying line marks) as plain values; dates as text."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class ResourceSpec:
    """One CloudFormation resource of the (transformed) template, properties unresolved."""

    logical_id: str
    type: str
    properties: dict[str, Any]
    depends_on: tuple[str, ...] = ()
    #: the SAM resource this one was generated from, if any
    origin: str | None = None


@dataclass(frozen=True)
class Template:
    """A template with parameter values applied and conditions evaluated."""

    path: Path
    stack_name: str
    region: str
    account_id: str
    parameters: dict[str, Any]
    conditions: dict[str, bool]
    mappings: dict[str, Any]
    resources: dict[str, ResourceSpec]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        """The folder local paths in the template (``CodeUri``, ``DefinitionUri``) are relative to."""
        return self.path.parent

    def pseudo(self) -> dict[str, Any]:
        """The pseudo parameters of this stack."""
        return {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": (f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/local"),
            "AWS::NotificationARNs": [],
        }

    def ordered(self) -> list[ResourceSpec]:
        """Resources in an order where everything a resource refers to comes before it."""
        pending = {lid: self._dependencies(spec) for lid, spec in self.resources.items()}
        ordered: list[ResourceSpec] = []
        while pending:
            ready = [lid for lid, deps in pending.items() if not deps & pending.keys()]
            if not ready:
                raise TemplateError(f"circular references between {sorted(pending)}")
            for lid in ready:
                ordered.append(self.resources[lid])
                del pending[lid]
        return ordered

    def _dependencies(self, spec: ResourceSpec) -> set[str]:
        deps = set(references(spec.properties)) | set(spec.depends_on)
        return {d for d in deps if d in self.resources and d != spec.logical_id}


def load_template(
    path: Path,
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    parameters: Mapping[str, str] | None = None,
) -> Template:
    """Read ``path``, apply parameter values and the SAM transform; check the template's ``Rules``.

    A parameter takes its value from ``parameters``, else from :func:`local_parameter_defaults` (values a deployment
    supplies and the local stack supplies itself), else from its ``Default``.
    """
    path = path.resolve()
    document = read_yaml(path)
    declared = document.get("Parameters") or {}
    supplied = {k: v for k, v in local_parameter_defaults(region, account_id).items() if k in declared}
    values = _parameter_values(declared, {**supplied, **(parameters or {})})
    mappings = document.get("Mappings") or {}
    pseudo = Template(path, stack_name, region, account_id, {}, {}, {}, {}).pseudo()
    check_rules(document.get("Rules") or {}, values, pseudo, mappings)
    conditions = _conditions(document.get("Conditions") or {}, values, pseudo, mappings)
    raw = sam.expand(document["Resources"], document.get("Globals") or {}, path.parent)
    resources: dict[str, ResourceSpec] = {}
    skipped: dict[str, str] = {}
    for logical_id, body in raw.items():
        condition = body.get("Condition")
        if condition is not None and not conditions.get(condition, False):
            skipped[logical_id] = f"condition {condition} is false"
            continue
        depends = body.get("DependsOn") or []
        resources[logical_id] = ResourceSpec(
            logical_id=logical_id,
            type=str(body.get("Type")),
            properties=dict(body.get("Properties") or {}),
            depends_on=tuple([depends] if isinstance(depends, str) else depends),
            origin=body.get(sam.ORIGIN_KEY),
        )
    return Template(path, stack_name, region, account_id, values, conditions, mappings, resources, skipped)


def local_parameter_defaults(region: str, account_id: str) -> dict[str, str]:
    """Values the local stack gives parameters a deployment must supply (used when the template declares them).

    ``LabelingWorkteamArn``: an emulated private workteam (the SageMaker emulator's workforce does the labeling), so
    the template's rule "groundtruth needs a workteam" holds locally.
    """
    workteam = f"arn:aws:sagemaker:{region}:{account_id}:workteam/private-crowd/{EMULATED_WORKTEAM}"
    return {"LabelingWorkteamArn": workteam}


def _parameter_values(declared: Mapping[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"unknown template parameter(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, decl in declared.items():
        if name in overrides:
            raw: Any = overrides[name]
        elif "Default" in decl:
            raw = decl["Default"]
        else:
            raise TemplateError(f"parameter {name} has no default: give it a value")
        text = raw if isinstance(raw, list) else str(raw)
        allowed = decl.get("AllowedValues")
        if allowed is not None and text not in [str(a) for a in allowed]:
            # "ConstraintDescription: A string that explains a constraint when the constraint is violated"
            # (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html)
            why = decl.get("ConstraintDescription")
            said = f": {' '.join(str(why).split())}" if why else ""
            raise TemplateError(f"parameter {name}={text!r} is not one of {allowed}{said}")
        if isinstance(text, str):
            _check_constraints(name, decl, text)
        is_list = str(decl.get("Type", "String")).startswith(("CommaDelimitedList", "List<"))
        if is_list and isinstance(text, str):
            values[name] = [item.strip() for item in text.split(",")] if text else []
        else:
            values[name] = text
    return values


def _check_constraints(name: str, decl: Mapping[str, Any], text: str) -> None:
    """A parameter's ``AllowedPattern``, ``MinLength``/``MaxLength`` (String) and ``MinValue``/``MaxValue`` (Number).

    CloudFormation refuses a stack whose parameter value breaks one of them before it creates anything ("Parameters",
    CloudFormation User Guide: ``AllowedPattern`` is "a regular expression that represents the patterns to allow";
    the whole value must match). The message names the parameter, its value and the ``ConstraintDescription``.
    """
    pattern = decl.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), text) is None:
        why = decl.get("ConstraintDescription") or f"the pattern {pattern}"
        raise TemplateError(f"parameter {name}={text!r} does not satisfy: {' '.join(str(why).split())}")
    if "MaxLength" in decl and len(text) > int(decl["MaxLength"]):
        raise TemplateError(f"parameter {name}={text!r} must contain at most {decl['MaxLength']} characters")
    if "MinLength" in decl and len(text) < int(decl["MinLength"]):
        raise TemplateError(f"parameter {name}={text!r} must contain at least {decl['MinLength']} characters")
    if str(decl.get("Type", "String")) != "Number":
        return
    try:
        number = float(text)
    except ValueError:
        raise TemplateError(f"parameter {name}={text!r} must be a number") from None
    if "MaxValue" in decl and number > float(decl["MaxValue"]):
        raise TemplateError(f"parameter {name}={text!r} must be a number not greater than {decl['MaxValue']}")
    if "MinValue" in decl and number < float(decl["MinValue"]):
        raise TemplateError(f"parameter {name}={text!r} must be a number not less than {decl['MinValue']}")


def check_rules(
    rules: Mapping[str, Any], parameters: dict[str, Any], pseudo: dict[str, Any], mappings: dict[str, Any]
) -> None:
    """Fail as CloudFormation would when a rule whose ``RuleCondition`` holds has a false ``Assert``.

    Raises
    ------
    TemplateError
        Naming the rule and its ``AssertDescription``.
    """
    resolver = Resolver(parameters, pseudo, {}, mappings)
    for name, rule in rules.items():
        if "RuleCondition" in rule and not resolver.resolve(rule["RuleCondition"]):
            continue
        for assertion in rule.get("Assertions") or []:
            if not resolver.resolve(assertion.get("Assert")):
                why = assertion.get("AssertDescription") or "its assertion is false"
                raise TemplateError(f"template rule {name} failed: {why}")


def _conditions(
    declared: Mapping[str, Any], parameters: dict[str, Any], pseudo: dict[str, Any], mappings: dict[str, Any]
) -> dict[str, bool]:
    evaluated: dict[str, bool] = {}

    def evaluate(name: str, trail: tuple[str, ...]) -> bool:
        if name in evaluated:
            return evaluated[name]
        if name not in declared:
            raise TemplateError(f"unknown condition {name!r}")
        if name in trail:
            raise TemplateError(f"condition {name} refers to itself")
        needed = {n: evaluate(n, (*trail, name)) for n in _condition_refs(declared[name])}
        evaluated[name] = bool(Resolver(parameters, pseudo, needed, mappings).resolve(declared[name]))
        return evaluated[name]

    for name in declared:
        evaluate(name, ())
    return evaluated


def _condition_refs(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Condition" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::If" and isinstance(arg, list) and arg:
                found.add(str(arg[0]))
                found |= _condition_refs(arg[1:])
            else:
                found |= _condition_refs(arg)
    elif isinstance(value, list):
        for item in value:
            found |= _condition_refs(item)
    return found
