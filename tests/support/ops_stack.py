"""The operator commands against the local stack over HTTP: :func:`ops_stack` and :class:`OpsStack`.

The stack runs with ``moto_server`` on a loopback port, and the commands are run as a user runs them
(``mlopsctl <command> --stack … --endpoint-url …``, Click's runner, a fresh boto3 session per command): every call
they make goes over HTTP, the same code path as against AWS. The commands find the stack as they find a deployed one:
the local stack is the CloudFormation stack ``mlops-local`` (``DescribeStacks``, ``ListStackResources``).
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from click.testing import CliRunner, Result

from mlopsctl.cli import build_cli
from mlopsctl.local.runtime.actionlog import a_person_acts
from mlopsctl.local.runtime.stack import EmulatorFactory, LocalStack
from mlopsctl.ops.clock import Clock
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

    def run(self, *argv: str, obj: Any = None) -> Result:
        """``mlopsctl ARGV --stack … --region … --endpoint-url …``; the result has ``exit_code`` and ``output``.

        ``obj``: Click's context object (e.g. a :class:`mlopsctl.ops.clock.Clock` on the stack's virtual time).
        """
        command, rest = argv[0], list(argv[1:])
        words = command.split()
        with a_person_acts(), _handlers_print_elsewhere(self.stack):
            return _CommandRunner().invoke(build_cli(), [*words, *rest, *self.options], obj=obj, catch_exceptions=False)

    def json(self, *argv: str, obj: Any = None) -> Any:
        """``run(..., "--json")`` parsed; fails the test unless it exited 0."""
        result = self.run(*argv, "--json", obj=obj)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def clock(self) -> Clock:
        """A clock on the stack's virtual time, for ``run(..., obj=...)``: its ``sleep`` lets that time pass (what
        falls due meanwhile happens) instead of sleeping.

        The stack's handlers run in this process meanwhile; what they print (logs, metrics) goes where it went when
        the clock was made, not into the command's output (in AWS it goes to CloudWatch Logs).
        """
        stack, outside = self.stack, sys.stdout

        def sleep(seconds: float) -> None:
            with contextlib.redirect_stdout(outside):
                stack.run_until(stack.clock.now() + timedelta(seconds=seconds))

        return Clock(now=stack.clock.now, sleep=sleep)

    def pass_time_until(self, condition: Callable[[], bool], *, step: float = 10.0, within: float = 3600.0) -> None:
        """Let virtual time pass, ``step`` seconds at a time, until ``condition()`` holds (fails past ``within``)."""
        deadline = self.stack.clock.now() + timedelta(seconds=within)
        while not condition():
            assert self.stack.clock.now() < deadline, f"still not so after {within} virtual seconds"
            self.stack.run_until(self.stack.clock.now() + timedelta(seconds=step))

    def target(self) -> Target:
        """A :class:`Target` on this stack, as the commands build one (call it inside ``a_person_acts()``)."""
        return Target(
            self.stack.template.stack_name, region=self.stack.template.region, endpoint_url=self.stack.endpoint_url
        )


_IN_HANDLER = threading.local()


class _CommandStream:
    """A standard stream that is ``own`` (the command's), but ``other`` in a thread while it runs a handler."""

    def __init__(self, own: Any, other: Any) -> None:
        self._own, self._other = own, other

    def __getattr__(self, name: str) -> Any:
        return getattr(self._other if getattr(_IN_HANDLER, "active", False) else self._own, name)


@contextmanager
def _handlers_print_elsewhere(stack: LocalStack) -> Iterator[None]:
    """Mark the threads running the stack's handlers while a command runs (see :class:`_CommandRunner`)."""
    runner = stack.runner
    patched = "invoke" in vars(runner)
    plain = runner.invoke

    def invoke(*args: Any, **kwargs: Any) -> Any:
        _IN_HANDLER.active = True
        try:
            return plain(*args, **kwargs)
        finally:
            _IN_HANDLER.active = False

    runner.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        if patched:
            runner.invoke = plain  # type: ignore[method-assign]
        else:
            del runner.invoke


class _CommandRunner(CliRunner):
    """Click's runner capturing only what the command prints: the stack's handlers, which a command's calls run
    (``Invoke``, executions), print their logs and metrics where they would without the command, as Lambda's go to
    CloudWatch Logs and not to the caller's terminal."""

    @contextmanager
    def isolation(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        outer = sys.stdout, sys.stderr
        with super().isolation(*args, **kwargs) as streams:
            captured = sys.stdout, sys.stderr
            sys.stdout, sys.stderr = _CommandStream(captured[0], outer[0]), _CommandStream(captured[1], outer[1])
            try:
                yield streams
            finally:
                sys.stdout, sys.stderr = captured


@contextmanager
def ops_stack(
    parameters: dict[str, str] | None = None,
    *,
    sagemaker: EmulatorFactory | None = None,
    faults: Sequence[str] = (),
) -> Iterator[OpsStack]:
    """A started local stack on ``moto_server`` (the project's template, emulated SageMaker, virtual time).

    ``sagemaker`` and ``faults``: as :func:`~tests.support.deploy_flow.start_flow` takes them.
    """
    stack, flow = start_flow(parameters, server=True, sagemaker=sagemaker, faults=faults)
    with stack:
        yield OpsStack(stack, flow)
