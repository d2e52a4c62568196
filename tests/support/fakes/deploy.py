"""In-memory fakes of the deployment ports, type-checked against them (they subclass the ABCs).

:class:`FakeSageMaker` behaves like SageMaker hosting where it matters to the Deploy tasks: ``UpdateEndpoint``
refuses an endpoint that is not ``InService``, puts it ``Updating`` with a pending config, and the test decides how
the update ends (:meth:`FakeSageMaker.complete_update`, :meth:`FakeSageMaker.roll_back`). Every call is logged in
:attr:`FakeSageMaker.calls` so tests can count API calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.aws.notifications import Notifier
from mlops_core.aws.workflows import StartedExecution, Workflows, execution_arn
from mlops_core.deploy.endpoints import AlarmReader, AlarmsUnreadableError, EndpointGateway
from mlops_core.deploy.fleet_alarm_rules import Firing, fleet_alarm_name
from mlops_core.deploy.fleet_alarms import FleetAlarms
from mlops_core.deploy.ledger_items import DeploymentFields, DeploymentRecord, LockItem, PackageEventFields
from mlops_core.deploy.model_artifacts import ModelArtifacts
from mlops_core.deploy.preflight import AlarmView, EndpointView, PackageView, VariantView
from mlops_core.deploy.store import DeploymentKey, DeploymentStore, LockLostError
from mlops_core.timefmt import stamp

ACCOUNT = "123456789012"
REGION = "us-east-1"
GROUP = "churn"


def package_arn(version: int, group: str = GROUP) -> str:
    """The ARN SageMaker gives version ``version`` of a group."""
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{group}/{version}"


def endpoint_arn(name: str) -> str:
    """The ARN SageMaker gives an endpoint (the name in lower case)."""
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name.lower()}"


class FakeSageMaker(EndpointGateway):
    """Model registry and hosting, in memory."""

    def __init__(self) -> None:
        self.packages: dict[str, PackageView] = {}
        self.endpoints: dict[str, EndpointView] = {}
        self.configs: dict[str, tuple[VariantView, ...]] = {}
        self.models: dict[str, str] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.tags: dict[str, dict[str, str]] = {}
        self.create_endpoint_in_service = True

    # -- test set-up --------------------------------------------------------------------------------------------

    def add_package(self, version: int, status: str = "Approved", group: str = GROUP, **changes: Any) -> str:
        """Register version ``version`` of ``group`` with a container and model data."""
        arn = package_arn(version, group)
        package = PackageView(
            arn=arn,
            group_name=group,
            version=version,
            approval_status=status,
            package_status="Completed",
            images=("123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1",),
            model_data_urls=(f"s3://artifacts/models/{version}/model.tar.gz",),
            generated_by=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/train/execution/{version}",
            customer_metadata=(("data_batch", f"batch-{version}"),),
        )
        self.packages[arn] = replace(package, **changes)
        return arn

    def set_status(self, arn: str, status: str) -> None:
        """Approve or reject a package (as a user would in the registry)."""
        self.packages[arn] = replace(self.packages[arn], approval_status=status)

    def add_live_endpoint(self, name: str, config: str, model: str, variant: str = "AllTraffic") -> None:
        """An endpoint already serving ``config`` (one variant running ``model``)."""
        self.configs[config] = (VariantView(variant, model),)
        self.models[model] = "preexisting"
        self.endpoints[name] = EndpointView(name, "InService", config, arn=endpoint_arn(name))

    def complete_update(self, name: str) -> None:
        """The pending deployment finishes: the endpoint serves the new config."""
        endpoint = self.endpoints[name]
        target = endpoint.pending_config_name or endpoint.config_name
        self.endpoints[name] = EndpointView(name, "InService", target, arn=endpoint_arn(name))

    def roll_back(self, name: str, reason: str = "Deployment guardrail alarm tripped") -> None:
        """SageMaker's guardrails roll the update back: InService again, on the old config."""
        endpoint = self.endpoints[name]
        self.endpoints[name] = EndpointView(
            name, "InService", endpoint.config_name, failure_reason=reason, arn=endpoint_arn(name)
        )

    def operations(self) -> list[str]:
        """The names of the calls made, in order."""
        return [name for name, _ in self.calls]

    # -- the port -------------------------------------------------------------------------------------------

    def describe_package(self, package_arn: str) -> PackageView | None:
        self.calls.append(("DescribeModelPackage", {"arn": package_arn}))
        return self.packages.get(package_arn)

    def latest_approved_version(self, group_name: str) -> int | None:
        self.calls.append(("ListModelPackages", {"group": group_name}))
        versions = [p.version for p in self.packages.values() if p.group_name == group_name]
        approved = [v for v in versions if self.packages[package_arn(v, group_name)].approval_status == "Approved"]
        return max(approved, default=None)

    def describe_endpoint(self, endpoint_name: str) -> EndpointView | None:
        self.calls.append(("DescribeEndpoint", {"name": endpoint_name}))
        return self.endpoints.get(endpoint_name)

    def endpoint_variants(self, config_name: str) -> tuple[VariantView, ...]:
        self.calls.append(("DescribeEndpointConfig", {"name": config_name}))
        return self.configs.get(config_name, ())

    def ensure_model(self, name: str, package_arn: str, role_arn: str, tags: Mapping[str, str]) -> bool:
        self.calls.append(("CreateModel", {"name": name, "package": package_arn, "role": role_arn, "tags": tags}))
        created = name not in self.models
        self.models.setdefault(name, package_arn)
        return created

    def ensure_endpoint_config(self, name: str, variant: Mapping[str, Any], tags: Mapping[str, str]) -> bool:
        self.calls.append(("CreateEndpointConfig", {"name": name, "variant": dict(variant)}))
        if variant["ModelName"] not in self.models:
            raise RequestRejectedError("CreateEndpointConfig", "ValidationException", "Could not find model")
        created = name not in self.configs
        self.configs.setdefault(name, (VariantView(variant["VariantName"], variant["ModelName"]),))
        return created

    def create_endpoint(self, name: str, config_name: str, tags: Mapping[str, str]) -> None:
        self.calls.append(("CreateEndpoint", {"name": name, "config": config_name}))
        status = "InService" if self.create_endpoint_in_service else "Creating"
        self.endpoints[name] = EndpointView(name, status, config_name, arn=endpoint_arn(name))

    def update_endpoint(self, name: str, config_name: str, deployment_config: Mapping[str, Any]) -> None:
        self.calls.append(("UpdateEndpoint", {"name": name, "config": config_name, "deployment": deployment_config}))
        endpoint = self.endpoints.get(name)
        if endpoint is None or endpoint.status != "InService":
            raise RequestRejectedError("UpdateEndpoint", "ValidationException", "Cannot update in-progress endpoint")
        self.endpoints[name] = replace(endpoint, status="Updating", pending_config_name=config_name)

    def tag_endpoint(self, endpoint_arn: str, tags: Mapping[str, str]) -> None:
        self.calls.append(("AddTags", {"arn": endpoint_arn, "tags": dict(tags)}))
        self.tags.setdefault(endpoint_arn, {}).update(tags)

    def reject_package(self, package_arn: str, reason: str) -> None:
        self.calls.append(("UpdateModelPackage", {"arn": package_arn, "status": "Rejected", "reason": reason}))
        self.packages[package_arn] = replace(self.packages[package_arn], approval_status="Rejected")

    def annotate_package(self, package_arn: str, properties: Mapping[str, str]) -> None:
        self.calls.append(("UpdateModelPackage", {"arn": package_arn, "properties": dict(properties)}))
        package = self.packages[package_arn]
        merged = dict(package.customer_metadata) | dict(properties)
        self.packages[package_arn] = replace(package, customer_metadata=tuple(sorted(merged.items())))


