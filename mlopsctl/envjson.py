"""``make env-json STACK=NAME``: the ``env.json`` that ``sam local invoke --env-vars`` reads, from a deployed stack.

``sam local invoke`` gives a function only the environment variables its template declares, with the values it can
resolve offline: a ``!Ref`` to a bucket or table has no value until the stack exists. ``--env-vars env.json``
overrides them, per function, in this format (SAM CLI's "Environment variable file", keyed by logical ID, the
identifier of highest precedence;
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-using-invoke.html)::

    {"DataArrivalFunction": {"BUCKET_NAME": "mlops-dev-data-123456789012", ...}, ...}

This module reads the deployed stack's resources (CloudFormation ``ListStackResources``, paginated) and, for each
``AWS::Lambda::Function``, the variables Lambda holds for it (``GetFunctionConfiguration``:
``Environment.Variables``), and writes them with sorted keys and a 2-space indent, so two runs on one stack write
the same file. The file holds the deployed stack's real names and ARNs: it is git-ignored and written readable by
its owner only.

It talks to AWS (the only part of the project that does, besides deploying): credentials and Region come from the
usual places (``AWS_PROFILE``, ``--region``, ...). Errors (no such stack, access denied, no credentials) are one
line on standard error and exit code 1.

Examples
--------
>>> environments([{"LogicalResourceId": "B", "ResourceType": "AWS::S3::Bucket", "PhysicalResourceId": "b"}], {}.get)
{}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

FUNCTION_TYPE = "AWS::Lambda::Function"  # what AWS::Serverless::Function becomes once SAM has transformed it
EXIT_OK, EXIT_FAILED = 0, 1


class EnvJsonError(Exception):
    """The file cannot be written (the message, one line, says why)."""


def stack_resources(cloudformation: Any, stack: str) -> list[dict[str, Any]]:
    """Every resource summary of ``stack`` (``ListStackResources``, all pages)."""
    paginator = cloudformation.get_paginator("list_stack_resources")
    return [dict(summary) for page in paginator.paginate(StackName=stack) for summary in page["StackResourceSummaries"]]


def environments(
    resources: Iterable[Mapping[str, Any]], variables_of: Callable[[str], Mapping[str, str] | None]
) -> dict[str, dict[str, str]]:
    """Logical ID → environment variables of each Lambda function among ``resources`` that has a physical ID.

    ``variables_of(function_name)`` gives a function's variables (``None`` when it has none).
    """
    result: dict[str, dict[str, str]] = {}
    for resource in resources:
        physical_id = resource.get("PhysicalResourceId")
        if resource.get("ResourceType") != FUNCTION_TYPE or not physical_id:
            continue
        result[str(resource["LogicalResourceId"])] = dict(sorted((variables_of(str(physical_id)) or {}).items()))
    return dict(sorted(result.items()))


def function_variables(lambda_client: Any, function_name: str) -> dict[str, str]:
    """The environment variables Lambda holds for ``function_name`` (``GetFunctionConfiguration``)."""
    environment = dict(lambda_client.get_function_configuration(FunctionName=function_name).get("Environment") or {})
    if environment.get("Error"):  # e.g. Lambda could not decrypt them with the function's KMS key
        error = environment["Error"]
        raise EnvJsonError(f"{function_name}: {error.get('ErrorCode')}: {error.get('Message')}")
    return dict(environment.get("Variables") or {})


def read_environments(stack: str, cloudformation: Any, lambda_client: Any) -> dict[str, dict[str, str]]:
    """Logical ID → environment variables of every Lambda function of the deployed ``stack``."""
    try:
        resources = stack_resources(cloudformation, stack)
        document = environments(resources, lambda name: function_variables(lambda_client, name))
    except ClientError as exc:
        error = exc.response.get("Error", {})
        operation = exc.operation_name
        raise EnvJsonError(f"stack {stack}: {operation}: {error.get('Code')}: {error.get('Message')}") from None
    except BotoCoreError as exc:  # no credentials, no Region, no connection
        raise EnvJsonError(f"stack {stack}: {exc}") from None
    if not document:
        raise EnvJsonError(f"stack {stack} has no {FUNCTION_TYPE} resource")
    return document


def render(document: Mapping[str, Mapping[str, str]]) -> str:
    """The text of ``env.json``: sorted keys, 2-space indent, a final newline.

    >>> print(render({"F": {"B": "2", "A": "1"}}), end="")
    {
      "F": {
        "A": "1",
        "B": "2"
      }
    }
    """
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable and writable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode otherwise
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mlopsctl.envjson --stack NAME [--region R] [--out env.json]``."""
    parser = argparse.ArgumentParser(prog="python -m mlopsctl.envjson", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True, metavar="NAME", help="the deployed stack's name")
    parser.add_argument("--region", help="its Region (default: the AWS CLI's, e.g. AWS_REGION or the profile's)")
    parser.add_argument("--out", type=Path, default=Path("env.json"), help="the file to write (%(default)s)")
    args = parser.parse_args(argv)
    try:
        session = boto3.session.Session(region_name=args.region)
        if session.region_name is None:
            raise EnvJsonError("no Region: pass REGION=... (make) or --region, or set AWS_REGION or a profile's region")
        document = read_environments(args.stack, session.client("cloudformation"), session.client("lambda"))
        write_private(args.out, render(document))
    except (EnvJsonError, BotoCoreError) as exc:
        sys.stderr.write(f"env-json: error: {exc}\n")
        return EXIT_FAILED
    except OSError as exc:
        sys.stderr.write(f"env-json: error: cannot write {args.out}: {exc.strerror or exc}\n")
        return EXIT_FAILED
    sys.stderr.write(f"env-json: wrote {args.out} ({len(document)} functions of stack {args.stack})\n")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
