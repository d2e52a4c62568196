"""Approval: what a model package state change does to the endpoint (table, service with in-memory fakes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mlops_core.approval.rejection import ExecutionRollbackRequester
from mlops_core.approval.rules import APPROVAL_TABLE, Action, EndpointRelation, approval_changed, decide
from mlops_core.approval.service import ApprovalConfig, ApprovalPorts, handle_package_event
from mlops_core.deploy.deployment import model_name
from mlops_core.events import ModelPackageStateChangeEvent, parse_event
from tests.support.deploy.builders import ENDPOINT, ROLLBACK_STATE_MACHINE, STACK, STATE_MACHINE
from tests.support.deploy.events import package_event
from tests.support.fakes.deploy import GROUP, FakeNotifier, FakeSageMaker, FakeStore, FakeWorkflows

NOW = datetime(2024, 5, 1, 12, 0, 5, tzinfo=UTC)
CONFIG = ApprovalConfig(STACK, GROUP, ENDPOINT, STATE_MACHINE, ROLLBACK_STATE_MACHINE)


class World:
    """The Approval service's collaborators, in memory."""

    def __init__(self) -> None:
        self.sagemaker = FakeSageMaker()
        self.workflows = FakeWorkflows()
        self.store = FakeStore()
        self.notifier = FakeNotifier()
        requester = ExecutionRollbackRequester(self.workflows, CONFIG, self.store, self.sagemaker)
        self.ports = ApprovalPorts(self.sagemaker, self.workflows, self.store, requester)

    def handle(self, raw: dict) -> dict:
        event = parse_event(raw)
        assert isinstance(event, ModelPackageStateChangeEvent)
        return handle_package_event(event, CONFIG, self.ports, NOW).as_dict()

    def serve(self, version: int) -> None:
        arn = self.sagemaker.add_package(version)
        self.sagemaker.add_live_endpoint(ENDPOINT, f"{STACK}-c{version}-x", model_name(STACK, arn, version))


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize(
    ("status", "relation", "action"),
    [
        ("Approved", EndpointRelation.ABSENT, Action.DEPLOY),
        ("Approved", EndpointRelation.SERVES_OTHER, Action.DEPLOY),
        ("Approved", EndpointRelation.SERVES_THIS, Action.IGNORE),
        ("PendingManualApproval", EndpointRelation.SERVES_THIS, Action.RECORD),
        ("PendingManualApproval", None, Action.RECORD),
        ("Rejected", EndpointRelation.SERVES_THIS, Action.ROLLBACK),
        ("Rejected", EndpointRelation.SERVES_OTHER, Action.RECORD),
        ("Rejected", EndpointRelation.ABSENT, Action.RECORD),
    ],
)
def test_the_approval_table(status: str, relation: EndpointRelation | None, action: Action) -> None:
    assert decide(status, relation, approval_changed=True).action is action


def test_every_row_of_the_table_is_reachable() -> None:
    for (status, relation), decision in APPROVAL_TABLE.items():
        assert decide(status, relation, approval_changed=True) == decision


def test_a_metadata_edit_is_only_recorded_whatever_the_status() -> None:
    assert not approval_changed(("CustomerMetadataProperties",))
    assert approval_changed(("ModelApprovalStatus", "ApprovalDescription"))
    assert approval_changed(())
    assert decide("Approved", EndpointRelation.SERVES_OTHER, approval_changed=False).action is Action.RECORD


def test_an_unknown_status_is_ignored_with_its_name() -> None:
    decision = decide("Archived", EndpointRelation.ABSENT, approval_changed=True)
    assert decision.action is Action.IGNORE
    assert "'Archived'" in decision.reason


def test_approving_a_package_starts_one_deployment_with_the_request_only(world: World) -> None:
    world.sagemaker.add_package(3)
    result = world.handle(package_event(3, "Approved"))
    assert result["outcome"] == "ok"
    assert result["action"] == "DEPLOY"
    (name, execution_input), *others = world.workflows.executions.items()
    assert others == []
    assert name.startswith(f"{STACK}-v3-")
    assert execution_input["request"]["model_package_version"] == 3
    assert execution_input["request"]["endpoint_name"] == ENDPOINT
    assert set(execution_input) == {"request"}  # the waits are the Deploy tasks' own settings, not relayed


def test_duplicate_approval_starts_one_deployment(world: World) -> None:
    first = world.handle(package_event(3, "Approved", event_id="a"))
    second = world.handle(package_event(3, "Approved", event_id="b"))
    assert len(world.workflows.executions) == 1
    assert first["already_started"] is False
    assert (second["outcome"], second["action"]) == ("ignored", "IGNORE")


def test_duplicates_handled_at_the_same_moment_start_one_deployment(world: World) -> None:
    world.handle(package_event(3, "Approved", event_id="a"))
    world.store.package_events.clear()  # the second copy read the ledger before the first was recorded

    second = world.handle(package_event(3, "Approved", event_id="b"))

    assert len(world.workflows.executions) == 1
    assert second["already_started"] is True


def test_an_event_repeating_the_last_recorded_approval_status_never_deploys(world: World) -> None:
    # SageMaker announces a metadata-only update (an annotation) without UpdatedModelPackageFields, with a new
    # LastModifiedTime: the package is still Approved, as the ledger last recorded it, so this is no new approval
    world.handle(package_event(3, "Approved", last_modified="2024-05-01T12:00:00Z", event_id="approved"))

    result = world.handle(package_event(3, "Approved", last_modified="2024-05-01T12:20:00Z", event_id="annotated"))

    assert len(world.workflows.executions) == 1
    assert (result["outcome"], result["action"]) == ("ignored", "IGNORE")
    assert "last recorded" in result["reason"]
    assert [e["id"] for e in world.store.package_events] == ["approved", "annotated"]


