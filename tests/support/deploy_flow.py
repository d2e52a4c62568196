"""The deployment flow on the local stack, wired from the project's template.yaml, and the people around it.

:func:`start_flow` builds a local stack from the project's template (emulated SageMaker, virtual time) and the
:class:`DeployFlow` that drives it; :class:`Steering` plays the people and the monitoring around the system: a user
acting at a virtual instant, or a metric tripping an alarm once the canary bakes.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.store import LedgerDeploymentStore
from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.endpoint_metrics import fleet_metric
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.stack import EmulatorFactory, LocalStack
from tests.support.ledger_records import items_of

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

    It is one of the stack's polled emulators (:class:`mlopsctl.local.protocols.Emulator`): the stack asks it when it
    next has work, and runs it after the work its scheduler has due by then (the SageMaker emulator's among it).
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
        records = items_of(store.deployments(self.endpoint))
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
    parameters: dict[str, str] | None = None,
    emulator: type[SageMakerEmulator] = SageMakerEmulator,
    *,
    server: bool = False,
    sagemaker: EmulatorFactory | None = None,
    faults: Sequence[str] = (),
) -> tuple[LocalStack, DeployFlow]:
    """A local stack from the project's template (not started: enter it) and the flow that drives it.

    ``server``: serve moto on a loopback port (``stack.endpoint_url``), as ``mlopsctl local up`` does.
    ``sagemaker``: builds the SageMaker emulator from the started stack (instead of ``emulator``);
    ``faults``: the stack's fault rules (:mod:`mlopsctl.local.runtime.faults`).
    """
    clock = VirtualClock()
    steering = Steering(clock.now)

    def default(stack: LocalStack) -> SageMakerEmulator:
        return emulator(clock.now, account_id=stack.template.account_id, region=stack.template.region)

    emulators = [sagemaker or default, steering]
    stack = LocalStack(parameters=parameters, clock=clock, emulators=emulators, server=server, faults=faults)
    return stack, DeployFlow(stack, steering)
