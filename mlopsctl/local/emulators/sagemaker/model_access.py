"""What SageMaker does with a model's execution role when it deploys the model to an endpoint (emulated).

Provisioning a fleet for an endpoint configuration, SageMaker, for every model of the configuration's production
variants and as that model's ``ExecutionRoleArn`` (:mod:`.service_roles` cites the pages):

1. assumes the role (trust policy; ``aws:SourceArn`` is the model's ARN);
2. pulls each container's image from ECR and reads its ``ModelDataUrl`` (a container that names a
   ``ModelPackageName`` takes both from the package's ``InferenceSpecification.Containers``, as CreateModel
   documents: "the model package ... specifies the inference image and model artifacts");
3. writes the instances' logs to ``/aws/sagemaker/Endpoints/<endpoint>`` (stream ``<variant>/<instance>``) and their
   metrics to the ``/aws/sagemaker/Endpoints`` namespace.

During a blue/green or rolling update, the deployment guardrails read the ``AutoRollbackConfiguration`` alarms with
the execution role of the new configuration's models ("Ensure that your IAM execution role has permission to
perform the ``cloudwatch:DescribeAlarms`` action on the auto-rollback alarms you specify", SageMaker Developer Guide,
"Auto-Rollback Configuration and Monitoring"). Each function raises :class:`~.service_roles.ServiceAccessError` at
the first request IAM refuses; :mod:`.endpoint_driver` decides what that does to the endpoint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from mlopsctl.local.emulators.sagemaker.service_roles import ServiceAccessError, ServiceRoles
from mlopsctl.local.moto_patches.backends import MotoRecordGoneError, configuration_models

ENDPOINT_LOG_GROUP = "/aws/sagemaker/Endpoints"
ENDPOINT_METRICS_NAMESPACE = "/aws/sagemaker/Endpoints"


def provision(roles: ServiceRoles, account_id: str, region: str, endpoint_name: str, config_name: str) -> None:
    """Everything SageMaker does as each model's role to start serving ``config_name`` on ``endpoint_name``."""
    for model in configuration_models(account_id, region, config_name):
        session = roles.session(model.role_arn, model.model_arn)
        session.assume()
        for image, model_data in model.containers:
            session.pull(image)
            if model_data:
                session.read(str(model_data), f"the model data of {model.model_name}")
        session.logs(f"{ENDPOINT_LOG_GROUP}/{endpoint_name}", f"{model.variant_name}/{_instance_id(endpoint_name)}")
        session.metrics(ENDPOINT_METRICS_NAMESPACE)


def read_alarms(roles: ServiceRoles, account_id: str, region: str, config_name: str, alarms: Sequence[str]) -> None:
    """The guardrails read the auto-rollback alarms as the role of each model of the new configuration."""
    if not alarms:
        return
    for model in configuration_models(account_id, region, config_name):
        roles.session(model.role_arn, model.model_arn).describe_alarms(alarms)


def provisioning_failure(
    roles: ServiceRoles, account_id: str, region: str, endpoint_name: str, config_name: str
) -> str | None:
    """The ``FailureReason`` when :func:`provision` is denied (or a model or package is gone), else None."""
    prefix = f"Failed to deploy endpoint configuration {config_name}: "
    try:
        provision(roles, account_id, region, endpoint_name, config_name)
    except ServiceAccessError as exc:
        return exc.reason(prefix=prefix)
    except MotoRecordGoneError as exc:  # the model or its package was deleted after CreateEndpointConfig
        return f"{prefix}{exc.message}"
    return None


def alarm_failure(
    roles: ServiceRoles, account_id: str, region: str, config_name: str, alarms: Sequence[str]
) -> str | None:
    """The ``FailureReason`` when :func:`read_alarms` is denied, else None."""
    prefix = "Rolled back: the deployment guardrails could not monitor the update: "
    try:
        read_alarms(roles, account_id, region, config_name, alarms)
    except ServiceAccessError as exc:
        return exc.reason(prefix=prefix)
    except MotoRecordGoneError as exc:  # the model was deleted after CreateEndpointConfig
        return f"{prefix}{exc.message}"
    return None


def _instance_id(endpoint_name: str) -> str:
    """A stable EC2-shaped instance ID for the endpoint's log stream names."""
    return "i-" + hashlib.sha256(endpoint_name.encode()).hexdigest()[:17]
