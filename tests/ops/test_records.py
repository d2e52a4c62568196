"""The operator commands' read models accept every ledger record the system writes, and refuse a broken one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.ops.records import DeploymentRecord, RecordError, deployments, lock, parse_deployment, parse_lock
from tests.support.deploy_flow import DeployFlow, start_flow

pytestmark = pytest.mark.flow


def alarm_after_the_rollout(flow: DeployFlow) -> None:
    """The errors alarm goes to ALARM once the rollout has ended (only this system protects the endpoint then)."""
    flow.set_alarm(flow.alarms[0], "OK")
    flow.stack.settle()
    flow.set_alarm(flow.alarms[0])
    flow.stack.settle()
    flow.set_alarm(flow.alarms[0], "OK")
    flow.stack.settle()


@pytest.fixture(scope="module")
def written() -> Iterator[tuple[DeployFlow, list[DeploymentRecord]]]:
    """The records of: v1, v2 deployed; v2 rolled back after its rollout (v1 restored); v3's canary rolled back;
    v4 deployed, then rejected while live (v1 restored); v5 failing preflight (an alarm deleted)."""
    stack, flow = start_flow()
    with stack:
        flow.release()
        flow.release()
        alarm_after_the_rollout(flow)
        flow.steering.once(flow.baking, flow.fleet_errors)
        flow.release()
        flow.set_alarm(flow.alarms[0], "OK")  # the canary's errors are gone with it
        stack.settle()
        v4 = flow.release()
        stack.aws("sagemaker", "update_model_package", ModelPackageArn=v4, ModelApprovalStatus="Rejected",
                  ApprovalDescription="v4 answers nonsense")  # fmt: skip
        stack.aws("cloudwatch", "delete_alarms", AlarmNames=[flow.alarms[1]])
        flow.release()
        records = deployments(stack.client("dynamodb"), stack.physical_name("LedgerTable"), flow.endpoint)
        yield flow, records


def by_version(records: list[DeploymentRecord], kind: str) -> dict[int | None, list[DeploymentRecord]]:
    out: dict[int | None, list[DeploymentRecord]] = {}
    for record in records:
        if record.kind == kind:
            out.setdefault(record.version, []).append(record)
    return out


def test_every_record_a_flow_writes_parses_newest_first(written: tuple[DeployFlow, list[DeploymentRecord]]) -> None:
    _, records = written
    assert [r.started_at for r in records] == sorted((r.started_at for r in records), reverse=True)
    deployed = {v: [r.outcome.value for r in rs] for v, rs in by_version(records, "deployment").items()}
    assert deployed == {1: ["SUCCEEDED"], 2: ["ROLLED_BACK"], 3: ["ROLLED_BACK"], 4: ["ROLLED_BACK"], 5: ["FAILED"]}
    assert all(r.finished and r.finished_at is not None and r.execution_arn for r in records if r.kind == "deployment")


def test_a_canary_rolled_back_by_sagemaker_names_its_alarm_and_reason(
    written: tuple[DeployFlow, list[DeploymentRecord]],
) -> None:
    flow, records = written
    (v3,) = by_version(records, "deployment")[3]
    assert v3.fired_alarm == flow.alarms[0]
    assert "rolled back by SageMaker" in str(v3.reason)
    assert (v3.strategy, len(v3.new_fleet_alarms), v3.rolled_back_by) == ("CANARY", 2, None)


def test_rollbacks_after_the_rollout_name_their_trigger_and_what_they_restored(
    written: tuple[DeployFlow, list[DeploymentRecord]],
) -> None:
    flow, records = written
    restores = [r for r in records if r.kind == "rollback" and r.rollback_of is not None]
    assert [(r.outcome.value, r.version) for r in restores] == [("SUCCEEDED", 1), ("SUCCEEDED", 1)]
    by_id = {r.deployment_id: r for r in records}
    rejected, alarmed = restores  # newest first
    assert rejected.trigger is not None
    assert rejected.trigger.kind.value == "REJECTION"
    assert by_id[rejected.rollback_of or ""].version == 4
    assert by_id[rejected.rollback_of or ""].rolled_back_by == rejected.deployment_id
    assert "v4 answers nonsense" in str(by_id[rejected.rollback_of or ""].reason)
    assert alarmed.fired_alarm == flow.alarms[0]
    assert by_id[alarmed.rollback_of or ""].version == 2
    assert by_id[alarmed.rollback_of or ""].fired_alarm == flow.alarms[0]


def test_a_preflight_failure_has_its_reason_and_no_rollout(written: tuple[DeployFlow, list[DeploymentRecord]]) -> None:
    flow, records = written
    (v5,) = by_version(records, "deployment")[5]
    assert f"rollback alarm(s) not found: {flow.alarms[1]}" in str(v5.reason)
    assert (v5.rollout_started_at, v5.lock_acquired_at) == (None, None)


def test_the_limit_reads_only_the_newest(written: tuple[DeployFlow, list[DeploymentRecord]]) -> None:
    flow, records = written
    stack = flow.stack
    newest = deployments(stack.client("dynamodb"), stack.physical_name("LedgerTable"), flow.endpoint, limit=2)
    assert [r.deployment_id for r in newest] == [r.deployment_id for r in records[:2]]
    assert lock(stack.client("dynamodb"), stack.physical_name("LedgerTable"), flow.endpoint) is None


def _item(**changes: Any) -> dict[str, Any]:
    item = {
        "pk": "ENDPOINT#e",
        "sk": "DEPLOYMENT#2026-01-01T00:00:00+00:00#d1",
        "kind": "deployment",
        "endpoint_name": "e",
        "deployment_id": "d1",
        "started_at": "2026-01-01T00:00:00+00:00",
        "outcome": "SUCCEEDED",
    }
    return {k: v for k, v in {**item, **changes}.items() if v is not None}


@pytest.mark.parametrize("field", ["endpoint_name", "deployment_id", "started_at", "outcome"])
def test_a_record_missing_a_required_field_is_refused_naming_the_item_and_the_field(field: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_deployment(_item(**{field: None}))
    assert str(caught.value) == (
        "ledger item ENDPOINT#e DEPLOYMENT#2026-01-01T00:00:00+00:00#d1 is not a deployment record: "
        f"{field}: Field required"
    )


def test_an_unknown_outcome_is_refused_and_unknown_fields_are_ignored() -> None:
    with pytest.raises(RecordError, match=r"outcome: Input should be 'IN_PROGRESS', "):
        parse_deployment(_item(outcome="DONE"))
    assert parse_deployment(_item(written_by_a_newer_version=True)).outcome.value == "SUCCEEDED"


def test_a_lock_without_its_owner_is_refused() -> None:
    item = {"pk": "ENDPOINT#e", "sk": "LOCK", "acquired_at": "2026-01-01T00:00:00.000Z", "expires_at": 1767226200}
    refused = r"^ledger item ENDPOINT#e LOCK is not an endpoint lock: owner: Field required$"
    with pytest.raises(RecordError, match=refused):
        parse_lock(item)
    held = parse_lock({**item, "owner": "d1"})
    assert held.expires.isoformat() == "2026-01-01T00:10:00+00:00"
