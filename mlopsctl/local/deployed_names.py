"""Map the names of a deployed stack in a real-shaped event to the local stack's names, account and Region.

The files in ``events/`` were captured from (or shaped like) a deployed stack, ``mlops-dev`` in account
123456789012: its bucket, alarm, queue, model package group, pipeline, endpoint and labeling jobs. Played as they
are on the local stack (``mlops-local``), every function ignores them as not its own. :class:`NameMap` rewrites them:

- **Which deployed stack.** ``--deployed-stack`` names it; otherwise it is read from the event: a name the template
  gives with ``!Sub "${AWS::StackName}-suffix"`` (``mlops-dev-training`` → ``mlops-dev``), a name CloudFormation
  generated (``<stack>-<LogicalId>-<random>``) or a stack of ``samconfig.toml`` whose ``<stack>-`` prefixes a name.
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

Examples
--------
>>> sorted(tokens("s3://mlops-dev-artifacts-1/models/a.tar.gz"))[:2]
['a.tar.gz', 'mlops-dev-artifacts-1']
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlopsctl.local.template import Template

_ARN = re.compile(r"arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):([^\s\"]+)")
_S3_URI = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
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


def tokens(text: str) -> Iterator[str]:
    """The name-like words of ``text`` (what a name of the deployed stack can be)."""
    yield from _TOKEN.findall(text)


def strings(value: Any) -> Iterator[str]:
    """Every string in ``value`` (JSON-encoded strings, such as an SQS record's ``body``, included)."""
    if isinstance(value, str):
        yield value
        decoded = _json_object(value)
        if decoded is not None:
            yield from strings(decoded)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def _json_object(text: str) -> dict[str, Any] | list[Any] | None:
    if not text.startswith(("{", "[")):
        return None
    try:
        decoded = json.loads(text)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict | list) else None


@dataclass(frozen=True)
class Deployed:
    """Where the event comes from: the deployed stack's name (``None`` when unknown), account and Region."""

    stack_name: str | None
    account_id: str | None
    region: str | None


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
            for match in _ARN.finditer(text):
                _partition, service, _region, account, resource = match.groups()
                if service != "s3" and account != self.deployed.account_id:
                    continue
                kind, _, rest = resource.partition(":" if service in ("cloudwatch", "states") else "/")
                if service in ("s3", "sqs", "sns"):
                    kind, rest = "", resource.split("/", 1)[0]
                self._learn_name(service, kind, rest.split("/", 1)[0], event)
            for bucket in _S3_URI.findall(text):
                self._learn_name("s3", "", bucket, event)
        for key, name in _fields(event):
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
            for m in _event_metrics(event)
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
        decoded = _json_object(value)
        if decoded is not None:  # an SQS record's body: rewritten inside, kept compact
            return json.dumps(self._rewrite(decoded), separators=(",", ":"), ensure_ascii=False)
        return self._rewrite_text(value)

    def _rewrite_text(self, text: str) -> str:
        deployed, local = self.deployed, self.template
        if deployed.account_id and text == deployed.account_id:
            return local.account_id
        if deployed.region and text == deployed.region:
            return local.region
        text = _ARN.sub(self._rewrite_arn, text)
        return _TOKEN.sub(lambda m: self._rewrite_token(m.group(0)), text)

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


def _fields(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) of the event's objects; ``bucket: {"name": N}`` reads as ``("bucket", N)``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "bucket" and isinstance(item, dict):
                yield key, item.get("name")
            else:
                yield key, item
            yield from _fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from _fields(item)
    elif isinstance(value, str) and (decoded := _json_object(value)) is not None:
        yield from _fields(decoded)


def _event_metrics(event: Any) -> Iterator[Any]:
    detail = event.get("detail") if isinstance(event, dict) else None
    configuration = detail.get("configuration") if isinstance(detail, dict) else None
    for metric in (configuration or {}).get("metrics") or []:
        if isinstance(metric, dict):
            yield ((metric.get("metricStat") or {}).get("metric")) or {}


def deployed_of(
    event: Any, template: Template, *, stack_name: str | None = None, samconfig: Path | None = None
) -> Deployed:
    """The deployed stack an event names: its name (given, or read from the event), account and Region."""
    account, region = _origin(event)
    return Deployed(stack_name or _stack_name(event, template, samconfig), account, region)


def _origin(event: Any) -> tuple[str | None, str | None]:
    if isinstance(event, dict) and isinstance(event.get("Records"), list) and event["Records"]:
        record = event["Records"][0]
        match = _ARN.match(str(record.get("eventSourceARN", ""))) if isinstance(record, dict) else None
        if match is not None:
            return match.group(4) or None, match.group(3) or None
        body = _json_object(str(record.get("body", ""))) if isinstance(record, dict) else None
        return _origin(body)
    if isinstance(event, dict):
        account, region = event.get("account"), event.get("region")
        return (account if isinstance(account, str) else None), (region if isinstance(region, str) else None)
    return None, None


def _stack_name(event: Any, template: Template, samconfig: Path | None) -> str | None:
    words = [token for text in strings(event) for token in tokens(text)]
    votes: Counter[str] = Counter()
    for matcher in _stack_matchers(template, samconfig):
        for word in words:
            found = matcher(word)
            if found:
                votes[found] += 1
    return votes.most_common(1)[0][0] if votes else None


def _stack_matchers(template: Template, samconfig: Path | None) -> Iterator[Callable[[str], str | None]]:
    for spec in template.resources.values():
        for key, value in spec.properties.items():
            sub = value.get("Fn::Sub") if isinstance(value, dict) else None
            if key.endswith("Name") and isinstance(sub, str) and sub.startswith("${AWS::StackName}"):
                literal = sub.removeprefix("${AWS::StackName}")
                if literal and "${" not in literal:
                    yield _group(re.compile(rf"([a-z][a-z0-9-]*){re.escape(literal)}"))
        yield _group(re.compile(rf"([A-Za-z][A-Za-z0-9-]*)-{re.escape(spec.logical_id)}-[A-Za-z0-9]{{8,13}}", re.I))
    for name in _samconfig_stacks(samconfig):
        yield _group(re.compile(rf"({re.escape(name)})-.+"))


def _group(pattern: re.Pattern[str]) -> Callable[[str], str | None]:
    def match(word: str) -> str | None:
        found = pattern.fullmatch(word)
        return found.group(1) if found else None

    return match


def _samconfig_stacks(path: Path | None) -> list[str]:
    if path is None or not path.is_file():
        return []
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    names = {
        str(env.get("global", {}).get("parameters", {}).get("stack_name", ""))
        for env in config.values()
        if isinstance(env, dict)
    }
    return sorted((name for name in names if name), key=len, reverse=True)
