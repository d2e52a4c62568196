"""The operator commands' errors: one line for the user and an exit code.

AWS's refusals become one line naming the action: ``missing permission sagemaker:ListModelPackages (AccessDenied:
...)``, or ``sagemaker:DescribeEndpoint: ValidationException: ...`` for other errors. The action is IAM's name for
the call (the service's signing name, which is IAM's prefix, except CloudWatch's ``monitoring``).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: Error codes AWS answers when the caller's policies do not allow the action.
#: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"})

#: Services whose IAM prefix is not their signing name.
_IAM_PREFIX = {"monitoring": "cloudwatch", "events": "events"}


class OpsError(Exception):
    """The command cannot go on; ``str()`` is one line, ``exit_code`` what the process returns."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UsageError(OpsError):
    """Bad input from the user (exit 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


def iam_action(service_model: Any, operation_name: str) -> str:
    """``<prefix>:<Operation>`` for a botocore service model and operation (``states:DescribeExecution``)."""
    name = str(service_model.signing_name or service_model.endpoint_prefix)
    return f"{_IAM_PREFIX.get(name, name)}:{operation_name}"


def from_aws(exc: BaseException, action: str | None) -> OpsError:
    """The one-line error for an AWS failure of ``action`` (``None``: unknown, e.g. no credentials)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "Error")), str(error.get("Message", ""))
        what = action or str(getattr(exc, "operation_name", "AWS"))
        if code in ACCESS_DENIED:
            return OpsError(f"missing permission {what} ({code}: {message})")
        return OpsError(f"{what}: {code}: {message}")
    if isinstance(exc, BotoCoreError):
        return OpsError(f"{action}: {exc}" if action else str(exc))
    return OpsError(str(exc))
