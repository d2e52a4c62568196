"""A small typed layer over DynamoDB's low-level client: plain Python values in and out, typed errors.

:class:`DynamoTable` covers what the ledger, the locks and the object claims need: consistent reads, conditional
writes, paginated queries, batched reads and multi-table transactions. Items are plain dicts (``str``, ``int``,
``bool``, lists, maps, ``None``); numbers come back as ``int`` when integral. Conditions use DynamoDB's expression
language with placeholders, never string-built values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # type: ignore[import-untyped, unused-ignore]
from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from mlops_core.aws.calls import aws_call, error_code
from mlops_core.aws.errors import ConditionFailedError
from mlops_core.errors import TransientError

Item = dict[str, Any]

MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_GET_KEYS = 100
_BATCH_GET_ROUNDS = 5

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, list | tuple):
        return [_decimals(v) for v in value]
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values to DynamoDB's typed JSON (``{"S": ...}``); floats are stored as exact decimals."""
    return {k: _serializer.serialize(_decimals(v)) for k, v in item.items()}


def deserialize(item: Mapping[str, Any]) -> Item:
    """DynamoDB's typed JSON to plain values (integral numbers as ``int``)."""
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


@dataclass(frozen=True, slots=True)
class Expression:
    """A condition or update expression with its placeholders (``#name`` and ``:value``)."""

    text: str
    names: Mapping[str, str] | None = None
    values: Mapping[str, Any] | None = None

    def params(self, key: str) -> dict[str, Any]:
        """The request parameters for this expression under ``key`` (``ConditionExpression`` ...)."""
        params: dict[str, Any] = {key: self.text}
        if self.names:
            params["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            params["ExpressionAttributeValues"] = serialize(self.values)
        return params


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key in {"ExpressionAttributeNames", "ExpressionAttributeValues"}:
                merged.setdefault(key, {}).update(value)
            else:
                merged[key] = value
    return merged


class TransactionCancelledError(ConditionFailedError):
    """A transaction did not apply; :attr:`reasons` has one entry per action, in order.

    Each reason is ``{"code": "None" | "ConditionalCheckFailed" | ..., "item": <old item or None>}``.
    """

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        super().__init__("transaction cancelled: " + ", ".join(r["code"] for r in reasons))
        self.reasons = reasons


class DynamoTable:
    """One DynamoDB table.

    Parameters
    ----------
    client
        A DynamoDB client (see :class:`~mlops_core.aws.clients.ClientFactory`).
    name
        The table's name.
    """

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def get(self, key: Mapping[str, Any], *, consistent: bool = True) -> Item | None:
        """The item with this key, or ``None``."""
        with aws_call("GetItem"):
            response = self.client.get_item(TableName=self.name, Key=serialize(key), ConsistentRead=consistent)
        item = response.get("Item")
        return deserialize(item) if item else None

    def put(self, item: Mapping[str, Any], condition: Expression | None = None) -> None:
        """Write an item; with a condition, raise :class:`ConditionFailedError` when it does not hold."""
        params = _merge({"TableName": self.name, "Item": serialize(item)}, *self._condition(condition))
        self._conditional("PutItem", self.client.put_item, params)

    def update(self, key: Mapping[str, Any], update: Expression, condition: Expression | None = None) -> Item:
        """Update an item and return it as it is after the update."""
        params = _merge(
            {"TableName": self.name, "Key": serialize(key), "ReturnValues": "ALL_NEW"},
            update.params("UpdateExpression"),
            *self._condition(condition),
        )
        response = self._conditional("UpdateItem", self.client.update_item, params)
        return deserialize(response.get("Attributes", {}))

    def delete(self, key: Mapping[str, Any], condition: Expression | None = None) -> None:
        """Delete an item; with a condition, raise :class:`ConditionFailedError` when it does not hold."""
        params = _merge({"TableName": self.name, "Key": serialize(key)}, *self._condition(condition))
        self._conditional("DeleteItem", self.client.delete_item, params)

    def query(self, key_condition: Expression, *, consistent: bool = True) -> Iterator[Item]:
        """Every item matching a key condition, page after page."""
        params = _merge(
            {"TableName": self.name, "ConsistentRead": consistent}, key_condition.params("KeyConditionExpression")
        )
        with aws_call("Query"):
            for page in self.client.get_paginator("query").paginate(**params):
                for item in page.get("Items", []):
                    yield deserialize(item)

    def batch_get(self, keys: Sequence[Mapping[str, Any]]) -> list[Item]:
        """The existing items among ``keys`` (in no particular order), read consistently, 100 keys per call.

        Unprocessed keys are asked for again a bounded number of times; if DynamoDB still has not answered, the
        read fails as a :class:`TransientError`.
        """
        found: list[Item] = []
        for start in range(0, len(keys), MAX_BATCH_GET_KEYS):
            pending: dict[str, Any] = {
                self.name: {
                    "Keys": [serialize(k) for k in keys[start : start + MAX_BATCH_GET_KEYS]],
                    "ConsistentRead": True,
                }
            }
            for _ in range(_BATCH_GET_ROUNDS):
                with aws_call("BatchGetItem"):
                    response = self.client.batch_get_item(RequestItems=pending)
                found.extend(deserialize(i) for i in response.get("Responses", {}).get(self.name, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
            if pending:
                raise TransientError(
                    f"BatchGetItem on {self.name} left keys unprocessed after {_BATCH_GET_ROUNDS} rounds"
                )
        return found

    # -- transaction actions ---------------------------------------------------------------------------------

    def put_action(
        self, item: Mapping[str, Any], condition: Expression | None = None, *, return_old_on_failure: bool = False
    ) -> dict[str, Any]:
        """A ``Put`` for :func:`transact_write`."""
        put = _merge({"TableName": self.name, "Item": serialize(item)}, *self._condition(condition))
        if return_old_on_failure:
            put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Put": put}

    def update_action(
        self, key: Mapping[str, Any], update: Expression, condition: Expression | None = None
    ) -> dict[str, Any]:
        """An ``Update`` for :func:`transact_write`."""
        body = _merge(
            {"TableName": self.name, "Key": serialize(key)},
            update.params("UpdateExpression"),
            *self._condition(condition),
        )
        return {"Update": body}

    # -- helpers ---------------------------------------------------------------------------------------------

    @staticmethod
    def _condition(condition: Expression | None) -> list[dict[str, Any]]:
        return [condition.params("ConditionExpression")] if condition else []

    @staticmethod
    def _conditional(operation: str, call: Any, params: dict[str, Any]) -> Any:
        with aws_call(operation):
            try:
                return call(**params)
            except ClientError as exc:
                if error_code(exc) == "ConditionalCheckFailedException":
                    raise ConditionFailedError(f"{operation}: condition not met") from exc
                raise


def transact_write(client: Any, actions: Sequence[dict[str, Any]]) -> None:
    """Apply up to 100 actions (over one or more tables) atomically.

    Raises
    ------
    TransactionCancelledError
        When a condition did not hold; its reasons say which (and carry the old item when asked for).
    TransientError
        When the transaction conflicted with another one, or DynamoDB throttled or failed.
    """
    if len(actions) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"a transaction takes at most {MAX_TRANSACTION_ITEMS} actions, got {len(actions)}")
    with aws_call("TransactWriteItems"):
        try:
            client.transact_write_items(TransactItems=list(actions))
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            raw = exc.response.get("CancellationReasons") or []
            reasons = [
                {"code": r.get("Code", "None"), "item": deserialize(r["Item"]) if r.get("Item") else None} for r in raw
            ]
            if any(
                r["code"] in {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
                for r in reasons
            ):
                raise TransientError("TransactWriteItems conflicted with another write; retry later") from exc
            raise TransactionCancelledError(reasons) from exc
