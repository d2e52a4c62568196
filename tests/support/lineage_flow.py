"""A whole lifecycle on the operator's local stack: data dropped, labeled, trained, registered, approved, deployed.

:func:`lifecycle_sagemaker` builds the SageMaker emulator with a Ground Truth workforce answering gold labels and
:class:`RegisteringPipeline`, whose executions succeed and register a version as the training pipeline's
``RegisterModel`` step does (``pipelines/definition.py``): ``MetadataProperties.GeneratedBy`` is the execution ARN and
``CustomerMetadataProperties`` carry the lineage parameters. The pipeline's steps are not run (the demo's
:class:`~mlopsctl.local.emulators.pipelines.runner.StepScriptPipelineRunner` runs them, for minutes).
"""

from __future__ import annotations

from typing import Any

from mlopsctl.local.emulators.sagemaker import (
    GoldLabelWorkforce,
    PipelineOutcome,
    PipelineRun,
    SageMakerEmulator,
    StepOutcome,
)
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.deploy_flow import IMAGE
from tests.support.training_flow import GOLD, LABELS, WORKTEAM

#: Template parameters: labeling by Ground Truth.
LABELING = {"LabelingBackend": "groundtruth", "LabelingWorkteamArn": WORKTEAM, "LabelingLabels": ",".join(LABELS)}

#: The execution parameters the real pipeline copies into the package's ``CustomerMetadataProperties``.
LINEAGE_PARAMETERS = {
    "DataBatchId": "DataBatchId",
    "LabelingJobName": "LabelingJobName",
    "InputManifestUri": "InputManifestUri",
}


class RegisteringPipeline:
    """Every execution succeeds and registers one version into the stack's group (module docstring)."""

    def __init__(self, stack: LocalStack) -> None:
        self._stack = stack
        self.registered: list[str] = []

    def run(self, run: PipelineRun) -> PipelineOutcome:
        """Write the model artifact, register the version with its lineage, and succeed."""
        bucket = self._stack.physical_name("ArtifactsBucket")
        key = f"pipelines/runs/{run.execution_arn.rsplit('/', 1)[-1]}/model/model.tar.gz"
        self._stack.client("s3").put_object(Bucket=bucket, Key=key, Body=b"model")
        metadata = {name: str(run.parameters.get(p, "")) for name, p in LINEAGE_PARAMETERS.items()}
        arn = self._register(f"s3://{bucket}/{key}", run.execution_arn, metadata)
        self.registered.append(arn)
        steps = (
            StepOutcome("Preprocess", "Processing"),
            StepOutcome("Train", "Training"),
            StepOutcome("RegisterModel", "RegisterModel", metadata={"RegisterModel": {"Arn": arn}}),
        )
        return PipelineOutcome(steps=steps)

    def _register(self, model_data: str, execution_arn: str, metadata: dict[str, str]) -> str:
        spec: dict[str, Any] = {
            "Containers": [{"Image": IMAGE, "ModelDataUrl": model_data}],
            "SupportedContentTypes": ["text/plain"],
            "SupportedResponseMIMETypes": ["application/json"],
        }
        created = self._stack.client("sagemaker").create_model_package(
            ModelPackageGroupName=self._stack.physical_name("ModelPackageGroup"),
            InferenceSpecification=spec,
            ModelApprovalStatus="PendingManualApproval",
            MetadataProperties={"GeneratedBy": execution_arn},
            CustomerMetadataProperties={
                **{k: v for k, v in metadata.items() if v},
                "PipelineExecutionArn": execution_arn,
            },
        )
        return str(created["ModelPackageArn"])


def lifecycle_sagemaker(stack: LocalStack) -> SageMakerEmulator:
    """The SageMaker emulator of a whole lifecycle: gold labels, and executions that register a version."""
    return SageMakerEmulator(
        stack.clock.now,
        account_id=stack.template.account_id,
        region=stack.template.region,
        workforce=GoldLabelWorkforce(GOLD, default="technical"),
        pipeline_runner=RegisteringPipeline(stack),
    )
