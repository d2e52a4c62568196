"""Every ``$.x.y`` path an ASL reads or writes exists in its execution contract (pydantic models' JSON schemas).

The Rollback state machine's input is :class:`~mlops_core.rollback.contract.input.RollbackInput` (what its first
state, ``Initialise``, reads) and its state between states :class:`~mlops_core.rollback.contract.state.RollbackState`
(what every other state reads, and where each ``ResultPath`` writes); the Deploy machine's are
:class:`~mlops_core.deploy.contract.input.DeployInput` and :class:`~mlops_core.deploy.contract.state.DeployState`.
A path the models do not have is a wiring error that moto and statelint accept (the execution would fail at run time
with ``States.Runtime``); the mutation test shows that the checker catches each one. Each task's payload (``step``,
``state.$``, ``task_token.$``) is checked against the machine's task model (``DeployTask``, ``RollbackTask``), and
every model the contract modules define is one of these or a part of their schemas, so splitting a contract into its
input and state modules cannot leave a model unchecked.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel

import mlops_core.contract.base
import mlops_core.contract.state
import mlops_core.deploy.contract.input
import mlops_core.deploy.contract.state
import mlops_core.rollback.contract.input
import mlops_core.rollback.contract.state
from mlops_core.deploy.contract.input import DeployInput
from mlops_core.deploy.contract.state import DeployState, DeployTask
from mlops_core.rollback.contract.input import RollbackInput
from mlops_core.rollback.contract.state import RollbackState, RollbackTask

ROOT = Path(__file__).resolve().parents[2]
#: Each ASL file and the models of its input and of its state.
CONTRACTS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "rollback.asl.json": (RollbackInput, RollbackState),
    "deploy.asl.json": (DeployInput, DeployState),
}
#: Each ASL file's task payload model, and the modules that define its contract's models (the shared ones too).
TASKS: dict[str, type[BaseModel]] = {"rollback.asl.json": RollbackTask, "deploy.asl.json": DeployTask}
MODULES: dict[str, tuple[ModuleType, ...]] = {
    "rollback.asl.json": (mlops_core.rollback.contract.input, mlops_core.rollback.contract.state),
    "deploy.asl.json": (mlops_core.deploy.contract.input, mlops_core.deploy.contract.state),
}
SHARED = (mlops_core.contract.base, mlops_core.contract.state)
PATH_FIELDS = (
    "InputPath",
    "OutputPath",
    "ResultPath",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
)
REFERENCE = re.compile(r"(?<!\$)\$(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def asl(name: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "statemachines" / name).read_text(encoding="utf-8")))


def _parameter_paths(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """The ``$``-paths read by ``"key.$"`` entries of a Parameters (or Payload) object, not ``$$.`` context paths."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith(".$") and isinstance(item, str):
                yield from ((where + "/" + key, path) for path in REFERENCE.findall(item) if path)
            else:
                yield from _parameter_paths(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _parameter_paths(item, f"{where}/{index}")


def _choice_paths(rule: dict[str, Any], where: str) -> Iterator[tuple[str, str]]:
    for key, value in rule.items():
        if key == "Variable" or (key.endswith("Path") and isinstance(value, str)):
            yield f"{where}/{key}", value
        elif key in ("And", "Or"):
            for index, inner in enumerate(value):
                yield from _choice_paths(inner, f"{where}/{key}/{index}")
        elif key == "Not":
            yield from _choice_paths(value, f"{where}/Not")


def paths(definition: dict[str, Any]) -> Iterator[tuple[str, str, bool]]:
    """``(where, path, reads_the_input)`` for every path of every state (``reads_the_input``: the first state's
    Parameters, which read the execution input rather than the state)."""
    for name, state in definition["States"].items():
        first = name == definition["StartAt"]
        for field in PATH_FIELDS:
            if isinstance(state.get(field), str):
                yield f"{name}/{field}", state[field], first and field in ("InputPath", "ItemsPath")
        for where, path in _parameter_paths(state.get("Parameters"), f"{name}/Parameters"):
            yield where, path, first
        for index, choice in enumerate(state.get("Choices", [])):
            for where, path in _choice_paths(choice, f"{name}/Choices/{index}"):
                yield where, path, False
        for index, catch in enumerate(state.get("Catch", [])):
            if isinstance(catch.get("ResultPath"), str):
                yield f"{name}/Catch/{index}/ResultPath", catch["ResultPath"], False


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    """The object schemas ``node`` may be: ``$ref`` followed, ``anyOf``/``oneOf``/``allOf`` branches opened."""
    if "$ref" in node:
        return _resolve(schema, schema["$defs"][node["$ref"].rsplit("/", 1)[-1]])
    branches = [b for key in ("anyOf", "oneOf", "allOf") for b in node.get(key, [])]
    if branches:
        return [found for branch in branches for found in _resolve(schema, branch)]
    return [node]


@cache
def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    return dict(model.model_json_schema())


def exists(model: type[BaseModel], path: str) -> bool:
    """Whether the ``$.a.b`` path names a field of ``model`` (``$`` itself always exists)."""
    schema = schema_of(model)
    nodes = [schema]
    for part in [p for p in path.split(".")[1:] if p]:
        nodes = [
            inner
            for node in nodes
            for resolved in _resolve(schema, node)
            if part in resolved.get("properties", {})
            for inner in [resolved["properties"][part]]
        ]
        if not nodes:
            return False
    return True


def problems(definition: dict[str, Any], source: type[BaseModel], state: type[BaseModel]) -> list[str]:
    """Every path of the definition its models do not have, with where it is; and the first Pass state's output
    keys that the state model does not have."""
    found = [
        f"{where}: {path} is not in {(source if reads_input else state).__name__}"
        for where, path, reads_input in paths(definition)
        if not exists(source if reads_input else state, path)
    ]
    first = definition["States"][definition["StartAt"]]
    if first.get("Type") == "Pass":
        written = {key.removesuffix(".$") for key in first.get("Parameters", {})}
        found += [f"{definition['StartAt']}/Parameters: {key} is not in {state.__name__}" for key in
                  sorted(written - set(schema_of(state)["properties"]))]  # fmt: skip
    return found


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_every_path_of_the_asl_exists_in_its_models(name: str) -> None:
    definition = asl(name)
    assert len(list(paths(definition))) >= 10  # the walk sees the definition's paths
    assert problems(definition, *CONTRACTS[name]) == []


def test_every_state_machine_has_a_contract() -> None:
    assert {path.name for path in (ROOT / "statemachines").glob("*.asl.json")} == set(CONTRACTS) == set(TASKS)


def models_of(module: ModuleType) -> set[type[BaseModel]]:
    """The pydantic models ``module`` defines (not those it imports)."""
    return {
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == module.__name__
    }


def checked_models(name: str) -> set[str]:
    """The names of the models the checks of ``name`` read: its input, state and task models and their parts."""
    roots = (*CONTRACTS[name], TASKS[name])
    return {model.__name__ for model in roots} | {key for model in roots for key in schema_of(model).get("$defs", {})}


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_every_model_of_a_contract_is_one_the_checks_read(name: str) -> None:
    defined = {model.__name__ for module in MODULES[name] for model in models_of(module)}
    shared = {model.__name__ for module in SHARED for model in models_of(module)} - {"ContractModel"}  # the base

    assert len(defined) >= 7  # the walk sees the modules' models
    assert sorted((defined | shared) - checked_models(name)) == []


def task_payloads(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(state, payload)`` of every Task state: its Parameters (a function ARN as the Resource), or their
    ``Payload`` (``lambda:invoke.waitForTaskToken``)."""
    for name, state in definition["States"].items():
        if state["Type"] == "Task":
            parameters = state["Parameters"]
            yield name, parameters.get("Payload", parameters)


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_every_task_payload_is_the_task_model_with_the_whole_state(name: str) -> None:
    fields = set(schema_of(TASKS[name])["properties"])
    payloads = dict(task_payloads(asl(name)))

    assert len(payloads) >= 6
    for state, payload in payloads.items():
        assert {key.removesuffix(".$") for key in payload} <= fields, state
        assert payload["state.$"] == "$", state
        assert isinstance(payload["step"], str), state


def test_a_task_payload_with_a_key_the_task_model_lacks_is_reported() -> None:
    definition = copy.deepcopy(asl("deploy.asl.json"))
    definition["States"]["Preflight"]["Parameters"]["timing.$"] = "$.timing"
    payload = dict(task_payloads(definition))["Preflight"]

    assert {key.removesuffix(".$") for key in payload} - set(schema_of(DeployTask)["properties"]) == {"timing"}


def _mutations() -> Iterator[tuple[str, str, str]]:
    for name in sorted(CONTRACTS):
        for where, path, _ in paths(asl(name)):
            if path != "$":
                yield name, where, path


@pytest.mark.parametrize(("name", "where", "path"), list(_mutations()))
def test_a_wrong_path_in_a_copy_of_the_asl_is_reported_where_it_is(name: str, where: str, path: str) -> None:
    definition = copy.deepcopy(asl(name))
    wrong = path + "_typo"
    _replace(definition, where.split("/"), path, wrong)
    reported = problems(definition, *CONTRACTS[name])
    assert len(reported) == 1
    assert reported[0].startswith(f"{where}: {wrong} is not in ")


def test_a_pass_state_writing_a_key_the_state_model_lacks_is_reported() -> None:
    definition = copy.deepcopy(asl("rollback.asl.json"))
    definition["States"]["Initialise"]["Parameters"]["timing"] = {"lock_retry_seconds": 1}
    assert problems(definition, *CONTRACTS["rollback.asl.json"]) == [
        "Initialise/Parameters: timing is not in RollbackState"
    ]


def _replace(node: Any, where: list[str], old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the string at ``where`` (``State/Field/...``) of the definition."""
    holder = node["States"]
    for key in where[:-1]:
        holder = holder[int(key)] if isinstance(holder, list) else holder[key]
    holder[where[-1]] = holder[where[-1]].replace(old, new)
