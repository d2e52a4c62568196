"""One deployment's Deploy tasks with their in-memory world (the unit tests of the Deploy machine's steps)."""

from __future__ import annotations

from typing import Any

from mlops_core.deploy.tasks import DeployPorts, DeployTasks
from tests.support.deploy.builders import ALARMS, ENDPOINT, START, deploy_settings, execution, payload
from tests.support.fakes.deploy import (
    FakeAlarms,
    FakeArtifacts,
    FakeFleetAlarms,
    FakeNotifier,
    FakeSageMaker,
    FakeStore,
    FakeWorkflows,
)


class Deployment:
    """One deployment's tasks with their in-memory world, and a clock the test moves."""

    def __init__(self, **settings: Any) -> None:
        self.now = START
        self.sagemaker = FakeSageMaker()
        self.alarms = FakeAlarms(*ALARMS)
        self.fleet_alarms = FakeFleetAlarms()
        self.store = FakeStore()
        self.workflows = FakeWorkflows()
        self.notifier = FakeNotifier()
        self.artifacts = FakeArtifacts()
        ports = DeployPorts(
            self.sagemaker,
            self.alarms,
            self.store,
            self.workflows,
            self.notifier,
            self.fleet_alarms,
            self.artifacts,
        )
        self.tasks = DeployTasks(deploy_settings(**settings), ports, clock=lambda: self.now)

    def run(self, step: str, version: int, **extra: Any) -> dict[str, Any]:
        return self.tasks.run(payload(step, version, **extra))

    def through_deploy(self, version: int) -> dict[str, Any]:
        """Preflight, lock, prepare and deploy; the state so far."""
        plan = self.run("preflight", version)
        lock = self.run("acquire_lock", version, plan=plan, lock={"attempt": 0})
        assert lock["decision"] == "acquired"
        self.run("prepare", version, plan=plan)
        rollout = self.run("deploy", version, plan=plan)
        return {"plan": plan, "lock": lock, "rollout": rollout}

    def live_on(self, version: int) -> None:
        """The endpoint serves ``version`` (deployed earlier by this system)."""
        self.sagemaker.add_package(version)
        state = self.through_deploy(version)
        self.sagemaker.complete_update(ENDPOINT)
        self.store.release_lock(ENDPOINT, execution(version)["name"])
        self.sagemaker.calls.clear()
        assert self.sagemaker.endpoints[ENDPOINT].config_name == state["plan"]["endpoint_config_name"]

    def record(self, version: int) -> dict[str, Any]:
        name = execution(version)["name"]
        found = next(r for r in self.store.deployments(ENDPOINT) if r.deployment_id == name)
        return found.model_dump(exclude_unset=True)
