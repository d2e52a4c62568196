"""Registry approval → canary deployment on the local stack, wired from the project's template.yaml.

Real: ApprovalFunction, DeployTasksFunction and EndpointEventsFunction with the template's environment, the
template's rules and patterns, ``statemachines/deploy.asl.json`` in moto's interpreter, the ledger. Emulated (virtual
time, :mod:`mlopsctl.local.emulators.sagemaker`): SageMaker endpoints (30 s to provision, then the bakes the
``DeploymentConfig``
asks for, with rollback when an alarm of ``AutoRollbackConfiguration`` goes to ALARM) and the events AWS sends. The
template's own defaults are used: a CANARY of 1 of 2 instances, 300 s bakes, lock retries every 60 s.

:class:`Steering` plays the people and the monitoring around the system: a user acting at a virtual instant, or a
metric tripping an alarm once the canary bakes. :mod:`tests.flows.test_deploy_flow_guards` reuses these helpers.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlops_core.adapters.deployments import LedgerDeploymentStore
from mlops_core.adapters.ledger import Ledger
from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.endpoint_metrics import fleet_metric
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.stack import LocalStack

pytestmark = pytest.mark.flow

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
DEPLOY_CALLS = ("create_endpoint", "update_endpoint")


# -- the people and monitoring around the system --------------------------------------------------------------------
@dataclass
class _Rule:
    action: Callable[[], None]
    at: datetime | None = None
    condition: Callable[[], bool] | None = None
    fired: bool = False


@dataclass
class Steering:
    """Test steering (not AWS): user actions at a virtual instant, or once a condition holds while the stack is idle.

    It is one of the stack's emulators: the stack asks it, like the SageMaker emulator, when it next has work.
    """

    now: Callable[[], datetime]
    rules: list[_Rule] = field(default_factory=list)

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        """Do ``action`` at the virtual instant ``when``."""
        self.rules.append(_Rule(action, at=when))

    def once(self, condition: Callable[[], bool], action: Callable[[], None]) -> None:
        """Do ``action`` the first time ``condition()`` holds at a quiet moment."""
        self.rules.append(_Rule(action, condition=condition))

    def _due(self, rule: _Rule) -> datetime | None:
        if rule.fired:
            return None
        if rule.at is not None:
            return rule.at
        return self.now() if rule.condition is not None and rule.condition() else None

    def next_due(self) -> datetime | None:
        return min((due for rule in self.rules if (due := self._due(rule)) is not None), default=None)

    def run_due(self, now: datetime) -> list[dict[str, Any]]:
        for rule in self.rules:
            due = self._due(rule)
            if due is not None and due <= now:
                rule.fired = True
                rule.action()
        return []


# -- the flow: what a user does, and what the system shows -----------------------------------------------------------
class DeployFlow:
    """The local stack with the SageMaker emulator and :class:`Steering`, seen as a user and an operator see it."""

    def __init__(self, stack: LocalStack, steering: Steering) -> None:
        self.stack, self.steering = stack, steering
        self.endpoint = str(stack.template.parameters["EndpointName"])
        self._notified: list[dict[str, Any]] = []
        self._runs = itertools.count(1)

    @property
    def group(self) -> str:
        return self.stack.physical_name("ModelPackageGroup")

    @property
    def alarms(self) -> tuple[str, str]:
        """The endpoint's rollback alarms (errors, latency)."""
        return self.stack.physical_name("EndpointErrorsAlarm"), self.stack.physical_name("EndpointLatencyAlarm")

    # what a user does
    def register(self, group: str | None = None) -> str:
        """A training run registers a new version (``PendingManualApproval``); returns its ARN."""
        bucket = self.stack.physical_name("ArtifactsBucket")
        key = f"pipelines/runs/run-{next(self._runs)}/model/model.tar.gz"
        self.stack.client("s3").put_object(Bucket=bucket, Key=key, Body=b"model")  # what the training run wrote
        model_data = f"s3://{bucket}/{key}"
        spec = {
            "Containers": [{"Image": IMAGE, "ModelDataUrl": model_data}],
            "SupportedContentTypes": ["text/plain"],
            "SupportedResponseMIMETypes": ["application/json"],
        }
        arn: str = self.stack.aws(
            "sagemaker", "create_model_package", ModelPackageGroupName=group or self.group, InferenceSpecification=spec
        )["ModelPackageArn"]
        return arn

    def approve(self, arn: str, *, settle: bool = True) -> None:
        """A reviewer approves the version in the registry."""
        self.stack.aws(
            "sagemaker", "update_model_package", ModelPackageArn=arn, ModelApprovalStatus="Approved", settle=settle
        )

    def wait(self, seconds: float) -> None:
        """Time passes (and whatever falls due meanwhile happens)."""
        self.steering.at(self.stack.clock.now() + timedelta(seconds=seconds), lambda: None)
        self.stack.settle()

    def release(self) -> str:
        """Register a version and approve it; returns its ARN once everything it caused has happened."""
        arn = self.register()
        self.approve(arn)
        return arn

    def set_alarm(self, name: str, state: str = "ALARM") -> None:
        """CloudWatch changes an alarm's state (metrics are not emulated: the test sets it as CloudWatch would)."""
        reason = f"Threshold Crossed: emulated for the test ({state})"
        self.stack.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)

    # what the system shows
    def records(self) -> dict[int, dict[str, Any]]:
        """The ledger's deployments of model package versions to our endpoint, by version (not rollback records)."""
        store = LedgerDeploymentStore(Ledger(self.stack.client("dynamodb"), self.stack.physical_name("LedgerTable")))
        records = store.deployments(self.endpoint)
        return {int(r["model_package_version"]): r for r in records if r.get("model_package_version") is not None}

    def outcomes(self) -> dict[int, str]:
        return {version: str(record["outcome"]) for version, record in sorted(self.records().items())}

    def described(self) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.stack.client("sagemaker").describe_endpoint(EndpointName=self.endpoint)
        except ClientError:
            return None
        return found

    def serves(self) -> str | None:
        """The endpoint config the endpoint serves, once it is InService."""
        endpoint = self.described()
        if endpoint is None:
            return None
        assert endpoint["EndpointStatus"] == "InService", endpoint["EndpointStatus"]
        return str(endpoint["EndpointConfigName"])

    def fleet_errors(self, *, new: bool = True, count: float = 12.0) -> None:
        """The new (or the old) fleet answers with 5xx errors: SageMaker publishes them, for that fleet and for the
        whole variant (emulated metrics; alarms follow them)."""
        described = self.described() or {}
        pending = (described.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
        config = pending if new else described["EndpointConfigName"]
        cloudwatch = self.stack.client("cloudwatch")
        fleet_metric(cloudwatch, self.endpoint, str(config), "Invocation5XXErrors", count, self.stack.clock.now())

    def baking(self) -> bool:
        """Whether an update of the endpoint is in a baking period (traffic on the new fleet, alarms watched)."""
        pending = (self.described() or {}).get("PendingDeploymentSummary") or {}
        return any(
            status.get("Status") == "Baking"
            for variant in pending.get("ProductionVariants", [])
            for status in variant.get("VariantStatus", [])
        )

    def calls(self, *operations: str) -> list[dict[str, Any]]:
        """SageMaker calls the system made (the user's are not in the action log)."""
        entries = self.stack.log.entries("aws_call")
        return [e for e in entries if e["service"] == "sagemaker" and e["operation"] in operations]

    def runs(self, function: str) -> list[dict[str, Any]]:
        return [e for e in self.stack.log.entries("handler") if e["function"] == function]

    def executions(self) -> list[dict[str, Any]]:
        return [e for e in self.stack.log.entries("execution") if e["state_machine"] == "DeployStateMachine"]

    def deployment_messages(self) -> list[dict[str, Any]]:
        """Deployment notifications published so far."""
        self._notified += [json.loads(n["Message"]) for n in self.stack.notifications()]
        return [m for m in self._notified if m.get("kind") == "deployment"]

    def package(self, arn: str) -> dict[str, Any]:
        found: dict[str, Any] = self.stack.client("sagemaker").describe_model_package(ModelPackageName=arn)
        return found


def start_flow(
    parameters: dict[str, str] | None = None, emulator: type[SageMakerEmulator] = SageMakerEmulator
) -> tuple[LocalStack, DeployFlow]:
    """A local stack from the project's template (not started: enter it) and the flow that drives it."""
    clock = VirtualClock()
    steering = Steering(clock.now)

    def sagemaker(stack: LocalStack) -> SageMakerEmulator:
        return emulator(clock.now, account_id=stack.template.account_id, region=stack.template.region)

    stack = LocalStack(parameters=parameters, clock=clock, emulators=[sagemaker, steering])
    return stack, DeployFlow(stack, steering)


@pytest.fixture
def flow() -> Iterator[DeployFlow]:
    stack, deploy_flow = start_flow()
    with stack:
        yield deploy_flow


# -- the acceptance -------------------------------------------------------------------------------------------
def test_first_approval_creates_the_endpoint_and_the_next_updates_it_by_canary_with_auto_rollback(
    flow: DeployFlow,
) -> None:
    flow.release()
    (create,) = flow.calls(*DEPLOY_CALLS)
    assert create["operation"] == "create_endpoint"

    flow.release()

    records = flow.records()
    assert flow.outcomes() == {1: "SUCCEEDED", 2: "SUCCEEDED"}
    (update,) = flow.calls("update_endpoint")
    assert update["params"] == {
        "EndpointName": flow.endpoint,
        "EndpointConfigName": records[2]["endpoint_config_name"],
        "DeploymentConfig": {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "CANARY",
                    "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                    "WaitIntervalInSeconds": 300,
                },
                "TerminationWaitInSeconds": 300,
                "MaximumExecutionTimeoutInSeconds": 1800,
            },
            # copies of the rollback alarms that watch only the new fleet (dimension EndpointConfigName)
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": name} for name in records[2]["new_fleet_alarms"]]},
        },
    }
    copies = flow.stack.client("cloudwatch").describe_alarm_history(HistoryItemType="StateUpdate")  # none fired
    assert copies["AlarmHistoryItems"] == []
    assert records[2]["new_fleet_alarms"] == [f"{records[2]['endpoint_config_name']}-newfleet-{i}" for i in (0, 1)]
    assert flow.serves() == records[2]["endpoint_config_name"] != records[1]["endpoint_config_name"]
    assert [(m["model_package_version"], m["outcome"]) for m in flow.deployment_messages()] == [
        (1, "SUCCEEDED"),
        (2, "SUCCEEDED"),
    ]


