"""A rollback alarm while the endpoint's lock is held by anything but a running rollout (issue 12, point 4).

v1 then v2 are deployed; v2's alarm goes to ALARM after its rollout. The lock is held by:

- an execution that has ended (a crashed deployment's leftover lock, ``FAILED`` or ``ABORTED``; a failed rollback's
  own lock): the Rollback function takes the lock over (a conditional write: the holder unchanged) and restores v1;
- a running deployment while the endpoint is ``InService`` (still preparing): the alarm is retried (Lambda's
  asynchronous retries, 1 and 2 minutes later); once the lock is free the retry restores v1; if it never frees, the
  last attempt records the rollback ``FAILED``, notifies, and the event lands in the dead-letter queue.

The holders are real executions of the Deploy state machine; what the test writes by hand is the lock they would
hold (a crashed execution does not release it; a running one holds it while it prepares).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from mlops_core.aws.ledger import Ledger
from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.files import ROOT
from tests.support.rollback_registry import Registry

pytestmark = pytest.mark.flow

LOCK_TTL = timedelta(seconds=1800)


def emulator(stack: LocalStack) -> SageMakerEmulator:
    return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region)


class Holders(Registry):
    """A registry with v1 and v2 deployed, and ways to put someone else on the endpoint's lock."""

    def __init__(self, stack: LocalStack) -> None:
        super().__init__(stack)
        self.sfn = stack.client("stepfunctions")
        self.machine = stack.arn("DeployStateMachine")
        self.ledger = Ledger(stack.client("dynamodb"), stack.physical_name("LedgerTable"))
        self.v1 = self.approve_new_version()
        self.v1_config = self.serves()
        self.v2 = self.approve_new_version()
        self.v2_config = self.serves()
        assert self.v2_config != self.v1_config
        self.notifications()

    def hold(self, owner: str) -> None:
        """The lock, as ``owner`` holds it (taken now, expiring after the template's lock TTL)."""
        lock = self.store.read_lock(self.endpoint)
        if lock is not None:
            assert self.store.release_lock(self.endpoint, lock.deployment_id)
        assert self.ledger.acquire_lock(self.endpoint, owner, self.stack.clock.now(), LOCK_TTL)

    def status(self, name: str) -> str:
        arn = self.machine.replace(":stateMachine:", ":execution:") + f":{name}"
        return str(self.sfn.describe_execution(executionArn=arn)["status"])

    def failed_execution(self, name: str) -> str:
        """An execution of the Deploy state machine that fails at once (it was started with no request)."""
        self.sfn.start_execution(stateMachineArn=self.machine, name=name, input="{}")
        self.stack.settle()
        assert self.status(name) == "FAILED"
        return name

    def waiting_deployment(self, name: str, version: int) -> str:
        """A deployment of the approved ``version`` that runs, waiting for the lock (another owner holds it) as long
        as the stack's ``DeployLockRetrySeconds`` says."""
        self.hold("someone-else")
        group = self.stack.physical_name("ModelPackageGroup")
        arn = self.v2.rsplit("/", 1)[0] + f"/{version}"
        request = {"endpoint_name": self.endpoint, "model_package_arn": arn, "model_package_group_name": group,
                   "model_package_version": version, "trigger": {}}  # fmt: skip
        payload = json.dumps({"request": request})
        self.sfn.start_execution(stateMachineArn=self.machine, name=name, input=payload)
        self.stack.run_until(self.stack.clock.now() + timedelta(seconds=5))
        assert self.status(name) == "RUNNING"
        return name

    def approve_quietly(self) -> str:
        """Register v3 approved without letting the stack act on the approval (its own deployment is not wanted)."""
        bucket = self.stack.physical_name("ArtifactsBucket")
        spec = self.sagemaker.describe_model_package(ModelPackageName=self.v2)["InferenceSpecification"]
        spec["Containers"][0]["ModelDataUrl"] = f"s3://{bucket}/pipelines/runs/run-1/model/model.tar.gz"
        created = self.sagemaker.create_model_package(
            ModelPackageGroupName=self.stack.physical_name("ModelPackageGroup"),
            InferenceSpecification=spec,
            ModelApprovalStatus="Approved",
        )
        return str(created["ModelPackageArn"])

    def dead_letters(self) -> list[dict[str, Any]]:
        sqs = self.stack.client("sqs")
        url = sqs.get_queue_url(QueueName=self.stack.physical_name("RollbackDeadLetterQueue"))["QueueUrl"]
        return list(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []))

    def rollback_runs(self, entries: list[dict[str, Any]]) -> list[str]:
        return [e["outcome"] for e in entries if e["kind"] == "handler" and e["function"] == "RollbackFunction"]

    def assert_restored_v1(self, entries: list[dict[str, Any]]) -> None:
        assert self.serves() == self.v1_config
        assert self.deployment_of(self.v2)["outcome"] == "ROLLED_BACK"
        assert self.sagemaker.describe_model_package(ModelPackageName=self.v2)["ModelApprovalStatus"] == "Rejected"
        notes = [n for n in self.notifications() if n.get("kind") == "rollback"]
        assert [(n["outcome"], n["from_version"], n["to_version"]) for n in notes] == [("ROLLED_BACK", 2, 1)]
        assert self.store.read_lock(self.endpoint) is None


