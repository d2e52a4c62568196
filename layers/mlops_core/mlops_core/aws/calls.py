"""Running an AWS call and translating its failure into the project's typed errors.

Examples
--------
>>> from mlops_core.aws.calls import aws_call
>>> # with aws_call("CreateLabelingJob"):
>>> #     client.create_labeling_job(**request)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
    ClientError,
    HTTPClientError,
)
from botocore.exceptions import (  # type: ignore[import-untyped, unused-ignore]
    ConnectionError as BotocoreConnectionError,
)

from mlops_core.aws.errors import error_for
from mlops_core.errors import TransientError


def error_code(exc: Any) -> str:
    """The AWS error code of a ``ClientError`` (``""`` when it has none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: Any) -> str:
    """The AWS error message of a ``ClientError``."""
    return str(exc.response.get("Error", {}).get("Message", ""))


def http_status(exc: Any) -> int | None:
    """The HTTP status of a ``ClientError``, when known."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


@contextmanager
def aws_call(operation: str) -> Iterator[None]:
    """Translate a failed AWS call: ``ClientError`` by its code, lost connections and timeouts as transient.

    botocore's standard retry mode has retried before this sees the error. Other botocore errors (parameter
    validation: a bug in our request) propagate unchanged.
    """
    try:
        yield
    except ClientError as exc:
        raise error_for(operation, error_code(exc), error_message(exc), http_status(exc)) from exc
    except (BotocoreConnectionError, HTTPClientError) as exc:
        raise TransientError(f"{operation} could not reach AWS: {exc}") from exc