class FakeAlarms(AlarmReader):
    """CloudWatch alarms, in memory; ``unreadable`` makes every read fail as if access were denied."""

    def __init__(self, *names: str) -> None:
        self.alarms = {name: AlarmView(name, "OK", datetime(2024, 1, 1, tzinfo=UTC)) for name in names}
        self.unreadable = False

    def fire(self, name: str, at: datetime, reason: str = "Threshold Crossed") -> None:
        """Put an alarm in ALARM."""
        self.alarms[name] = AlarmView(name, "ALARM", at, reason)

    def describe(self, names: tuple[str, ...]) -> tuple[AlarmView, ...]:
        if self.unreadable:
            raise AlarmsUnreadableError("CloudWatch DescribeAlarms refused: AccessDenied: not authorized")
        return tuple(self.alarms[name] for name in names if name in self.alarms)


class FakeFleetAlarms(FleetAlarms):
    """The new fleet's alarm copies, in memory: ``fire`` records a change to ALARM of a copy."""

    def __init__(self) -> None:
        self.copies: dict[str, str] = {}
        self.firings: list[Firing] = []

    def put_copies(self, names: tuple[str, ...], config_name: str) -> tuple[str, ...]:
        made = tuple(fleet_alarm_name(config_name, index) for index, _ in enumerate(names))
        self.copies.update(dict(zip(made, names, strict=True)))
        return made

    def fire(self, name: str, at: datetime, reason: str = "Threshold Crossed") -> None:
        self.firings.append(Firing(name, at, reason))

    def first_firing(self, names: tuple[str, ...], since: datetime, until: datetime) -> Firing | None:
        found = [f for f in self.firings if f.alarm_name in names and since <= f.at <= until]
        return min(found, key=lambda f: f.at, default=None)

    def delete(self, names: tuple[str, ...]) -> None:
        for name in names:
            self.copies.pop(name, None)


