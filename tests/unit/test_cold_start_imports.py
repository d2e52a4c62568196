"""A function's cold start imports what it uses: its own event model, not all eight; its own composition root's module.

Each check runs in a fresh interpreter (the layer on the path, as Lambda's ``/opt/python``) and reads ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

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
        ("deploy_tasks", {"mlops_core.events", "mlops_core.handler", "mlops_core.approval"}),
        ("rollback_tasks", {"mlops_core.events", "mlops_core.handler", "mlops_core.rollback.hot_path"}),
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
