"""Model registry: emulated ``Model Package State Change`` notifications.

moto's registry works but sends no events. When emulated, creating a model package and every update that changes it
record a snapshot of the package (what DescribeModelPackage would show at that moment) for the emulator to turn into
an event. A versioned package created without ``ModelApprovalStatus`` is ``PendingManualApproval``, as in SageMaker
(moto leaves it empty).

SageMaker sends the event for metadata-only updates too (``CustomerMetadataProperties``, ``ApprovalDescription``), not
only for approval changes. Its current documentation sample carries ``UpdatedModelPackageFields`` (the fields the
update changed; the sample's comment lists ``ModelApprovalStatus``, ``ApprovalDescription``,
``CustomerMetadataProperties``, ...), but 2 of the 3 real samples in ``shared/aws-events`` have no such field
(SageMaker Developer Guide, "Automating SageMaker with Amazon EventBridge", model package state change; see
``SOURCES.md``). Both shapes are emulated: :attr:`ExtensionState.model_package_updated_fields` says which (the
emulator's option). An update that changes nothing is not announced (no sample shows one).
"""

from __future__ import annotations

import copy
from typing import Any

from moto.sagemaker.models import ModelPackage, SageMakerModelBackend

from mlopsctl.local.moto_patches.state import NotificationKind, extension_state, to_moto_time


def snapshot(package: ModelPackage) -> dict[str, Any]:
    """A deep copy of the package's DescribeModelPackage view, with the group name as given (not lower-cased)."""
    view = copy.deepcopy(package.gen_response_object())
    if package.model_package_group_name:
        view["ModelPackageGroupName"] = package.model_package_group_name
    return view


def create_model_package(backend: SageMakerModelBackend, original: Any, *args: Any, **kwargs: Any) -> str:
    """``CreateModelPackage``: as moto, plus the default approval status and a creation notification."""
    arn: str = original(backend, *args, **kwargs)
    state = extension_state(backend.account_id, backend.region_name)
    if not state.active:
        return arn
    package = backend.model_packages[arn]
    with state.lock:
        if package.model_package_type == "Versioned" and package.model_approval_status is None:
            package.model_approval_status = "PendingManualApproval"
        package.creation_time = to_moto_time(state.now())
    state.notify(NotificationKind.MODEL_PACKAGE_CHANGED, package=snapshot(package), updated_fields=None)
    return arn


def update_model_package(backend: SageMakerModelBackend, original: Any, *args: Any, **kwargs: Any) -> str:
    """``UpdateModelPackage``: as the real API, plus a notification when the update changed the package.

    moto overwrites what the request leaves out: the approval status and description become ``None`` and
    ``CustomerMetadataProperties`` is replaced. The real API changes only what the request names, and merges
    ``CustomerMetadataProperties`` (then removes ``CustomerMetadataPropertiesToRemove``): so does this.
    """
    state = extension_state(backend.account_id, backend.region_name)
    key = kwargs.get("model_package_arn", args[0] if args else "")
    mapped = backend.model_package_name_mapping.get(key, key)
    before = backend.model_packages.get(mapped)
    previous = before.model_approval_status if before is not None else None
    kept = _kept_fields(before)
    arn: str = original(backend, *args, **kwargs)
    package = backend.model_packages[arn]
    _restore_unnamed_fields(package, kept, kwargs)
    if not state.active:
        return arn
    with state.lock:
        package.last_modified_time = to_moto_time(state.now())
    changed = _changed_fields(kept, package, previous)
    if not changed:
        return arn
    fields = changed if state.model_package_updated_fields else None
    state.notify(NotificationKind.MODEL_PACKAGE_CHANGED, package=snapshot(package), updated_fields=fields)
    return arn


def _changed_fields(kept: dict[str, Any], package: Any, previous_status: str | None) -> list[str]:
    """The fields an update changed, in the order of SageMaker's documentation sample."""
    changed = []
    if package.model_approval_status != previous_status:
        changed.append("ModelApprovalStatus")
    if package.approval_description != kept.get("description"):
        changed.append("ApprovalDescription")
    if dict(package.customer_metadata_properties or {}) != kept.get("metadata", {}):
        changed.append("CustomerMetadataProperties")
    return changed


def _kept_fields(package: Any) -> dict[str, Any]:
    if package is None:
        return {}
    return {
        "status": package.model_approval_status,
        "description": package.approval_description,
        "metadata": dict(package.customer_metadata_properties or {}),
    }


def _restore_unnamed_fields(package: Any, kept: dict[str, Any], request: dict[str, Any]) -> None:
    if not kept:
        return
    if request.get("model_approval_status") is None:
        package.model_approval_status = kept["status"]
    if request.get("approval_description") is None:
        package.approval_description = kept["description"]
    merged = {**kept["metadata"], **(request.get("customer_metadata_properties") or {})}
    for name in request.get("customer_metadata_properties_to_remove") or []:
        merged.pop(name, None)
    package.customer_metadata_properties = merged or None
