"""Typed read models of the ledger items ``mlopsctl lineage`` follows, and the reads that find them.

The items are the system's own (docs/wiring.md, "Ledger"); their keys come from the layer's key helpers, so the
command reads exactly where the handlers write:

==========================  ===========================================  ===============================================
read model                  ledger item                                  written by
==========================  ===========================================  ===============================================
:class:`ExecutionView`      ``PIPELINE#<pipeline>`` / ``EXECUTION#<id>``  the function that started it, PipelineEvents
:class:`LabelingJobView`    ``LABELING_JOB#<name>`` / ``LABELING_JOB``     DataArrival, LabelingEvents
:class:`BatchView`          ``BATCH#<id>`` / ``BATCH`` and ``OBJECT#…``    DataArrival (training fields: the starters)
:class:`DeploymentView`     ``ENDPOINT#<endpoint>`` / ``DEPLOYMENT#…``     the Deploy and Rollback machines' tasks
==========================  ===========================================  ===============================================

:class:`LedgerReader` reads them with the operator's DynamoDB client (``GetItem``, ``Query``), so an AWS refusal is
the command's one-line error naming the action. Every view's :meth:`as_json` is its part of the command's documented
``--json`` schema (:mod:`mlopsctl.ops.lineage`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer  # type: ignore[import-untyped, unused-ignore]

from mlops_core.aws.ledger import batch_key
from mlops_core.training.ledger_items import BatchTrainingItem, ExecutionItem, LabelingJobItem
from mlops_core.training.records import execution_key, execution_record, labeling_job_key

#: How many of a batch's object keys the lineage lists (the count is always whole).
FIRST_KEYS = 5

_DESERIALIZER = TypeDeserializer()


def _plain(value: Any) -> Any:
    """DynamoDB's numbers as ``int``/``float``, recursively (JSON-ready)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def _text(item: Mapping[str, Any], *names: str) -> str | None:
    """The first of ``names`` the item has as a non-empty value, as text."""
    for name in names:
        value = item.get(name)
        if value not in (None, ""):
            return str(value)
    return None


@dataclass(frozen=True, slots=True)
class ExecutionView:
    """A pipeline execution: what the ledger recorded of it (``recorded`` is false when it has no record)."""

    arn: str
    pipeline_name: str
    execution_id: str
    status: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    failed_step: str | None = None
    reason: str | None = None
    batch_id: str | None = None
    labeling_job_name: str | None = None
    input_manifest_uri: str | None = None
    recorded: bool = False

    @classmethod
    def of(cls, arn: str, pipeline_name: str, execution_id: str, item: Mapping[str, Any] | None) -> ExecutionView:
        """The view of the execution ``arn`` from its ledger item (``None``: not recorded)."""
        if item is None:
            return cls(arn=arn, pipeline_name=pipeline_name, execution_id=execution_id)
        record = execution_record(pipeline_name, execution_id, {"execution_arn": arn, **item})
        found = ExecutionItem.of_item(item)
        return cls(
            arn=arn,
            pipeline_name=pipeline_name,
            execution_id=execution_id,
            status=record.status or None,
            started_at=found.started_at or found.requested_at or None,
            ended_at=found.ended_at or None,
            failed_step=found.failed_step or None,
            reason=found.reason or None,
            batch_id=record.batch_id or None,
            labeling_job_name=record.labeling_job_name or None,
            input_manifest_uri=record.input_manifest_uri or None,
            recorded=True,
        )

    def as_json(self) -> dict[str, Any]:
        """``pipeline_execution`` of the lineage document."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class LabelingJobView:
    """A Ground Truth labeling job as the ledger knows it."""

    name: str
    status: str | None = None
    batch_id: str | None = None
    output_manifest_uri: str | None = None

    @classmethod
    def of(cls, name: str, item: Mapping[str, Any]) -> LabelingJobView:
        """The view of the labeling job's ledger item (``labeling_status`` and ``labeling_output_uri``, the batch
        record's spelling, are read as a fallback, as the view always did: no writer of the layer puts them there)."""
        found = LabelingJobItem.of_item(item)
        extra = BatchTrainingItem.of_item(item)
        return cls(
            name=found.labeling_job_name or name,
            status=found.status or extra.labeling_status or None,
            batch_id=found.batch_id or None,
            output_manifest_uri=found.output_manifest_uri or extra.labeling_output_uri or None,
        )

    def as_json(self) -> dict[str, Any]:
        """``labeling_job`` of the lineage document."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class BatchView:
    """A data batch: its record, how many objects it holds, and the first few of their keys."""

    id: str
    kind: str | None
    status: str | None
    created_at: str | None
    manifest_uri: str | None
    objects: int
    keys: tuple[str, ...]

    @classmethod
    def of(cls, batch_id: str, item: Mapping[str, Any], members: Sequence[Mapping[str, Any]]) -> BatchView:
        """The view of a batch record and its member items."""
        keys = sorted(f"s3://{m['bucket']}/{m['key']}" for m in members if m.get("bucket") and m.get("key"))
        return cls(
            id=batch_id,
            kind=_text(item, "kind"),
            status=_text(item, "status"),
            created_at=_text(item, "created_at"),
            manifest_uri=_text(item, "manifest_uri"),
            objects=len(members) or int(_plain(item.get("object_count", 0))),
            keys=tuple(keys[:FIRST_KEYS]),
        )

    def as_json(self) -> dict[str, Any]:
        """``batch`` of the lineage document."""
        return {**asdict(self), "keys": list(self.keys)}


#: The deployment record's fields the lineage shows (the record holds more: ``mlopsctl history`` shows them).
#: ``rollback_of`` is set on a rollback's record: the package was put back by a rollback of that deployment.
DEPLOYMENT_FIELDS = (
    "deployment_id",
    "endpoint_name",
    "outcome",
    "reason",
    "alarm",
    "started_at",
    "finished_at",
    "strategy",
    "endpoint_config_name",
    "execution_arn",
    "rolled_back_by",
    "rollback_of",
)


@dataclass(frozen=True, slots=True)
class DeploymentView:
    """One deployment of the package to the stack's endpoint (a ledger deployment record)."""

    fields: Mapping[str, Any]

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> DeploymentView:
        """The view of a deployment record."""
        return cls({name: _plain(item.get(name)) for name in DEPLOYMENT_FIELDS})

    def as_json(self) -> dict[str, Any]:
        """One entry of ``deployments`` in the lineage document."""
        return dict(self.fields)


