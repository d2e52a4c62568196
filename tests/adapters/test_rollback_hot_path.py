"""The alarm → UpdateEndpoint hot path through the real adapters on moto, counting the AWS calls botocore sends.

SageMaker's ``UpdateEndpoint`` comes from the project's moto extensions, driven by the emulator in virtual time
(the endpoint is ``Updating`` after the call and serves the restored config once the emulator settles it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlops_core.aws.ledger import Ledger
from mlops_core.aws.notifications import SnsNotifier
from mlops_core.aws.workflows import StepFunctionsWorkflows
from mlops_core.deploy.endpoints import SageMakerEndpoints
from mlops_core.deploy.ledger_items import DeploymentFields
from mlops_core.deploy.store import DeploymentKey, LedgerDeploymentStore
from mlops_core.rollback.hot_path import RollbackConfig, RollbackPorts, handle_alarm
from mlops_core.timefmt import stamp
from mlopsctl.local.emulators.sagemaker import EmulatorTimings, SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import settle
from mlopsctl.local.runtime.clock import VirtualClock
from tests.support.deploy.events import alarm_event, parsed_alarm
from tests.support.deploy.handlers import context, load_handler

REGION = "us-east-1"
ENDPOINT = "churn-endpoint"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 12, 30, 5, tzinfo=UTC)


class Account:
    """Versions 1 and 2 of a model deployed by this system on moto (2 live), and every AWS call made after set-up."""

    def __init__(self, clock: VirtualClock, emulator: SageMakerEmulator) -> None:
        self.clock, self.emulator = clock, emulator
        self.calls: list[tuple[str, str]] = []
        self.sagemaker = self._client("sagemaker")
        dynamodb, sfn, sns = self._client("dynamodb"), self._client("stepfunctions"), self._client("sns")
        dynamodb.create_table(
            TableName="ledger",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
        self.state_machine = sfn.create_state_machine(
            name="mlops-test-deploy", definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]
        self.rollback_machine = sfn.create_state_machine(
            name="mlops-test-rollback", definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]
        topic = sns.create_topic(Name="notifications")["TopicArn"]
        self.store = LedgerDeploymentStore(Ledger(dynamodb, "ledger"))
        self.sfn = sfn
        self.ports = RollbackPorts(
            self.store, SageMakerEndpoints(self.sagemaker), StepFunctionsWorkflows(sfn), SnsNotifier(sns, topic)
        )
        self.config = RollbackConfig(
            "mlops-test", ENDPOINT, "mlops-test-Endpoint", self.rollback_machine, self.state_machine, 1800
        )
        for version, minutes in ((1, 0), (2, 20)):
            self._deployed(version, T0 + timedelta(minutes=minutes))
        self.sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="c2")
        settle(emulator, clock)
        self.calls.clear()

    def _client(self, service: str) -> Any:
        client = boto3.client(service, region_name=REGION)
        name = client.meta.service_model.service_name
        client.meta.events.register("before-call", lambda model, **_: self.calls.append((name, model.name)))
        return client

    def _deployed(self, version: int, started: datetime) -> None:
        self.sagemaker.create_model(ModelName=f"m{version}", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "i:1"})
        variant = {"VariantName": "AllTraffic", "ModelName": f"m{version}", "InitialInstanceCount": 2}
        self.sagemaker.create_endpoint_config(
            EndpointConfigName=f"c{version}", ProductionVariants=[variant | {"InstanceType": "ml.m5.large"}]
        )
        fields = {
            "model_package_arn": f"arn:aws:sagemaker:{REGION}:123456789012:model-package/churn/{version}",
            "model_package_version": version,
            "model_name": f"m{version}",
            "endpoint_config_name": f"c{version}",
            "outcome": "SUCCEEDED",
            "rollout_started_at": stamp(started + timedelta(minutes=1)),
            "finished_at": stamp(started + timedelta(minutes=10)),
        }
        record = DeploymentFields.model_validate(fields)
        self.store.save_deployment(DeploymentKey(ENDPOINT, started, f"deploy-v{version}"), record)


@pytest.fixture
def account() -> Iterator[Account]:
    with mock_aws():
        clock = VirtualClock(NOW)
        emulator = SageMakerEmulator(clock, timings=EmulatorTimings(endpoint_create_seconds=60))
        emulator.install()
        try:
            yield Account(clock, emulator)
        finally:
            emulator.uninstall()


def test_an_alarm_reaches_update_endpoint_in_three_aws_calls_and_the_endpoint_serves_v1(account: Account) -> None:
    result = handle_alarm(parsed_alarm(), account.config, account.ports, NOW).as_dict()
    assert account.calls == [
        ("dynamodb", "Query"),
        ("dynamodb", "PutItem"),
        ("sagemaker", "UpdateEndpoint"),
        ("stepfunctions", "StartExecution"),
    ]
    pending = account.sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    assert (pending["EndpointStatus"], pending["PendingDeploymentSummary"]["EndpointConfigName"]) == ("Updating", "c1")
    settle(account.emulator, account.clock)
    assert account.sagemaker.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == "c1"
    execution = account.sfn.describe_execution(executionArn=result["execution_arn"])
    assert execution["stateMachineArn"] == account.rollback_machine
    assert json.loads(execution["input"])["plan"]["decision"] == "RESTORE"


def test_a_deleted_config_is_refused_by_sagemaker_and_left_to_the_rollback_execution(account: Account) -> None:
    account.sagemaker.delete_endpoint_config(EndpointConfigName="c1")
    account.calls.clear()
    result = handle_alarm(parsed_alarm(), account.config, account.ports, NOW).as_dict()
    assert result["fast_path"].startswith("UpdateEndpoint refused (ValidationException: Could not find endpoint conf")
    assert account.calls[-2:] == [("sagemaker", "DescribeEndpointConfig"), ("stepfunctions", "StartExecution")]
    assert account.sagemaker.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == "c2"
    execution = account.sfn.describe_execution(executionArn=result["execution_arn"])
    assert json.loads(execution["input"])["plan"]["recreate"] is True


def test_the_function_builds_its_adapters_from_the_environment(
    account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "STACK_NAME": "mlops-test",
        "LEDGER_TABLE_NAME": "ledger",
        "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:notifications",
        "ENDPOINT_NAME": ENDPOINT,
        "ENDPOINT_ALARM_PREFIX": "mlops-test-Endpoint",
        "DEPLOY_STATE_MACHINE_ARN": account.state_machine,
        "ROLLBACK_STATE_MACHINE_ARN": account.rollback_machine,
        "AWS_REGION": REGION,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = load_handler("rollback")
    result = app.lambda_handler(alarm_event(), context())
    assert (result["outcome"], result["action"], result["to_version"]) == ("ok", "RESTORE", 1)
    assert account.store.read_lock(ENDPOINT) is not None
