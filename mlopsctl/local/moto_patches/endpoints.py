"""Endpoints: ``UpdateEndpoint`` (missing from moto) and emulated ``Creating``/``Deleting`` phases.

Real semantics reproduced here (emulated, driven in virtual time by the emulator):

* ``CreateEndpoint`` rejects an existing name and leaves the endpoint ``Creating``; ``DeleteEndpoint`` leaves it
  ``Deleting``; the emulator finishes both after a configurable virtual duration.
* ``UpdateEndpoint`` needs an existing endpoint and endpoint configuration, an endpoint that is ``InService``
  (otherwise "Cannot update in-progress endpoint"), and, with a blue/green or rolling policy, unchanged variant
  names and valid step sizes. The endpoint becomes ``Updating`` with a ``PendingDeploymentSummary``; the emulator
  then runs the deployment and either switches the endpoint to the new configuration or rolls it back.

The error messages follow the shape of SageMaker's (``Could not find endpoint "<arn>".``); where the service's exact
text is not published they are the emulator's own wording.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend

from mlopsctl.local.moto_patches.backends import SageMakerEndpoint
from mlopsctl.local.moto_patches.deployment_rules import DeploymentConfigError, validate_deployment_config
from mlopsctl.local.moto_patches.state import NotificationKind, extension_state, to_moto_time

_deployment_ids = itertools.count(1)


@dataclass
class EndpointDeployment:
    """An update in flight: what the endpoint is moving from and to, and how."""

    deployment_id: int
    endpoint_name: str
    old_config_name: str
    new_config_name: str
    old_variants: list[dict[str, Any]]
    new_variants: list[dict[str, Any]]
    deployment_config: dict[str, Any] | None
    started_at: datetime

    @property
    def alarm_names(self) -> list[str]:
        """The CloudWatch alarms whose ALARM state rolls the update back."""
        config = self.deployment_config or {}
        alarms = (config.get("AutoRollbackConfiguration") or {}).get("Alarms") or []
        return [str(alarm["AlarmName"]) for alarm in alarms]


def set_endpoint_fields(endpoint: SageMakerEndpoint, **fields: Any) -> None:
    """Set DescribeEndpoint fields on moto's endpoint, including ones moto does not model.

    moto builds DescribeEndpoint from the object's attributes (``pending_deployment_summary`` becomes
    ``PendingDeploymentSummary``; None values are left out), so extra attributes appear in the response.
    """
    for name, value in fields.items():
        setattr(endpoint, name, value)


def _endpoint_not_found(backend: SageMakerModelBackend, name: str) -> ValidationError:
    arn = FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)
    return ValidationError(message=f'Could not find endpoint "{arn}".')


def create_endpoint(
    backend: SageMakerModelBackend, original: Any, endpoint_name: str, endpoint_config_name: str, tags: Any
) -> FakeEndpoint:
    """``CreateEndpoint``: when emulated, SageMaker's duplicate-name check and a ``Creating`` phase; else as moto."""
    state = extension_state(backend.account_id, backend.region_name)
    if not state.active:
        created: FakeEndpoint = original(
            backend, endpoint_name=endpoint_name, endpoint_config_name=endpoint_config_name, tags=tags
        )
        return created
    if endpoint_name in backend.endpoints:
        arn = FakeEndpoint.arn_formatter(endpoint_name, backend.account_id, backend.region_name)
        raise ValidationError(message=f'Cannot create already existing endpoint "{arn}".')
    if endpoint_config_name not in backend.endpoint_configs:
        arn = FakeEndpointConfig.arn_formatter(endpoint_config_name, backend.account_id, backend.region_name)
        raise ValidationError(message=f'Could not find endpoint configuration "{arn}".')
    endpoint: FakeEndpoint = original(
        backend, endpoint_name=endpoint_name, endpoint_config_name=endpoint_config_name, tags=tags
    )
    with state.lock:
        endpoint.endpoint_status = "Creating"
        endpoint.creation_time = endpoint.last_modified_time = to_moto_time(state.now())
    state.notify(NotificationKind.ENDPOINT_CREATING, endpoint_name=endpoint_name)
    return endpoint


def delete_endpoint(backend: SageMakerModelBackend, original: Any, endpoint_name: str) -> None:
    """``DeleteEndpoint``: as moto, except that (when emulated) the endpoint is ``Deleting`` for a while first."""
    state = extension_state(backend.account_id, backend.region_name)
    if not state.active:
        original(backend, endpoint_name)
        return
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        raise _endpoint_not_found(backend, endpoint_name)
    with state.lock:
        state.deployments.pop(endpoint_name, None)
        set_endpoint_fields(
            endpoint,
            endpoint_status="Deleting",
            pending_deployment_summary=None,
            last_modified_time=to_moto_time(state.now()),
        )
    state.notify(NotificationKind.ENDPOINT_DELETING, endpoint_name=endpoint_name)


