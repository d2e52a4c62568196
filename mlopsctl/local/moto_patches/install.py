"""Install the extensions into moto's classes, once per process (idempotent).

New actions are added to ``SageMakerResponse``; existing backend methods whose behaviour is emulated
(``create_endpoint``, ``delete_endpoint``, ``start_pipeline_execution``, ``describe_pipeline_execution``,
``list_pipeline_parameters_for_execution``,
``create_model_package``, ``update_model_package``, ``add_tags``, CloudWatch's ``set_alarm_state``,
``put_metric_alarm`` and ``put_metric_data``; CloudWatch's ``describe_alarm_history`` is added)
are wrapped. A wrapper behaves exactly as moto unless an emulator has activated its account and region (see
:func:`mlopsctl.local.moto_patches.state.activate`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from mlopsctl.local.moto_patches import cloudwatch, endpoints, pipelines, registry, tags
from mlopsctl.local.moto_patches.responses import RESPONSE_METHODS

_MARKER = "_mlops_extensions_installed"
_lock = threading.Lock()

_SAGEMAKER_WRAPPERS: dict[str, Callable[..., Any]] = {
    "create_endpoint": endpoints.create_endpoint,
    "delete_endpoint": endpoints.delete_endpoint,
    "start_pipeline_execution": pipelines.start_pipeline_execution,
    "describe_pipeline_execution": pipelines.describe_pipeline_execution,
    "list_pipeline_parameters_for_execution": pipelines.list_pipeline_parameters_for_execution,
    "create_model_package": registry.create_model_package,
    "update_model_package": registry.update_model_package,
    "add_tags": tags.add_tags,
}


def _wrap(cls: type, name: str, extension: Callable[..., Any]) -> None:
    original = getattr(cls, name)

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        return extension(self, original, *args, **kwargs)

    setattr(cls, name, wrapper)


def _update_endpoint(self: SageMakerModelBackend, **kwargs: Any) -> str:
    return endpoints.update_endpoint(self, **kwargs)


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    text = str(value)
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except ValueError:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _describe_alarm_history(self: CloudWatchResponse) -> ActionResult:
    """CloudWatch ``DescribeAlarmHistory`` (missing from moto; see :mod:`.cloudwatch`)."""
    items = cloudwatch.alarm_history(
        self.current_account,
        self.region,
        self._get_param("AlarmName"),
        self._get_param("HistoryItemType"),
        _moment(self._get_param("StartDate")),
        _moment(self._get_param("EndDate")),
        self._get_param("ScanBy") == "TimestampAscending",
    )
    limit = self._get_param("MaxRecords")
    return ActionResult({"AlarmHistoryItems": items[: int(limit)] if limit else items})


def install_extensions() -> None:
    """Add the missing SageMaker actions and the emulation hooks to moto; calling it again does nothing."""
    with _lock:
        if getattr(SageMakerResponse, _MARKER, False):
            return
        for name, method in RESPONSE_METHODS.items():
            setattr(SageMakerResponse, name, method)
        setattr(SageMakerModelBackend, "update_endpoint", _update_endpoint)  # noqa: B010 - moto has no such method
        for name, extension in _SAGEMAKER_WRAPPERS.items():
            _wrap(SageMakerModelBackend, name, extension)
        _wrap(CloudWatchBackend, "set_alarm_state", cloudwatch.set_alarm_state)
        _wrap(CloudWatchBackend, "put_metric_alarm", cloudwatch.put_metric_alarm)
        _wrap(CloudWatchBackend, "put_metric_data", cloudwatch.put_metric_data)
        setattr(CloudWatchResponse, "describe_alarm_history", _describe_alarm_history)  # noqa: B010 - not in moto
        setattr(SageMakerResponse, _MARKER, True)


def extensions_installed() -> bool:
    """Whether :func:`install_extensions` has run in this process."""
    return bool(getattr(SageMakerResponse, _MARKER, False))
