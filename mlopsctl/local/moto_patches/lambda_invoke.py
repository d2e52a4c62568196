"""Lambda invocations that run our handlers (a patch of a moto internal; see :data:`.checked.PATCHES`).

moto's simple Lambda backend (``use_docker: False``) echoes the payload back instead of running the function. While
installed, ``LambdaSimpleBackend.invoke`` calls ``run(name, body, response_headers)`` instead, which runs the
handler in process (:mod:`mlopsctl.local.runtime.functions`); Step Functions' Lambda tasks and the ``Invoke`` API
both reach it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from moto.awslambda_simple.models import LambdaSimpleBackend

#: ``run(function_name, body, response_headers)`` → the invocation's response payload.
Runner = Callable[[str, Any, Any], Any]


@contextmanager
def lambda_invokes_run(run: Runner) -> Iterator[None]:
    """Make moto's Lambda ``Invoke`` call ``run`` while the context is open."""

    def invoke(_backend: Any, name: str, _qualifier: Any, body: Any, _headers: Any, response_headers: Any) -> Any:
        return run(name, body, response_headers)

    with mock.patch.object(LambdaSimpleBackend, "invoke", invoke):
        yield
