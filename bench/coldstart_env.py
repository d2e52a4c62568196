"""What a function's cold start runs with: its environment from ``template.yaml``, and the results' arithmetic.

Each function gets the environment variables the template gives it, resolved by the local stack's template reader
(:func:`mlopsctl.local.template.loader.load_template`): parameters take their defaults, pseudo parameters the local
stack's
values, and references to resources fake but well-formed physical names and ARNs (nothing is provisioned; the
clients the wiring creates are never called). Pure: nothing here measures time.

Examples
--------
>>> fake_reference("Topic", "AWS::SNS::Topic", None, stack="s", region="us-east-1", account="1")
'arn:aws:sns:us-east-1:1:s-Topic'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.metrics import COLD_START_BUDGET, median, ratio
from mlopsctl.local.template.intrinsics import Resolver
from mlopsctl.local.template.loader import Template, load_template

BUDGET = COLD_START_BUDGET

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
}
"""Fake credentials and no profile files: nothing is read from the machine and nothing calls AWS."""


def fake_reference(
    logical_id: str, resource_type: str, attribute: str | None, *, stack: str, region: str, account: str
) -> str:
    """A well-formed physical name (``Ref``) or ARN (``Fn::GetAtt … Arn``) of a resource that is not provisioned."""
    name = f"{stack}-{logical_id}"
    if attribute == "Arn" and resource_type == "AWS::IAM::Role":
        return f"arn:aws:iam::{account}:role/{name}"
    if resource_type == "AWS::SNS::Topic":
        return f"arn:aws:sns:{region}:{account}:{name}"
    if resource_type == "AWS::StepFunctions::StateMachine":
        return f"arn:aws:states:{region}:{account}:stateMachine:{name}"
    if resource_type == "AWS::S3::Bucket":
        return name.lower()
    if attribute == "Arn":
        service = resource_type.split("::")[1].lower()
        return f"arn:aws:{service}:{region}:{account}:{name}"
    return name


def function_environments(template: Template) -> dict[str, dict[str, str]]:
    """Each function's environment variables (by its folder under ``functions/``), resolved with fake references."""

    def lookup(logical_id: str, attribute: str | None) -> str:
        kind = template.resources[logical_id].type
        return fake_reference(
            logical_id,
            kind,
            attribute,
            stack=template.stack_name,
            region=template.region,
            account=template.account_id,
        )

    resolver = Resolver(template.parameters, template.pseudo(), template.conditions, template.mappings, lookup)
    out: dict[str, dict[str, str]] = {}
    for spec in template.resources.values():
        code = spec.properties.get("Code") or {}
        if spec.type != "AWS::Lambda::Function" or "LocalPath" not in code:
            continue
        variables = resolver.resolve((spec.properties.get("Environment") or {}).get("Variables") or {})
        out[Path(str(code["LocalPath"])).name] = {key: _text(value) for key, value in variables.items()}
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def environments(path: Path) -> dict[str, dict[str, str]]:
    """:func:`function_environments` of the template at ``path``, with every parameter at its default."""
    return function_environments(load_template(path))


def lambda_environment(base: Mapping[str, str], function: Mapping[str, str], region: str) -> dict[str, str]:
    """A sample's environment: ``base`` without AWS settings of the machine, the Region, fake credentials, then
    the function's own variables (the baseline gets the same, so that boto3 reads the same configuration)."""
    env = {k: v for k, v in base.items() if not k.startswith(("AWS_", "COVERAGE", "PYTHONDONTWRITEBYTECODE"))}
    env.update({"AWS_REGION": region, "AWS_DEFAULT_REGION": region, **CREDENTIALS, **function})
    return env


def summarise(
    name: str,
    clients: Sequence[str],
    function_ms: Sequence[float],
    baseline_ms: Sequence[float],
    *,
    floor_ms: Sequence[float] = (),
) -> dict[str, Any]:
    """One function's row: medians of its interleaved samples, the ratio, and whether it is within :data:`BUDGET`;
    with ``floor_ms`` (:mod:`bench.coldstart_floor`), the floor's median, its ratio to the baseline, and the
    function's to the floor (what our own code adds over the mandated design)."""
    function_median, baseline_median = median(function_ms), median(baseline_ms)
    value = ratio(function_median, baseline_median)
    floor: dict[str, Any] = {}
    if floor_ms:
        floor_median = median(floor_ms)
        floor = {
            "floor_ms": round(floor_median, 1),
            "floor_samples": [round(s, 1) for s in floor_ms],
            "floor_ratio": ratio(floor_median, baseline_median),
            "over_floor": ratio(function_median, floor_median),
        }
    return {
        "name": name,
        "clients": list(clients),
        "median_ms": round(function_median, 1),
        "baseline_ms": round(baseline_median, 1),
        "samples": [round(s, 1) for s in function_ms],
        "baseline_samples": [round(s, 1) for s in baseline_ms],
        "ratio": value,
        "within_budget": value <= BUDGET,
        **floor,
    }
