"""Every settings class in one place, for tests and tools (functions import the module of their own settings).

The classes live where they are used: :mod:`~mlops_core.settings` (``Settings``, ``CoreSettings``,
``OriginSettings``), :mod:`~mlops_core.approval.settings`, :mod:`~mlops_core.deploy.settings`,
:mod:`~mlops_core.ingest.settings`, :mod:`~mlops_core.rollback.settings`, :mod:`~mlops_core.training.settings` and
:mod:`~mlops_core.training.pipeline_start` (``PipelineStartSettings``, next to the start it configures).
Importing this module builds no validator (they are built on first use).

The examples of reading settings are in :mod:`mlops_core.settings`'s docstring (run by the suite).
"""

from __future__ import annotations

from mlops_core.approval.settings import ApprovalSettings
from mlops_core.deploy.settings import DeploySettings, EndpointEventsSettings, ExecutionEventsSettings, FleetSettings
from mlops_core.ingest.settings import DataArrivalSettings
from mlops_core.rollback.settings import RollbackSettings, RollbackTasksSettings
from mlops_core.settings import CoreSettings, OriginSettings, Settings
from mlops_core.training.pipeline_start import PipelineStartSettings
from mlops_core.training.settings import TrainingSettings

__all__ = [
    "ApprovalSettings",
    "CoreSettings",
    "DataArrivalSettings",
    "DeploySettings",
    "EndpointEventsSettings",
    "ExecutionEventsSettings",
    "FleetSettings",
    "OriginSettings",
    "PipelineStartSettings",
    "RollbackSettings",
    "RollbackTasksSettings",
    "Settings",
    "TrainingSettings",
]
