"""Response-class methods for the added SageMaker actions.

moto's ``SageMakerResponse`` dispatches an action to the method of the same name in snake case, so adding these
methods to the class makes the actions work in process (``mock_aws``), in ``moto_server`` and for Step Functions'
``aws-sdk:sagemaker:*`` tasks alike.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.responses import SageMakerResponse

from mlopsctl.local.moto_patches import endpoints, labeling, pipelines

_LABELING_MEMBERS = (
    "LabelingJobName",
    "LabelAttributeName",
    "InputConfig",
    "OutputConfig",
    "RoleArn",
    "LabelCategoryConfigS3Uri",
    "StoppingConditions",
    "LabelingJobAlgorithmsConfig",
    "HumanTaskConfig",
    "Tags",
)
_LIST_LABELING_MEMBERS = (
    "CreationTimeAfter",
    "CreationTimeBefore",
    "LastModifiedTimeAfter",
    "LastModifiedTimeBefore",
    "MaxResults",
    "NextToken",
    "NameContains",
    "SortBy",
    "SortOrder",
    "StatusEquals",
)


def _params(response: SageMakerResponse, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: response._get_param(name) for name in names}


def update_endpoint(self: SageMakerResponse) -> ActionResult:
    """Handle ``UpdateEndpoint``."""
    arn = endpoints.update_endpoint(
        self.sagemaker_backend,
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
        retain_all_variant_properties=bool(self._get_param("RetainAllVariantProperties", False)),
        exclude_retained_variant_properties=self._get_param("ExcludeRetainedVariantProperties"),
        deployment_config=self._get_param("DeploymentConfig"),
        retain_deployment_config=bool(self._get_param("RetainDeploymentConfig", False)),
    )
    return ActionResult({"EndpointArn": arn})


def create_labeling_job(self: SageMakerResponse) -> ActionResult:
    """Handle ``CreateLabelingJob``."""
    arn = labeling.create_labeling_job(self.sagemaker_backend, _params(self, _LABELING_MEMBERS))
    return ActionResult({"LabelingJobArn": arn})


def describe_labeling_job(self: SageMakerResponse) -> ActionResult:
    """Handle ``DescribeLabelingJob``."""
    return ActionResult(labeling.describe_labeling_job(self.sagemaker_backend, self._get_param("LabelingJobName")))


def list_labeling_jobs(self: SageMakerResponse) -> ActionResult:
    """Handle ``ListLabelingJobs``."""
    return ActionResult(labeling.list_labeling_jobs(self.sagemaker_backend, _params(self, _LIST_LABELING_MEMBERS)))


def stop_labeling_job(self: SageMakerResponse) -> ActionResult:
    """Handle ``StopLabelingJob``."""
    labeling.stop_labeling_job(self.sagemaker_backend, self._get_param("LabelingJobName"))
    return EmptyResult()


def list_pipeline_execution_steps(self: SageMakerResponse) -> ActionResult:
    """Handle ``ListPipelineExecutionSteps``."""
    params = _params(self, ("PipelineExecutionArn", "NextToken", "MaxResults", "SortOrder"))
    return ActionResult(pipelines.list_pipeline_execution_steps(self.sagemaker_backend, params))


def stop_pipeline_execution(self: SageMakerResponse) -> ActionResult:
    """Handle ``StopPipelineExecution``."""
    arn = pipelines.stop_pipeline_execution(self.sagemaker_backend, self._get_param("PipelineExecutionArn"))
    return ActionResult({"PipelineExecutionArn": arn})


RESPONSE_METHODS = {
    "update_endpoint": update_endpoint,
    "create_labeling_job": create_labeling_job,
    "describe_labeling_job": describe_labeling_job,
    "list_labeling_jobs": list_labeling_jobs,
    "stop_labeling_job": stop_labeling_job,
    "list_pipeline_execution_steps": list_pipeline_execution_steps,
    "stop_pipeline_execution": stop_pipeline_execution,
}
