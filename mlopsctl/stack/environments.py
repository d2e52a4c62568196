"""The deployment environments of ``samconfig.toml``: each one's stack name and Region.

``samconfig.toml`` keeps one table per environment (``[dev.global.parameters]``, ``[dev.deploy.parameters]``, ...;
SAM CLI's "configuration file" format); ``sam deploy --config-env dev`` reads them. The ``default`` table is what
``sam`` uses without ``--config-env``; it is not offered here, so that ``make deploy`` always names its target.

Examples
--------
>>> config = {"dev": {"global": {"parameters": {"stack_name": "mlops-dev"}}}}
>>> env = environment("dev", config, default_region="eu-west-1")
>>> (env.name, env.stack_name, env.region)
('dev', 'mlops-dev', 'eu-west-1')
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAMCONFIG = Path(__file__).resolve().parents[2] / "samconfig.toml"
ENVIRONMENTS = ("dev", "staging", "prod")
"""The environments ``make deploy`` and ``make destroy`` accept (``samconfig.toml`` holds each one)."""


class UnknownEnvironmentError(Exception):
    """``ENV`` names no environment of ``samconfig.toml`` (the message, one line, lists the known ones)."""


@dataclass(frozen=True, slots=True)
class Environment:
    """One ``samconfig.toml`` environment: its name, the stack it deploys and the Region (``None``: the user's)."""

    name: str
    stack_name: str
    region: str | None
    parameters: dict[str, str] = field(default_factory=dict)
    """The environment's ``parameter_overrides``, by name."""


def load_samconfig(path: Path = SAMCONFIG) -> dict[str, Any]:
    """``samconfig.toml``, parsed."""
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _parameters(config: Mapping[str, Any], env: str, command: str) -> Mapping[str, Any]:
    return ((config.get(env) or {}).get(command) or {}).get("parameters") or {}


def environment(name: str, config: Mapping[str, Any], default_region: str | None = None) -> Environment:
    """The environment called ``name``; its Region is ``region`` in its deploy or global table, else ``default_region``.

    Raises
    ------
    UnknownEnvironmentError
        ``name`` is not one of :data:`ENVIRONMENTS`, or ``samconfig.toml`` has no stack name for it.
    """
    known = ", ".join(ENVIRONMENTS)
    if name not in ENVIRONMENTS:
        raise UnknownEnvironmentError(f"unknown environment {name!r}: use ENV=one of {known}")
    merged = {**_parameters(config, name, "global"), **_parameters(config, name, "deploy")}
    stack_name = merged.get("stack_name")
    if not stack_name:
        raise UnknownEnvironmentError(f"samconfig.toml has no stack_name for environment {name!r} ({known} expected)")
    region = merged.get("region") or default_region
    return Environment(
        name=name,
        stack_name=str(stack_name),
        region=str(region) if region else None,
        parameters=overrides(merged.get("parameter_overrides")),
    )


def overrides(value: Any) -> dict[str, str]:
    """``parameter_overrides`` (a list of ``Name=value``, or one space-separated string) by name.

    >>> overrides(["Stage=dev", "EndpointName=e"])
    {'Stage': 'dev', 'EndpointName': 'e'}
    """
    items = value.split() if isinstance(value, str) else list(value or [])
    return dict(str(item).split("=", 1) for item in items if "=" in str(item))
