"""Install the extensions into moto's classes, once per process (idempotent).

New actions are added to ``SageMakerResponse``; existing backend methods whose behaviour is emulated
(``create_endpoint``, ``delete_endpoint``, ``start_pipeline_execution``, ``describe_pipeline_execution``,
``list_pipeline_parameters_for_execution``,
``create_model_package``, ``update_model_package``, ``add_tags``, CloudWatch's ``set_alarm_state`` and
``put_metric_alarm``)
are wrapped. A wrapper behaves exactly as moto unless an emulator has activated its account and region (see
:func:`mlopsctl.local.moto_ext.state.activate`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from mlopsctl.local.moto_ext import cloudwatch, endpoints, pipelines, registry, tags
from mlopsctl.local.moto_ext.responses import RESPONSE_METHODS

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
        setattr(SageMakerResponse, _MARKER, True)


def extensions_installed() -> bool:
    """Whether :func:`install_extensions` has run in this process."""
    return bool(getattr(SageMakerResponse, _MARKER, False))
