"""One clock: what handlers and moto stamp is on the stack's virtual timeline, so TTLs and lock expiries happen.

On the local stack from the project's template (helpers: :mod:`tests.support.deploy_flow`). Before the wall clock
followed the virtual one, handlers read real time: a day of virtual waiting left their timestamps a few seconds after
the start, and a lock planted with a 30-minute TTL never expired for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.store import LedgerDeploymentStore
from tests.support.deploy_flow import DeployFlow, start_flow

pytestmark = pytest.mark.flow


@pytest.fixture
def flow() -> Iterator[DeployFlow]:
    stack, deploy_flow = start_flow()
    with stack:
        yield deploy_flow


def store(flow: DeployFlow) -> LedgerDeploymentStore:
    return LedgerDeploymentStore(Ledger(flow.stack.client("dynamodb"), flow.stack.physical_name("LedgerTable")))


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def test_what_handlers_and_moto_stamp_after_a_day_of_virtual_waiting_is_on_the_virtual_timeline(
    flow: DeployFlow,
) -> None:
    flow.wait(timedelta(days=1).total_seconds())
    before = flow.stack.clock.now()

    flow.release()

    after = flow.stack.clock.now()
    record = flow.records()[1]
    for field in ("lock_acquired_at", "rollout_started_at"):
        assert before <= instant(str(record[field])) <= after, (field, record[field], before, after)
    endpoint = flow.described()
    assert endpoint is not None
    created = endpoint["CreationTime"].astimezone(UTC)
    assert before - timedelta(seconds=1) <= created <= after  # moto's own timestamp (whole seconds)


def test_a_lock_whose_ttl_passed_in_virtual_time_is_expired_for_the_deploy_handler(flow: DeployFlow) -> None:
    crashed_at = flow.stack.clock.now()
    assert store(flow).acquire_lock(flow.endpoint, "crashed-deployment", crashed_at, 1800)
    flow.wait(3600)  # the crashed deployment's lock expired half an hour ago

    flow.release()

    assert flow.outcomes() == {1: "SUCCEEDED"}
    acquired = instant(str(flow.records()[1]["lock_acquired_at"]))
    assert acquired >= crashed_at + timedelta(seconds=3600)
    holder = store(flow).read_lock(flow.endpoint)
    assert holder is None or holder.deployment_id != "crashed-deployment"


def test_a_deployment_waiting_for_a_held_lock_takes_it_when_its_ttl_passes_in_virtual_time(flow: DeployFlow) -> None:
    held_at = flow.stack.clock.now()
    assert store(flow).acquire_lock(flow.endpoint, "slow-deployment", held_at, 1800)

    flow.release()  # the deployment retries the lock every 60 s (the template's default)

    assert flow.outcomes() == {1: "SUCCEEDED"}
    acquired = instant(str(flow.records()[1]["lock_acquired_at"]))
    expiry = held_at + timedelta(seconds=1800)
    assert expiry <= acquired <= expiry + timedelta(seconds=60)
