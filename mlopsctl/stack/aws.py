"""What ``make deploy`` and ``make destroy`` read of a deployed stack (CloudFormation), and their errors.

Errors are :class:`StackCommandError`: one line for the user and an exit code (1: AWS said no or the stack is not
there; 2: bad input). AWS's own errors (access denied, no credentials) become one too, naming the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: Creates a boto3 client for a service (``session.client``); tests pass moto-backed ones.
ClientMaker = Callable[[str], Any]


class StackCommandError(Exception):
    """The command cannot go on; ``str()`` is one line, ``exit_code`` what the process returns."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextmanager
def aws_step(what: str) -> Iterator[None]:
    """Turn an AWS failure into one line: ``<what>: <code>: <message>`` (or botocore's own sentence)."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise StackCommandError(f"{what}: {error.get('Code', 'Error')}: {error.get('Message', '')}") from exc
    except BotoCoreError as exc:
        raise StackCommandError(f"{what}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class DeployedStack:
    """A stack as CloudFormation describes it: name, id, status and outputs (key → value)."""

    name: str
    stack_id: str
    status: str
    outputs: dict[str, str]

    def output(self, key: str, *, allow_empty: bool = True) -> str:
        """An output's value; with ``allow_empty=False`` an empty value is refused as a missing output is.

        ``make deploy`` reads its outputs with the default (an empty value comes back as ``""``); the operator
        commands (:class:`mlopsctl.ops.target.StackView`) refuse an empty one: no resource of theirs has an empty name.

        Raises
        ------
        StackCommandError
            The stack has no such output (not this project's stack, or an older version of it), or its value is empty
            and ``allow_empty`` is false.

        Examples
        --------
        >>> stack = DeployedStack("s", "id", "CREATE_COMPLETE", {"Bucket": "b", "Empty": ""})
        >>> stack.output("Bucket"), stack.output("Empty")
        ('b', '')
        >>> stack.output("Empty", allow_empty=False)
        Traceback (most recent call last):
        ...
        mlopsctl.stack.aws.StackCommandError: stack s has no output Empty: is it a stack of this project?
        """
        value = self.outputs.get(key)
        if value is None or (not value and not allow_empty):
            raise StackCommandError(f"stack {self.name} has no output {key}: is it a stack of this project?")
        return value


def describe_stack(cloudformation: Any, name: str) -> DeployedStack | None:
    """The stack called ``name``; ``None`` when there is none.

    CloudFormation has no error code of its own for a missing stack: ``DescribeStacks`` answers ``ValidationError``
    "Stack with id NAME does not exist" (the code also covers malformed requests, hence the message is read too).
    """
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError" and "does not exist" in str(error.get("Message", "")):
            return None
        raise
    stack = stacks[0]
    outputs = {str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in stack.get("Outputs", [])}
    return DeployedStack(name, str(stack["StackId"]), str(stack["StackStatus"]), outputs)
