"""An environment in which the SageMaker SDK can build a pipeline definition and provably reach nothing.

Inside :func:`offline_environment`: fake credentials and region, every AWS endpoint at a dead loopback port,
no AWS or SageMaker SDK configuration files (so a developer's defaults cannot change the output), IAM role
validation off, and a socket guard that turns any connection attempt (loopback included) into
:class:`NetworkAccessError` at once, so an SDK call that would need AWS fails loudly instead of being retried.
"""

from __future__ import annotations

import os
import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

DEAD_ENDPOINT = "http://127.0.0.1:9"
"""The discard port: nothing listens there, and the socket guard stops the attempt before it is made."""


class NetworkAccessError(RuntimeError):
    """Something tried to open a network connection while building the definition offline."""


def _environment(config_dir: Path) -> dict[str, str]:
    empty = str(config_dir / "empty")
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": DEAD_ENDPOINT,
        "AWS_CONFIG_FILE": empty,
        "AWS_SHARED_CREDENTIALS_FILE": empty,
        "AWS_EC2_METADATA_DISABLED": "true",
        "SAGEMAKER_VALIDATE_ROLE": "false",
        "SAGEMAKER_ADMIN_CONFIG_OVERRIDE": str(config_dir),
        "SAGEMAKER_USER_CONFIG_OVERRIDE": str(config_dir),
    }


@contextmanager
def offline_environment() -> Iterator[None]:
    """Set the offline environment and the socket guard; restore both on exit."""
    saved_env = dict(os.environ)
    saved_connect = socket.socket.connect
    saved_connect_ex = socket.socket.connect_ex

    def refuse(_sock: socket.socket, address: Any) -> Any:
        raise NetworkAccessError(f"network access attempted while generating offline: {address!r}")

    with tempfile.TemporaryDirectory(prefix="sagemaker-sdk-config-") as config_dir:
        (Path(config_dir) / "config.yaml").write_text("", encoding="utf-8")
        (Path(config_dir) / "empty").write_text("", encoding="utf-8")
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update(_environment(Path(config_dir)))
        socket.socket.connect = refuse  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = refuse  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            socket.socket.connect = saved_connect  # type: ignore[method-assign]
            socket.socket.connect_ex = saved_connect_ex  # type: ignore[method-assign]
            os.environ.clear()
            os.environ.update(saved_env)
