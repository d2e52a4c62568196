"""The deployment tests' handler loading: :mod:`tests.support.handlers`'s, with a context named for these tests."""

from __future__ import annotations

from typing import Any

from tests.support.handlers import LambdaContext, load_handler

__all__ = ["context", "load_handler"]


def context() -> Any:
    """A Lambda-like context."""
    return LambdaContext("test-function")