class FakeArtifacts(ModelArtifacts):
    """Model data in S3: every location exists unless listed in ``missing``; ``checked`` logs each look-up."""

    def __init__(self, *missing: str) -> None:
        self.missing = set(missing)
        self.checked: list[tuple[str, bool]] = []

    def problem(self, uri: str, *, prefix: bool = False) -> str | None:
        self.checked.append((uri, prefix))
        return f"model data {uri} does not exist" if uri in self.missing else None


@dataclass
class FakeStore(DeploymentStore):
    """Deployment records, lock and package events, in memory (same rules as the ledger's lock)."""

    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    locks: dict[str, dict[str, Any]] = field(default_factory=dict)
    package_events: list[dict[str, Any]] = field(default_factory=list)

    def save_deployment(self, key: DeploymentKey, fields: DeploymentFields) -> None:
        record = self.records.setdefault((key.endpoint_name, key.as_key()["sk"]), {})
        identity = {"endpoint_name": key.endpoint_name, "deployment_id": key.deployment_id}
        record.update(identity, started_at=key.started_text, **fields.as_update())

    def deployments(self, endpoint_name: str) -> list[DeploymentRecord]:
        keys = sorted((k for k in self.records if k[0] == endpoint_name), reverse=True)
        return [DeploymentRecord.of_item(self.records[k]) for k in keys]

    def acquire_lock(self, endpoint_name: str, deployment_id: str, now: datetime, ttl_seconds: int) -> bool:
        held = self.locks.get(endpoint_name)
        if held and held["owner"] != deployment_id and held["expires_at"] > int(now.timestamp()):
            return False
        self.locks[endpoint_name] = {
            "owner": deployment_id,
            "acquired_at": stamp(now),
            "expires_at": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        }
        return True

    def take_over_lock(
        self, endpoint_name: str, holder: str, deployment_id: str, now: datetime, ttl_seconds: int
    ) -> bool:
        held = self.locks.get(endpoint_name)
        if held is None or held["owner"] != holder:
            return False
        self.locks[endpoint_name] = {
            "owner": deployment_id,
            "acquired_at": stamp(now),
            "taken_over_from": holder,
            "expires_at": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        }
        return True

    def read_lock(self, endpoint_name: str) -> LockItem | None:
        held = self.locks.get(endpoint_name)
        return LockItem.of_item(held) if held is not None else None

    def release_lock(self, endpoint_name: str, deployment_id: str) -> bool:
        held = self.locks.get(endpoint_name)
        if held is None or held["owner"] != deployment_id:
            return False
        del self.locks[endpoint_name]
        return True

    def attach_task_token(
        self, endpoint_name: str, deployment_id: str, token: str, now: datetime, ttl_seconds: int
    ) -> None:
        held = self.locks.get(endpoint_name)
        if held is None or held["owner"] != deployment_id:
            raise LockLostError(f"deployment {deployment_id} no longer holds the lock of {endpoint_name}")
        held.update(
            task_token=token,
            waiting_since=stamp(now),
            expires_at=int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        )

    def detach_task_token(self, endpoint_name: str, token: str) -> None:
        held = self.locks.get(endpoint_name)
        if held and held.get("task_token") == token:
            del held["task_token"], held["waiting_since"]

    def record_package_event(
        self, package_arn: str, event_time: datetime, event_id: str, fields: PackageEventFields
    ) -> None:
        self.package_events.append({"arn": package_arn, "time": event_time, "id": event_id, **fields.as_item()})

    def last_package_status(self, package_arn: str) -> str | None:
        latest: dict[str, Any] | None = None
        for event in self.package_events:  # in recording order: a later one of the same second wins
            if event["arn"] == package_arn and (latest is None or event["time"] >= latest["time"]):
                latest = event
        return None if latest is None else latest.get("approval_status")


