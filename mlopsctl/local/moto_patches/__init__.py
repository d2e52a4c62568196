"""Extensions to moto 5.2.5's SageMaker and CloudWatch emulation (emulated behaviour, for the local stack).

Adds the SageMaker actions moto lacks (``UpdateEndpoint``, ``CreateLabelingJob``, ``DescribeLabelingJob``,
``ListLabelingJobs``, ``StopLabelingJob``, ``ListPipelineExecutionSteps``, ``StopPipelineExecution``) with the real
API's validation and state transitions, and hooks that let :class:`mlopsctl.local.emulators.sagemaker.SageMakerEmulator`
advance jobs in virtual time and emit the EventBridge events AWS would send.

Examples
--------
>>> from mlopsctl.local.moto_patches import install_extensions
>>> install_extensions()  # idempotent; moto behaves as before until an emulator activates a region
"""

from __future__ import annotations

from mlopsctl.local.moto_patches.install import extensions_installed, install_extensions
from mlopsctl.local.moto_patches.state import (
    ExtensionState,
    Notification,
    NotificationKind,
    activate,
    deactivate,
    extension_state,
    is_active,
)

__all__ = [
    "ExtensionState",
    "Notification",
    "NotificationKind",
    "activate",
    "deactivate",
    "extension_state",
    "extensions_installed",
    "install_extensions",
    "is_active",
]
