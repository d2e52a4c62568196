"""AWS's ``pattern`` constraints (Java regular expressions, as in botocore's service models) for Python.

AWS validates a member with ``java.util.regex.Pattern.matches``: the whole value must match. The ``regex`` module
(installed with cfn-lint and statelint) understands the Unicode property classes the models use (``\\p{L}``,
``\\p{N}``, ...); three Java spellings need translating so that the result is never more permissive than Java:

- POSIX classes (``\\p{Alnum}``, ``\\p{ASCII}``, ``\\p{Print}``, ...) are US-ASCII only in Java (without
  ``UNICODE_CHARACTER_CLASS``), but Unicode-wide in ``regex``: they become their ASCII ranges;
- ``.`` outside a character class matches anything but a line terminator in Java (``\\n``, ``\\r``, ``\\u0085``,
  ``\\u2028``, ``\\u2029``), but only excludes ``\\n`` in Python;
- a UTF-16 surrogate pair range (``\\uD800\\uDC00-\\uDBFF\\uDFFF``) means every supplementary code point.

Examples
--------
>>> bool(full_match(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", "mlops-model-1"))
True
>>> bool(full_match(r"arn:[\\p{Alnum}\\-]+:lambda:.*", "arn:aws:lambda:x")), bool(full_match(".*", "a\\nb"))
(True, False)
"""

from __future__ import annotations

import functools
from typing import Any

import regex  # type: ignore[import-untyped, unused-ignore]

#: Java's POSIX character classes (US-ASCII), as the inside of a character class.
_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
}
_SUPPLEMENTARY_JAVA = "\\uD800\\uDC00-\\uDBFF\\uDFFF"
_SUPPLEMENTARY = "\\U00010000-\\U0010FFFF"
_JAVA_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]"


def _posix_class(pattern: str, start: int) -> tuple[str, int] | None:
    """The POSIX class ``\\p{Name}`` at ``start`` (its ASCII ranges and its length), if there is one."""
    if not pattern.startswith("\\p{", start):
        return None
    end = pattern.find("}", start)
    name = pattern[start + 3 : end] if end > 0 else ""
    return (_POSIX[name], end + 1 - start) if name in _POSIX else None


def java_to_python(pattern: str) -> str:
    """``pattern`` rewritten for the ``regex`` module with Java's meaning (see the module docstring)."""
    pattern = pattern.replace(_SUPPLEMENTARY_JAVA, _SUPPLEMENTARY)
    out: list[str] = []
    index, depth = 0, 0
    while index < len(pattern):
        char = pattern[index]
        posix = _posix_class(pattern, index)
        if posix is not None:
            ranges, length = posix
            out.append(ranges if depth else f"[{ranges}]")
            index += length
            continue
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        out.append(_JAVA_DOT if char == "." and not depth else char)
        index += 1
    return "".join(out)


@functools.cache
def compiled(pattern: str) -> Any:
    """The compiled form of a model's ``pattern`` (cached: models repeat their patterns)."""
    return regex.compile(java_to_python(pattern), regex.VERSION0)


def full_match(pattern: str, value: str) -> bool:
    """Whether ``value`` satisfies ``pattern`` as AWS checks it (the whole value matches)."""
    return compiled(pattern).fullmatch(value) is not None
