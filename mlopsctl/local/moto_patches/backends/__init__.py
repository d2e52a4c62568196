"""Every read (and direct write) of moto's internal state outside the patches: typed accessors, by service.

The emulators, the runtime, the IAM check and the commands reach moto's state only through these functions
(:mod:`.sagemaker`, :mod:`.services`; ``tests/unit/test_local_moto_patches.py`` fails when another module of
``mlopsctl/`` imports a moto internal or names a ``*_backends`` mapping). Each accessor is registered with
:func:`..checked.reads`: the moto version it was checked on and the moto attributes it touches. Each object moto
hands out (an endpoint, a pipeline execution) is typed by a protocol naming the attributes its readers use
(:func:`..checked.record_of`). The test fails when the pinned moto differs from a version named here, or when a named
attribute is gone from moto.

Examples
--------
>>> from moto import mock_aws
>>> with mock_aws():
...     sagemaker_endpoint("123456789012", "us-east-1", "absent") is None
True
"""

from __future__ import annotations

from mlopsctl.local.moto_patches.backends.sagemaker import (
    DeployedModel,
    MotoRecordGoneError,
    PipelineExecution,
    SageMakerEndpoint,
    configuration_models,
    end_pipeline_execution,
    forget_sagemaker_endpoint,
    pipeline_execution,
    pipeline_role_arn,
    put_pipeline_execution_status,
    record_job_outcome,
    reset_sagemaker,
    sagemaker_endpoint,
)
from mlopsctl.local.moto_patches.backends.services import (
    S3Change,
    S3ReadError,
    alarms_in_alarm,
    cloudformation_stack_names,
    event_matcher,
    moto_iam_authentication,
    moto_wsgi_application,
    put_on_bus,
    put_s3_object,
    quiet_moto_request_handler,
    render_input_template,
    reset_moto,
    s3_change,
    s3_object_bytes,
    s3_object_has_tags,
    state_machine_of_token,
)

__all__ = [
    "DeployedModel",
    "MotoRecordGoneError",
    "PipelineExecution",
    "S3Change",
    "S3ReadError",
    "SageMakerEndpoint",
    "alarms_in_alarm",
    "cloudformation_stack_names",
    "configuration_models",
    "end_pipeline_execution",
    "event_matcher",
    "forget_sagemaker_endpoint",
    "moto_iam_authentication",
    "moto_wsgi_application",
    "pipeline_execution",
    "pipeline_role_arn",
    "put_on_bus",
    "put_pipeline_execution_status",
    "put_s3_object",
    "quiet_moto_request_handler",
    "record_job_outcome",
    "render_input_template",
    "reset_moto",
    "reset_sagemaker",
    "s3_change",
    "s3_object_bytes",
    "s3_object_has_tags",
    "sagemaker_endpoint",
    "state_machine_of_token",
]
