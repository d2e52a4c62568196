"""SageMaker hosting and registry calls of a deployment, and the rollback alarms, against moto (and Stubber)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from moto import mock_aws

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.deploy.deployment import Capacity, CapacityUnit, RolloutPolicy, Strategy, deployment_config
from mlops_core.deploy.endpoints import AlarmsUnreadableError, CloudWatchAlarms, SageMakerEndpoints, metadata_value
from mlops_core.errors import TransientError
from mlopsctl.local.moto_patches import install_extensions
from mlopsctl.local.moto_patches.limits.patterns import full_match

ROLE = "arn:aws:iam::123456789012:role/mlops-test-endpoint-model"
GROUP = "churn"
NO_RETRIES = Config(retries={"mode": "standard", "max_attempts": 1})


@pytest.fixture
def sagemaker() -> Iterator[Any]:
    install_extensions()
    with mock_aws():
        client = boto3.client("sagemaker", region_name="us-east-1")
        client.create_model_package_group(ModelPackageGroupName=GROUP)
        yield client


@pytest.fixture
def endpoints(sagemaker: Any) -> SageMakerEndpoints:
    return SageMakerEndpoints(sagemaker)


def register(sagemaker: Any, status: str = "Approved") -> str:
    created = sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        InferenceSpecification={
            "Containers": [{"Image": "image:1", "ModelDataUrl": "s3://artifacts/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelApprovalStatus=status,
        MetadataProperties={"GeneratedBy": "arn:aws:sagemaker:us-east-1:123456789012:pipeline/train/execution/abc"},
        CustomerMetadataProperties={"data_batch": "batch-1"},
    )
    return str(created["ModelPackageArn"])


def variant(model: str) -> dict[str, Any]:
    return {
        "VariantName": "AllTraffic",
        "ModelName": model,
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": 2,
        "InitialVariantWeight": 1.0,
    }


def test_a_package_is_read_with_its_status_containers_and_lineage(
    endpoints: SageMakerEndpoints, sagemaker: Any
) -> None:
    arn = register(sagemaker)
    package = endpoints.describe_package(arn)
    assert package is not None
    assert (package.group_name, package.version, package.approval_status) == (GROUP, 1, "Approved")
    assert package.images == ("image:1",)
    assert package.model_data_urls == ("s3://artifacts/model.tar.gz",)
    assert package.generated_by.endswith("execution/abc")
    assert package.customer_metadata == (("data_batch", "batch-1"),)


def test_a_missing_package_endpoint_or_config_reads_as_absent(endpoints: SageMakerEndpoints) -> None:
    assert endpoints.describe_package("arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/9") is None
    assert endpoints.describe_endpoint("nowhere") is None
    assert endpoints.endpoint_variants("no-such-config") == ()


def test_the_newest_approved_version_is_found(endpoints: SageMakerEndpoints, sagemaker: Any) -> None:
    assert endpoints.latest_approved_version(GROUP) is None
    register(sagemaker, "Approved")
    register(sagemaker, "Approved")
    register(sagemaker, "PendingManualApproval")
    assert endpoints.latest_approved_version(GROUP) == 2


def test_the_highest_version_wins_when_creation_times_tie(
    endpoints: SageMakerEndpoints, sagemaker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(4):
        register(sagemaker, "Approved")
    listed = sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    same_instant = [{**summary, "CreationTime": listed[0]["CreationTime"]} for summary in listed]
    # Ties on CreationTime come back in any order: put the oldest version first.
    same_instant.sort(key=lambda summary: summary["ModelPackageVersion"])
    monkeypatch.setattr(sagemaker, "list_model_packages", lambda **_: {"ModelPackageSummaryList": same_instant})
    assert endpoints.latest_approved_version(GROUP) == 4


def test_the_model_is_created_from_the_package_once(endpoints: SageMakerEndpoints, sagemaker: Any) -> None:
    arn = register(sagemaker)
    assert endpoints.ensure_model("mlops-test-m1-abc", arn, ROLE, {"mlops:stack": "mlops-test"})
    assert not endpoints.ensure_model("mlops-test-m1-abc", arn, ROLE, {"mlops:stack": "mlops-test"})
    model = sagemaker.describe_model(ModelName="mlops-test-m1-abc")
    assert model["PrimaryContainer"] == {"ModelPackageName": arn}
    assert model["ExecutionRoleArn"] == ROLE


def test_the_endpoint_config_is_created_once_and_read_back(endpoints: SageMakerEndpoints, sagemaker: Any) -> None:
    arn = register(sagemaker)
    endpoints.ensure_model("m1", arn, ROLE, {})
    assert endpoints.ensure_endpoint_config("c1", variant("m1"), {"mlops:stack": "mlops-test"})
    assert not endpoints.ensure_endpoint_config("c1", variant("m1"), {})
    (live,) = endpoints.endpoint_variants("c1")
    assert (live.name, live.model_name) == ("AllTraffic", "m1")


def test_an_endpoint_config_for_a_missing_model_is_refused(endpoints: SageMakerEndpoints) -> None:
    with pytest.raises(RequestRejectedError, match="CreateEndpointConfig was refused: ValidationException"):
        endpoints.ensure_endpoint_config("c1", variant("no-such-model"), {})


def test_an_update_leaves_the_endpoint_updating_towards_the_new_config(
    endpoints: SageMakerEndpoints, sagemaker: Any
) -> None:
    arn = register(sagemaker)
    endpoints.ensure_model("m1", arn, ROLE, {})
    endpoints.ensure_endpoint_config("c1", variant("m1"), {})
    endpoints.ensure_endpoint_config("c2", variant("m1"), {})
    endpoints.create_endpoint("churn-endpoint", "c1", {"mlops:stack": "mlops-test"})
    assert endpoints.describe_endpoint("churn-endpoint").config_name == "c1"
    policy = RolloutPolicy(Strategy.ALL_AT_ONCE, Capacity(CapacityUnit.INSTANCE_COUNT, 1), 0, 0, 600, ())
    endpoints.update_endpoint("churn-endpoint", "c2", deployment_config(policy))
    endpoint = endpoints.describe_endpoint("churn-endpoint")
    assert (endpoint.status, endpoint.config_name, endpoint.pending_config_name) == ("Updating", "c1", "c2")


def test_the_update_request_carries_the_blue_green_canary_and_rollback_alarms() -> None:
    client = boto3.client("sagemaker", region_name="us-east-1", config=NO_RETRIES)
    policy = RolloutPolicy(Strategy.CANARY, Capacity(CapacityUnit.CAPACITY_PERCENT, 25), 300, 120, 1800, ("p99", "5xx"))
    config = deployment_config(policy)
    with Stubber(client) as stub:  # Stubber validates the request against SageMaker's API model
        stub.add_response(
            "update_endpoint",
            {"EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn-endpoint"},
            {"EndpointName": "churn-endpoint", "EndpointConfigName": "c2", "DeploymentConfig": config},
        )
        SageMakerEndpoints(client).update_endpoint("churn-endpoint", "c2", config)
        stub.assert_no_pending_responses()


def test_throttling_is_transient_and_a_refusal_is_not() -> None:
    client = boto3.client("sagemaker", region_name="us-east-1", config=NO_RETRIES)
    with Stubber(client) as stub:
        stub.add_client_error("describe_endpoint", "ThrottlingException", "Rate exceeded", 400)
        stub.add_client_error("create_endpoint", "ResourceInUse", "Cannot create already existing endpoint", 400)
        with pytest.raises(TransientError, match="ThrottlingException"):
            SageMakerEndpoints(client).describe_endpoint("churn-endpoint")
        with pytest.raises(RequestRejectedError, match="ResourceInUse"):
            SageMakerEndpoints(client).create_endpoint("churn-endpoint", "c1", {})


def test_a_rolled_back_package_is_rejected_with_the_reason(endpoints: SageMakerEndpoints, sagemaker: Any) -> None:
    arn = register(sagemaker)
    endpoints.reject_package(arn, "rolled back by SageMaker: alarm p99 went to ALARM")
    package = sagemaker.describe_model_package(ModelPackageName=arn)
    assert package["ModelApprovalStatus"] == "Rejected"
    assert package["ApprovalDescription"] == "rolled back by SageMaker: alarm p99 went to ALARM"


def test_annotations_are_cleaned_to_what_customer_metadata_accepts(
    endpoints: SageMakerEndpoints, sagemaker: Any
) -> None:
    arn = register(sagemaker)
    endpoints.annotate_package(arn, {"mlops-last-deployment-reason": "alarm p99 (latency > 250 ms); see ledger"})
    metadata = sagemaker.describe_model_package(ModelPackageName=arn)["CustomerMetadataProperties"]
    assert metadata["mlops-last-deployment-reason"] == "alarm p99  latency   250 ms   see ledger"
    assert metadata_value("") == "-"
    assert len(metadata_value("x" * 300)) == 256


def test_alarms_are_read_with_their_state_and_missing_ones_left_out() -> None:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        for name in ("p99", "5xx"):
            cloudwatch.put_metric_alarm(
                AlarmName=name,
                Namespace="AWS/SageMaker",
                MetricName="ModelLatency",
                Statistic="Average",
                Period=60,
                EvaluationPeriods=1,
                Threshold=1.0,
                ComparisonOperator="GreaterThanThreshold",
            )
        cloudwatch.set_alarm_state(AlarmName="p99", StateValue="ALARM", StateReason="p99 > 250 ms")
        alarms = {alarm.name: alarm for alarm in CloudWatchAlarms(cloudwatch).describe(("p99", "5xx", "gone"))}
    assert set(alarms) == {"p99", "5xx"}
    assert (alarms["p99"].state, alarms["p99"].state_reason) == ("ALARM", "p99 > 250 ms")
    assert alarms["p99"].state_updated is not None
    assert alarms["5xx"].state == "OK"


def test_alarms_that_cannot_be_read_say_why() -> None:
    client = boto3.client("cloudwatch", region_name="us-east-1", config=NO_RETRIES)
    with Stubber(client) as stub:
        stub.add_client_error("describe_alarms", "AccessDenied", "not authorized to perform DescribeAlarms", 403)
        with pytest.raises(AlarmsUnreadableError, match="AccessDenied: not authorized"):
            CloudWatchAlarms(client).describe(("p99",))


def test_annotations_satisfy_sagemakers_metadata_value_pattern_even_for_multi_line_reasons() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    pattern = model.shape_for("CustomerMetadataValue").metadata["pattern"]
    reason = "alarm p99 went to ALARM:\n\tThreshold Crossed: 3 datapoints\r\n[0.7 (01/05/24 12:00:00)]\u2028done"

    value = metadata_value(reason)

    assert full_match(pattern, value), repr(value)
    expected = "alarm p99 went to ALARM: Threshold Crossed: 3 datapoints 0.7 01/05/24 12:00:00 done"
    assert " ".join(value.split()) == expected


def test_a_rejection_reason_is_one_line_as_sagemakers_approval_description_requires(
    endpoints: SageMakerEndpoints, sagemaker: Any
) -> None:
    arn = register(sagemaker)
    pattern = botocore.session.get_session().get_service_model("sagemaker").shape_for("ApprovalDescription")
    endpoints.reject_package(arn, "rolled back by SageMaker:\nalarm p99 went to ALARM\r\n(Threshold Crossed)")

    description = sagemaker.describe_model_package(ModelPackageName=arn)["ApprovalDescription"]
    assert full_match(pattern.metadata["pattern"], description), repr(description)
    assert description == "rolled back by SageMaker: alarm p99 went to ALARM (Threshold Crossed)"
