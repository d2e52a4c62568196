"""SageMaker announces metadata-only model package updates too, with or without ``UpdatedModelPackageFields``: on the
local stack (both shapes emulated), such an event never redeploys a package, e.g. when ``RolledBackPackageAction``
is ``annotate`` and DeployTasks notes on the package why SageMaker rolled it back."""

from __future__ import annotations

import functools

import pytest

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from tests.support.deploy_flow import DEPLOY_CALLS, start_flow

pytestmark = pytest.mark.flow


@pytest.mark.parametrize("listed", [True, False], ids=["with-updated-fields", "without-updated-fields"])
def test_annotating_a_package_rolled_back_during_its_canary_never_redeploys_it(listed: bool) -> None:
    emulator = functools.partial(SageMakerEmulator, model_package_updated_fields=listed)
    stack, flow = start_flow(parameters={"RolledBackPackageAction": "annotate"}, emulator=emulator)  # type: ignore[arg-type]
    with stack:
        flow.release()
        live = flow.serves()
        flow.steering.once(flow.baking, flow.fleet_errors)  # the canary errs: its fleet's alarm copy fires

        bad = flow.release()

        package = flow.package(bad)
        assert package["ModelApprovalStatus"] == "Approved"
        assert package["CustomerMetadataProperties"]["mlops-last-deployment-outcome"] == "ROLLED_BACK"
        assert flow.serves() == live
        assert flow.outcomes() == {1: "SUCCEEDED", 2: "ROLLED_BACK"}
        assert len(flow.calls(*DEPLOY_CALLS)) == 2, "the annotation redeployed the rolled-back package"
        assert len(flow.executions()) == 2
        annotation = flow.runs("ApprovalFunction")[-1]
        assert annotation["outcome"] in ("ok", "ignored")
