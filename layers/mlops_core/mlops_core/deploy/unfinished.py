"""Closing a deployment whose execution ended outside its ``Finish`` (the ledger and the endpoint lock).

:class:`UnfinishedDeployments` is the port; :class:`LedgerUnfinishedDeployments` implements it on the ledger table.
Both operations are conditional, so a duplicated event changes nothing the first one did: the record is closed only
while it has no final outcome, the lock is released only while this deployment holds it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from mlops_core.aws.dynamodb import Expression
from mlops_core.aws.errors import ConditionFailedError
from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.ledger_items import DeploymentFields, DeploymentRecord
from mlops_core.deploy.store import DeploymentKey, deployment_update

IN_PROGRESS = "IN_PROGRESS"


class UnfinishedDeployments(ABC):
    """A deployment record still without a final outcome, and the endpoint lock its execution may still hold."""

    @abstractmethod
    def close(self, key: DeploymentKey, fields: DeploymentFields) -> DeploymentRecord | None:
        """Write ``fields`` (an ``outcome`` among them) if the record has no final outcome yet (or no record exists).

        Returns the record as written, or ``None`` when it already had a final outcome (nothing was changed).
        """

    @abstractmethod
    def release_lock(self, endpoint_name: str, deployment_id: str) -> bool:
        """Release the endpoint lock if this deployment holds it; ``False`` when it did not."""


class LedgerUnfinishedDeployments(UnfinishedDeployments):
    """:class:`UnfinishedDeployments` on the ledger table (deployment records and the lock item)."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def close(self, key: DeploymentKey, fields: DeploymentFields) -> DeploymentRecord | None:
        unfinished = Expression(
            "attribute_not_exists(#outcome) OR #outcome = :in_progress",
            names={"#outcome": "outcome"},
            values={":in_progress": IN_PROGRESS},
        )
        found = [k for k in key.candidates()[1:] if self._ledger.get(k.as_key()) is not None]
        key = found[0] if found else key.candidates()[0]  # a record the previous version created is closed there
        try:
            return DeploymentRecord.of_item(
                self._ledger.update(key.as_key(), deployment_update(key, fields), unfinished)
            )
        except ConditionFailedError:
            return None

    def release_lock(self, endpoint_name: str, deployment_id: str) -> bool:
        return self._ledger.release_lock(endpoint_name, deployment_id)
