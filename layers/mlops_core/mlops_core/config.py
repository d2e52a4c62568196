"""Every settings class in one place, for tests and tools (functions import the module of their own settings).

The classes live in :mod:`mlops_core.settings`: :mod:`~mlops_core.settings.base` (``Settings``, ``CoreSettings``,
``OriginSettings``), :mod:`~mlops_core.settings.deploy`, :mod:`~mlops_core.settings.data_arrival` and
:mod:`~mlops_core.settings.training`. Importing this module builds no validator (they are built on first use).

The examples of reading settings are in :mod:`mlops_core.settings.base`'s docstring (run by the suite).
"""

from __future__ import annotations

from mlops_core.settings.base import CoreSettings, OriginSettings, Settings
from mlops_core.settings.data_arrival import DataArrivalSettings
from mlops_core.settings.deploy import (
    ApprovalSettings,
    DeploySettings,
    EndpointEventsSettings,
    ExecutionEventsSettings,
    RollbackSettings,
    RollbackTasksSettings,
)
from mlops_core.settings.training import TrainingSettings

__all__ = [
    "ApprovalSettings",
    "CoreSettings",
    "DataArrivalSettings",
    "DeploySettings",
    "EndpointEventsSettings",
    "ExecutionEventsSettings",
    "OriginSettings",
    "RollbackSettings",
    "RollbackTasksSettings",
    "Settings",
    "TrainingSettings",
]
