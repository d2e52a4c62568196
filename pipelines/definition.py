"""The SageMaker training pipeline of one model, defined with the SageMaker Python SDK v3 (build time only).

::

    Preprocess ─► Train ─► Evaluate ─► QualityGate ─┬─ <metric> ≥ QualityGateThreshold ─► RegisterModel (Pending…)
                                                    └─ otherwise ──────────────────────► QualityGateFailed (Fail)

Everything model-specific comes from the model's ``model.json`` (:mod:`pipelines.spec`): the step scripts, the image,
the gate's metric and default threshold, the hyperparameters, the instance types. Never imported by functions or
layers: the SDK is ~1 GB. ``python -m pipelines.build`` (``make pipeline``) turns this into
``pipelines/generated/<model>.json`` offline; see :mod:`pipelines.build`.

Parameters an execution may pass are in :mod:`pipelines.parameters`. The registered model package carries the
lineage in ``CustomerMetadataProperties`` (keys in :data:`LINEAGE_KEYS`) and ``MetadataProperties.GeneratedBy``
(the pipeline execution ARN).
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

from pipelines.parameters import Parameters
from pipelines.placeholders import SENTINEL_ROLE_ARN
from pipelines.spec import ModelSpec

ARTIFACTS = "s3://${ArtifactsBucketName}"
RUNS_ROOT = f"{ARTIFACTS}/pipelines/runs"
DATA_PREFIXES = ("s3://${DataBucketName}/incoming/", "s3://${DataBucketName}/labeled/")
"""Where the objects a labeled manifest's ``source-ref`` may name live: the stack's own data prefixes."""
PROCESSING = "/opt/ml/processing"
CODE_CHANNEL_DIR = "/opt/ml/input/data/code"
MAX_RUNTIME_SECONDS = 3600
# What the evaluate step writes; the gate reads the model's metric from it (model.json's gate.path).
REPORT_FILENAME = "evaluation.json"
LINEAGE_KEYS = (
    "DataBatchId",
    "LabelingJobName",
    "InputManifestUri",
    "PipelineExecutionArn",
    "CodeVersion",
    "Model",
    "GateMetric",
    "GateMetricValue",
)


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


def _processor(session: PipelineSession, spec: ModelSpec, params: Parameters, base_job_name: str) -> ScriptProcessor:
    return ScriptProcessor(
        role=SENTINEL_ROLE_ARN,
        image_uri=spec.image_uri,
        command=["python3"],
        instance_count=1,
        instance_type=params.processing_instance,
        max_runtime_in_seconds=MAX_RUNTIME_SECONDS,
        base_job_name=base_job_name,
        sagemaker_session=session,
    )


def _preprocess_step(session: PipelineSession, spec: ModelSpec, params: Parameters, code: str) -> ProcessingStep:
    # JSON lines may be a Ground Truth output manifest: its label attribute, and the prefixes its source-ref may name.
    manifest = ["--label-attribute", params.label_attribute]
    manifest += [arg for prefix in DATA_PREFIXES for arg in ("--allowed-source-prefix", prefix)]
    columns = ["--label-column", params.label_column, "--feature-columns", params.feature_columns]
    step_args = _processor(session, spec, params, "mlops-preprocess").run(
        code=f"{code}{spec.steps.preprocess}",
        inputs=[_input("manifest", params.input_manifest, f"{PROCESSING}/input/manifest")],
        outputs=[_output("train"), _output("validation"), _output("test")],
        arguments=[
            *(manifest if spec.input_format == "jsonl" else []),
            *(columns if spec.column_arguments else []),
        ],
    )
    return ProcessingStep(name="Preprocess", step_args=step_args, retry_policies=_retries())


def _train_step(
    session: PipelineSession, spec: ModelSpec, params: Parameters, code: str, preprocess: ProcessingStep
) -> TrainingStep:
    outputs = preprocess.properties.ProcessingOutputConfig.Outputs
    trainer = ModelTrainer(
        training_image=spec.image_uri,
        role=SENTINEL_ROLE_ARN,
        sagemaker_session=session,
        base_job_name="mlops-train",
        compute=Compute(instance_type=params.training_instance, instance_count=1, volume_size_in_gb=30),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=MAX_RUNTIME_SECONDS),
        output_data_config=OutputDataConfig(s3_output_path=_run_path("model")),
        # Script mode of the SageMaker framework containers: copy the code channel to /opt/ml/code and run
        # `python train.py --<hyperparameter> <value> …`.
        hyperparameters={
            "sagemaker_program": spec.steps.train,
            "sagemaker_submit_directory": CODE_CHANNEL_DIR,
            **params.training_hyperparameters(),
        },
    ).with_metric_definitions(
        [MetricDefinition(name=name, regex=regex) for name, regex in spec.metric_definitions.items()]
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
    session: PipelineSession,
    spec: ModelSpec,
    params: Parameters,
    code: str,
    steps: tuple[ProcessingStep, TrainingStep],
) -> tuple[ProcessingStep, PropertyFile]:
    preprocess, train = steps
    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path=REPORT_FILENAME)
    step_args = _processor(session, spec, params, "mlops-evaluate").run(
        code=f"{code}{spec.steps.evaluate}",
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
    spec: ModelSpec,
    params: Parameters,
    *,
    code_version: str,
    train: TrainingStep,
    evaluate: ProcessingStep,
    metric: JsonGet,
) -> ModelStep:
    report_uri = Join(
        on="/",
        values=[evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri, REPORT_FILENAME],
    )
    builder = ModelBuilder(
        image_uri=spec.image_uri,
        s3_model_data_url=train.properties.ModelArtifacts.S3ModelArtifacts,
        role_arn=SENTINEL_ROLE_ARN,
        sagemaker_session=session,
        instance_type="ml.m5.large",
        # model.tar.gz carries code/inference.py (train.py puts it there).
        env_vars={"SAGEMAKER_PROGRAM": spec.steps.inference, "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"},
    )
    step_args = builder.register(
        model_package_group_name="${ModelPackageGroupName}",
        content_types=list(spec.content_types),
        response_types=list(spec.response_types),
        inference_instances=list(spec.instance_types.inference),
        transform_instances=list(spec.instance_types.transform),
        model_metrics=ModelMetrics(
            model_statistics=MetricsSource(s3_uri=report_uri, content_type="application/json"),
        ),
        metadata_properties=MetadataProperties(generated_by=ExecutionVariables.PIPELINE_EXECUTION_ARN),
        approval_status="PendingManualApproval",
        description=spec.description,
        customer_metadata_properties={
            "DataBatchId": params.data_batch,
            "LabelingJobName": params.labeling_job,
            "InputManifestUri": params.input_manifest,
            "PipelineExecutionArn": ExecutionVariables.PIPELINE_EXECUTION_ARN,
            "CodeVersion": code_version,
            "Model": spec.name,
            "GateMetric": spec.gate.metric,
            "GateMetricValue": metric.to_string(),
        },
    )
    return ModelStep(name="RegisterModel", step_args=step_args)


def build_pipeline(session: PipelineSession, spec: ModelSpec, code_prefix: str, code_version: str) -> Pipeline:
    """Assemble the pipeline of the model ``spec`` describes.

    Parameters
    ----------
    session:
        A ``PipelineSession`` (records requests instead of sending them).
    spec:
        The model (:func:`pipelines.spec.load_spec`).
    code_prefix:
        Key prefix of the uploaded step scripts in the artifacts bucket (``pipelines/code/<digest>/``).
    code_version:
        The digest in ``code_prefix``, recorded on the model package.
    """
    params = Parameters(spec)
    code = f"{ARTIFACTS}/{code_prefix}"
    preprocess = _preprocess_step(session, spec, params, code)
    train = _train_step(session, spec, params, code, preprocess)
    evaluate, report = _evaluate_step(session, spec, params, code, (preprocess, train))
    metric = JsonGet(step_name=evaluate.name, property_file=report, json_path=spec.gate.path)
    register = _register_step(
        session, spec, params, code_version=code_version, train=train, evaluate=evaluate, metric=metric
    )
    fail = FailStep(
        name="QualityGateFailed",
        error_message=Join(
            on=" ",
            values=["Model rejected by the quality gate: test", spec.gate.metric, metric, "<", params.gate_threshold],
        ),
    )
    gate = ConditionStep(
        name="QualityGate",
        conditions=[ConditionGreaterThanOrEqualTo(left=metric, right=params.gate_threshold)],
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
