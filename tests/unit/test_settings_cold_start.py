"""A cold start builds only its own function's settings: each settings class lives in the feature that uses it
(``approval/settings.py``, ``deploy/settings.py``, ``rollback/settings.py``, …) and is built on first use
(``defer_build``), so importing a neighbour's settings module costs a class statement, never a validator.

Each function's handler runs its per-cold-start wiring in a fresh interpreter, with the environment the template
gives it (:func:`bench.coldstart_env.environments`); the subprocess reports which settings models of the layer are
built afterwards.
"""

from __future__ import annotations

import os
import textwrap

import pytest

from bench import coldstart
from bench.coldstart_env import environments, lambda_environment
from tests.support.files import ROOT

BUILT_SCRIPT = textwrap.dedent(
    """
    import importlib.util, json, sys
    spec = importlib.util.spec_from_file_location("app", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    from mlops_core.settings import Settings
    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)
    before = sorted(cls.__name__ for cls in every(Settings) if cls.__pydantic_complete__)
    for name, value in sorted(vars(module).items()):
        if callable(value) and hasattr(value, "cache_info") and getattr(value, "__module__", None) == "app":
            value()
    built = sorted(cls.__name__ for cls in every(Settings) if cls.__pydantic_complete__)
    print(json.dumps({"imported": before, "built": built}))
    """
)

#: What each function's wiring builds: its own settings, and the origin (account, Region) its handler reads.
OWN: dict[str, list[str]] = {
    "approval": ["ApprovalSettings", "OriginSettings"],
    "data_arrival": ["DataArrivalSettings", "OriginSettings", "PipelineStartSettings"],
    "deploy_tasks": ["DeploySettings"],
    "endpoint_events": ["EndpointEventsSettings", "OriginSettings"],
    "execution_events": ["ExecutionEventsSettings", "OriginSettings"],
    "labeling_events": ["OriginSettings", "PipelineStartSettings", "TrainingSettings"],
    "pipeline_events": ["OriginSettings", "TrainingSettings"],
    "rollback": ["OriginSettings", "RollbackSettings"],
    "rollback_tasks": ["RollbackTasksSettings"],
}


@pytest.mark.parametrize("name", sorted(OWN))
def test_a_cold_start_builds_only_its_own_settings(name: str) -> None:
    template_env = environments(ROOT / "template.yaml")
    env = lambda_environment({**os.environ, "PYTHONPATH": str(coldstart.LAYER)}, template_env[name], "us-east-1")
    report = coldstart.sample(BUILT_SCRIPT, env, str(ROOT / "functions" / name / "app.py"))
    assert report["imported"] == []  # importing the handler builds no settings model
    assert report["built"] == OWN[name]
