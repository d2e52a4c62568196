"""``mlopsctl rollback [--to VERSION] --reason TEXT``: restore the last known-good model, or a named earlier version.

Through the system's own rollback path (DESIGN.md section 7): the command invokes RollbackFunction (the stack's
``RollbackFunctionArn`` output) synchronously with an operator's request (``{"operator_rollback": {...}}``: the
endpoint, the version or none, the reason, who asks from STS ``GetCallerIdentity``, and a request id made once, so
a re-sent request is the same one). The function decides once, as for an alarm
(:mod:`mlops_core.rollback.operator_requests`): the same lock, ``UpdateEndpoint`` all at once, the Rollback state
machine, the ledger record with the trigger ``operator: <reason>``, the replaced package ``Rejected`` with that reason,
the same notification. The command reports the decision, then (``--wait``, the default) follows the execution to its
end.

``--json`` prints one document::

    {
      "request": {"request_id": str, "endpoint_name": str, "to_version": int | null, "reason": str,
                  "requested_by": str},
      "decision": {"action": "RESTORE" | "RECORD" | "NO_TARGET", "reason": str, "rollback_id": str,
                   "from_version": int | null, "to_version": int | null, "execution_arn": str | null,
                   "already_started": bool | null},
      "result": null | {"status": str, "outcome": str | null, "reason": str | null},
      "started": bool,
      "restored": bool
    }

``result`` is the Rollback execution's end (``--wait`` only; ``status`` is Step Functions', ``outcome`` the
ledger's: ``SUCCEEDED``, ``FAILED``, ``SKIPPED``); ``started``: a restore execution runs (or ran); ``restored``: it
ended with the endpoint serving the restored model. Exit codes: 0 restored (or, with ``--no-wait``, the restore was
started); 1 nothing restored (nothing to restore, a deployment in progress, the restore failed: the document says
why); 2 refused (no such version, not ``Approved``, never served this endpoint). See docs/operator/rollback.md.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import click
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from mlops_core.rollback.operator import OPERATOR_KEY
from mlopsctl.ops import execution_wait
from mlopsctl.ops.cli import ops_options
from mlopsctl.ops.errors import EXIT_FAILED, OpsError, UsageError
from mlopsctl.ops.output import emit
from mlopsctl.ops.target import Target

#: The restore switches all traffic at once within SageMaker's 1800 s execution timeout; a margin for the machine.
DEFAULT_TIMEOUT_SECONDS = 2400


def invoke(target: Target, function_arn: str, payload: Mapping[str, Any], what: str) -> dict[str, Any]:
    """Invoke a function of the stack synchronously; its result, or :class:`OpsError` when it raised."""
    response = target.client("lambda").invoke(
        FunctionName=function_arn, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
    )
    body = json.loads(response["Payload"].read() or b"{}")
    if response.get("FunctionError"):
        raise OpsError(f"{what} failed: {body.get('errorType', 'Error')}: {body.get('errorMessage', body)}")
    if not isinstance(body, dict):
        raise OpsError(f"{what} answered {body!r}")
    if body.get("outcome") == "ignored":
        raise OpsError(f"{what} did not act: {body.get('reason')}")
    return body


def caller(target: Target) -> str:
    """Who asks: the caller's ARN (STS ``GetCallerIdentity``, which needs no permission)."""
    return str(target.client("sts").get_caller_identity()["Arn"])


def _decision(answer: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("action", "reason", "rollback_id", "from_version", "to_version", "execution_arn", "already_started")
    return {key: answer.get(key) for key in keys}


def _result(ended: execution_wait.Ended) -> dict[str, Any]:
    return {
        "status": ended.status,
        "outcome": ended.output.get("outcome"),
        "reason": ended.output.get("reason") or ended.cause or ended.error,
    }


def _render(console: Console, document: Mapping[str, Any]) -> None:
    decision, result = document["decision"], document["result"]
    table = Table(show_header=False, box=None)
    for label, value in (
        ("endpoint", document["request"]["endpoint_name"]),
        ("decision", decision["action"]),
        ("from → to", f"v{decision['from_version']} → v{decision['to_version']}"),
        ("rollback", decision["rollback_id"]),
        ("execution", decision["execution_arn"] or "none"),
        ("why", decision["reason"]),
    ):
        table.add_row(f"[bold]{label}[/bold]", str(value))
    if result is not None:
        table.add_row("[bold]result[/bold]", f"{result['outcome'] or result['status']}: {result['reason']}")
    style = "green" if document["restored"] or document["started"] else "yellow"
    console.print(Panel(table, title="rollback", border_style=style, expand=False))


def acting_options[F: Callable[..., Any]](what: str, timeout: int) -> Callable[[F], F]:
    """The options of a command that acts (``rollback``, ``abort``): ``--reason``, ``--endpoint``, ``--wait/--no-wait``
    (follow ``what`` to its end) and ``--timeout`` (``timeout`` seconds by default)."""

    def decorate(command: F) -> F:
        options = (
            click.option("--reason", required=True, help="why (recorded in the ledger and the notification)"),
            click.option("--endpoint", "endpoint_name", metavar="NAME", help="the endpoint (default: EndpointName)"),
            click.option("--wait/--no-wait", default=True, show_default=True, help=f"follow {what} to its end"),
            click.option(
                "--timeout", type=click.IntRange(min=1), default=timeout, show_default=True, help="seconds --wait waits"
            ),
        )
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@click.command("rollback")
@click.option("--to", "to_version", type=click.IntRange(min=1), metavar="VERSION", help="an earlier version to restore")
@acting_options("the restore", DEFAULT_TIMEOUT_SECONDS)
@ops_options
def command(
    *,
    target: Target,
    as_json: bool,
    to_version: int | None,
    reason: str,
    endpoint_name: str | None,
    wait: bool,
    timeout: int,
) -> None:
    """Restore the last known-good model (or --to VERSION) through the system's own rollback path."""
    if not reason.strip():
        raise UsageError("--reason must say why")
    stack = target.stack()
    request = {
        "request_id": str(uuid.uuid4()),
        "endpoint_name": endpoint_name or stack.output("EndpointName"),
        "to_version": to_version,
        "reason": reason.strip(),
        "requested_by": caller(target),
    }
    answer = invoke(target, stack.output("RollbackFunctionArn"), {OPERATOR_KEY: request}, "RollbackFunction")
    if answer.get("action") == "REFUSED":
        raise UsageError(str(answer.get("reason")))
    decision = _decision(answer)
    restoring = decision["action"] == "RESTORE" and bool(decision["execution_arn"])
    result = None
    if restoring and wait:
        sfn = target.client("stepfunctions")
        result = _result(execution_wait.wait_for_execution(sfn, str(decision["execution_arn"]), timeout=timeout))
    restored = result is not None and result["outcome"] == "SUCCEEDED"
    document = {"request": request, "decision": decision, "result": result, "started": restoring, "restored": restored}
    emit(document, _render, as_json=as_json)
    if not (restored or (restoring and not wait)):
        raise SystemExit(EXIT_FAILED)
