"""The deploy waits are configured where they are used, and checked at deploy time (issue 13).

The lock's waits (``DEPLOY_LOCK_*``) are the environment of the functions that wait (DeployTasksFunction,
RollbackTasksFunction), from one template parameter each, so the two machines cannot disagree; ApprovalFunction no
longer relays them through the Deploy execution's input. CloudFormation refuses, at deploy time, every value the
functions' settings would refuse at cold start: each Number parameter behind a setting has the setting's bounds.
"""

from __future__ import annotations

from typing import Any

import pytest
from annotated_types import Ge, Le
from pydantic import BaseModel

from mlops_core.config import ApprovalSettings, DeploySettings, RollbackTasksSettings
from tests.support.template_rules import TEMPLATE, function_props

LOCK_WAITS = {
    "DEPLOY_LOCK_TTL_SECONDS": "DeployLockTtlSeconds",
    "DEPLOY_LOCK_RETRY_SECONDS": "DeployLockRetrySeconds",
    "DEPLOY_LOCK_MAX_ATTEMPTS": "DeployLockMaxAttempts",
}
#: The functions that wait for the lock, and their settings classes.
SETTINGS: dict[str, type[BaseModel]] = {
    "DeployTasksFunction": DeploySettings,
    "RollbackTasksFunction": RollbackTasksSettings,
}


def environment(function: str) -> dict[str, Any]:
    return dict(function_props(function)["Environment"]["Variables"])


@pytest.mark.parametrize("function", sorted(SETTINGS))
def test_the_tasks_that_wait_for_the_lock_read_its_waits_from_one_parameter_each(function: str) -> None:
    env = environment(function)
    assert {name: env.get(name) for name in LOCK_WAITS} == {name: {"Ref": ref} for name, ref in LOCK_WAITS.items()}


def test_the_approval_function_relays_no_wait() -> None:
    assert not [name for name in environment("ApprovalFunction") if name.startswith("DEPLOY_LOCK_")]
    assert not [field for field in ApprovalSettings.model_fields if field.startswith("deploy_lock_")]


def _bounds(model: type[BaseModel], variable: str) -> tuple[float | None, float | None]:
    field = model.model_fields[variable.lower()]
    low = next((float(m.ge) for m in field.metadata if isinstance(m, Ge)), None)
    high = next((float(m.le) for m in field.metadata if isinstance(m, Le)), None)
    return low, high


def _number_parameters(function: str) -> list[tuple[str, str]]:
    """(variable, parameter) for each environment variable of ``function`` that is a Number parameter."""
    found = []
    for variable, value in environment(function).items():
        ref = value.get("Ref") if isinstance(value, dict) else None
        if ref in TEMPLATE["Parameters"] and TEMPLATE["Parameters"][ref]["Type"] == "Number":
            found.append((variable, ref))
    return found


@pytest.mark.parametrize("function", sorted(SETTINGS))
def test_every_number_parameter_has_the_bounds_its_setting_checks_at_cold_start(function: str) -> None:
    parameters = _number_parameters(function)
    assert {variable for variable, _ in parameters} >= set(LOCK_WAITS)
    for variable, ref in parameters:
        spec = TEMPLATE["Parameters"][ref]
        declared = (
            float(spec["MinValue"]) if "MinValue" in spec else None,
            float(spec["MaxValue"]) if "MaxValue" in spec else None,
        )
        assert declared == _bounds(SETTINGS[function], variable), (function, variable, ref)
