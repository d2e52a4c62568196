"""IAM condition operators, as the IAM User Guide documents them ("IAM JSON policy elements: Condition operators").

- Operators in one block are ANDed, keys within an operator ANDed, the values of one key ORed.
- ``…IfExists``: a key absent from the request context makes that key's test true.
- A key absent from the request context makes a positive operator false and a negated one (``StringNotEquals``,
  ``StringNotLike``, ``ArnNotEquals``, ``ArnNotLike``, ``NumericNotEquals``) true.
- ``ForAnyValue:``/``ForAllValues:`` test multivalued keys (``ForAllValues`` is true for an absent or empty key, as
  documented); without a qualifier a multivalued request key matches when any of its values matches.
- ``Null``: ``true`` asks that the key be absent, ``false`` that it be present.
- Context keys are matched case-insensitively, values as the operator says.

An operator the local stack does not know is an error, never a silent match.

Examples
--------
>>> ctx = ConditionContext({"iam:PassedToService": "sagemaker.amazonaws.com"})
>>> condition_block_matches({"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}, ctx)
True
>>> condition_block_matches({"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}, ctx)
False
>>> condition_block_matches({"StringNotEquals": {"aws:SourceAccount": "1"}}, ctx)
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NumericNotEquals",
}


@dataclass(frozen=True)
class ConditionContext:
    """The request context: condition keys (any case) to one value or a list of values."""

    values: Mapping[str, str | Sequence[str]]

    def get(self, key: str) -> list[str] | None:
        """The key's values, or None when the request does not carry it."""
        wanted = key.lower()
        for name, value in self.values.items():
            if name.lower() == wanted:
                return [value] if isinstance(value, str) else [str(v) for v in value]
        return None


def _like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(body, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def _arn_like(pattern: str, value: str) -> bool:
    """ARN matching: each of the six colon-delimited parts is matched on its own, with wildcards."""
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return _like(pattern, value)
    return all(_like(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


def _number(text: str) -> float:
    return float(text)


def _bool(text: str) -> str:
    return text.strip().lower()


_BASE: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda p, v: p == v,
    "StringEqualsIgnoreCase": lambda p, v: p.lower() == v.lower(),
    "StringLike": _like,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
    "Bool": lambda p, v: _bool(p) == _bool(v),
    "NumericEquals": lambda p, v: _number(v) == _number(p),
    "NumericLessThan": lambda p, v: _number(v) < _number(p),
    "NumericLessThanEquals": lambda p, v: _number(v) <= _number(p),
    "NumericGreaterThan": lambda p, v: _number(v) > _number(p),
    "NumericGreaterThanEquals": lambda p, v: _number(v) >= _number(p),
}
_POSITIVE_OF = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}


def condition_block_matches(block: Mapping[str, Mapping[str, Any]], context: ConditionContext) -> bool:
    """Whether a statement's whole ``Condition`` block holds for the request."""
    return all(
        _key_matches(operator, key, expected, context)
        for operator, tests in block.items()
        for key, expected in dict(tests).items()
    )


def _key_matches(operator: str, key: str, expected: Any, context: ConditionContext) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    wanted = [str(v) for v in expected] if isinstance(expected, list) else [str(expected)]
    actual = context.get(key)
    if name == "Null":
        return (actual is None or actual == []) == (_bool(wanted[0]) == "true")
    negated = name in _NEGATED
    base_name = _POSITIVE_OF.get(name, name)
    test = _BASE.get(base_name)
    if test is None:
        raise ValueError(f"condition operator {operator!r} is not supported by the local stack")
    if actual is None:
        if qualifier == "ForAllValues":
            return True
        return if_exists or negated
    if qualifier == "ForAllValues":
        return all(_one(test, negated, wanted, value) for value in actual)
    if qualifier not in ("", "ForAnyValue"):
        raise ValueError(f"condition qualifier {qualifier!r} is not supported by the local stack")
    if negated and qualifier == "":
        # "StringNotEquals": true when no value of the request matches any value of the policy
        return not any(test(w, value) for w in wanted for value in actual)
    return any(_one(test, negated, wanted, value) for value in actual)


def _one(test: Callable[[str, str], bool], negated: bool, wanted: list[str], value: str) -> bool:
    matched = any(test(w, value) for w in wanted)
    return not matched if negated else matched
