"""Errors of the local stack; all derive from :class:`mlops_core.errors.MlopsError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlops_core.errors import MlopsError


class LocalStackError(MlopsError):
    """The local stack cannot do what was asked."""


class TemplateError(LocalStackError):
    """``template.yaml`` uses something the local stack cannot interpret (the message names the resource)."""


class NotQuiescentError(LocalStackError):
    """The stack did not settle within its bound on virtual time or iterations (the message lists what is pending)."""


class ReplayError(LocalStackError):
    """A replay file is malformed, names an unknown resource, or asks for an unknown operation."""


class StepFailedError(LocalStackError):
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
