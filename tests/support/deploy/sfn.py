"""Run ``statemachines/deploy.asl.json`` and ``rollback.asl.json`` in moto's Step Functions interpreter with the real
Lambda handlers.

moto's interpreter executes the ASL on a background thread; its Lambda tasks go to moto's Lambda backend, whose
``invoke`` is replaced here by an in-process call of ``functions/deploy_tasks/app.py`` or
``functions/rollback_tasks/app.py`` (by the function the task names; a raised error becomes a Lambda function error
named by its class, as the Python runtime reports it). The handler's collaborators are the
real adapters on moto (ledger, Step Functions, SNS), except SageMaker and CloudWatch, which tests choose (in-memory
fakes, or the real adapters on moto for the paths moto supports).

Tests steer the world between steps with :meth:`DeployMachine.after`: a hook runs in the interpreter's thread right
after the named step returns, before the state machine goes on (e.g. "the update finished: emit the endpoint
event"). Waiting for an execution joins its thread with a timeout: no polling loop, no sleep.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from mlops_core.aws.ledger import Ledger
from mlops_core.aws.notifications import SnsNotifier
from mlops_core.aws.workflows import StepFunctionsWorkflows
from mlops_core.config import DeploySettings, RollbackTasksSettings
from mlops_core.deploy.endpoints import AlarmReader, EndpointGateway
from mlops_core.deploy.store import LedgerDeploymentStore
from mlops_core.deploy.tasks import DeployPorts, DeployTasks
from mlops_core.rollback.tasks import RollbackTaskPorts, RollbackTasks
from mlopsctl.local.moto_patches.lambda_invoke import lambda_invokes_run
from mlopsctl.local.moto_patches.sfn_threads import execution_threads_to
from tests.support.deploy.handlers import context, load_handler
from tests.support.fakes.deploy import FakeArtifacts, FakeFleetAlarms
from tests.support.files import ROOT

ASL = ROOT / "statemachines" / "deploy.asl.json"
ROLLBACK_ASL = ROOT / "statemachines" / "rollback.asl.json"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:mlops-test-DeployTasksFunction"
ROLLBACK_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:mlops-test-RollbackTasksFunction"
SFN_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
Hook = Callable[[dict[str, Any], dict[str, Any]], None]


def definition(substitutions: dict[str, str], asl: Path = ASL) -> str:
    """The ASL with its ``${...}`` substitutions filled in, as CloudFormation would."""
    text = asl.read_text(encoding="utf-8")
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", value)
    return text


def rollback_tasks_settings(settings: DeploySettings, **overrides: Any) -> RollbackTasksSettings:
    """RollbackTasksFunction's settings for the same stack, endpoint and fleet as DeployTasksFunction's."""
    shared = settings.model_dump(include=set(RollbackTasksSettings.model_fields))
    return RollbackTasksSettings(**(shared | overrides))


class DeployMachine:
    """The Deploy and Rollback state machines on moto, their tasks wired to ``endpoints``/``alarms`` and moto-backed
    adapters (``arn`` is the Deploy machine's, ``rollback_arn`` the Rollback machine's)."""

    def __init__(
        self,
        settings: DeploySettings,
        endpoints: EndpointGateway,
        alarms: AlarmReader,
        rollback_settings: RollbackTasksSettings | None = None,
    ) -> None:
        self.settings = settings
        self.rollback_settings = rollback_settings or rollback_tasks_settings(settings)
        self.sfn = boto3.client("stepfunctions", region_name="us-east-1")
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        sns = boto3.client("sns", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        dynamodb.create_table(
            TableName=settings.ledger_table_name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        topic = sns.create_topic(Name=settings.notification_topic_arn.rsplit(":", 1)[-1])["TopicArn"]
        self.inbox = sqs.create_queue(QueueName="notifications-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=self.inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
        self._sqs = sqs
        self.store = LedgerDeploymentStore(Ledger(dynamodb, settings.ledger_table_name))
        self.workflows = StepFunctionsWorkflows(self.sfn)
        self.fleet_alarms = FakeFleetAlarms()
        self.ports = DeployPorts(
            endpoints, alarms, self.store, self.workflows, SnsNotifier(sns, topic), self.fleet_alarms, FakeArtifacts()
        )
        self.tasks = DeployTasks(settings, self.ports, clock=_utcnow)
        self.app = load_handler("deploy_tasks")
        self.app.dependencies = lambda: self.tasks  # type: ignore[attr-defined]
        self.rollback_app = load_handler("rollback_tasks")
        self._rollback_tasks()
        self.arn = self.sfn.create_state_machine(
            name="mlops-test-deploy",
            definition=definition({"DeployTasksFunctionArn": FUNCTION_ARN}),
            roleArn="arn:aws:iam::123456789012:role/mlops-test-deploy-state-machine",
        )["stateMachineArn"]
        self.rollback_arn = self.sfn.create_state_machine(
            name="mlops-test-rollback",
            definition=definition({"RollbackTasksFunctionArn": ROLLBACK_FUNCTION_ARN}, ROLLBACK_ASL),
            roleArn="arn:aws:iam::123456789012:role/mlops-test-rollback-state-machine",
        )["stateMachineArn"]
        self.steps: list[tuple[str, dict[str, Any]]] = []
        self._hooks: dict[str, list[Hook]] = defaultdict(list)
        self._threads: list[threading.Thread] = []

    # -- steering -------------------------------------------------------------------------------------------

    def use(self, endpoints: EndpointGateway, alarms: AlarmReader) -> None:
        """Run the tasks against other SageMaker and CloudWatch adapters (e.g. the real ones, on moto)."""
        self.ports = replace(self.ports, endpoints=endpoints, alarms=alarms)
        self.tasks = DeployTasks(self.settings, self.ports, clock=_utcnow)
        self._rollback_tasks()

    def configure(self, **overrides: Any) -> None:
        """Run the Deploy tasks with these settings (as DeployTasksFunction of a stack with other parameters)."""
        self.settings = DeploySettings.model_validate(self.settings.model_dump() | overrides)
        self.tasks = DeployTasks(self.settings, self.ports, clock=_utcnow)

    def _rollback_tasks(self) -> None:
        ports = self.ports
        rollback_ports = RollbackTaskPorts(ports.endpoints, ports.store, ports.workflows, ports.notifier)
        self.rollback_tasks = RollbackTasks(self.rollback_settings, rollback_ports, clock=_utcnow)
        self.rollback_app.dependencies = lambda: self.rollback_tasks  # type: ignore[attr-defined]

    def after(self, step: str, hook: Hook, *, times: int = 1) -> None:
        """Run ``hook(payload, result)`` after the next ``times`` runs of ``step`` (in the interpreter's thread)."""
        self._hooks[step].extend([hook] * times)

    def invoke(self, payload: dict[str, Any]) -> tuple[bytes, bool]:
        """Lambda's view of one invocation of DeployTasksFunction: the JSON response, and whether it is an error."""
        return self._invoke(self.app, payload)

    def invoke_rollback(self, payload: dict[str, Any]) -> tuple[bytes, bool]:
        """The same for RollbackTasksFunction."""
        return self._invoke(self.rollback_app, payload)

    def _invoke(self, app: Any, payload: dict[str, Any]) -> tuple[bytes, bool]:
        step = str(payload.get("step"))
        try:
            result = app.lambda_handler(payload, context())
        except Exception as exc:  # the Python runtime reports any error by its class name
            self.steps.append((step, {"error": type(exc).__name__, "message": str(exc)}))
            return json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__}).encode(), True
        self.steps.append((step, result))
        if self._hooks[step]:
            self._hooks[step].pop(0)(payload, result)
        return json.dumps(result).encode(), False

    # -- running --------------------------------------------------------------------------------------------

    def start(
        self, execution_input: dict[str, Any], name: str = "mlops-test-v2-0123456789abcdef", machine: str | None = None
    ) -> str:
        """Start an execution (of the Deploy machine unless ``machine`` names another); returns its ARN."""
        arn = machine or self.arn
        started = self.sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(execution_input))
        return str(started["executionArn"])

    def run(self, execution_input: dict[str, Any], timeout: float = 20.0, **start: Any) -> dict[str, Any]:
        """Start an execution, wait for it to end, and describe it."""
        arn = self.start(execution_input, **start)
        self._threads[-1].join(timeout)
        assert not self._threads[-1].is_alive(), f"execution still running after {timeout} s: {self.step_names()}"
        return dict(self.sfn.describe_execution(executionArn=arn))

    def track(self, thread: threading.Thread) -> None:
        """Called with each execution's thread as it starts."""
        self._threads.append(thread)

    # -- reading --------------------------------------------------------------------------------------------

    def step_names(self) -> list[str]:
        """The task steps run so far, in order."""
        return [step for step, _ in self.steps]

    def states_entered(self, execution_arn: str) -> list[str]:
        """Every state the execution entered, in order (Choice, Wait and Fail states too)."""
        events = self.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
        return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]

    def notifications(self) -> list[dict[str, Any]]:
        """The SNS messages published so far (JSON bodies)."""
        received = self._sqs.receive_message(QueueUrl=self.inbox, MaxNumberOfMessages=10)
        return [json.loads(message["Body"]) for message in received.get("Messages", [])]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@contextmanager