def test_a_package_registered_and_approved_in_the_same_second_is_approved_last(world: World) -> None:
    created = package_event(3, "PendingManualApproval", event_id="zz-created")
    approved = package_event(3, "Approved", event_id="aa-approved")  # same envelope time, sorts first by id
    world.handle(created)
    world.handle(approved)

    result = world.handle(package_event(3, "Approved", last_modified="2024-05-01T12:20:00Z", event_id="annotated"))

    assert len(world.workflows.executions) == 1
    assert result["action"] == "IGNORE"


def test_approving_again_after_a_rejection_starts_a_new_deployment(world: World) -> None:
    world.handle(package_event(3, "Approved", last_modified="2024-05-01T12:00:00Z"))
    world.handle(package_event(3, "Rejected", last_modified="2024-05-02T08:00:00Z", event_id="r"))
    world.handle(package_event(3, "Approved", last_modified="2024-05-03T08:00:00Z", event_id="again"))
    assert len([name for name in world.workflows.executions if "-v3-" in name]) == 2


def test_the_last_recorded_status_is_the_newest_event_even_when_an_older_one_arrives_late(world: World) -> None:
    world.handle(package_event(3, "Approved", last_modified="2024-05-01T12:00:00Z", event_id="approved"))
    late = package_event(3, "PendingManualApproval", event_id="created")  # the creation event, delivered late
    late["time"] = "2024-05-01T11:00:00Z"
    world.handle(late)

    result = world.handle(package_event(3, "Approved", last_modified="2024-05-01T12:20:00Z", event_id="annotated"))

    assert len(world.workflows.executions) == 1
    assert result["action"] == "IGNORE"


def test_approving_the_package_the_endpoint_already_serves_changes_nothing(world: World) -> None:
    world.serve(3)
    result = world.handle(package_event(3, "Approved"))
    assert result == {"outcome": "ignored", "reason": "approved package is already live", "action": "IGNORE"}
    assert world.workflows.executions == {}


def test_approving_a_package_while_another_is_live_deploys_it(world: World) -> None:
    world.serve(3)
    world.handle(package_event(4, "Approved"))
    assert len(world.workflows.executions) == 1


def test_pending_manual_approval_is_recorded_only(world: World) -> None:
    result = world.handle(package_event(5, "PendingManualApproval"))
    assert result["outcome"] == "ok"
    assert result["action"] == "RECORD"
    assert world.workflows.executions == {}
    assert [e["approval_status"] for e in world.store.package_events] == ["PendingManualApproval"]
    assert "DescribeEndpoint" not in world.sagemaker.operations()


def test_a_metadata_edit_of_an_approved_package_does_not_deploy(world: World) -> None:
    world.handle(package_event(3, "Approved", updated_fields=["CustomerMetadataProperties"]))
    assert world.workflows.executions == {}


def test_rejecting_the_live_package_requests_a_rollback(world: World) -> None:
    world.serve(3)
    result = world.handle(package_event(3, "Rejected"))
    assert result["action"] == "ROLLBACK"
    assert len(world.workflows.executions) == 1
    (execution_input,) = world.workflows.executions.values()
    assert "rollback" in json.dumps(execution_input)
    world.handle(package_event(3, "Rejected"))  # the same rejection, delivered again
    assert len(world.workflows.executions) == 1


def test_rejecting_a_package_that_is_not_live_is_recorded_only(world: World) -> None:
    world.serve(3)
    result = world.handle(package_event(4, "Rejected"))
    assert result["action"] == "RECORD"
    assert world.notifier.sent == []


def test_events_of_another_group_are_ignored_without_a_trace(world: World) -> None:
    result = world.handle(package_event(3, "Approved", group="someone-else"))
    assert result == {"outcome": "ignored", "reason": "model package group someone-else is not ours"}
    assert world.store.package_events == []
    assert world.workflows.executions == {}


def test_every_event_of_our_group_is_recorded_with_its_decision(world: World) -> None:
    world.handle(package_event(3, "PendingManualApproval", event_id="e1"))
    world.handle(package_event(3, "Approved", event_id="e2"))
    recorded = [(e["id"], e["action"], e["decision"]) for e in world.store.package_events]
    assert recorded == [
        ("e1", "RECORD", "pending manual approval"),
        ("e2", "DEPLOY", "approved: first deployment to the endpoint"),
    ]


def test_an_event_whose_arn_names_our_group_otherwise_than_sagemaker_writes_it_is_ignored_unrecorded(
    world: World,
) -> None:
    raw = package_event(2, "Approved")
    upper = raw["detail"]["ModelPackageArn"].replace(f"/{GROUP}/", f"/{GROUP.upper()}/")
    raw["detail"]["ModelPackageArn"], raw["resources"] = upper, [upper]

    result = world.handle(raw)

    assert result == {
        "outcome": "ignored",
        "reason": f"the model package ARN names group {GROUP.upper()}, not ours ({GROUP})",
    }
    assert world.workflows.executions == {}
    assert world.store.package_events == []


def test_an_event_of_another_group_is_ignored_before_anything_is_read_or_recorded(world: World) -> None:
    result = world.handle(package_event(2, "Approved", group="their-models"))

    assert result == {"outcome": "ignored", "reason": "model package group their-models is not ours"}
    assert world.store.package_events == []
    assert world.workflows.executions == {}