def test_waiting_for_the_canary_costs_no_polling(flow: DeployFlow) -> None:
    flow.release()
    before = len(flow.runs("DeployTasksFunction"))
    started = flow.stack.clock.now()

    flow.release()

    # 30 s to provision, two 300 s bakes: the execution slept through them, woken by the endpoint's event.
    assert flow.stack.clock.now() - started >= timedelta(seconds=630)
    steps = len(flow.runs("DeployTasksFunction")) - before
    assert steps <= 8, f"{steps} task runs for one update: the wait polls"
    assert [r["outcome"] for r in flow.runs("EndpointEventsFunction")][-1] == "ok"


def test_an_alarm_during_the_canary_bake_rolls_back_and_rejects_the_package(flow: DeployFlow) -> None:
    flow.release()
    live = flow.serves()
    errors_alarm = flow.alarms[0]
    flow.steering.once(flow.baking, flow.fleet_errors)  # the canary errs: its fleet's alarm copy fires

    bad = flow.release()

    assert flow.serves() == live
    record = flow.records()[2]
    assert record["outcome"] == "ROLLED_BACK"
    assert record["alarm"] == errors_alarm
    assert errors_alarm in record["reason"]
    package = flow.package(bad)
    assert package["ModelApprovalStatus"] == "Rejected"
    assert errors_alarm in package["ApprovalDescription"]
    assert [(m["model_package_version"], m["outcome"]) for m in flow.deployment_messages()][-1] == (2, "ROLLED_BACK")
    assert len(flow.calls(*DEPLOY_CALLS)) == 2, "the rejection must not start another deployment"