def _new_variants(
    endpoint: FakeEndpoint, config: FakeEndpointConfig, retain_all: bool, excluded: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    variants: list[dict[str, Any]] = endpoint._process_production_variants(config.production_variants)
    if not retain_all:
        return variants
    kept = {"DesiredInstanceCount", "DesiredWeight"} - {str(e["VariantPropertyType"]) for e in excluded}
    current = {v["VariantName"]: v for v in endpoint.production_variants}
    for variant in variants:
        old = current.get(variant["VariantName"], {})
        if "DesiredInstanceCount" in kept and "DesiredInstanceCount" in old:
            variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"] = old["DesiredInstanceCount"]
        if "DesiredWeight" in kept and "DesiredWeight" in old:
            variant["CurrentWeight"] = variant["DesiredWeight"] = old["DesiredWeight"]
    return variants


def update_endpoint(
    backend: SageMakerModelBackend,
    *,
    endpoint_name: str,
    endpoint_config_name: str,
    retain_all_variant_properties: bool = False,
    exclude_retained_variant_properties: list[dict[str, Any]] | None = None,
    deployment_config: dict[str, Any] | None = None,
    retain_deployment_config: bool = False,
) -> str:
    """``UpdateEndpoint``: validate, mark the endpoint ``Updating`` and record the deployment for the emulator.

    Returns
    -------
    str
        The endpoint's ARN.
    """
    state = extension_state(backend.account_id, backend.region_name)
    with state.lock:
        endpoint = backend.endpoints.get(endpoint_name)
        if endpoint is None:
            raise _endpoint_not_found(backend, endpoint_name)
        config = backend.endpoint_configs.get(endpoint_config_name)
        if config is None:
            arn = FakeEndpointConfig.arn_formatter(endpoint_config_name, backend.account_id, backend.region_name)
            raise ValidationError(message=f'Could not find endpoint configuration "{arn}".')
        if endpoint.endpoint_status != "InService":
            raise ValidationError(message=f'Cannot update in-progress endpoint "{endpoint.arn}".')
        if deployment_config is None and retain_deployment_config:
            deployment_config = getattr(endpoint, "last_deployment_config", None)
        new_variants = _new_variants(
            endpoint, config, retain_all_variant_properties, exclude_retained_variant_properties or []
        )
        if deployment_config:
            try:
                validate_deployment_config(deployment_config, endpoint.production_variants, new_variants)
            except DeploymentConfigError as exc:
                raise ValidationError(message=str(exc)) from None
            _check_alarms_exist(backend, deployment_config)
        now = state.now()
        deployment = EndpointDeployment(
            deployment_id=next(_deployment_ids),
            endpoint_name=endpoint_name,
            old_config_name=endpoint.endpoint_config_name,
            new_config_name=endpoint_config_name,
            old_variants=copy.deepcopy(endpoint.production_variants),
            new_variants=new_variants,
            deployment_config=copy.deepcopy(deployment_config) if deployment_config else None,
            started_at=now,
        )
        state.deployments[endpoint_name] = deployment
        pending = {
            "EndpointConfigName": endpoint_config_name,
            "ProductionVariants": copy.deepcopy(new_variants),
            "StartTime": to_moto_time(now),
        }
        set_endpoint_fields(
            endpoint,
            endpoint_status="Updating",
            failure_reason=None,
            last_modified_time=to_moto_time(now),
            pending_deployment_summary=pending,
        )
    state.notify(
        NotificationKind.ENDPOINT_UPDATING, endpoint_name=endpoint_name, deployment_id=deployment.deployment_id
    )
    return str(endpoint.arn)


def _check_alarms_exist(backend: SageMakerModelBackend, deployment_config: dict[str, Any]) -> None:
    from moto.cloudwatch.models import cloudwatch_backends  # noqa: PLC0415 - only needed with auto-rollback

    alarms = (deployment_config.get("AutoRollbackConfiguration") or {}).get("Alarms") or []
    known = cloudwatch_backends[backend.account_id][backend.region_name].alarms
    missing = [str(a["AlarmName"]) for a in alarms if a["AlarmName"] not in known]
    if missing:
        raise ValidationError(message=f"The CloudWatch alarm(s) {missing} of AutoRollbackConfiguration do not exist.")
