"""Every settings class in one place, for tests and tools (functions import the module of their own settings).

The classes live in :mod:`mlops_core.settings`: :mod:`~mlops_core.settings.base` (``Settings``, ``CoreSettings``,
``OriginSettings``), :mod:`~mlops_core.settings.deploy`, :mod:`~mlops_core.settings.data_arrival` and
:mod:`~mlops_core.settings.training`. Importing this module builds no validator (they are built on first use).

Examples
--------
>>> environment = {"LEDGER_TABLE_NAME": "mlops-dev-ledger", "STACK_NAME": "mlops-dev",
...                "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:mlops-dev-notifications"}
>>> CoreSettings.from_env(environment).ledger_table_name
'mlops-dev-ledger'
>>> CoreSettings.from_env({**environment, "LEDGER_TABLE_NAME": "t"})
Traceback (most recent call last):
...
mlops_core.errors.ConfigurationError: CoreSettings: LEDGER_TABLE_NAME String should have at least 3 characters
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
    "Settings",
    "TrainingSettings",
]
