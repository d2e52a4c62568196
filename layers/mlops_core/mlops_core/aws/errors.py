"""Typed errors for failed AWS calls, and the table that decides which failures are worth retrying.

Adapters translate botocore's ``ClientError`` into these (see :mod:`mlops_core.aws.calls`), so that services
and handlers decide on types, never on error codes or message text:

- :class:`~mlops_core.errors.TransientError`: throttling, server errors, lost connections, conflicting
  transactions, resource limits that free up. botocore's standard retry mode has already retried the call; the error
  propagates so that SQS (or ASL ``Retry``) tries again later and, in the end, the dead-letter queue keeps the event.
- :class:`RequestRejectedError`: AWS refused the request itself (validation, access denied, missing resource). The
  same request fails the same way until someone fixes the configuration.
- :class:`ConditionFailedError`: a DynamoDB condition did not hold; adapters catch it to implement
  "create if absent" and "change if still in state X".

This module imports no AWS SDK: services may catch these types without depending on boto3.
"""

from __future__ import annotations

from mlops_core.errors import MlopsError, TransientError

TRANSIENT_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "ResourceLimitExceeded",
        "TransactionConflict",
        "TransactionConflictException",
        "TransactionInProgressException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
    }
)
"""Error codes worth retrying later (AWS's throttling and server-side codes, as botocore's retry mode knows them,
plus resource limits that free up when running jobs finish)."""


class RequestRejectedError(MlopsError):
    """AWS refused a request for a reason retrying cannot fix.

    Parameters
    ----------
    operation
        The API operation (``CreateLabelingJob``).
    code, message
        AWS's error code and message.
    """

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation} was refused: {code}: {message}")
        self.operation = operation
        self.code = code
        self.message = message


class ObjectGoneError(RequestRejectedError):
    """The S3 object (version) an event announced no longer exists: it was deleted before it could be read."""


OBJECT_GONE_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404"})
"""S3's answers for a key or version that does not exist (``404`` is a ``HeadObject``'s bodiless answer)."""


class ConditionFailedError(MlopsError):
    """A DynamoDB write's condition did not hold (the item exists, or is not in the expected state)."""


def is_transient(code: str, http_status: int | None) -> bool:
    """Whether an AWS error is worth retrying: a known transient code, or any 5xx status."""
    return code in TRANSIENT_ERROR_CODES or (http_status is not None and http_status >= 500)


def error_for(operation: str, code: str, message: str, http_status: int | None) -> MlopsError:
    """The typed error for an AWS error response."""
    if is_transient(code, http_status):
        return TransientError(f"{operation} failed and may succeed later: {code}: {message}")
    return RequestRejectedError(operation, code, message)
