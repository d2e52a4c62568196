"""Rollback on the local stack, wired from ``template.yaml``: models approved in the registry, an alarm set by hand.

The SageMaker emulator runs the blue/green updates in virtual time and emits the events AWS would (model package
state changes, endpoint state changes, the alarm's state change); every handler and the Deploy state machine are
the real ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.files import ROOT
from tests.support.rollback_registry import Registry

pytestmark = pytest.mark.flow


def emulator(stack: LocalStack) -> SageMakerEmulator:
    return SageMakerEmulator(clock=stack.clock.now, account_id=stack.template.account_id, region=stack.template.region)


@pytest.fixture
def registry() -> Iterator[Registry]:
    with LocalStack(ROOT / "template.yaml", emulators=[emulator]) as stack:
        yield Registry(stack)


def calls_before_update(entries: list[dict[str, Any]]) -> list[str]:
    """The AWS calls from the alarm's event to (and including) the first UpdateEndpoint."""
    start = next(i for i, e in enumerate(entries) if e["kind"] == "event" and e["source"] == "aws.cloudwatch")
    calls = [f"{e['service']}.{e['operation']}" for e in entries[start:] if e["kind"] == "aws_call"]
    return calls[: calls.index("sagemaker.update_endpoint") + 1]


def test_an_alarm_after_the_rollout_restores_v1_once_and_rejects_v2(registry: Registry) -> None:
    registry.approve_new_version()
    v1_config = registry.serves()
    v2 = registry.approve_new_version()
    assert registry.serves() != v1_config
    registry.notifications()
    entries = registry.set_alarm("ALARM")
    assert calls_before_update(entries) == ["dynamodb.query", "dynamodb.put_item", "sagemaker.update_endpoint"]
    assert registry.serves() == v1_config
    assert registry.sagemaker.describe_model_package(ModelPackageName=v2)["ModelApprovalStatus"] == "Rejected"
    rolled_back = registry.deployment_of(v2)
    assert (rolled_back["outcome"], rolled_back["alarm"]) == ("ROLLED_BACK", registry.alarm)
    (message,) = registry.notifications()
    assert (message["kind"], message["outcome"], message["from_version"], message["to_version"]) == (
        "rollback",
        "ROLLED_BACK",
        2,
        1,
    )
    assert (message["alarm"], message["metric"]) == (registry.alarm, "Invocation5XXErrors")
    handlers = [(e["function"], e["outcome"]) for e in entries if e["kind"] == "handler"]
    assert handlers[-1] == ("ApprovalFunction", "ok")  # our own rejection's event: recorded, no loop
    executions = [e["status"] for e in entries if e["kind"] == "execution"]
    assert executions == ["SUCCEEDED"]

    registry.set_alarm("OK")
    again = registry.set_alarm("ALARM")
    assert not [e for e in again if e["kind"] == "aws_call" and e["operation"] == "update_endpoint"]
    assert [e["outcome"] for e in again if e["kind"] == "handler"] == ["ok"]
    assert registry.serves() == v1_config


def test_with_only_v1_deployed_an_alarm_changes_nothing_and_operators_are_told(registry: Registry) -> None:
    registry.approve_new_version()
    v1_config = registry.serves()
    registry.notifications()
    entries = registry.set_alarm("ALARM")
    assert not [e for e in entries if e["kind"] == "aws_call" and e["operation"] == "update_endpoint"]
    assert registry.serves() == v1_config
    (message,) = registry.notifications()
    assert (message["outcome"], message["from_version"]) == ("NO_TARGET", 1)


def test_rejecting_the_live_v2_restores_v1_and_rejecting_a_package_not_live_changes_nothing(
    registry: Registry,
) -> None:
    registry.approve_new_version()
    v1_config = registry.serves()
    v2 = registry.approve_new_version()
    v2_config = registry.serves()
    assert v2_config != v1_config

    registry.stack.aws(
        "sagemaker",
        "update_model_package",
        ModelPackageArn=v2,
        ModelApprovalStatus="Rejected",
        ApprovalDescription="bias found in review",
    )
    assert registry.serves() == v1_config
    assert registry.deployment_of(v2)["outcome"] == "ROLLED_BACK"

    # a package that is not live: registered, never deployed, then rejected → recorded, the endpoint left alone
    v3 = registry.stack.aws(
        "sagemaker",
        "create_model_package",
        ModelPackageGroupName=registry.stack.physical_name("ModelPackageGroup"),
        InferenceSpecification=registry.sagemaker.describe_model_package(ModelPackageName=v2)["InferenceSpecification"],
        ModelApprovalStatus="PendingManualApproval",
    )["ModelPackageArn"]
    mark = len(registry.stack.log.entries())
    registry.stack.aws("sagemaker", "update_model_package", ModelPackageArn=v3, ModelApprovalStatus="Rejected")
    later = registry.stack.log.entries()[mark:]
    assert [(e["function"], e["outcome"]) for e in later if e["kind"] == "handler"] == [("ApprovalFunction", "ok")]
    assert not [e for e in later if e["kind"] == "aws_call" and e["operation"] == "update_endpoint"]
    assert not [e for e in later if e["kind"] == "execution"]
    assert registry.serves() == v1_config


def test_a_deleted_known_good_config_and_model_are_recreated_by_the_rollback_machine(registry: Registry) -> None:
    registry.approve_new_version()
    v1_config = registry.serves()
    v1_model = registry.sagemaker.describe_endpoint_config(EndpointConfigName=v1_config)["ProductionVariants"][0]
    registry.approve_new_version()
    registry.stack.aws("sagemaker", "delete_endpoint_config", EndpointConfigName=v1_config)
    registry.stack.aws("sagemaker", "delete_model", ModelName=v1_model["ModelName"])
    entries = registry.set_alarm("ALARM")
    calls = [f"{e['service']}.{e['operation']}" for e in entries if e["kind"] == "aws_call"]
    hot_path = calls[: calls.index("stepfunctions.start_execution") + 1]
    assert hot_path[-3:] == ["sagemaker.update_endpoint", "sagemaker.describe_endpoint_config",
                             "stepfunctions.start_execution"]  # fmt: skip
    assert "sagemaker.create_model" in calls
    assert "sagemaker.create_endpoint_config" in calls
    assert registry.serves() == v1_config  # recreated under its deterministic name, for the same fleet
    assert [e["status"] for e in entries if e["kind"] == "execution"] == ["SUCCEEDED"]
    (message,) = registry.notifications()[-1:]
    assert (message["outcome"], message["to_version"]) == ("ROLLED_BACK", 1)
