"""Which stack the operator commands act on, and the clients to reach it.

A :class:`Target` is the stack name and how to reach AWS (region, profile, ``--endpoint-url`` for the local stack).
:meth:`Target.stack` reads the stack from CloudFormation once (``DescribeStacks`` for its outputs,
``ListStackResources`` for the physical IDs of its resources), so a command finds its resources as any
CloudFormation tool does: by the template's output keys and logical IDs.

Every call made through a :class:`Target`'s clients is remembered (:attr:`Target.last_action`), so an AWS refusal
is reported naming the IAM action that was refused (:mod:`.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3  # type: ignore[import-untyped, unused-ignore]
from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.ops.errors import OpsError, iam_action
from mlopsctl.stack.aws import DeployedStack, StackCommandError, describe_stack

#: Standard retry mode, as the system's own clients use (throttling is retried, not reported).
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@dataclass(frozen=True, slots=True)
class StackView(DeployedStack):
    """A stack as CloudFormation describes it (:class:`~mlopsctl.stack.aws.DeployedStack`: outputs, key → value) and
    its resources (logical ID → physical ID)."""

    resources: dict[str, str]

    def output(self, key: str, *, allow_empty: bool = False) -> str:
        """An output's value (:meth:`DeployedStack.output`); :class:`OpsError` when the stack has none (not this
        project's stack), or, unless ``allow_empty``, when its value is empty."""
        try:
            return DeployedStack.output(self, key, allow_empty=allow_empty)
        except StackCommandError as exc:
            raise OpsError(str(exc), exc.exit_code) from None

    def resource(self, logical_id: str) -> str:
        """A resource's physical ID; :class:`OpsError` when the stack has none."""
        if not self.resources.get(logical_id):
            raise OpsError(f"stack {self.name} has no resource {logical_id}: is it a stack of this project?")
        return self.resources[logical_id]


@dataclass
class Target:
    """The stack to act on and how to reach it."""

    stack_name: str
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    last_action: str | None = field(default=None, init=False)
    _session: Any = field(default=None, init=False, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _stack: StackView | None = field(default=None, init=False, repr=False)

    def session(self) -> Any:
        """The boto3 session (profile and region as given, else the environment's)."""
        if self._session is None:
            self._session = boto3.Session(profile_name=self.profile, region_name=self.region)
            self._session.events.register("before-call.*.*", self._remember)
        return self._session

    def _remember(self, model: Any, **_: Any) -> None:
        self.last_action = iam_action(model.service_model, model.name)

    def client(self, service: str) -> Any:
        """A client for ``service`` (one per service), against ``endpoint_url`` when given."""
        if service not in self._clients:
            session = self.session()
            if not session.region_name:
                raise OpsError("no region: pass --region or set AWS_REGION / AWS_DEFAULT_REGION")
            self._clients[service] = session.client(service, endpoint_url=self.endpoint_url, config=CLIENT_CONFIG)
        return self._clients[service]

    def stack(self) -> StackView:
        """The stack, read once; :class:`OpsError` when there is none of that name in the region."""
        if self._stack is None:
            cloudformation = self.client("cloudformation")
            found = describe_stack(cloudformation, self.stack_name)
            if found is None:
                region = self.session().region_name
                raise OpsError(f"stack {self.stack_name} not found in {region}")
            paginator = cloudformation.get_paginator("list_stack_resources")
            resources = {
                str(r["LogicalResourceId"]): str(r.get("PhysicalResourceId", ""))
                for page in paginator.paginate(StackName=found.stack_id)
                for r in page.get("StackResourceSummaries", [])
            }
            self._stack = StackView(found.name, found.stack_id, found.status, found.outputs, resources)
        return self._stack
