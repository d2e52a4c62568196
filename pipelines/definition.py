"""The SageMaker training pipeline, defined with the SageMaker Python SDK v3 (build time only).

::

    Preprocess ─► Train ─► Evaluate ─► QualityGate ─┬─ macro-F1 ≥ MinMacroF1 ─► RegisterModel (PendingManualApproval)
                                                    └─ otherwise ──────────────► QualityGateFailed (Fail, with reason)

Never imported by functions or layers: the SDK is ~1 GB. ``python -m pipelines.build`` (``make pipeline``) turns
this into ``pipelines/generated/<model>.json`` offline; see :mod:`pipelines.build`.

Parameters an execution may pass (``StartPipelineExecution``'s ``PipelineParameters``) are listed in
:data:`PARAMETER_NAMES`; only ``InputManifestUri`` is required. The registered model package carries the lineage
in ``CustomerMetadataProperties`` (keys in :data:`LINEAGE_KEYS`) and ``MetadataProperties.GeneratedBy`` (the
pipeline execution ARN).
"""

from __future__ import annotations

from typing import Any

from sagemaker.core.metadata_properties import MetadataProperties
from sagemaker.core.model_metrics import MetricsSource, ModelMetrics
from sagemaker.core.processing import ScriptProcessor
from sagemaker.core.shapes import (
    MetricDefinition,
    ProcessingInput,
    ProcessingOutput,
    ProcessingS3Input,
    ProcessingS3Output,
)
from sagemaker.core.training.configs import Compute, InputData, OutputDataConfig, StoppingCondition
from sagemaker.core.workflow.conditions import ConditionGreaterThanOrEqualTo
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join, JsonGet
from sagemaker.core.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.core.workflow.properties import PropertyFile
from sagemaker.mlops.workflow.condition_step import ConditionStep
from sagemaker.mlops.workflow.fail_step import FailStep
from sagemaker.mlops.workflow.model_step import ModelStep
from sagemaker.mlops.workflow.pipeline import Pipeline
from sagemaker.mlops.workflow.retry import (
    SageMakerJobExceptionTypeEnum,
    SageMakerJobStepRetryPolicy,
    StepExceptionTypeEnum,
    StepRetryPolicy,
)
from sagemaker.mlops.workflow.steps import ProcessingStep, TrainingStep
from sagemaker.serve.model_builder import ModelBuilder
from sagemaker.train import ModelTrainer

from pipelines.placeholders import SENTINEL_ROLE_ARN, SKLEARN_IMAGE_URI

ARTIFACTS = "s3://${ArtifactsBucketName}"
RUNS_ROOT = f"{ARTIFACTS}/pipelines/runs"
DATA_PREFIXES = ("s3://${DataBucketName}/incoming/", "s3://${DataBucketName}/labeled/")
"""Where the objects a labeled manifest's ``source-ref`` may name live: the stack's own data prefixes."""
PROCESSING = "/opt/ml/processing"
CODE_CHANNEL_DIR = "/opt/ml/input/data/code"
MAX_RUNTIME_SECONDS = 3600
DEFAULT_MIN_MACRO_F1 = 0.8
# What steps/evaluate.py writes. Not imported from it (that would load scikit-learn); tests hold the two together.
REPORT_FILENAME = "evaluation.json"
GATE_METRIC_PATH = "multiclass_classification_metrics.macro_f1.value"

PARAMETER_NAMES = (
    "InputManifestUri",
    "LabelAttributeName",
    "LabelingJobName",
    "DataBatchId",
    "MinMacroF1",
    "MaxFeatures",
    "NgramMax",
    "MinDf",
    "RegularizationC",
    "ProcessingInstanceType",
    "TrainingInstanceType",
)
LINEAGE_KEYS = ("DataBatchId", "LabelingJobName", "InputManifestUri", "PipelineExecutionArn", "CodeVersion", "MacroF1")


class _Parameters:
    """The pipeline parameters, created once per definition."""

    def __init__(self) -> None:
        self.input_manifest = ParameterString("InputManifestUri")
        self.label_attribute = ParameterString("LabelAttributeName", default_value="auto")
        self.labeling_job = ParameterString("LabelingJobName", default_value="none")
        self.data_batch = ParameterString("DataBatchId", default_value="none")
        self.min_macro_f1 = ParameterFloat("MinMacroF1", default_value=DEFAULT_MIN_MACRO_F1)
        self.max_features = ParameterInteger("MaxFeatures", default_value=20000)
        self.ngram_max = ParameterInteger("NgramMax", default_value=2)
        self.min_df = ParameterInteger("MinDf", default_value=1)
        self.regularization_c = ParameterFloat("RegularizationC", default_value=4.0)
        self.processing_instance = ParameterString("ProcessingInstanceType", default_value="ml.m5.large")
        self.training_instance = ParameterString("TrainingInstanceType", default_value="ml.m5.large")

    def all(self) -> list[Any]:
        params = [
            self.input_manifest,
            self.label_attribute,
            self.labeling_job,
            self.data_batch,
            self.min_macro_f1,
            self.max_features,
            self.ngram_max,
            self.min_df,
            self.regularization_c,
            self.processing_instance,
            self.training_instance,
        ]
        if tuple(p.name for p in params) != PARAMETER_NAMES:
            raise ValueError("PARAMETER_NAMES is out of date with the pipeline parameters")
        return params