def holders_waiting(lock_retry_seconds: int) -> Iterator[Holders]:
    """The registry on a stack whose deployments wait ``lock_retry_seconds`` between attempts at the lock."""
    parameters = {"DeployLockRetrySeconds": str(lock_retry_seconds)}
    with LocalStack(ROOT / "template.yaml", parameters=parameters, emulators=[emulator]) as stack:
        yield Holders(stack)


@pytest.fixture
def holders() -> Iterator[Holders]:
    yield from holders_waiting(60)


@pytest.fixture
def slow_holders() -> Iterator[Holders]:
    yield from holders_waiting(1200)


def test_a_crashed_deployments_leftover_lock_is_taken_over_and_v1_restored(holders: Holders) -> None:
    holders.hold(holders.failed_execution("mlops-local-v3-crashed0123456789"))

    entries = holders.set_alarm("ALARM")

    assert holders.rollback_runs(entries) == ["ok"]
    holders.assert_restored_v1(entries)


def test_an_aborted_deployments_leftover_lock_is_taken_over_and_v1_restored(holders: Holders) -> None:
    v3 = holders.approve_quietly()
    name = holders.waiting_deployment("mlops-local-v3-aborted0123456789", 3)
    holders.sfn.stop_execution(executionArn=holders.machine.replace(":stateMachine:", ":execution:") + f":{name}")
    # were its worker still to wake (moto stops a waiting execution's thread only when it wakes), v3 is no longer
    # wanted: it could not deploy v3 with the lock the test gives it
    holders.sagemaker.update_model_package(ModelPackageArn=v3, ModelApprovalStatus="Rejected")
    holders.stack.run_until(holders.stack.clock.now() + timedelta(seconds=90))
    assert holders.status(name) == "ABORTED"
    holders.hold(name)

    entries = holders.set_alarm("ALARM")

    assert holders.rollback_runs(entries) == ["ok"]
    holders.assert_restored_v1(entries)


def test_a_failed_rollbacks_own_lock_is_taken_over_and_v1_restored(holders: Holders) -> None:
    holders.hold(holders.failed_execution("mlops-local-rb-0123456789abcdef"))

    entries = holders.set_alarm("ALARM")

    assert holders.rollback_runs(entries) == ["ok"]
    holders.assert_restored_v1(entries)


def test_an_alarm_while_a_deployment_prepares_is_retried_and_restores_once_the_lock_is_free(holders: Holders) -> None:
    v3 = holders.approve_quietly()
    name = holders.waiting_deployment("mlops-local-v3-preparing01234567", 3)
    holders.hold(name)  # v3's deployment holds the lock and prepares; the endpoint is InService
    # v3 is rejected meanwhile: at its next turn the deployment skips and releases the lock
    holders.sagemaker.update_model_package(ModelPackageArn=v3, ModelApprovalStatus="Rejected")

    entries = holders.set_alarm("ALARM")

    assert holders.rollback_runs(entries)[:2] == ["error", "ok"]  # retried a minute later, then restored
    assert holders.status(name) == "SUCCEEDED"  # skipped (v3 is no longer approved)
    assert holders.dead_letters() == []
    holders.assert_restored_v1(entries)


def test_an_alarm_while_a_deployment_holds_the_lock_too_long_ends_in_the_dead_letter_queue_and_is_notified(
    slow_holders: Holders,
) -> None:
    holders = slow_holders
    holders.approve_quietly()
    name = holders.waiting_deployment("mlops-local-v3-stuck01234567890", 3)
    holders.hold(name)
    mark = len(holders.stack.log.entries())

    holders.stack.aws("cloudwatch", "set_alarm_state", settle=False, AlarmName=holders.alarm, StateValue="ALARM",
                      StateReason="by hand")  # fmt: skip
    holders.stack.run_until(holders.stack.clock.now() + timedelta(seconds=600))
    entries = holders.stack.log.entries()[mark:]

    assert holders.rollback_runs(entries) == ["error", "error", "error"]  # at once, after 1 and after 2 minutes
    assert not [e for e in entries if e["kind"] == "aws_call" and e["operation"] == "update_endpoint"]
    assert holders.serves() == holders.v2_config
    (letter,) = holders.dead_letters()
    assert json.loads(letter["Body"])["detail"]["alarmName"] == holders.alarm
    (note,) = [n for n in holders.notifications() if n.get("kind") == "rollback"]
    assert (note["outcome"], note["from_version"], note["to_version"]) == ("ROLLBACK_FAILED", 2, 1)
    assert "dead-letter queue" in note["reason"]
    assert name in note["reason"]
