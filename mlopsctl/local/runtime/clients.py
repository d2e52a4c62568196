"""boto3 clients of the local stack itself (provisioning, dispatch, user actions), kept apart from the system's."""

from __future__ import annotations

import threading
from typing import Any

import boto3  # type: ignore[import-untyped, unused-ignore]
from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.runtime.actionlog import STACK_USER_AGENT


class StackClients:
    """Clients against moto (in process, or ``endpoint_url`` for ``moto_server``) whose calls are not logged.

    Parameters
    ----------
    region:
        The stack's region.
    endpoint_url:
        The ``moto_server`` address, or ``None`` for the in-process mock.
    """

    def __init__(self, region: str, endpoint_url: str | None = None) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self._lock = threading.Lock()
        self._session: boto3.session.Session | None = None
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """The (cached) client for ``service``."""
        with self._lock:
            if service not in self._clients:
                if self._session is None:
                    self._session = boto3.session.Session(
                        aws_access_key_id="testing",
                        aws_secret_access_key="testing",  # noqa: S106 - moto's fake credentials
                        region_name=self.region,
                    )
                config = Config(user_agent_extra=STACK_USER_AGENT, retries={"mode": "standard", "max_attempts": 1})
                self._clients[service] = self._session.client(
                    service,
                    endpoint_url=self.endpoint_url,
                    config=config,
                )
            return self._clients[service]
