"""Rejecting a package while its own canary rolls out (issue 12, point 1), on the local stack.

v1 is live; v2 is approved and its blue/green canary starts; a reviewer rejects v2 while the endpoint is updating
(at the ``UPDATING`` event, or two minutes into the bake). SageMaker cannot be asked to stop a blue/green update
(``UpdateEndpoint`` on an endpoint that is updating fails), so the deployment restores the last known-good model as
soon as its update lands: the endpoint ends on v1, the deployment is recorded ``ROLLED_BACK`` with the reviewer's
reason (``ApprovalDescription``), and the notification says so. The replays are the ones
:mod:`tests.flows.test_replay_timing` proves land while v2 updates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlops_core.aws.dynamodb import Expression
from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.store import LedgerDeploymentStore
from mlopsctl.local.commands.replay import parse_items, play
from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.files import ROOT
from tests.support.ledger_records import items_of

pytestmark = pytest.mark.flow

REPLAYS = Path(__file__).resolve().parents[1] / "fixtures" / "replay"
REVIEWER = "rejected by a reviewer while its canary bakes"


def emulator(stack: LocalStack) -> SageMakerEmulator:
    return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region)


def package(stack: LocalStack, version: int) -> str:
    group = stack.physical_name("ModelPackageGroup")
    return f"arn:aws:sagemaker:{stack.template.region}:{stack.template.account_id}:model-package/{group}/{version}"


@pytest.mark.parametrize("name", ["deploy_reject_while_updating.json", "deploy_reject_during_bake.json"])
def test_rejecting_v2_while_its_canary_rolls_out_ends_on_v1_recorded_and_notified_with_the_reason(name: str) -> None:
    with LocalStack(ROOT / "template.yaml", emulators=[emulator]) as stack:
        play(stack, parse_items((REPLAYS / name).read_text(encoding="utf-8")))
        sagemaker = stack.client("sagemaker")
        endpoint_name = str(stack.template.parameters["EndpointName"])
        store = LedgerDeploymentStore(Ledger(stack.client("dynamodb"), stack.physical_name("LedgerTable")))
        records = items_of(store.deployments(endpoint_name))
        notes = [json.loads(envelope["Message"]) for envelope in stack.notifications()]
        endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
        tags = sagemaker.list_tags(ResourceArn=endpoint["EndpointArn"])["Tags"]
        v1, v2 = package(stack, 1), package(stack, 2)
        v2_status = sagemaker.describe_model_package(ModelPackageName=v2)["ModelApprovalStatus"]
        ledger = Ledger(stack.client("dynamodb"), stack.physical_name("LedgerTable"))
        decisions = [
            item.get("decision")
            for item in ledger.query(Expression("pk = :pk", values={":pk": f"MODEL_PACKAGE#{v2}"}))
            if item.get("approval_status") == "Rejected" and item.get("kind") == "model_package_event"
        ]

    def deployment_of(arn: str) -> dict[str, Any]:
        return next(r for r in records if r.get("model_package_arn") == arn and "rollback_of" not in r)

    # the rejection's own event: v2 is the pending config (or the lock holder's package), not "rejected before live"
    (decision,) = decisions
    assert "its deployment is in progress" in decision
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == deployment_of(v1)["endpoint_config_name"]
    assert {t["Key"]: t["Value"] for t in tags}["mlops:model-package-arn"] == v1
    deployed = deployment_of(v2)
    assert deployed["outcome"] == "ROLLED_BACK"
    assert REVIEWER in deployed["reason"]
    assert v2_status == "Rejected"
    (note,) = [n for n in notes if n.get("model_package_arn") == v2 or n.get("model_package_version") == 2]
    assert note["outcome"] == "ROLLED_BACK"
    assert REVIEWER in note["reason"]
