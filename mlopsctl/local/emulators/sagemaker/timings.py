"""How long emulated work takes, in virtual seconds (emulated behaviour)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class EmulatorTimings:
    """Virtual durations of emulated SageMaker work; small by default so a local run settles in seconds.

    Baking periods of an endpoint deployment are not here: they come from the request's ``DeploymentConfig``
    (``WaitIntervalInSeconds``, ``TerminationWaitInSeconds``), as in SageMaker.

    Parameters
    ----------
    endpoint_create_seconds
        ``CreateEndpoint``: ``Creating`` until ``InService``.
    endpoint_update_seconds
        ``UpdateEndpoint``: provisioning the new (green) fleet, and each batch of a rolling update.
    endpoint_rollback_seconds
        Shifting traffic back to the old fleet after an alarm or a timeout.
    endpoint_delete_seconds
        ``DeleteEndpoint``: ``Deleting`` until gone.
    labeling_seconds
        ``CreateLabelingJob``: ``InProgress`` until the workforce has labeled every item.
    pipeline_seconds
        ``StartPipelineExecution``: ``Executing`` until the pipeline runner's outcome.
    stop_seconds
        ``StopLabelingJob`` / ``StopPipelineExecution``: ``Stopping`` until ``Stopped``.
    """

    endpoint_create_seconds: float = 30.0
    endpoint_update_seconds: float = 30.0
    endpoint_rollback_seconds: float = 10.0
    endpoint_delete_seconds: float = 5.0
    labeling_seconds: float = 60.0
    pipeline_seconds: float = 120.0
    stop_seconds: float = 5.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value < 0:
                raise ValueError(f"EmulatorTimings.{name} must not be negative, got {value}")

    @staticmethod
    def span(seconds: float) -> timedelta:
        """``seconds`` as a timedelta."""
        return timedelta(seconds=seconds)
