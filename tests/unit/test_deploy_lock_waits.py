"""The wait for the endpoint's lock is DeployTasksFunction's own setting, not the execution input's (issue 13).

AcquireLock returns the seconds ``WaitForLock`` waits (``retry_after_seconds``) and counts the attempts against
``DEPLOY_LOCK_MAX_ATTEMPTS``. A payload of an execution started before the update (its state still carries the
``timing`` the previous ApprovalFunction relayed) runs with this function's settings too.
"""

from __future__ import annotations

import pytest

from mlops_core.deploy.deployment import LockWaitExceededError
from tests.support.deploy.builders import ENDPOINT, legacy_timing
from tests.support.deploy.deployment_tasks import Deployment


def locked_out(deployment: Deployment, **state: object) -> dict:
    """Version 3 planned while another deployment holds the endpoint; its plan."""
    deployment.sagemaker.add_package(3)
    deployment.store.acquire_lock(ENDPOINT, "other-deployment", deployment.now, 1800)
    return deployment.run("preflight", 3, **state)


def test_a_busy_lock_returns_the_functions_own_retry_seconds() -> None:
    deployment = Deployment(deploy_lock_retry_seconds=5, deploy_lock_max_attempts=3)
    plan = locked_out(deployment)
    first = deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})
    assert (first["decision"], first["attempt"], first["retry_after_seconds"]) == ("busy", 1, 5)
    second = deployment.run("acquire_lock", 3, plan=plan, lock=first)
    assert (second["decision"], second["attempt"], second["retry_after_seconds"]) == ("busy", 2, 5)
    with pytest.raises(LockWaitExceededError, match="other-deployment; gave up after 3 attempts"):
        deployment.run("acquire_lock", 3, plan=plan, lock=second)


def test_an_acquired_lock_names_no_wait() -> None:
    deployment = Deployment()
    deployment.sagemaker.add_package(3)
    plan = deployment.run("preflight", 3)
    lock = deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})
    assert lock["decision"] == "acquired"
    assert "retry_after_seconds" not in lock


def test_a_state_relayed_by_the_previous_version_runs_with_this_functions_waits() -> None:
    relayed = legacy_timing(lock_retry_seconds=600, lock_max_attempts=50)
    deployment = Deployment(deploy_lock_retry_seconds=5, deploy_lock_max_attempts=2)
    plan = locked_out(deployment, timing=relayed)
    first = deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0}, timing=relayed)
    assert (first["decision"], first["retry_after_seconds"]) == ("busy", 5)
    with pytest.raises(LockWaitExceededError, match="gave up after 2 attempts"):
        deployment.run("acquire_lock", 3, plan=plan, lock=first, timing=relayed)
