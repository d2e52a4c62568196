"""The Deploy machine's costs and its real adapters, run by moto's Step Functions interpreter: state transitions and
SageMaker calls that do not grow with bake time, and a first deployment through the boto3 adapters on moto.
"""

from __future__ import annotations

from typing import Any

import boto3

from mlops_core.deploy.endpoints import CloudWatchAlarms, SageMakerEndpoints
from tests.support.deploy.asl_runs import endpoint_reports, execution_input
from tests.support.deploy.builders import ALARMS, ENDPOINT, deploy_settings
from tests.support.deploy.sfn import DeployMachine, deploy_machine
from tests.support.fakes.deploy import FakeAlarms, FakeSageMaker, package_arn
from tests.support.ledger_records import items_of


def update_costs(bake: int) -> tuple[int, int]:
    """(states entered, SageMaker calls) of a canary update baking ``bake`` seconds per step."""
    settings = deploy_settings(deploy_wait_interval_seconds=bake, deploy_max_execution_timeout_seconds=bake + 900)
    sagemaker = FakeSageMaker()
    with deploy_machine(settings, sagemaker, FakeAlarms(*ALARMS)) as machine:
        sagemaker.add_package(2)
        assert machine.run(execution_input(2), name="v2")["status"] == "SUCCEEDED"
        sagemaker.calls.clear()
        sagemaker.add_package(3)

        def update_finishes(payload: dict[str, Any], result: dict[str, Any]) -> None:
            sagemaker.complete_update(ENDPOINT)
            endpoint_reports(machine)

        machine.after("register_wait", update_finishes)
        done = machine.run(execution_input(3), name="v3")
        assert done["status"] == "SUCCEEDED"
        return len(machine.states_entered(done["executionArn"])), len(sagemaker.calls)


def test_state_transitions_and_api_calls_do_not_grow_with_bake_time() -> None:
    assert update_costs(bake=60) == update_costs(bake=3600)


def test_first_deployment_through_the_real_sagemaker_and_cloudwatch_adapters_on_moto(machine: DeployMachine) -> None:
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    for name in ALARMS:
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/SageMaker",
            MetricName="Invocation5XXErrors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    sagemaker.create_model_package_group(ModelPackageGroupName="churn")
    for _ in range(2):
        sagemaker.create_model_package(
            ModelPackageGroupName="churn",
            InferenceSpecification={
                "Containers": [{"Image": "image:1", "ModelDataUrl": "s3://artifacts/model.tar.gz"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelApprovalStatus="Approved",
        )
    machine.use(SageMakerEndpoints(sagemaker), CloudWatchAlarms(cloudwatch))
    done = machine.run(execution_input(2))
    assert done["status"] == "SUCCEEDED"
    endpoint = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    assert model["PrimaryContainer"] == {"ModelPackageName": package_arn(2)}
    assert (endpoint["EndpointStatus"], config["ProductionVariants"][0]["InitialInstanceCount"]) == ("InService", 2)
    assert items_of(machine.store.deployments(ENDPOINT))[0]["outcome"] == "SUCCEEDED"
