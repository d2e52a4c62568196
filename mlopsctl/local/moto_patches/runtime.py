"""Starting moto for a local stack: in process (``mock_aws``) or as ``moto_server`` on a loopback port.

Both run Step Functions executions (``execute_state_machine``) and Lambda without Docker (the stack runs the
handlers itself). boto3's default session, from which moto's Step Functions interpreter creates its clients, is made
afresh for the stack's lifetime, so it has the action log's and the faults' hooks whatever the process did before.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, cast
from unittest import mock

import boto3  # type: ignore[import-untyped, unused-ignore]
from moto import mock_aws
from moto.core.config import default_user_config

from mlopsctl.local.moto_patches.backends import reset_moto
from mlopsctl.local.runtime.http_server import AppWrapper, LoopbackServer

if TYPE_CHECKING:
    from moto.core.config import DefaultConfig

MOTO_CONFIG: dict[str, Any] = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


def start_moto(exit_stack: ExitStack, *, server: bool, port: int = 0, wrap: AppWrapper | None = None) -> str | None:
    """Start moto until ``exit_stack`` closes; return ``moto_server``'s address (``None`` in process).

    ``port``: the loopback port to serve (0: a free one; :class:`~mlopsctl.local.runtime.http_server.PortInUseError`
    when it is taken); ``wrap``: a middleware around moto's WSGI application.
    """
    exit_stack.enter_context(mock.patch.object(boto3, "DEFAULT_SESSION", None))
    if not server:
        exit_stack.enter_context(mock_aws(config=cast("DefaultConfig", MOTO_CONFIG)))
        return None
    moto = LoopbackServer(port, wrap)
    reset_moto()
    exit_stack.enter_context(mock.patch.dict(default_user_config, MOTO_CONFIG))
    moto.start()
    exit_stack.enter_context(mock.patch.dict("os.environ", {"MOTO_PORT": str(moto.port)}))
    exit_stack.callback(reset_moto)
    exit_stack.callback(moto.stop)
    return moto.url
