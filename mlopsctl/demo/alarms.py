"""Emulated CloudWatch for the demo: an endpoint alarm that trips while a bad model takes traffic.

moto never changes an alarm's state from metrics, so the demo plays CloudWatch: :class:`EndpointAlarm` is an
emulator for the local stack (``next_due``/``run_due``) that

- once :meth:`~EndpointAlarm.arm_for_bake` was called, publishes the baking fleet's 5xx errors as soon as an update
  of the endpoint is in a baking period (emulated metrics, :mod:`mlopsctl.local.emulators.sagemaker.endpoint_metrics`):
  the new
  fleet's alarm copy and the endpoint-wide alarm both go to ``ALARM`` — SageMaker's deployment guardrails then roll
  the update back;
- :meth:`~EndpointAlarm.trip` sets it to ``ALARM`` at once (the endpoint is stable: only this system can react);
- after tripping, sets it back to ``OK`` once the endpoint is ``InService`` with no update in progress (the bad model
  no longer takes traffic, so the metric recovers).

It emits no events itself: the SageMaker emulator turns the state change into the ``CloudWatch Alarm State Change``
event AWS would send.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from mlopsctl.demo.observe import Observer
from mlopsctl.local.emulators.sagemaker.endpoint_metrics import fleet_metric

BAKE_REASON = "Threshold Crossed: canary 5XX errors 12.0 > 1.0 (emulated metric while the new fleet bakes)"
LIVE_REASON = "Threshold Crossed: 5XX errors 9.0 > 1.0 (emulated metric after the rollout)"
RECOVERED_REASON = "Threshold Crossed: 5XX errors 0.0 < 1.0 (emulated metric: the bad model takes no traffic)"
RECOVERY_SECONDS = 120.0
"""How long after the bad model stops taking traffic the alarm returns to OK (two 60-second evaluation periods)."""


class EndpointAlarm:
    """Steers one CloudWatch alarm of one endpoint (see the module docstring).

    Parameters
    ----------
    clients
        Returns a boto3 client for a service name (the stack's: CloudWatch's own changes are not the system's calls).
    observer
        Reads the endpoint's state.
    clock
        The virtual clock.
    endpoint_name, alarm_name
        What is watched and what trips.
    recovery_seconds
        Virtual seconds from the endpoint settling on another model to the alarm's return to ``OK``.
    """

    def __init__(
        self,
        clients: Callable[[str], Any],
        observer: Observer,
        clock: Callable[[], datetime],
        endpoint_name: str,
        alarm_name: str,
        *,
        recovery_seconds: float = RECOVERY_SECONDS,
    ) -> None:
        self._clients = clients
        self._observer = observer
        self._clock = clock
        self.endpoint_name = endpoint_name
        self.alarm_name = alarm_name
        self._armed = False
        self._bad_package: str | None = None
        self._recovery = timedelta(seconds=recovery_seconds)
        self._recovers_at: datetime | None = None
        self.history: list[tuple[datetime, str, str]] = []

    def arm_for_bake(self) -> None:
        """Trip the alarm during the next baking period of an update of the endpoint."""
        self._armed = True

    def trip(self) -> None:
        """Trip the alarm now: the model the endpoint serves is bad."""
        serving = self._observer.serving(self.endpoint_name)
        self._set("ALARM", LIVE_REASON, (serving.package_arn if serving else None) or "unknown")

    @property
    def armed(self) -> bool:
        """Whether a bake will trip the alarm."""
        return self._armed

    def next_due(self) -> datetime | None:
        """Now while a bake is to trip the alarm; the recovery instant once the bad model takes no traffic."""
        if self._armed and self._observer.baking(self.endpoint_name):
            return self._clock()
        if not self._recovered():
            self._recovers_at = None
        elif self._recovers_at is None:
            self._recovers_at = self._clock() + self._recovery
        return self._recovers_at

    def run_due(self, now: datetime) -> list[dict[str, Any]]:
        """Trip or clear the alarm; the SageMaker emulator emits the event."""
        baking = self._observer.baking(self.endpoint_name) if self._armed else None
        if baking is not None:
            self._armed = False
            self._canary_errs(baking)
        elif self._recovers_at is not None and now >= self._recovers_at and self._recovered():
            self._set("OK", RECOVERED_REASON, None)
        return []

    def _recovered(self) -> bool:
        """Tripped, and the endpoint is settled on a model other than the bad one."""
        if self._bad_package is None:
            return False
        serving = self._observer.serving(self.endpoint_name)
        return (
            serving is not None
            and serving.status == "InService"
            and not serving.updating
            and serving.package_arn != self._bad_package
        )

    def _canary_errs(self, bad_package: str) -> None:
        """The baking fleet answers with 5xx errors: SageMaker publishes them for that fleet and for the whole
        variant, so the new fleet's alarm copy (which the guardrails watch) and this endpoint-wide alarm both trip."""
        pending = self._clients("sagemaker").describe_endpoint(EndpointName=self.endpoint_name)
        config = str((pending.get("PendingDeploymentSummary") or {}).get("EndpointConfigName") or "")
        cloudwatch = self._clients("cloudwatch")
        fleet_metric(cloudwatch, self.endpoint_name, config, "Invocation5XXErrors", 12.0, self._clock())
        self._bad_package = bad_package
        self._recovers_at = None
        self.history.append((self._clock(), "ALARM", BAKE_REASON))

    def _set(self, state: str, reason: str, bad_package: str | None) -> None:
        self._clients("cloudwatch").set_alarm_state(AlarmName=self.alarm_name, StateValue=state, StateReason=reason)
        self._bad_package = bad_package if state == "ALARM" else None
        self._recovers_at = None
        self.history.append((self._clock(), state, reason))