def deploy_machine(
    settings: DeploySettings,
    endpoints: EndpointGateway,
    alarms: AlarmReader,
    rollback_settings: RollbackTasksSettings | None = None,
) -> Iterator[DeployMachine]:
    """A :class:`DeployMachine` inside ``mock_aws`` with moto's Lambda running the task handlers in process
    (:func:`~mlopsctl.local.moto_patches.lambda_invoke.lambda_invokes_run`) and each execution's thread tracked
    (:func:`~mlopsctl.local.moto_patches.sfn_threads.execution_threads_to`), so a test can join it.

    ``rollback_settings`` default to the Deploy settings' stack, endpoint and fleet, waiting 0 s for the lock."""
    with mock_aws(config=SFN_CONFIG):  # type: ignore[arg-type]
        machine = DeployMachine(
            settings,
            endpoints,
            alarms,
            rollback_settings or rollback_tasks_settings(settings, deploy_lock_retry_seconds=0),
        )

        def run(function_name: str, body: Any, response_headers: Any) -> bytes:
            payload = json.loads(body or b"{}")
            rollback = function_name.endswith("RollbackTasksFunction")
            response, failed = machine.invoke_rollback(payload) if rollback else machine.invoke(payload)
            if failed:
                response_headers["x-amz-function-error"] = "Unhandled"
            return response

        with lambda_invokes_run(run), execution_threads_to(machine.track):
            yield machine
