"""``make deploy ENV=dev|staging|prod``: build, deploy the ``samconfig.toml`` environment, upload the step code.

In this order, because the step code goes to the artifacts bucket, which is a stack output:

1. ``sam build --template template.yaml``;
2. ``sam deploy --config-env ENV`` (the environment's stack name, parameters, capabilities; ``prod`` asks to
   confirm the change set);
3. the step code, content-addressed, to ``s3://<ArtifactsBucketName>/<code prefix>`` (:mod:`.code`: files already
   there with the same content are skipped);
4. the stack's outputs, one ``Key = value`` line each.

Between 2 and 3 a pipeline start would find its code missing: the functions refuse such a start with the reason and
retry it (:mod:`mlops_core.training.code_check`). The ``sam`` commands run through a :data:`Runner` (tests pass
one that records them).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mlopsctl.stack.aws import ClientMaker, DeployedStack, StackCommandError, aws_step, describe_stack
from mlopsctl.stack.code import TEMPLATE, CodeUpload, StepCodeError, step_code, upload_step_code
from mlopsctl.stack.environments import Environment

#: Runs a command (argument list) and returns its exit code; the default inherits the terminal.
Runner = Callable[[Sequence[str]], int]
CODE_BUCKET_OUTPUT = "ArtifactsBucketName"


def run_command(command: Sequence[str]) -> int:
    """Run ``command`` with this process's terminal (``sam deploy`` may ask to confirm a change set)."""
    return subprocess.run(list(command), check=False).returncode  # noqa: S603 - our own sam command line


@dataclass(frozen=True, slots=True)
class SamCommands:
    """The ``sam`` executable and the template."""

    sam: str = "sam"
    template: str = "template.yaml"

    def build(self) -> list[str]:
        """``sam build``."""
        return [self.sam, "build", "--template", self.template]

    def deploy(self, env: Environment) -> list[str]:
        """``sam deploy`` with the environment's ``samconfig.toml`` tables (and its Region, when it names one)."""
        command = [self.sam, "deploy", "--config-env", env.name]
        return [*command, "--region", env.region] if env.region else command


def outputs_text(stack: DeployedStack) -> str:
    """The stack's outputs, ``Key = value``, sorted by key."""
    return "".join(f"{key} = {value}\n" for key, value in sorted(stack.outputs.items()))


def deploy(
    env: Environment,
    clients: ClientMaker,
    out: TextIO,
    runner: Runner = run_command,
    sam: SamCommands | None = None,
    *,
    template: Path = TEMPLATE,
) -> CodeUpload:
    """Deploy ``env`` (see the module's docstring); what was uploaded.

    Raises
    ------
    StackCommandError
        The template's pipeline names step code no model has (a stale definition: nothing is built or deployed), a
        ``sam`` command failed (its exit code), or the stack or its bucket output cannot be read.
    """
    sam = sam or SamCommands()
    try:
        step = step_code(template=template)
    except StepCodeError as exc:
        raise StackCommandError(f"{exc}; nothing was built or deployed") from exc
    for command in (sam.build(), sam.deploy(env)):
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        code = runner(command)
        if code != 0:
            raise StackCommandError(f"{' '.join(command[:2])} failed (exit {code}): nothing more was done", code)
    with aws_step(f"reading stack {env.stack_name}"):
        stack = describe_stack(clients("cloudformation"), env.stack_name)
    if stack is None:
        raise StackCommandError(f"stack {env.stack_name} does not exist after sam deploy (was it cancelled?)")
    bucket = stack.output(CODE_BUCKET_OUTPUT)
    with aws_step(f"uploading the step code to s3://{bucket}"):
        upload = upload_step_code(clients("s3"), bucket, step)
    out.write(upload.summary() + "\n")
    out.write(f"stack {stack.name} ({stack.status}) outputs:\n")
    out.write(outputs_text(stack))
    return upload
