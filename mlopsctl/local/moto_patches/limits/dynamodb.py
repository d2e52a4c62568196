"""DynamoDB's 400 KB item limit, measured as DynamoDB measures it (patch of moto internals, checked on moto 5.2.5).

"All size measurements in DynamoDB use binary-based units. DynamoDB denotes 1 KB = 1024 bytes" and "The maximum item
size in DynamoDB is 400 KB, which includes both attribute name binary length (UTF-8 length) and attribute value
lengths" (DynamoDB Developer Guide, Constraints in Amazon DynamoDB, Items). An item's size is the sum over its
attributes of the name's UTF-8 bytes and the value's size: a string its UTF-8 bytes; a number "(1 byte per two
significant digits) + (1 byte)"; a binary its raw bytes; null and Boolean 1 byte; a list or map "3 bytes of
overhead" plus its elements, each with "an additional 1 byte" (Developer Guide, DynamoDB item sizes and formats).
Sets count their elements. Numbers are "approximately" so: rounded up.

moto (``LimitedSizeDict``) refuses items over 405,000 bytes of its own measure (no list/map overhead), so it refuses
items DynamoDB accepts (405,001 to 409,600 bytes) and accepts map-heavy items DynamoDB refuses. Patched:
``LimitedSizeDict.__setitem__`` measures the item as above against 409,600 bytes; every write path (``PutItem``,
``UpdateItem``, ``BatchWriteItem``, ``TransactWriteItems``) builds items through it and answers ``ValidationException``
("Item size has exceeded the maximum allowed size", or "Item size to update has exceeded ..." for an update) as
before. Key sizes (2,048 bytes for a partition key, 1,024 for a sort key) moto already enforces as DynamoDB does.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any
from unittest import mock

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict

#: 400 KB in DynamoDB's binary units.
MAX_ITEM_BYTES = 400 * 1024


def _number_bytes(text: str) -> int:
    try:
        digits = Decimal(text).as_tuple().digits
    except InvalidOperation:
        return len(text.encode("utf-8"))
    significant = "".join(map(str, digits)).strip("0") or "0"
    return math.ceil(len(significant) / 2) + 1


def _binary_bytes(value: Any) -> int:
    if isinstance(value, bytes | bytearray):
        return len(value)
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value).encode("utf-8"))


def value_bytes(attribute: Any) -> int:  # noqa: PLR0911 - one return per DynamoDB type
    """The size of one attribute value (a ``DynamoType`` or its ``{"S": ...}`` form), without its name."""
    kind, value = next(iter((attribute.to_json() if isinstance(attribute, DynamoType) else attribute).items()))
    if kind == "S":
        return len(str(value).encode("utf-8", "surrogatepass"))
    if kind == "N":
        return _number_bytes(str(value))
    if kind == "B":
        return _binary_bytes(value)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_bytes({kind[0]: item}) for item in value)
    if kind == "L":
        return 3 + sum(1 + value_bytes(item) for item in value)
    if kind == "M":
        return 3 + sum(1 + len(name.encode("utf-8")) + value_bytes(item) for name, item in value.items())
    return len(str(value).encode("utf-8"))


def item_bytes(attributes: dict[str, Any]) -> int:
    """An item's size: each attribute's name (UTF-8) plus its value."""
    return sum(len(name.encode("utf-8", "surrogatepass")) + value_bytes(value) for name, value in attributes.items())


def _setitem(item: LimitedSizeDict, key: str, value: Any) -> None:
    attributes = {**item, key: value}
    if item_bytes(attributes) > MAX_ITEM_BYTES:
        raise ItemSizeTooLarge
    dict.__setitem__(item, key, value)


@contextmanager
def installed() -> Iterator[None]:
    """Measure items as DynamoDB does while the context is open."""
    with mock.patch.object(LimitedSizeDict, "__setitem__", _setitem):
        yield
