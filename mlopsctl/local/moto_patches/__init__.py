"""Every use of a moto internal the local stack makes, in one place (registered in :mod:`.checked`).

Two kinds, each naming the moto version it was checked on (tested against the pin in ``requirements/dev.txt``):

- patches (:data:`.checked.PATCHES`): the modules below replace or add moto attributes; no module outside this
  package does;
- reads (:data:`.checked.READS`, :data:`.checked.RECORDS`): :mod:`.backends` holds every other read (or direct
  write) of moto's state as a typed accessor naming the moto attributes it touches, and protocols typing the moto
  objects it hands out. The emulators, the runtime, the IAM check, the commands and the tests import from moto
  only ``mock_aws`` and ``moto.server.ThreadedMotoServer``, and name no ``*_backends`` mapping
  (``tests/unit/test_local_moto_patches.py`` states the rule, with the tests of a patch itself allowed by name, and
  fails on a module that breaks it).

- SageMaker and CloudWatch extensions (emulated behaviour): :mod:`.install` adds the SageMaker actions moto lacks
  (``UpdateEndpoint``, ``CreateLabelingJob``, ``DescribeLabelingJob``, ``ListLabelingJobs``, ``StopLabelingJob``,
  ``ListPipelineExecutionSteps``, ``StopPipelineExecution``) with the real API's validation and state transitions
  (:mod:`.endpoints`, :mod:`.labeling`, :mod:`.pipelines`, :mod:`.registry`, :mod:`.cloudwatch`, :mod:`.tags`,
  :mod:`.responses`), and hooks (:mod:`.state`) that let
  :class:`mlopsctl.local.emulators.sagemaker.SageMakerEmulator` advance jobs in virtual time and emit the events AWS
  would send;
- :mod:`.limits`: AWS's names and sizes, which moto does not enforce;
- Step Functions: :mod:`.sfn_waits` (waits in virtual time), :mod:`.sfn_errors` (Lambda task error names),
  :mod:`.sfn_threads` (an execution's thread handed to a caller that joins it);
- :mod:`.sqs_clock`, :mod:`.speed`: moto's SQS under a frozen wall clock, and fast with thousands of messages;
- :mod:`.s3_notifications` (S3 → EventBridge events), :mod:`.stubber` (injected faults), :mod:`.lambda_invoke`
  (handlers run in process), :mod:`.runtime` (moto started in process or as ``moto_server``).
- :mod:`.dynamodb_items` (entered with :mod:`.limits`): DynamoDB's item writes applied whole, as DynamoDB's are
  atomic (moto applies an ``UpdateItem`` in steps).

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
