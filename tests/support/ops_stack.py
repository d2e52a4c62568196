"""The operator commands against the local stack over HTTP: :func:`ops_stack` and :class:`OpsStack`.

The stack runs with ``moto_server`` on a loopback port, and the commands are run as a user runs them
(``mlopsctl <command> --stack … --endpoint-url …``, Click's runner, a fresh boto3 session per command): every call
they make goes over HTTP, the same code path as against AWS. The commands find the stack as they find a deployed one:
the local stack is the CloudFormation stack ``mlops-local`` (``DescribeStacks``, ``ListStackResources``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from click.testing import CliRunner, Result

from mlopsctl.cli import build_cli
from mlopsctl.local.runtime.actionlog import a_person_acts
from mlopsctl.local.runtime.stack import LocalStack
from mlopsctl.ops.target import Target
from tests.support.deploy_flow import DeployFlow, start_flow


@dataclass
class OpsStack:
    """A running local stack (``stack``), the flow that drives it (``flow``), and a way to run ``mlopsctl``."""

    stack: LocalStack
    flow: DeployFlow

    @property
    def options(self) -> list[str]:
        """The shared options that point a command at this stack."""
        return [
            "--stack", self.stack.template.stack_name,
            "--region", self.stack.template.region,
            "--endpoint-url", str(self.stack.endpoint_url),
        ]  # fmt: skip

    def run(self, *argv: str) -> Result:
        """``mlopsctl ARGV --stack … --region … --endpoint-url …``; the result has ``exit_code`` and ``output``."""
        command, rest = argv[0], list(argv[1:])
        words = command.split()
        with a_person_acts():
            return CliRunner().invoke(build_cli(), [*words, *rest, *self.options], catch_exceptions=False)

    def json(self, *argv: str) -> Any:
        """``run(..., "--json")`` parsed; fails the test unless it exited 0."""
        result = self.run(*argv, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def target(self) -> Target:
        """A :class:`Target` on this stack, as the commands build one (call it inside ``a_person_acts()``)."""
        return Target(
            self.stack.template.stack_name, region=self.stack.template.region, endpoint_url=self.stack.endpoint_url
        )


@contextmanager
def ops_stack(parameters: dict[str, str] | None = None) -> Iterator[OpsStack]:
    """A started local stack on ``moto_server`` (the project's template, emulated SageMaker, virtual time)."""
    stack, flow = start_flow(parameters, server=True)
    with stack:
        yield OpsStack(stack, flow)
