"""Map the names of a deployed stack in a real-shaped event to the local stack's names, account and Region.

The files in ``events/`` were captured from (or shaped like) a deployed stack, ``mlops-dev`` in account
123456789012: its bucket, alarm, queue, model package group, pipeline, endpoint and labeling jobs. Played as they
are on the local stack (``mlops-local``), every function ignores them as not its own. :class:`NameMap` rewrites them:

- **Account and Region.** ARNs of the event's own account (its ``account`` field; for SQS, the queue's account) get
  the local account and Region, and so do strings equal to them; ARNs of other accounts stay as they are, so a
  foreign event remains foreign.
- **Resources, by type.** What an ARN, an ``s3://`` URI or an event field says a name is (bucket, alarm, queue,
  model package group, pipeline, endpoint) is mapped to the local resource of that type: the template resource
  whose logical ID the name spells (``mlops-dev-data-123456789012`` → ``DataBucket``,
  ``mlops-dev-DataArrivalQueue-7mop1gqlyrzu`` → ``DataArrivalQueue``), the only one of its type, or for an alarm the
  one watching the event's metric. An endpoint is created at run time, so it is named by the ``EndpointName``
  parameter.
- **Everything else of the stack** (labeling jobs, pipeline executions, endpoint configs): ``<stack>-`` becomes the
  local ``<stack>-``, and names mapped above are replaced inside it.

A name of the deployed stack that maps to nothing is reported in :attr:`NameMap.unmapped`, never dropped silently.
Which deployed stack an event comes from is :mod:`.deployed_stack`'s part.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from mlopsctl.local.commands.deployed_stack import Deployed
from mlopsctl.local.commands.event_strings import ARN, S3_URI, TOKEN, event_metrics, fields, json_object, strings
from mlopsctl.local.template.loader import Template

_CFN_SUFFIX = re.compile(r"-[A-Za-z0-9]{8,13}$")
_ACCOUNT = re.compile(r"^\d{12}$")

#: The ARN resource types of events, and the template resource type of their name.
_ARN_TYPES = {
    ("s3", ""): "AWS::S3::Bucket",
    ("cloudwatch", "alarm"): "AWS::CloudWatch::Alarm",
    ("sqs", ""): "AWS::SQS::Queue",
    ("sns", ""): "AWS::SNS::Topic",
    ("sagemaker", "model-package"): "AWS::SageMaker::ModelPackageGroup",
    ("sagemaker", "model-package-group"): "AWS::SageMaker::ModelPackageGroup",
    ("sagemaker", "pipeline"): "AWS::SageMaker::Pipeline",
    ("states", "stateMachine"): "AWS::StepFunctions::StateMachine",
}
#: Event fields (anywhere in the event, e.g. an alarm's metric dimensions) that name a resource of a type.
_NAME_FIELDS = {
    "alarmName": ("cloudwatch", "alarm"),
    "EndpointName": ("sagemaker", "endpoint"),
    "ModelPackageGroupName": ("sagemaker", "model-package-group"),
    "bucket": ("s3", ""),  # an S3 event's detail.bucket.name
}
#: Resources the system creates at run time (not in the template), and the parameter that names them.
RUNTIME_NAMES = {("sagemaker", "endpoint"): "EndpointName"}


@dataclass
class NameMap:
    """Rewrites an event of a deployed stack for the local stack (see the module docstring).

    Parameters
    ----------
    template:
        The local stack's template (names, parameters, account, Region).
    local_names:
        Logical ID → local physical name of every template resource.
    deployed:
        The deployed stack the event names.
    """

    template: Template
    local_names: dict[str, str]
    deployed: Deployed
    #: deployed name → (local name, why)
    mapped: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: names of the deployed stack that match nothing locally, with why
    unmapped: dict[str, str] = field(default_factory=dict)

    def rewrite(self, event: Any) -> Any:
        """The event with the deployed stack's names, account and Region replaced by the local ones."""
        self._learn(event)
        return self._rewrite(event)

    # -- learning what each name is --------------------------------------------------------------------------------

    def _learn(self, event: Any) -> None:
        for text in strings(event):
            for match in ARN.finditer(text):
                _partition, service, _region, account, resource = match.groups()
                if service != "s3" and account != self.deployed.account_id:
                    continue
                kind, _, rest = resource.partition(":" if service in ("cloudwatch", "states") else "/")
                if service in ("s3", "sqs", "sns"):
                    kind, rest = "", resource.split("/", 1)[0]
                self._learn_name(service, kind, rest.split("/", 1)[0], event)
            for bucket in S3_URI.findall(text):
                self._learn_name("s3", "", bucket, event)
        for key, name in fields(event):
            if key in _NAME_FIELDS and isinstance(name, str) and name:
                self._learn_name(*_NAME_FIELDS[key], name, event)

    def _learn_name(self, service: str, kind: str, name: str, event: Any) -> None:
        if not name or name in self.mapped:
            return
        parameter = RUNTIME_NAMES.get((service, kind))
        if parameter is not None:
            local = self.template.parameters.get(parameter)
            if local:
                self._map(name, str(local), f"the {kind} the {parameter} parameter names")
            return
        resource_type = _ARN_TYPES.get((service, kind))
        if resource_type is None:
            return
        logical_id, why = self._resource_for(resource_type, name, event)
        if logical_id is None:
            if self._is_deployed_name(name):
                self.unmapped[name] = why
            return
        self._map(name, self.local_names[logical_id], why)

    def _map(self, deployed: str, local: str, why: str) -> None:
        if deployed != local:
            self.mapped[deployed] = (local, why)

    def _resource_for(self, resource_type: str, name: str, event: Any) -> tuple[str | None, str]:
        candidates = [spec.logical_id for spec in self.template.resources.values() if spec.type == resource_type]
        kind = resource_type.rsplit("::", 1)[-1]
        for logical_id in candidates:
            if self.local_names.get(logical_id) == name:
                return logical_id, f"already the local {logical_id}"
        words = self._words(name)
        spelled = [c for c in candidates if words and c.lower().startswith(words)]
        if len(spelled) == 1:
            return spelled[0], f"the {kind} {spelled[0]} (its logical ID starts with {words!r})"
        if resource_type == "AWS::CloudWatch::Alarm":
            watching = self._alarms_watching(candidates, event)
            if len(watching) == 1:
                return watching[0], f"the alarm {watching[0]} watches the event's metric"
        if len(candidates) == 1:
            return candidates[0], f"the template's only {kind}"
        return None, f"no {kind} of the template matches {name!r} ({len(spelled)} spell {words!r})"

    def _words(self, name: str) -> str:
        """What a name says beyond the stack, account, Region and CloudFormation's random suffix, lower case."""
        rest = name
        stack = self.deployed.stack_name
        if stack and rest.lower().startswith(stack.lower() + "-"):
            rest = rest[len(stack) + 1 :]
        for suffix in (self.deployed.account_id, self.deployed.region):
            if suffix and rest.endswith("-" + suffix):
                rest = rest[: -len(suffix) - 1]
        if "-" in rest:  # <LogicalId>-<random>, as CloudFormation names what the template does not
            rest = _CFN_SUFFIX.sub("", rest)
        return rest.replace("-", "").lower()

    def _alarms_watching(self, candidates: list[str], event: Any) -> list[str]:
        metrics = {
            (m.get("namespace"), m.get("name"))
            for m in event_metrics(event)
            if isinstance(m, dict)  # configuration.metrics[].metricStat.metric
        }
        return [
            logical_id
            for logical_id in candidates
            if (
                self.template.resources[logical_id].properties.get("Namespace"),
                self.template.resources[logical_id].properties.get("MetricName"),
            )
            in metrics
        ]

    def _is_deployed_name(self, name: str) -> bool:
        stack = self.deployed.stack_name
        return bool(stack) and name.lower().startswith(f"{stack}-".lower())

    # -- rewriting -----------------------------------------------------------------------------------------------

    def _rewrite(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self._rewrite(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._rewrite(item) for item in value]
        if not isinstance(value, str):
            return value
        decoded = json_object(value)
        if decoded is not None:  # an SQS record's body: rewritten inside, kept compact
            return json.dumps(self._rewrite(decoded), separators=(",", ":"), ensure_ascii=False)
        return self._rewrite_text(value)

    def _rewrite_text(self, text: str) -> str:
        deployed, local = self.deployed, self.template
        if deployed.account_id and text == deployed.account_id:
            return local.account_id
        if deployed.region and text == deployed.region:
            return local.region
        text = ARN.sub(self._rewrite_arn, text)
        return TOKEN.sub(lambda m: self._rewrite_token(m.group(0)), text)

    def _rewrite_arn(self, match: re.Match[str]) -> str:
        partition, service, region, account, resource = match.groups()
        if account and account == self.deployed.account_id:
            account, region = self.template.account_id, self.template.region if region else region
        return f"arn:{partition}:{service}:{region}:{account}:{resource}"

    def _rewrite_token(self, token: str) -> str:
        if token in self.mapped:
            return self.mapped[token][0]
        stack = self.deployed.stack_name
        if not stack or not token.startswith(stack + "-") or _ACCOUNT.match(token):
            return token
        inner = token
        for deployed_name in sorted(self.mapped, key=len, reverse=True):
            inner = re.sub(
                rf"(?<![A-Za-z0-9]){re.escape(deployed_name)}(?![A-Za-z0-9])", self.mapped[deployed_name][0], inner
            )
        if inner.startswith(stack + "-"):
            inner = f"{self.template.stack_name}-{inner[len(stack) + 1 :]}"
        return inner
