"""Contract: what the consumers read from the real AWS samples (through the one loader, ``tests/support/events.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mlops_core import events as wire
from tests.support.events import load_sample


def test_s3_sample_gives_bucket_key_and_object_identity() -> None:
    event = wire.parse_event(load_sample("s3-object-created-eventbridge/awsdocs-s3-userguide-2023.json"))
    assert isinstance(event, wire.S3ObjectCreatedEvent)
    assert (event.bucket, event.key, event.size) == ("DOC-EXAMPLE-BUCKET1", "example-key", 5)
    assert (event.etag, event.version_id, event.sequencer) == (
        "b1946ac92492d2347c6235b4d2611184",
        "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
        "617f08299329d189",
    )
    assert event.time == datetime(2021, 11, 12, tzinfo=UTC)


def test_sqs_wrapped_s3_record_gives_the_captured_object() -> None:
    raw = load_sample("sqs-wrapped-eventbridge/powertools-pr4069-sqs-eventbridge-s3-object-created.json")
    event = wire.parse_event(raw["Records"][0])
    assert isinstance(event, wire.S3ObjectCreatedEvent)
    assert (event.bucket, event.key, event.size) == ("s3-eb-unwrap-sourcebucket-7mop1gqlyrzu", "__init__.py", 0)
    assert event.version_id is None


@pytest.mark.parametrize(
    ("file", "name"),
    [
        (
            "sagemaker-ground-truth-labeling-job-state-change/awsdocs-sm-devguide-2023-completed.json",
            "test-labeling-job",
        ),
        ("sagemaker-ground-truth-labeling-job-state-change/awslabs-mlspace-completed.json", "UnitTestLabeling"),
    ],
)
def test_labeling_job_name_is_read_from_the_arn_in_resources(file: str, name: str) -> None:
    raw = load_sample(file)
    event = wire.parse_event(raw)
    assert isinstance(event, wire.LabelingJobStateChangeEvent)
    assert event.labeling_job_arn == raw["resources"][0]
    assert event.labeling_job_name == name
    assert event.status == "Completed"


def test_pipeline_sample_camel_case_fields_are_read() -> None:
    event = wire.parse_event(load_sample("sagemaker-pipeline-execution-status-change/awsdocs-sm-devguide-2023.json"))
    assert isinstance(event, wire.PipelineExecutionStatusChangeEvent)
    assert (event.pipeline_name, event.execution_id) == ("myPipeline-123", "p4jn9xou8a8s")
    assert (event.status, event.previous_status) == ("Succeeded", "Executing")
    assert event.execution_display_name == "SomeDisplayName"
    assert event.end_time == datetime(2021, 3, 15, 16, 10, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "file",
    [
        "sagemaker-model-package-state-change/awsdocs-sm-devguide-2023-rejected.json",
        "sagemaker-model-package-state-change/awsdocs-sm-current-rejected-modellifecycle.json",
    ],
)
def test_model_package_sample_with_duplicate_source_key_parses(file: str) -> None:
    event = wire.parse_event(load_sample(file))
    assert isinstance(event, wire.ModelPackageStateChangeEvent)
    assert event.source == "aws.sagemaker"
    assert (event.model_package_group_name, event.model_package_version) == ("versionedmp-p-idy6c3e1fiqj", 2)
    assert event.approval_status == "Rejected"
    assert event.generated_by is not None
    assert event.generated_by.endswith("/execution/4r83jejmhorv")


def test_model_package_update_lists_the_changed_fields() -> None:
    file = "sagemaker-model-package-state-change/awsdocs-sm-current-rejected-modellifecycle.json"
    event = wire.parse_event(load_sample(file))
    assert isinstance(event, wire.ModelPackageStateChangeEvent)
    assert event.updated_fields == ("ModelLifeCycle",)


@pytest.mark.parametrize(
    ("file", "time"),
    [
        ("sagemaker-endpoint-state-change/awsdocs-sm-devguide-2023.json", datetime(2020, 3, 10, 9, 18, 9, 50000, UTC)),
        (
            "sagemaker-endpoint-state-change/awslabs-mlspace-in-service.json",
            datetime(2023, 10, 4, 14, 6, 37, tzinfo=UTC),
        ),
    ],
)
def test_endpoint_status_is_in_api_spelling_and_epoch_ms_time_is_read(file: str, time: datetime) -> None:
    event = wire.parse_event(load_sample(file))
    assert isinstance(event, wire.EndpointStateChangeEvent)
    assert event.status == "InService"
    assert event.time == time


def test_canary_deployment_sample_is_baking_with_its_message() -> None:
    file = "sagemaker-endpoint-deployment-state-change/awsdocs-sm-devguide-2023-bluegreen-canary-baking.json"
    event = wire.parse_event(load_sample(file))
    assert isinstance(event, wire.EndpointDeploymentStateChangeEvent)
    assert event.state == "Baking"
    assert event.reason is not None
    assert event.reason.startswith("Baking for 600 seconds")
    assert event.endpoint_status == "Updating"
    assert (event.endpoint_config_name, event.pending_endpoint_config_name) == (
        "sample-endpoint-config-1",
        "sample-endpoint-config-2",
    )


def test_capacity_update_sample_reports_the_current_variants_progress() -> None:
    file = "sagemaker-endpoint-deployment-state-change/awsdocs-sm-devguide-2023-capacity-update.json"
    event = wire.parse_event(load_sample(file))
    assert isinstance(event, wire.EndpointDeploymentStateChangeEvent)
    assert (event.state, event.reason) == ("Updating", "Scaling out desired instance count to 6.")
    assert event.pending_endpoint_config_name is None


def test_single_metric_alarm_gives_what_rollback_needs() -> None:
    event = wire.parse_event(
        load_sample("cloudwatch-alarm-state-change/awsdocs-cloudwatch-userguide-2023-single-metric.json")
    )
    assert isinstance(event, wire.AlarmStateChangeEvent)
    assert (event.alarm_name, event.state, event.previous_state) == ("ServerCpuTooHigh", "ALARM", "OK")
    assert event.alarm_arn == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"
    assert (event.metric_namespace, event.metric_name) == ("AWS/EC2", "CPUUtilization")
    assert event.dimensions == {"InstanceId": "i-12345678901234567"}
    assert event.threshold == 50.0
    assert isinstance(event.reason_data, dict)
    assert event.reason_data["recentDatapoints"] == [99.50160229693434]
    assert event.state_timestamp == datetime(2019, 10, 2, 17, 4, 40, 989000, UTC)


def test_metric_math_alarm_has_no_single_primary_metric() -> None:
    event = wire.parse_event(
        load_sample("cloudwatch-alarm-state-change/awsdocs-cloudwatch-userguide-2023-metric-math.json")
    )
    assert isinstance(event, wire.AlarmStateChangeEvent)
    assert event.metric_name is None
    assert [metric.name for metric in event.metrics] == [None, "NetworkIn", "NetworkOut"]
    assert event.threshold == 10000.0


def test_composite_alarm_gives_its_rule_and_triggering_alarms() -> None:
    file = "cloudwatch-alarm-state-change/awsdocs-cloudwatch-userguide-2023-composite-with-suppressor.json"
    event = wire.parse_event(load_sample(file))
    assert isinstance(event, wire.AlarmStateChangeEvent)
    assert event.alarm_rule == "ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)"
    assert event.actions_suppressed_by == "WaitPeriod"
    assert isinstance(event.reason_data, dict)
    assert event.reason_data["triggeringAlarms"][0]["arn"].endswith(":alarm:ServerCpuTooHigh")
    assert event.threshold is None


def test_alarm_without_previous_state_parses() -> None:
    """The captured Model Monitor alarm (redacted, so refused) has no ``previousState`` and its state no
    ``reasonData``: the single-metric sample without them reads the same way."""
    raw = load_sample("cloudwatch-alarm-state-change/awsdocs-cloudwatch-userguide-2023-single-metric.json")
    del raw["detail"]["previousState"]
    del raw["detail"]["state"]["reasonData"]
    event = wire.parse_event(raw)
    assert isinstance(event, wire.AlarmStateChangeEvent)
    assert (event.state, event.previous_state, event.reason_data) == ("ALARM", None, None)
    assert event.dimensions["InstanceId"] == "i-12345678901234567"
