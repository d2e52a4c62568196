"""The length, size and pattern constraints of botocore's service models, checked as AWS's request validation does.

botocore validates only minimums on the client; AWS validates the rest on the server and answers
``ValidationException`` with Coral's message shape, for example (SageMaker ``CreateModel``, Step Functions
``StartExecution``; see the API references' "Length Constraints" and "Pattern" of each member)::

    1 validation error detected: Value 'x...x' at 'modelName' failed to satisfy constraint: Member must have length
    less than or equal to 63
    2 validation errors detected: Value 'x...x' at 'trainingJobName' failed to satisfy constraint: Member must
    satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; Value 'x...x' at 'trainingJobName' failed
    to satisfy constraint: Member must have length less than or equal to 63
    1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have size less than or
    equal to 262144 bytes in UTF-8 encoding

What is checked, for every member of the request, nested ones included: a string's ``max`` length and ``pattern``
(the whole value must match, see :mod:`.patterns`), a list's and a map's ``max`` number of entries, a number's
``max``; map keys and values as Coral reports them (``Map keys must satisfy constraint: [...]``). Strictest where AWS
leaves it open: a length counts UTF-16 code units (Java's ``String.length``, never fewer than code points); a member
whose documentation says its length is "expressed as bytes in UTF-8 encoding" is measured in UTF-8 bytes; a sensitive
member's value is not repeated in the message (``Value at 'input'``), as AWS does.

Examples
--------
>>> import botocore.session
>>> model = botocore.session.get_session().get_service_model("sagemaker")
>>> shape = model.operation_model("CreateModel").input_shape
>>> violations(shape, {"ModelName": "m" * 64, "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r"})
["Value 'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm' at 'modelName' failed to satisfy constraint: Member must have length less than or equal to 63"]
"""  # noqa: E501 - the doctest's expected line is one string

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlopsctl.local.moto_patches.limits.patterns import full_match

_BYTES_NOTE = "bytes in UTF-8 encoding"


def _camel(name: str) -> str:
    """Coral's spelling of a member in a path: the first letter in lower case (``ModelName`` → ``modelName``)."""
    return name[:1].lower() + name[1:]


def _utf16_length(value: str) -> int:
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


def _in_bytes(shape: Any) -> bool:
    return _BYTES_NOTE in (getattr(shape, "documentation", "") or "")


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}={_shown(item)}" for key, item in value.items()) + "}"
    return str(value)


def _string_rules(shape: Any, value: str) -> list[str]:
    """Pattern first, then length: the order of AWS's own two-error messages (e.g. a too-long ``trainingJobName``)."""
    rules = []
    pattern = shape.metadata.get("pattern")
    if pattern is not None and not full_match(pattern, value):
        shown = pattern if pattern.startswith("^") else f"^{pattern}"  # AWS prints the anchor botocore's model drops
        rules.append(f"Member must satisfy regular expression pattern: {shown}")
    maximum = shape.metadata.get("max")
    if maximum is not None and _in_bytes(shape) and len(value.encode("utf-8", "surrogatepass")) > maximum:
        rules.append(f"Member must have size less than or equal to {maximum} {_BYTES_NOTE}")
    elif maximum is not None and not _in_bytes(shape) and _utf16_length(value) > maximum:
        rules.append(f"Member must have length less than or equal to {maximum}")
    return rules


def _own_rules(shape: Any, value: Any) -> list[str]:
    """The constraints ``value`` breaks on ``shape`` itself (not in its members)."""
    maximum = shape.metadata.get("max")
    if shape.type_name == "string" and isinstance(value, str):
        return _string_rules(shape, value)
    if shape.type_name in ("list", "map") and maximum is not None and len(value) > maximum:
        return [f"Member must have length less than or equal to {maximum}"]
    if shape.type_name in ("integer", "long", "float", "double") and maximum is not None:
        number = value if isinstance(value, int | float) else None
        if number is not None and not isinstance(number, bool) and number > maximum:
            return [f"Member must have value less than or equal to {maximum}"]
    return []


def _message(shape: Any, value: Any, path: str, rule: str) -> str:
    if shape.metadata.get("sensitive"):
        return f"Value at '{path}' failed to satisfy constraint: {rule}"
    return f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: {rule}"


def _map_rules(shape: Any, value: Mapping[str, Any]) -> list[str]:
    rules = []
    keys = sorted({rule for key in value for rule in _own_rules(shape.key, key)})
    if keys:
        rules.append("Map keys must satisfy constraint: [" + ", ".join(keys) + "]")
    values = sorted({rule for item in value.values() for rule in _own_rules(shape.value, item)})
    if values:
        rules.append("Map value must satisfy constraint: [" + ", ".join(values) + "]")
    return rules


def violations(shape: Any, value: Any, path: str = "") -> list[str]:
    """Every constraint of ``shape`` that ``value`` (a request or a part of it, in the model's names) breaks.

    Parameters
    ----------
    shape
        A botocore ``Shape`` (an operation's ``input_shape`` for a whole request).
    value
        The value as sent (structures as dicts with the model's member names).
    path
        Where ``value`` sits in the request, Coral style (``productionVariants.1.member.modelName``).
    """
    if value is None:
        return []
    found = [_message(shape, value, path, rule) for rule in _own_rules(shape, value)]
    if shape.type_name == "structure" and isinstance(value, Mapping):
        for name, member in shape.members.items():
            where = f"{path}.{_camel(name)}" if path else _camel(name)
            found += violations(member, value.get(name), where)
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value, start=1):
            found += violations(shape.member, item, f"{path}.{index}.member")
    elif shape.type_name == "map" and isinstance(value, Mapping):
        found += [_message(shape, value, path, rule) for rule in _map_rules(shape, value)]
    return found


def validation_message(found: list[str]) -> str:
    """Coral's ``ValidationException`` message for the violations found (at least one)."""
    count = len(found)
    noun = "validation error" if count == 1 else "validation errors"
    return f"{count} {noun} detected: " + "; ".join(found)
