"""The model role as SageMaker uses it when it deploys a model, on the local stack: mutation tests.

SageMaker provisions an endpoint's models as each model's ``ExecutionRoleArn`` (assume it, pull the image, read the
model data, write logs and metrics) and, during a canary, reads the ``AutoRollbackConfiguration`` alarms with that
role too (:mod:`mlopsctl.local.emulators.sagemaker.model_access`). Each test takes one grant out of a copy of
``template.yaml``
and shows the deployment failing as AWS fails it: the first deployment ``Failed`` (CreateEndpoint), an update
rolled back to the live configuration (UpdateEndpoint), the ``FailureReason`` and the ledger naming the AccessDenied,
its action and its resource. The project's own template deploys both (``tests/flows/test_deploy_flow.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.deploy_flow import DeployFlow, Steering
from tests.support.template_copies import TEMPLATE, role_section, template_with, without_statement

# These tests take grants away on purpose: the denials they cause are what they assert.
pytestmark = [pytest.mark.flow, pytest.mark.iam_denials]

REPOSITORY = "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn"
MODEL_DATA = "arn:aws:s3:::{ArtifactsBucket}/pipelines/runs/run-1/model/model.tar.gz"
LOG_STREAMS = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/mlops-endpoint:log-stream:"
MODEL_SESSION = "assumed-role/mlops-local-endpointmodelrole/SageMaker"


def deploy_flow(template: Path) -> tuple[LocalStack, DeployFlow]:
    """The deploy flow of ``test_deploy_flow`` on another template."""
    clock = VirtualClock()
    steering = Steering(clock.now)

    def sagemaker(stack: LocalStack) -> SageMakerEmulator:
        return SageMakerEmulator(clock.now, account_id=stack.template.account_id, region=stack.template.region)

    stack = LocalStack(template, clock=clock, emulators=[sagemaker, steering])
    return stack, DeployFlow(stack, steering)


def test_a_canary_is_rolled_back_when_the_model_role_cannot_read_the_rollback_alarms(tmp_path: Path) -> None:
    stack, flow = deploy_flow(template_with(tmp_path, without_statement("EndpointModelRole", "ReadRollbackAlarms")))
    with stack:
        flow.release()
        live = flow.serves()
        flow.release()

        assert flow.outcomes() == {1: "SUCCEEDED", 2: "ROLLED_BACK"}
        assert flow.serves() == live
        copy = flow.records()[2]["new_fleet_alarms"][0]  # the guardrails read the new fleet's alarm copies
        alarm_arn = f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{copy}"
        denied = f"{MODEL_SESSION} is not authorized to perform: cloudwatch:DescribeAlarms on resource: {alarm_arn}"
        assert denied in (flow.described() or {})["FailureReason"]
        assert denied in flow.records()[2]["reason"]


@pytest.mark.parametrize(
    ("statement", "action", "resource"),
    [
        ("PullModelImage", "ecr:BatchCheckLayerAvailability", REPOSITORY),
        ("ReadModelArtefacts", "s3:GetObject", MODEL_DATA),
        ("DecryptArtefacts", "kms:Decrypt", "{MlopsKeyArn}"),
        ("WriteEndpointLogStreams", "logs:CreateLogStream", LOG_STREAMS),
    ],
)
def test_the_first_deployment_fails_when_the_model_role_lacks_a_grant_sagemaker_uses(
    tmp_path: Path, statement: str, action: str, resource: str
) -> None:
    stack, flow = deploy_flow(template_with(tmp_path, without_statement("EndpointModelRole", statement)))
    with stack:
        flow.release()

        expected = resource.format(
            ArtifactsBucket=stack.physical_name("ArtifactsBucket"), MlopsKeyArn=stack.arn("MlopsKey")
        )
        record = flow.records()[1]
        assert record["outcome"] == "FAILED"
        assert f"{MODEL_SESSION} is not authorized to perform: {action} on resource: " in record["reason"]
        assert expected in record["reason"]
        endpoint = flow.described() or {}
        assert endpoint["EndpointStatus"] == "Failed"
        assert action in endpoint["FailureReason"]


def test_the_first_deployment_fails_when_sagemaker_may_not_assume_the_model_role(tmp_path: Path) -> None:
    trust = role_section("EndpointModelRole")
    foreign = trust.replace("aws:SourceAccount: !Ref AWS::AccountId", 'aws:SourceAccount: "111122223333"', 1)
    stack, flow = deploy_flow(template_with(tmp_path, (trust, foreign)))
    with stack:
        flow.release()

        record = flow.records()[1]
        assert record["outcome"] == "FAILED"
        role = stack.arn("EndpointModelRole")
        assert f"not authorized to perform: sts:AssumeRole on resource: {role}" in record["reason"]


def test_an_update_to_a_model_the_role_may_not_pull_is_rolled_back_to_the_live_model() -> None:
    stack, flow = deploy_flow(TEMPLATE)
    with stack:
        flow.release()
        live = flow.serves()
        bucket = stack.physical_name("ArtifactsBucket")
        foreign = "111122223333.dkr.ecr.us-east-1.amazonaws.com/someone-elses-model:1"
        stack.client("s3").put_object(Bucket=bucket, Key="pipelines/runs/run-9/model/model.tar.gz", Body=b"model")
        spec = {
            "Containers": [
                {"Image": foreign, "ModelDataUrl": f"s3://{bucket}/pipelines/runs/run-9/model/model.tar.gz"}
            ],
            "SupportedContentTypes": ["text/plain"],
            "SupportedResponseMIMETypes": ["application/json"],
        }
        arn = stack.aws(
            "sagemaker", "create_model_package", ModelPackageGroupName=flow.group, InferenceSpecification=spec
        )["ModelPackageArn"]
        flow.approve(arn)

        assert flow.outcomes() == {1: "SUCCEEDED", 2: "ROLLED_BACK"}
        assert flow.serves() == live
        repository = "arn:aws:ecr:us-east-1:111122223333:repository/someone-elses-model"
        denied = (
            f"{MODEL_SESSION} is not authorized to perform: ecr:BatchCheckLayerAvailability on resource: {repository}"
        )
        assert denied in (flow.described() or {})["FailureReason"]
        assert denied in flow.records()[2]["reason"]
