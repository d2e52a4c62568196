"""``mlopsctl local invoke FUNCTION --event FILE``: one handler, one real-shaped event, on a fresh local stack.

The Docker-free sibling of ``sam local invoke FUNCTION -e FILE``. FILE is one JSON document (pretty-printed or not),
as ``sam local invoke`` reads it: an EventBridge event, or the SQS batch Lambda hands an SQS-triggered function
(``{"Records": [...]}``, each ``body`` an S3 event as EventBridge put it on the queue). The names, account and Region
of the deployed stack it was captured from are mapped to the local stack's first (:mod:`.deployed_names`; the
mapping is printed on standard error). Then the handler runs in process, as its function's role (IAM enforced),
and the stack does the work due at that same virtual instant — an execution the handler started runs until it
waits, no emulated job finishes — or, with ``--settle``, runs to quiescence. Executions still running are stopped.

Standard output: the action log of the invocation (JSON lines, as ``mlopsctl local replay`` prints it), then, on
the last line, the handler's result as JSON; when the handler raised, Lambda's error payload
(``{"errorType", "errorMessage"}``) and exit code 1.

The stack is fresh: nothing the event refers to exists yet (no labeling job, no registered package, no deployment
waiting on the endpoint). Functions that need such state ignore the event and say so in their reason
(e.g. ``labeling job … does not exist``); none of them is told it is a name mismatch once names are mapped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlopsctl.local.commands.deployed_names import NameMap
from mlopsctl.local.commands.deployed_stack import deployed_of
from mlopsctl.local.commands.invoke_state import prepare
from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.runtime.functions import Invocation
from mlopsctl.local.runtime.stack import LocalStack


class InvokeError(LocalStackError):
    """The invocation cannot be made (bad file, unknown function); nothing ran."""


@dataclass(frozen=True)
class InvokeResult:
    """What ``local invoke`` reports: the handler's run, the mapped event and what the mapping did."""

    invocation: Invocation
    event: Any
    names: NameMap
    #: what was created first (:mod:`.invoke_state`)
    prepared: list[str]
    #: the action log of the invocation and of what it caused
    log: list[dict[str, Any]]

    @property
    def payload(self) -> Any:
        """The handler's result, or Lambda's error payload when it raised."""
        error = self.invocation.error
        if error is not None:
            return {"errorType": type(error).__name__, "errorMessage": str(error)}
        return self.invocation.result


def read_event(text: str, source: str = "the event file") -> Any:
    """One JSON document (pretty-printed or on one line), as ``sam local invoke -e`` reads it."""
    try:
        event = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvokeError(f"{source} is not one JSON document: {exc}") from None
    if not isinstance(event, dict):
        raise InvokeError(f"{source} must hold a JSON object (an event), not {type(event).__name__}")
    return event


def function_id(stack: LocalStack, name: str) -> str:
    """The logical ID of the function ``name``: its logical ID (in any case), local physical name or code folder.

    The code folder is the function's ``CodeUri`` (``functions/approval``), relative to the current directory or
    the template's; a folder two functions share names neither.
    """
    functions = stack.resources.functions
    for logical_id, spec in functions.items():
        if name in (logical_id, spec.name) or name.lower() == logical_id.lower():
            return logical_id
    folders = {Path(name).resolve(), (stack.template.base_dir / name).resolve()}
    in_folder = [
        logical for logical, spec in functions.items() if spec.code_dir and Path(spec.code_dir).resolve() in folders
    ]
    if len(in_folder) == 1:
        return in_folder[0]
    known = ", ".join(sorted(functions))
    raise InvokeError(f"no function {name!r} in the template (its functions: {known})")


def invoke(
    stack: LocalStack,
    function: str,
    event: Any,
    *,
    deployed_stack: str | None = None,
    samconfig: Path | None = None,
    settle: bool = False,
    map_names: bool = True,
) -> InvokeResult:
    """Run ``function`` on ``event`` on a running stack (see the module docstring)."""
    logical_id = function_id(stack, function)
    local_names = {logical: record.physical_name for logical, record in stack.resources.records.items()}
    deployed = deployed_of(event, stack.template, stack_name=deployed_stack, samconfig=samconfig)
    names = NameMap(stack.template, local_names, deployed)
    mapped = names.rewrite(event) if map_names else event
    prepared = prepare(stack, names, mapped)
    if prepared:
        mapped = names.rewrite(mapped)
    first_entry = len(stack.log.entries())
    stack.log.mark(f"invoke {logical_id}")
    invocation = stack.runner.invoke(logical_id, mapped, batch_size=_batch_size(mapped))
    if settle:
        stack.settle()
    else:
        stack.run_until(stack.clock.now())
    stack.executions.log_running()
    return InvokeResult(invocation, mapped, names, prepared, stack.log.entries()[first_entry:])


def _batch_size(event: Any) -> int | None:
    records = event.get("Records") if isinstance(event, dict) else None
    return len(records) if isinstance(records, list) else None


def describe_mapping(names: NameMap, write: Callable[[str], Any]) -> None:
    """What the mapping did, one line each (for standard error)."""
    deployed = names.deployed
    stack = deployed.stack_name or "(unknown: pass --deployed-stack)"
    write(
        f"deployed stack {stack} in {deployed.account_id or '?'} / {deployed.region or '?'} → local "
        f"{names.template.stack_name} in {names.template.account_id} / {names.template.region}\n"
    )
    for deployed_name, (local, why) in sorted(names.mapped.items()):
        write(f"  {deployed_name} → {local} ({why})\n")
    for deployed_name, why in sorted(names.unmapped.items()):
        write(f"  {deployed_name}: NOT MAPPED, {why}\n")
