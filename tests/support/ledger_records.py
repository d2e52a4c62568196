"""The ledger's deployment records as the tests read them: by attribute name, only the attributes written."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mlops_core.deploy.ledger_items import DeploymentRecord


def items_of(records: Iterable[DeploymentRecord]) -> list[dict[str, Any]]:
    """Each record's attributes as the ledger holds them (identity, outcome and every field written, by name; nested
    parts as mappings): ``"rollback_of" in item`` says whether a writer set it."""
    return [record.model_dump(exclude_unset=True) for record in records]