def test_five_approvals_within_a_second_deploy_one_at_a_time_and_the_newest_wins(flow: DeployFlow) -> None:
    flow.release()
    arns = []
    for _ in range(5):  # versions 2..6, from training runs that ended a minute apart
        flow.wait(60)
        arns.append(flow.register())
    first = flow.stack.clock.now()
    flow.approve(arns[0], settle=False)
    for index, arn in enumerate(arns[1:], start=1):
        flow.steering.at(first + timedelta(seconds=0.2 * index), lambda arn=arn: flow.approve(arn, settle=False))

    flow.stack.settle()

    superseded = dict.fromkeys((3, 4, 5), "SUPERSEDED")
    assert flow.outcomes() == {1: "SUCCEEDED", 2: "SUCCEEDED", **superseded, 6: "SUCCEEDED"}
    assert flow.serves() == flow.records()[6]["endpoint_config_name"]
    assert {e["status"] for e in flow.executions()} == {"SUCCEEDED"}
    assert len(flow.executions()) == 6
    _assert_rollouts_never_overlap(flow)


def _assert_rollouts_never_overlap(flow: DeployFlow) -> None:
    """Each create/update of the endpoint comes after the deployment before it has ended."""
    log = flow.stack.log.entries()
    by_config = {r["endpoint_config_name"]: r["deployment_id"] for r in flow.records().values()}
    ended = {e["execution"]: i for i, e in enumerate(log) if e["kind"] == "execution"}
    rollouts = [
        (i, by_config[e["params"]["EndpointConfigName"]])
        for i, e in enumerate(log)
        if e["kind"] == "aws_call" and e["service"] == "sagemaker" and e["operation"] in DEPLOY_CALLS
    ]
    assert len(rollouts) == 3
    for (_, previous), (index, current) in itertools.pairwise(rollouts):
        assert ended[previous] < index, f"{current} changed the endpoint while {previous} was still running"