@dataclass
class FakeWorkflows(Workflows):
    """Step Functions, in memory: executions by name (a second start of a name is a no-op) and resumed tokens."""

    executions: dict[str, dict[str, Any]] = field(default_factory=dict)
    resumed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    live_tokens: set[str] = field(default_factory=set)
    statuses: dict[str, str] = field(default_factory=dict)

    def start(self, state_machine_arn: str, name: str, payload: Mapping[str, Any]) -> StartedExecution:
        arn = execution_arn(state_machine_arn, name)
        if name in self.executions:
            return StartedExecution(arn, already_started=True)
        self.executions[name] = dict(payload)
        return StartedExecution(arn, already_started=False)

    def execution_status(self, execution_arn: str) -> str | None:
        name = execution_arn.rsplit(":", 1)[-1]
        return self.statuses.get(name, "RUNNING" if name in self.executions else None)

    def resume(self, task_token: str, output: Mapping[str, Any]) -> bool:
        if task_token not in self.live_tokens:
            return False
        self.live_tokens.discard(task_token)
        self.resumed.append((task_token, dict(output)))
        return True


@dataclass
class FakeNotifier(Notifier):
    """SNS, in memory."""

    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, subject: str, message: Mapping[str, Any]) -> None:
        self.sent.append((subject, dict(message)))


def rollout_in_progress(
    store: DeploymentStore,
    workflows: FakeWorkflows,
    sagemaker: FakeSageMaker,
    *,
    endpoint: str,
    holder: str,
    now: datetime,
) -> EndpointView:
    """Deployment ``holder`` runs and holds the endpoint's lock while SageMaker updates the endpoint; returns the
    endpoint as it was before."""
    store.acquire_lock(endpoint, holder, now, 1800)
    workflows.statuses[holder] = "RUNNING"
    live = sagemaker.endpoints[endpoint]
    sagemaker.endpoints[endpoint] = replace(live, status="Updating")
    return live


def deployment_fields(version: int, started: datetime, outcome: str = "SUCCEEDED") -> DeploymentFields:
    """The record of ``deploy-v<version>``: package ``version``, model ``m<version>``, config ``c<version>``."""
    return DeploymentFields(
        model_package_arn=package_arn(version),
        model_package_version=version,
        model_name=f"m{version}",
        endpoint_config_name=f"c{version}",
        outcome=outcome,
        rollout_started_at=stamp(started + timedelta(minutes=1)),
        finished_at=stamp(started + timedelta(minutes=10)),
    )
