"""DynamoDB item writes applied whole, as DynamoDB applies them (patch of moto internals, checked on moto 5.2.5).

"DynamoDB provides four operations for basic create, read, update, and delete (CRUD) functionality. All these
operations are atomic" (DynamoDB Developer Guide, Working with items and attributes,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html), and "Individual write
operations such as UpdateItem are atomic and always operate on the most recent version of the item, regardless of
concurrency" (Best practices for handling concurrent updates,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/BestPractices_ImplementingVersionControl.html).

moto's ``UpdateItem`` is not: on a new item it stores the item with its keys only, then sets the update's
attributes one by one on the stored item, so a reader in another thread (``mlopsctl local up`` serves moto on
threads; the operator's commands read while the system writes) can see a deployment record with only its keys, or
an update half applied; and an update refused while it is applied (``Item size to update has exceeded the maximum
allowed size``) leaves what it had set, or a keys-only item. Patched, on ``DynamoDBBackend``:

- every item write (``PutItem``, ``UpdateItem``, ``DeleteItem``, ``TransactWriteItems``; ``BatchWriteItem`` is
  one of them per item) runs under one lock, and every read (``GetItem``, ``Query``, ``Scan``; ``BatchGetItem``
  reads through ``GetItem``) takes it too, so no read runs inside a write;
- a ``TransactGetItems`` holds the lock for all its items: it "provides a consistent view of the data, ensuring you
  see either all changes from a completed transaction or none at all" (Amazon DynamoDB Transactions: How it works,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html), where moto's request
  handler reads its items one ``GetItem`` at a time, so that a ``TransactWriteItems`` could land between two of
  them (a ``BatchGetItem`` is not isolated on DynamoDB either, and stays item by item);
- ``UpdateItem`` first replaces the stored item by a copy and updates the copy: an item a reader got earlier is never
  changed under it (moto serialises it after the read returns), and a refused update puts the item back as it was
  (or removes the one it created): nothing is applied, as DynamoDB refuses the whole request.

Examples
--------
>>> with installed():
...     pass
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler

#: One lock for every table of every backend: moto's writes are fast, and one lock cannot deadlock.
_lock = threading.RLock()

#: The item operations of the backend that run whole under the lock (``update_item`` also on a copy, see above).
WRITES = ("put_item", "delete_item", "transact_write_items")
READS = ("get_item", "query", "scan")


def _locked(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def call(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return original(*args, **kwargs)

    return call


class _Slot:
    """Where a table keeps the item of a key (``items[hash][range]``, or ``items[hash]`` without a range key)."""

    def __init__(self, backend: DynamoDBBackend, table_name: str, key: dict[str, Any]) -> None:
        self.table = backend.get_table(table_name)
        self.hash_key, self.range_key = backend.get_keys_value(self.table, key)

    def get(self) -> Any:
        return self.table.get_item(self.hash_key, self.range_key)

    def put(self, item: Any) -> None:
        if self.range_key is not None:
            self.table.items[self.hash_key][self.range_key] = item
        else:
            self.table.items[self.hash_key] = item

    def restore(self, before: Any) -> None:
        if before is not None:
            self.put(before)
        elif self.get() is not None:
            self.table.delete_item(self.hash_key, self.range_key)


def _whole_update(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def update_item(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        with _lock:
            slot = _Slot(self, table_name, key)
            before = slot.get()
            if before is not None:
                slot.put(copy.deepcopy(before))
            try:
                return original(self, table_name, key, *args, **kwargs)
            except BaseException:
                slot.restore(before)
                raise

    return update_item


@contextmanager
def installed() -> Iterator[None]:
    """Apply DynamoDB's item writes whole while the context is open (it wraps what is installed when it opens)."""
    with ExitStack() as stack:
        for name in (*WRITES, *READS):
            stack.enter_context(mock.patch.object(DynamoDBBackend, name, _locked(getattr(DynamoDBBackend, name))))
        # moto's TransactGetItems is its handler's loop of GetItem calls: the whole loop under the lock
        handler = _locked(DynamoHandler.transact_get_items)
        stack.enter_context(mock.patch.object(DynamoHandler, "transact_get_items", handler))
        whole = _whole_update(DynamoDBBackend.update_item)
        stack.enter_context(mock.patch.object(DynamoDBBackend, "update_item", whole))
        yield