def _retries() -> list[Any]:
    return [
        StepRetryPolicy(
            exception_types=[StepExceptionTypeEnum.SERVICE_FAULT, StepExceptionTypeEnum.THROTTLING],
            interval_seconds=10,
            backoff_rate=2.0,
            max_attempts=5,
        ),
        SageMakerJobStepRetryPolicy(
            exception_types=[
                SageMakerJobExceptionTypeEnum.CAPACITY_ERROR,
                SageMakerJobExceptionTypeEnum.RESOURCE_LIMIT,
            ],
            interval_seconds=60,
            backoff_rate=2.0,
            max_attempts=3,
        ),
    ]


def _run_path(*parts: str) -> Join:
    return Join(on="/", values=[RUNS_ROOT, ExecutionVariables.PIPELINE_EXECUTION_ID, *parts])


def _input(name: str, source: Any, local_path: str) -> ProcessingInput:
    return ProcessingInput(
        input_name=name,
        s3_input=ProcessingS3Input(s3_uri=source, local_path=local_path, s3_data_type="S3Prefix", s3_input_mode="File"),
    )


def _output(name: str) -> ProcessingOutput:
    return ProcessingOutput(
        output_name=name,
        s3_output=ProcessingS3Output(
            s3_uri=_run_path(name), local_path=f"{PROCESSING}/{name}", s3_upload_mode="EndOfJob"
        ),
    )


def _processor(session: PipelineSession, params: _Parameters, base_job_name: str) -> ScriptProcessor:
    return ScriptProcessor(
        role=SENTINEL_ROLE_ARN,
        image_uri=SKLEARN_IMAGE_URI,
        command=["python3"],
        instance_count=1,
        instance_type=params.processing_instance,
        max_runtime_in_seconds=MAX_RUNTIME_SECONDS,
        base_job_name=base_job_name,
        sagemaker_session=session,
    )


def _preprocess_step(session: PipelineSession, params: _Parameters, code: str) -> ProcessingStep:
    step_args = _processor(session, params, "mlops-preprocess").run(
        code=f"{code}preprocess.py",
        inputs=[_input("manifest", params.input_manifest, f"{PROCESSING}/input/manifest")],
        outputs=[_output("train"), _output("validation"), _output("test")],
        arguments=[
            "--label-attribute",
            params.label_attribute,
            *(arg for prefix in DATA_PREFIXES for arg in ("--allowed-source-prefix", prefix)),
        ],
    )
    return ProcessingStep(name="Preprocess", step_args=step_args, retry_policies=_retries())


def _train_step(session: PipelineSession, params: _Parameters, code: str, preprocess: ProcessingStep) -> TrainingStep:
    outputs = preprocess.properties.ProcessingOutputConfig.Outputs
    trainer = ModelTrainer(
        training_image=SKLEARN_IMAGE_URI,
        role=SENTINEL_ROLE_ARN,
        sagemaker_session=session,
        base_job_name="mlops-train",
        compute=Compute(instance_type=params.training_instance, instance_count=1, volume_size_in_gb=30),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=MAX_RUNTIME_SECONDS),
        output_data_config=OutputDataConfig(s3_output_path=_run_path("model")),
        # Script mode of the scikit-learn container: it copies the code channel to /opt/ml/code and runs
        # `python train.py --max_features … --c …`.
        hyperparameters={
            "sagemaker_program": "train.py",
            "sagemaker_submit_directory": CODE_CHANNEL_DIR,
            "max_features": params.max_features.to_string(),
            "ngram_max": params.ngram_max.to_string(),
            "min_df": params.min_df.to_string(),
            "c": params.regularization_c.to_string(),
        },
    ).with_metric_definitions(
        [
            MetricDefinition(name="validation:macro_f1", regex=r"validation:macro_f1=([0-9.]+)"),
            MetricDefinition(name="validation:accuracy", regex=r"validation:accuracy=([0-9.]+)"),
        ]
    )
    step_args = trainer.train(
        input_data_config=[
            InputData(channel_name="train", data_source=outputs["train"].S3Output.S3Uri),
            InputData(channel_name="validation", data_source=outputs["validation"].S3Output.S3Uri),
            InputData(channel_name="code", data_source=code),
        ]
    )
    return TrainingStep(name="Train", step_args=step_args, retry_policies=_retries())


