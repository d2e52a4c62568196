"""A function's cold start imports what it uses: its own event model, not all eight; its own composition root's module;
the input models of the machine it starts, not the models of the machine's state.

Each check runs in a fresh interpreter (the layer on the path, as Lambda's ``/opt/python``) and reads ``sys.modules``.
The contract checks run a function's cold start as the bench does (``bench.coldstart.FUNCTION_SCRIPT``: the module
imported by path and its per-cold-start wiring run, in the environment ``template.yaml`` gives it); with the
template's ``PYDANTIC_DISABLE_PLUGINS``, pydantic never looks up its plugins' entry points.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from functools import cache

import pytest

from bench import coldstart
from bench.coldstart_env import environments, lambda_environment
from mlops_core.events import EVENT_MODELS, ConsumedEvent
from mlops_core.events.classifier import model_of
from tests.support.files import ROOT

EVENT_MODULES = {
    "alarm",
    "endpoint",
    "execution",
    "labeling",
    "model_package",
    "pipeline",
    "s3",
}
ENV = {
    **os.environ,
    "PYTHONPATH": str(ROOT / "layers" / "mlops_core"),
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def modules_after(code: str) -> set[str]:
    """The ``mlops_core`` modules loaded after running ``code`` in a fresh interpreter."""
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(  # noqa: S603 - our own interpreter and our own code
        [sys.executable, "-c", script], capture_output=True, text=True, env=ENV, check=True, cwd=ROOT, timeout=120
    )
    return {name for name in json.loads(done.stdout.splitlines()[-1]) if name.startswith("mlops_core")}


def event_models_loaded(modules: set[str]) -> set[str]:
    return {name.removeprefix("mlops_core.events.") for name in modules} & EVENT_MODULES


def test_every_consumed_detail_type_finds_its_model() -> None:
    assert len(EVENT_MODELS) == len({model.DETAIL_TYPE for model in EVENT_MODELS}) == 8
    for model in EVENT_MODELS:
        assert model_of(model.DETAIL_TYPE) is model
        assert issubclass(model, ConsumedEvent)  # type: ignore[arg-type]
    assert model_of("Object Deleted") is None


def test_importing_one_event_model_and_the_classifier_builds_that_model_only() -> None:
    loaded = modules_after("from mlops_core.events import ModelPackageStateChangeEvent, parse_event")
    assert event_models_loaded(loaded) == {"model_package"}
    assert "mlops_core.events.classifier" in loaded


def test_an_event_of_another_type_builds_its_model_when_it_comes() -> None:
    loaded = modules_after(
        """
        import json
        from mlops_core.events import Origin, UnsupportedEventError, parse_event_as
        from mlops_core.events.alarm import AlarmStateChangeEvent
        with open("events/model_package_approved.json", encoding="utf-8") as file:
            event = json.load(file)
        try:
            parse_event_as(event, AlarmStateChangeEvent, "an alarm", origin=Origin.of("123456789012", "us-east-1"))
        except UnsupportedEventError as error:
            assert error.reason == "SageMaker Model Package State Change is not an alarm", error.reason
        else:
            raise AssertionError("a model package event parsed as an alarm")
        """
    )
    assert event_models_loaded(loaded) == {"alarm", "model_package"}


@pytest.mark.parametrize(
    ("function", "absent"),
    [
        ("deploy_tasks", {"mlops_core.events", "mlops_core.handler", "mlops_core.approval", "mlops_core.rollback"}),
        (
            "rollback_tasks",
            {
                "mlops_core.events",
                "mlops_core.handler",
                "mlops_core.rollback.hot_path",
                "mlops_core.deploy.rollout",  # the Deploy machine's wait steps: the shared wait is endpoint_wait's
                "mlops_core.deploy.contract.input",
                "mlops_core.deploy.contract.state",
            },
        ),
        ("approval", {"mlops_core.deploy.tasks", "mlops_core.task_handler"}),
        ("rollback", {"mlops_core.rollback.tasks", "mlops_core.task_handler"}),
    ],
)
def test_a_function_imports_only_its_own_side_of_a_shared_composition_root(function: str, absent: set[str]) -> None:
    path = ROOT / "functions" / function / "app.py"
    loaded = modules_after(
        f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("app", {str(path)!r})
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        """
    )
    assert loaded
    assert not loaded & absent


STATE_MODULES = {"mlops_core.contract.state", "mlops_core.deploy.contract.state", "mlops_core.rollback.contract.state"}
#: The functions that start executions, and the input modules of the machines they start.
STARTERS = {
    "approval": {"mlops_core.deploy.contract.input", "mlops_core.rollback.contract.input"},
    "rollback": {"mlops_core.rollback.contract.input"},
}
#: The task functions, and the state modules of their machine.
TASKS = {
    "deploy_tasks": {"mlops_core.contract.state", "mlops_core.deploy.contract.state"},
    "rollback_tasks": {"mlops_core.contract.state", "mlops_core.rollback.contract.state"},
}


@cache
def environment(name: str) -> dict[str, str]:
    """The environment the bench gives function ``name``'s cold start (the template's variables)."""
    function = environments(ROOT / "template.yaml")[name]
    return lambda_environment({**os.environ, "PYTHONPATH": str(coldstart.LAYER)}, function, "us-east-1")


def cold_start_modules(name: str) -> set[str]:
    """The layer's modules imported by function ``name``'s module and its per-cold-start wiring."""
    path = ROOT / "functions" / name / "app.py"
    recorded = coldstart.sample(coldstart.FUNCTION_SCRIPT, environment(name), str(path), "time")
    assert recorded["wiring"]  # the wiring ran, not only the import
    return set(recorded["modules"])


@pytest.mark.parametrize("name", sorted(STARTERS))
def test_a_function_that_starts_an_execution_builds_only_the_input_models(name: str) -> None:
    modules = cold_start_modules(name)

    assert STARTERS[name] <= modules
    assert sorted(modules & STATE_MODULES) == []


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_task_function_builds_its_machines_state_models(name: str) -> None:
    modules = cold_start_modules(name)

    assert TASKS[name] <= modules


LOOKUP_SCRIPT = textwrap.dedent(
    """
    import importlib.metadata, json
    groups = []
    original = importlib.metadata.entry_points
    def entry_points(**selection):
        groups.append(selection.get("group"))
        return original(**selection)
    importlib.metadata.entry_points = entry_points  # before pydantic imports it
    from pydantic import BaseModel
    class Built(BaseModel):
        value: int
    Built(value=1)
    print(json.dumps({"groups": groups}))
    """
)


def test_with_the_templates_environment_pydantic_never_looks_up_its_plugins() -> None:
    env = environment("approval")
    assert env["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    without = {key: value for key, value in env.items() if key != "PYDANTIC_DISABLE_PLUGINS"}

    assert "pydantic" not in coldstart.sample(LOOKUP_SCRIPT, env)["groups"]
    assert "pydantic" in coldstart.sample(LOOKUP_SCRIPT, without)["groups"]  # the lookup it saves


def test_the_recorded_modules_are_the_layers_only() -> None:
    modules = cold_start_modules("rollback")

    assert "mlops_core.rollback.hot_path" in modules
    assert all(module.split(".")[0] == "mlops_core" for module in modules), json.dumps(sorted(modules))
