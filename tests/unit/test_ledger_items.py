"""The ledger's deployment record and lock as models: what every writer sets is a field of the read model (a writer's
unknown field is refused), the reader ignores what it does not know, and an item survives the round trip through
DynamoDB's wire format unchanged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from mlops_core.aws.dynamodb import deserialize, serialize
from mlops_core.deploy import deployment as plan_rules
from mlops_core.deploy.deployment import Fleet
from mlops_core.deploy.ledger_items import (
    DeploymentFields,
    DeploymentRecord,
    Durations,
    LockItem,
    RollbackTriggerItem,
    TriggerChain,
)
from mlops_core.deploy.store import DeploymentKey, deployment_update, storable
from mlops_core.rollback.contract.input import TriggerRef
from mlops_core.rollback.decision import Action, Decision, Deployment
from mlops_core.rollback.plan import plan_rollback, restore_names, restore_record
from mlops_core.rollback.records import recorded_decision, rolled_back_fields
from mlops_core.rollback.triggers import Trigger, TriggerKind
from mlops_core.timefmt import stamp

NOW = datetime(2026, 1, 1, 0, 10, 30, tzinfo=UTC)
KEY = DeploymentKey("churn", datetime(2026, 1, 1, tzinfo=UTC), "s-v3-0123")
ALARM = Trigger(
    TriggerKind.ALARM, "arn:alarm#t", NOW, "alarm 5xx went to ALARM", {"alarm_name": "5xx", "threshold": 1.0}
)
GOOD = Deployment("deploy-v1", "2025-12-01T00:00:00.000Z", "SUCCEEDED", "arn:p/1", 1, "m1", "c1")
BAD = Deployment("deploy-v2", "2025-12-02T00:00:00.000Z", "SUCCEEDED", "arn:p/2", 2, "m2", "c2")


def _writers() -> dict[str, DeploymentFields]:
    """What each field builder of the layer's writers returns (the steps that name fields inline construct
    :class:`DeploymentFields` by keyword, refused at once on an unknown name: their behaviour tests run them)."""
    request = {"model_package_arn": "arn:p/3", "model_package_group_name": "churn", "model_package_version": 3}
    plan = {"model_name": "m3", "endpoint_config_name": "c3", "strategy": "CANARY", "deployment_config": {"a": 1}}
    preflight = plan_rules.deployment_record(plan, request | {"trigger": {"event_id": "e1"}}, "arn:execution")
    preflight["trigger_chain"].update(pipeline_execution_arn=None, lineage={"batch": "b1"})
    restore = plan_rollback(
        Decision(Action.RESTORE, "restore v1", BAD, GOOD), ALARM, rollback_id="rb", endpoint_name="e"
    )
    names = restore_names("s", restore, Fleet("AllTraffic", "ml.m5.large", 2))
    return {
        "preflight (deployment_record)": DeploymentFields.model_validate(preflight),
        "restore_record": restore_record(restore, names, "arn:execution"),
        "recorded_decision": recorded_decision(Decision(Action.RECORD, "locked", BAD), ALARM, NOW),
        "rolled_back_fields": rolled_back_fields(ALARM, "rb", NOW),
    }


def _names(model: type[BaseModel], data: dict[str, Any], prefix: str = "") -> set[str]:
    """Every attribute path ``data`` sets that ``model`` does not declare (nested parts included)."""
    unknown = {f"{prefix}{name}" for name in data if name not in model.model_fields}
    for name, part in (("trigger_chain", TriggerChain), ("durations", Durations)):
        if model is DeploymentRecord and isinstance(data.get(name), dict):
            unknown |= _names(part, data[name], f"{name}.")
    return unknown


@pytest.mark.parametrize("writer", sorted(_writers()))
def test_every_attribute_a_writer_sets_is_a_field_of_the_read_model(writer: str) -> None:
    fields = _writers()[writer]
    update = deployment_update(KEY, fields)
    assert update.names is not None
    assert update.values is not None
    written = dict(zip(update.names.values(), update.values.values(), strict=True))
    assert written.pop("kind") == "deployment"  # the item's type, written by the store on every deployment item
    assert _names(DeploymentRecord, written) == set()
    assert set(DeploymentRecord.of_item(written).model_dump(exclude_unset=True)) == set(written)


def test_the_write_side_refuses_an_unknown_field_at_every_level() -> None:
    with pytest.raises(ValidationError, match="outcme"):
        DeploymentFields(outcme="SUCCEEDED")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="total"):
        DeploymentFields(durations={"total": 1.0})
    with pytest.raises(ValidationError, match="rollback_triger"):
        DeploymentFields(trigger_chain={"rollback_triger": {}})


def test_the_read_side_ignores_what_a_newer_writer_adds_at_every_level() -> None:
    item = {
        **KEY.as_key(),
        "endpoint_name": "churn",
        "deployment_id": "s-v3-0123",
        "started_at": KEY.started_text,
        "outcome": "SUCCEEDED",
        "from_a_newer_writer": 1,
        "durations": {"total_seconds": 3, "queue_seconds": 1},
        "trigger_chain": {"approval": {}, "signed_by": "x"},
    }
    record = DeploymentRecord.of_item(item)
    assert (record.outcome.value, record.durations, record.trigger_chain) == (
        "SUCCEEDED",
        Durations(total_seconds=3),
        TriggerChain(approval={}),
    )


def test_an_item_with_only_its_keys_is_not_a_record() -> None:
    """What moto alone could show a concurrent reader (tests/adapters/test_local_dynamodb_items.py)."""
    with pytest.raises(ValidationError, match="endpoint_name"):
        DeploymentRecord.of_item(KEY.as_key())


def test_an_update_sets_only_what_it_names_in_the_ledgers_spelling() -> None:
    fields = DeploymentFields(outcome="FAILED", alarm=None, finished_at=stamp(NOW), durations={"total_seconds": 1.5})
    assert fields.as_update() == {
        "outcome": "FAILED",
        "alarm": None,
        "finished_at": "2026-01-01T00:10:30.000Z",
        "durations": {"total_seconds": 1.5},
    }
    assert storable(fields.as_update())["durations"] == {"total_seconds": pytest.approx(1.5)}
    with pytest.raises(ValidationError, match="finished_at"):
        DeploymentFields(finished_at="yesterday")


def test_a_rollback_trigger_is_the_rollback_contracts_trigger_and_back() -> None:
    ref = TriggerRef.of(ALARM)
    item = RollbackTriggerItem.model_validate(ref.model_dump(mode="json"))
    assert (item.kind, item.model_extra) == ("ALARM", {"alarm_name": "5xx", "threshold": 1.0})
    assert TriggerRef.model_validate(item.model_dump()) == ref


def _round_trip(item: dict[str, Any]) -> dict[str, Any]:
    return deserialize(serialize(storable(item)))


@pytest.mark.parametrize("writer", sorted(_writers()))
def test_a_record_survives_the_round_trip_through_the_wire(writer: str) -> None:
    written = {"endpoint_name": "churn", "deployment_id": "d1", "started_at": "2026-01-01T00:00:00+00:00"}
    fields = _writers()[writer].merged(
        DeploymentFields(durations={"total_seconds": 630.25, "lock_wait_seconds": None}, new_fleet_alarms=["a-0"])
    )
    record = DeploymentRecord.model_validate(written | fields.as_update())
    again = DeploymentRecord.of_item(_round_trip(record.to_item()))
    assert again == record
    assert again.to_item()["sk"] == "DEPLOYMENT#2026-01-01T00:00:00+00:00#d1"  # the key keeps its spelling


def test_a_lock_survives_the_round_trip_through_the_wire() -> None:
    lock = LockItem(owner="d1", acquired_at=stamp(NOW), expires_at=1767226830, task_token="t", waiting_since=stamp(NOW))
    item = lock.to_item("churn")
    assert (item["pk"], item["sk"]) == ("ENDPOINT#churn", "LOCK")
    again = LockItem.of_item(_round_trip(item))
    assert again == lock
    assert (again.deployment_id, again.expires.isoformat(), again.expired(NOW)) == (
        "d1",
        "2026-01-01T00:20:30+00:00",
        False,
    )