def _evaluate_step(
    session: PipelineSession, params: _Parameters, code: str, preprocess: ProcessingStep, train: TrainingStep
) -> tuple[ProcessingStep, PropertyFile]:
    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path=REPORT_FILENAME)
    step_args = _processor(session, params, "mlops-evaluate").run(
        code=f"{code}evaluate.py",
        inputs=[
            _input("model", train.properties.ModelArtifacts.S3ModelArtifacts, f"{PROCESSING}/model"),
            _input(
                "test",
                preprocess.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri,
                f"{PROCESSING}/test",
            ),
        ],
        outputs=[_output("evaluation")],
    )
    step = ProcessingStep(name="Evaluate", step_args=step_args, property_files=[report], retry_policies=_retries())
    return step, report


def _register_step(
    session: PipelineSession,
    params: _Parameters,
    *,
    code_version: str,
    train: TrainingStep,
    evaluate: ProcessingStep,
    macro_f1: JsonGet,
) -> ModelStep:
    report_uri = Join(
        on="/",
        values=[evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri, REPORT_FILENAME],
    )
    builder = ModelBuilder(
        image_uri=SKLEARN_IMAGE_URI,
        s3_model_data_url=train.properties.ModelArtifacts.S3ModelArtifacts,
        role_arn=SENTINEL_ROLE_ARN,
        sagemaker_session=session,
        instance_type="ml.m5.large",
        # model.tar.gz carries code/inference.py (train.py puts it there).
        env_vars={"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"},
    )
    step_args = builder.register(
        model_package_group_name="${ModelPackageGroupName}",
        content_types=["application/json", "text/plain"],
        response_types=["application/json"],
        inference_instances=["ml.t2.medium", "ml.m5.large", "ml.m5.xlarge"],
        transform_instances=["ml.m5.large"],
        model_metrics=ModelMetrics(
            model_statistics=MetricsSource(s3_uri=report_uri, content_type="application/json"),
        ),
        metadata_properties=MetadataProperties(generated_by=ExecutionVariables.PIPELINE_EXECUTION_ARN),
        approval_status="PendingManualApproval",
        description="Support-ticket topic classifier (TF-IDF + logistic regression)",
        customer_metadata_properties={
            "DataBatchId": params.data_batch,
            "LabelingJobName": params.labeling_job,
            "InputManifestUri": params.input_manifest,
            "PipelineExecutionArn": ExecutionVariables.PIPELINE_EXECUTION_ARN,
            "CodeVersion": code_version,
            "MacroF1": macro_f1.to_string(),
        },
    )
    return ModelStep(name="RegisterModel", step_args=step_args)


def build_pipeline(session: PipelineSession, code_prefix: str, code_version: str) -> Pipeline:
    """Assemble the pipeline.

    Parameters
    ----------
    session:
        A ``PipelineSession`` (records requests instead of sending them).
    code_prefix:
        Key prefix of the uploaded step scripts in the artifacts bucket (``pipelines/code/<digest>/``).
    code_version:
        The digest in ``code_prefix``, recorded on the model package.
    """
    params = _Parameters()
    code = f"{ARTIFACTS}/{code_prefix}"
    preprocess = _preprocess_step(session, params, code)
    train = _train_step(session, params, code, preprocess)
    evaluate, report = _evaluate_step(session, params, code, preprocess, train)
    macro_f1 = JsonGet(step_name=evaluate.name, property_file=report, json_path=GATE_METRIC_PATH)
    register = _register_step(
        session, params, code_version=code_version, train=train, evaluate=evaluate, macro_f1=macro_f1
    )
    fail = FailStep(
        name="QualityGateFailed",
        error_message=Join(
            on=" ",
            values=["Model rejected by the quality gate: test macro-F1", macro_f1, "<", params.min_macro_f1],
        ),
    )
    gate = ConditionStep(
        name="QualityGate",
        conditions=[ConditionGreaterThanOrEqualTo(left=macro_f1, right=params.min_macro_f1)],
        if_steps=[register],
        else_steps=[fail],
    )
    return Pipeline(
        name="training-pipeline",
        parameters=params.all(),
        steps=[preprocess, train, evaluate, gate],
        sagemaker_session=session,
        pipeline_experiment_config=None,
    )
