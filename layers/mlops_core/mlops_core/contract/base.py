"""The base of both execution contracts' models (the input's and the state's).

Examples
--------
>>> class Named(ContractModel):
...     name: str
>>> Named(name="x").as_json()
{'name': 'x'}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["ContractModel"]


class ContractModel(BaseModel):
    """The base of the contracts' models: frozen, no unknown key, fields by name or by alias."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def as_json(self) -> dict[str, Any]:
        """The JSON the state machine carries (aliases as the ASL spells them)."""
        return self.model_dump(mode="json", by_alias=True)
