"""Errors of the demo and its pipeline runner; all derive from :class:`mlops_core.errors.MlopsError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlops_core.errors import MlopsError


class DemoError(MlopsError):
    """The demo cannot run as asked (the message says why)."""


class StepFailedError(DemoError):
    """A pipeline step failed; the message is the step's failure reason, as SageMaker would report it.

    Parameters
    ----------
    reason
        The failure reason.
    metadata
        The step's ``Metadata`` as ListPipelineExecutionSteps reports it (the job it ran).
    logs
        What the step's script logged.
    """

    def __init__(self, reason: str, *, metadata: Mapping[str, Any] | None = None, logs: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.metadata = dict(metadata or {})
        self.logs = logs
