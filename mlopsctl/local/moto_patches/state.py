"""Per-account, per-region state of the moto extensions, and the clock they read (emulated behaviour).

The state lives on moto's SageMaker backend object, so moto's own reset (a new ``mock_aws()``) clears it with
everything else. Behaviour that changes what moto already does (an endpoint that is ``Creating`` before it is
``InService``, events for model packages and alarms) is *active* only for an account and region an emulator has
activated with :func:`activate`; elsewhere moto behaves as it always did, so installing the extensions never
changes the outcome of tests that do not use the emulator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.sagemaker.models import sagemaker_backends

Clock = Callable[[], datetime]

_STATE_ATTRIBUTE = "_mlops_ext_state"
_registry_lock = threading.Lock()
_clocks: dict[tuple[str, str], Clock] = {}
_listeners: dict[tuple[str, str], Callable[[Notification], None]] = {}


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def activate(account_id: str, region: str, clock: Clock, listener: Callable[[Notification], None]) -> None:
    """Turn the emulated behaviour on for one account and region, reading virtual time from ``clock``; ``listener``
    hears every :class:`Notification` as it is recorded, on the thread of the API call that records it."""
    with _registry_lock:
        _clocks[(account_id, region)] = clock
        _listeners[(account_id, region)] = listener


def deactivate(account_id: str, region: str) -> None:
    """Turn the emulated behaviour off again for one account and region (moto's own behaviour returns)."""
    with _registry_lock:
        _clocks.pop((account_id, region), None)
        _listeners.pop((account_id, region), None)


def is_active(account_id: str, region: str) -> bool:
    """Whether an emulator drives this account and region."""
    return (account_id, region) in _clocks


def clock_for(account_id: str, region: str) -> Clock:
    """The active emulator's clock for this account and region, else the wall clock."""
    return _clocks.get((account_id, region), _wall_clock)


def as_utc(value: datetime) -> datetime:
    """A tz-aware UTC datetime (naive values, as moto stores them, are taken to be UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_moto_time(value: datetime) -> datetime:
    """The naive-UTC form moto stores its timestamps in."""
    return as_utc(value).replace(tzinfo=None)


@dataclass(frozen=True)
class Notification:
    """Something that happened in an API call and that the emulator turns into events or scheduled work."""

    kind: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)


class NotificationKind:
    """The kinds of :class:`Notification` the extensions record."""

    ENDPOINT_CREATING = "endpoint.creating"
    ENDPOINT_UPDATING = "endpoint.updating"
    ENDPOINT_DELETING = "endpoint.deleting"
    LABELING_CREATED = "labeling.created"
    LABELING_STOPPING = "labeling.stopping"
    PIPELINE_STARTED = "pipeline.started"
    PIPELINE_STOPPING = "pipeline.stopping"
    MODEL_PACKAGE_CHANGED = "model_package.changed"
    ALARM_CHANGED = "alarm.changed"


class ExtensionState:
    """What the extensions keep beside moto's own objects for one account and region.

    Parameters
    ----------
    account_id, region
        The backend this state belongs to.
    """

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region
        self.lock = threading.RLock()
        self.labeling_jobs: dict[str, Any] = {}
        self.deployments: dict[str, Any] = {}
        self.pipeline_steps: dict[str, list[dict[str, Any]]] = {}
        #: ``DescribeAlarmHistory``'s state updates, per alarm name (kept after the alarm is deleted, as CloudWatch
        #: keeps an alarm's history).
        self.alarm_history: dict[str, list[dict[str, Any]]] = {}
        #: Whether ``Model Package State Change`` events of updates list ``UpdatedModelPackageFields``.
        self.model_package_updated_fields = True
        self._local = threading.local()

    @property
    def active(self) -> bool:
        """Whether an emulator drives this account and region."""
        return is_active(self.account_id, self.region)

    def now(self) -> datetime:
        """The current (virtual, when an emulator is active) time, tz-aware UTC.

        While the emulator performs work due at an earlier instant, calls made by that work on the emulator's
        thread (a pipeline runner registering a model package) are stamped with that instant.
        """
        pinned: datetime | None = getattr(self._local, "pinned", None)
        return pinned if pinned is not None else as_utc(clock_for(self.account_id, self.region)())

    def pin_time(self, instant: datetime | None) -> None:
        """Stamp this thread's calls with ``instant`` (None: the clock again)."""
        self._local.pinned = as_utc(instant) if instant is not None else None

    def notify(self, kind: str, **data: Any) -> None:
        """Tell the active emulator what happened (its listener schedules the work); dropped when none is active."""
        listener = _listeners.get((self.account_id, self.region))
        if listener is not None:
            listener(Notification(kind=kind, at=self.now(), data=data))


def extension_state(account_id: str, region: str) -> ExtensionState:
    """The extension state of one account and region, created on first use."""
    backend = sagemaker_backends[account_id][region]
    state = backend.__dict__.get(_STATE_ATTRIBUTE)
    if state is None:
        with _registry_lock:
            state = backend.__dict__.get(_STATE_ATTRIBUTE)
            if state is None:
                state = ExtensionState(account_id, region)
                backend.__dict__[_STATE_ATTRIBUTE] = state
    if not isinstance(state, ExtensionState):
        raise TypeError(f"unexpected extension state {state!r}")
    return state
