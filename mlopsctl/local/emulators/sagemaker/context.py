"""What the emulator's drivers share: where they run, how long things take, and how to schedule work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlopsctl.local.emulators.sagemaker.service_roles import ServiceRoles
from mlopsctl.local.emulators.sagemaker.timings import EmulatorTimings
from mlopsctl.local.moto_patches.state import ExtensionState, extension_state

Event = dict[str, Any]
Task = Callable[[datetime], list[Event]]


@dataclass(frozen=True)
class DriverContext:
    """Account, region, timings, the emulator's ``schedule(at, task, alive)`` and its IAM.

    ``alive`` (optional) says whether a scheduled task still matters; a task that no longer does (a bake ended
    early by a rollback) is dropped without counting as due work. ``service_roles`` returns how SageMaker's own use
    of roles is authorized (None: not checked, for emulators that run without a local stack's IAM).
    """

    account_id: str
    region: str
    timings: EmulatorTimings
    schedule: Callable[[datetime, Task, Callable[[], bool] | None], None]
    service_roles: Callable[[], ServiceRoles | None] = lambda: None

    @property
    def roles(self) -> ServiceRoles | None:
        """SageMaker's role authorizer, when the emulator runs in a local stack with IAM."""
        return self.service_roles()

    @property
    def state(self) -> ExtensionState:
        """The extensions' state for this account and region."""
        return extension_state(self.account_id, self.region)
