"""The Deploy state machine's execution input: what ApprovalFunction starts it with (the request).

``statemachines/deploy.asl.json``'s ``Initialise`` reads :class:`DeployInput` and adds the execution, the first lock
attempt and wait round (:mod:`mlops_core.deploy.contract.state`). No wait travels in the input: the tasks read theirs
from their own settings (:class:`~mlops_core.deploy.settings.FleetSettings`).

Examples
--------
>>> request = DeployRequest(endpoint_name="e", model_package_arn="arn:p/1", model_package_group_name="g",
...                         model_package_version=1)
>>> sorted(DeployInput(request=request).as_json())
['request']
"""

from __future__ import annotations

from mlops_core.contract.base import ContractModel

__all__ = ["ApprovalTrigger", "DeployInput", "DeployRequest"]


class ApprovalTrigger(ContractModel):
    """The approval change that started the deployment (the package event's id, times and description)."""

    event_id: str | None = None
    event_time: str | None = None
    approval_description: str | None = None
    last_modified_time: str | None = None


class DeployRequest(ContractModel):
    """What to deploy where: the endpoint and the approved package version."""

    endpoint_name: str
    model_package_arn: str
    model_package_group_name: str
    model_package_version: int
    trigger: ApprovalTrigger | None = None


class DeployInput(ContractModel):
    """The Deploy execution's input, as ApprovalFunction starts it.

    An ApprovalFunction of an earlier version also sent ``timing`` (the lock's waits); ``Initialise`` keeps only
    ``request``, so such an input, started while a new version of the stack is being deployed, still runs.
    """

    request: DeployRequest
