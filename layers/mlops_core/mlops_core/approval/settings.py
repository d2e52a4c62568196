"""Settings of ``ApprovalFunction``: a model package's state change → the Deploy machine (approved) or the Rollback
machine (the live package rejected)."""

from __future__ import annotations

from pydantic import Field

from mlops_core.deploy.settings import STATE_MACHINE_ARN
from mlops_core.settings import SAGEMAKER_NAME, CoreSettings


class ApprovalSettings(CoreSettings):
    """``ApprovalFunction``: which group and endpoint are ours, the Deploy and Rollback state machines.

    It starts a Deploy execution with the request only: the waits belong to the tasks that wait
    (:class:`~mlops_core.deploy.settings.FleetSettings`), not to the execution input.
    """

    model_package_group_name: str = Field(pattern=SAGEMAKER_NAME)
    endpoint_name: str = Field(pattern=SAGEMAKER_NAME)
    deploy_state_machine_arn: str = Field(pattern=STATE_MACHINE_ARN)
    rollback_state_machine_arn: str = Field(pattern=STATE_MACHINE_ARN)