class LedgerReader:
    """Reads ledger items with a DynamoDB client (``GetItem``, ``Query``), deserialized to plain values."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client, self._table = client, table_name

    def get(self, key: Mapping[str, str]) -> dict[str, Any] | None:
        """The item with this key, or ``None``."""
        found = self._client.get_item(TableName=self._table, Key={k: {"S": v} for k, v in key.items()})
        item = found.get("Item")
        return _plain({k: _DESERIALIZER.deserialize(v) for k, v in item.items()}) if item else None

    def query(self, pk: str, sk_prefix: str | None = None) -> Iterator[dict[str, Any]]:
        """Every item of partition ``pk`` (whose sort key starts with ``sk_prefix``), in sort-key order."""
        values = {":pk": {"S": pk}}
        condition = "pk = :pk"
        if sk_prefix:
            condition += " AND begins_with(sk, :prefix)"
            values[":prefix"] = {"S": sk_prefix}
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table, KeyConditionExpression=condition, ExpressionAttributeValues=values
        )
        for page in pages:
            for item in page.get("Items", []):
                yield _plain({k: _DESERIALIZER.deserialize(v) for k, v in item.items()})

    def execution(self, arn: str) -> ExecutionView:
        """The execution ``arn`` (``arn:…:pipeline/<name>/execution/<id>``) with its ledger record, if any."""
        pipeline_name, execution_id = execution_parts(arn)
        item = self.get(execution_key(pipeline_name, execution_id))
        return ExecutionView.of(arn, pipeline_name, execution_id, item)

    def labeling_job(self, name: str) -> LabelingJobView | None:
        """The labeling job's record (keyed by its name in lower case, as SageMaker writes it in ARNs)."""
        item = self.get(labeling_job_key(name))
        return LabelingJobView.of(name, item) if item else None

    def batch(self, batch_id: str) -> BatchView | None:
        """The batch's record and members (one query of its partition)."""
        key = batch_key(batch_id)
        items = list(self.query(key["pk"]))
        record = next((i for i in items if i.get("sk") == key["sk"]), None)
        if record is None:
            return None
        members = [i for i in items if str(i.get("sk", "")).startswith("OBJECT#")]
        return BatchView.of(batch_id, record, members)

    def deployments_of(self, endpoint_name: str, package_arn: str) -> list[DeploymentView]:
        """The endpoint's deployment records of ``package_arn``, oldest first."""
        items = self.query(f"ENDPOINT#{endpoint_name}", "DEPLOYMENT#")
        return [DeploymentView.of(i) for i in items if i.get("model_package_arn") == package_arn]


def execution_parts(arn: str) -> tuple[str, str]:
    """``(pipeline name, execution id)`` of a pipeline execution ARN.

    >>> execution_parts("arn:aws:sagemaker:us-east-1:123456789012:pipeline/mlops-training/execution/7cvd8abvunxm")
    ('mlops-training', '7cvd8abvunxm')
    """
    resource = arn.split(":", 5)[-1]
    parts = resource.split("/")
    if len(parts) != 4 or parts[0] != "pipeline" or parts[2] != "execution":
        raise ValueError(f"not a pipeline execution ARN: {arn}")
    return parts[1], parts[3]
