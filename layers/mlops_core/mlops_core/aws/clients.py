"""One place that creates boto3 clients: standard retry mode, bounded timeouts, the Region from the environment.

Functions build a :class:`ClientFactory` once per cold start (lazily, so tests can start moto or inject clients
first) and hand its clients to adapters. botocore's *standard* retry mode retries throttling, transient and
connection errors with exponential back-off and a retry quota; no adapter writes its own retry loop.

``AWS_ENDPOINT_URL`` (and ``AWS_ENDPOINT_URL_<SERVICE>``) are honoured by botocore itself, which is how the local
stack points every client at ``moto_server``.

Examples
--------
>>> factory = ClientFactory(region="us-east-1")
>>> factory.region
'us-east-1'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3  # type: ignore[import-untyped, unused-ignore]
from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]

from mlops_core.errors import ConfigurationError

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

MAX_ATTEMPTS = 5
"""Attempts per call in standard retry mode (the first try plus four retries)."""


def retry_config(max_attempts: int = MAX_ATTEMPTS) -> Any:
    """The botocore ``Config`` every client uses: standard retries, bounded connect and read timeouts."""
    return Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=5,
        read_timeout=30,
        user_agent_extra="sagemaker-mlops-automation",
    )


def region_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The Region Lambda runs in (``AWS_REGION``), or the SDK default (``AWS_DEFAULT_REGION``)."""
    env = os.environ if environ is None else environ
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None


class ClientFactory:
    """Creates each service's client once and hands out the same instance afterwards.

    Parameters
    ----------
    region
        The Region; by default from the environment. A missing Region fails with :class:`ConfigurationError`.
    session
        A boto3 session (default: a new one, reading credentials the usual way).
    config
        A botocore ``Config``; by default :func:`retry_config`.
    """

    def __init__(self, region: str | None = None, session: Any = None, config: Any = None) -> None:
        resolved = region or region_from_env()
        if not resolved:
            raise ConfigurationError("AWS_REGION is required but not set")
        self.region: str = resolved
        self._session = session if session is not None else boto3.session.Session(region_name=resolved)
        self._config = config if config is not None else retry_config()
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """The client of an AWS service (``"s3"``, ``"dynamodb"``, ...), created on first use."""
        if service not in self._clients:
            self._clients[service] = self._session.client(service, region_name=self.region, config=self._config)
        return self._clients[service]

    def sagemaker(self) -> SageMakerClient:
        """The SageMaker client, typed."""
        client: SageMakerClient = self.client("sagemaker")
        return client
