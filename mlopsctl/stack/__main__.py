"""``python -m mlopsctl.stack deploy|destroy --env ENV``: what ``make deploy`` and ``make destroy`` run.

Talks to AWS with the user's credentials and Region (``AWS_PROFILE``, ``AWS_REGION``...; the environment's
``region`` in ``samconfig.toml`` wins when it sets one). Errors are one line on standard error: exit 2 for bad input
(an unknown environment), 1 when AWS or ``sam`` said no, or the confirmation was refused.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import boto3

from mlopsctl.stack.aws import EXIT_OK, EXIT_USAGE, StackCommandError
from mlopsctl.stack.deploy import SamCommands, deploy
from mlopsctl.stack.destroy import destroy
from mlopsctl.stack.environments import ENVIRONMENTS, UnknownEnvironmentError, environment, load_samconfig


def parser() -> argparse.ArgumentParser:
    """The command line."""
    top = argparse.ArgumentParser(prog="python -m mlopsctl.stack", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    for name, text in (("deploy", "build, deploy, upload the step code"), ("destroy", "delete run-time resources")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--env", required=True, help=f"samconfig.toml environment: {', '.join(ENVIRONMENTS)}")
        if name == "deploy":
            sub.add_argument("--sam", default="sam", help="the sam executable (default: sam on PATH)")
        else:
            sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit code."""
    args = parser().parse_args(argv)
    try:
        env = environment(args.env, load_samconfig())
    except UnknownEnvironmentError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_USAGE
    try:
        session = boto3.session.Session(region_name=env.region)
        if args.command == "deploy":
            deploy(env, session.client, sys.stdout, sam=SamCommands(sam=args.sam))
        else:
            endpoint = env.parameters.get("EndpointName")
            destroy(session.client, env.stack_name, sys.stdout, yes=args.yes, endpoint_name=endpoint)
    except StackCommandError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
