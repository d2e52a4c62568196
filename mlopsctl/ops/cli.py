"""The operator commands' shared Click options and error handling.

Every command takes ``--stack``, ``--region``, ``--profile``, ``--endpoint-url`` and ``--json``; :func:`ops_command`
adds them and gives the command a :class:`~.target.Target`, and turns an :class:`~.errors.OpsError` or an AWS error
into one line on standard error and its exit code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.ops.errors import OpsError, from_aws
from mlopsctl.ops.target import Target

#: ``--json``'s help for a command that prints one document; :func:`streaming_ops_options` for JSON lines.
ONE_DOCUMENT = "print one JSON document (the documented schema)"


def streaming_ops_options[F: Callable[..., Any]](command: F) -> F:
    """:func:`ops_options` for a command whose ``--json`` prints JSON lines (one document per change)."""
    return ops_options(command, json_help="print one JSON document per line, one per change (the documented schema)")


def ops_options[F: Callable[..., Any]](command: F, *, json_help: str = ONE_DOCUMENT) -> F:
    """Add the shared options; the command receives ``target: Target`` and ``as_json: bool``."""

    @click.option("--json", "as_json", is_flag=True, help=json_help)
    @click.option(
        "--endpoint-url",
        envvar="MLOPS_ENDPOINT_URL",
        metavar="URL",
        help="send every AWS call here (the local stack: mlopsctl local up prints it) [env MLOPS_ENDPOINT_URL]",
    )
    @click.option("--profile", envvar="AWS_PROFILE", help="the AWS profile [env AWS_PROFILE]")
    @click.option("--region", envvar="AWS_REGION", help="the AWS Region [env AWS_REGION, else AWS_DEFAULT_REGION]")
    @click.option(
        "--stack",
        "stack_name",
        envvar="MLOPS_STACK",
        required=True,
        metavar="NAME",
        help="the CloudFormation stack of this application (local: mlops-local) [env MLOPS_STACK]",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        stack_name: str,
        region: str | None,
        profile: str | None,
        endpoint_url: str | None,
        as_json: bool,
        **kwargs: Any,
    ) -> Any:
        target = Target(stack_name, region=region, profile=profile, endpoint_url=endpoint_url)
        try:
            return command(*args, target=target, as_json=as_json, **kwargs)
        except OpsError as exc:
            _fail(exc)
        except (ClientError, BotoCoreError) as exc:
            _fail(from_aws(exc, target.last_action))
        return None

    return wrapper  # type: ignore[return-value]


def _fail(exc: OpsError) -> None:
    click.echo(f"error: {exc}", err=True)
    raise SystemExit(exc.exit_code)
