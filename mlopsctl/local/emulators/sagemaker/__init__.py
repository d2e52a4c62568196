"""Emulated SageMaker and CloudWatch behaviour for the local stack: virtual time and the events AWS would emit.

Everything in this package is emulation, clearly not AWS: jobs take configurable virtual durations, human labeling
is answered by a pluggable :class:`Workforce`, pipelines by a pluggable :class:`PipelineRunner`, and events are
built to the shapes of the real samples in ``shared/aws-events``.
"""

from __future__ import annotations

from mlopsctl.local.emulators.sagemaker.emulator import SageMakerEmulator, emulator_options
from mlopsctl.local.emulators.sagemaker.pipeline_runner import (
    DefinitionPipelineRunner,
    PipelineOutcome,
    PipelineRun,
    PipelineRunner,
    StepOutcome,
)
from mlopsctl.local.emulators.sagemaker.timings import EmulatorTimings
from mlopsctl.local.emulators.sagemaker.workforce import GoldLabelWorkforce, Workforce

__all__ = [
    "DefinitionPipelineRunner",
    "EmulatorTimings",
    "GoldLabelWorkforce",
    "PipelineOutcome",
    "PipelineRun",
    "PipelineRunner",
    "SageMakerEmulator",
    "StepOutcome",
    "Workforce",
    "emulator_options",
]
