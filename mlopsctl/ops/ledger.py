"""``mlopsctl ledger migrate [--dry-run]``: rewrite deployment records keyed in the previous timestamp spelling.

Run it once after upgrading from a version that keyed deployment records ``DEPLOYMENT#<isoformat>#<id>``, when no
deployment or rollback is running (:mod:`.ledger_migration` says what it does and why it is safe; it refuses while an
endpoint lock is held or an old-spelling record is ``IN_PROGRESS``). Idempotent: a second run rewrites nothing.
``--dry-run`` lists what would be rewritten and changes nothing.

JSON schema (``--json``)::

    {"dry_run": bool, "rewritten": [{"pk": str, "from": str, "to": str, "merged": bool}]}

Exit codes: 0 done (or nothing to do); 1 refused (a lock is held, a record is in progress), AWS refused, or the stack
is not found.

IAM: ``cloudformation:DescribeStacks`` (the ``LedgerTableName`` output), ``dynamodb:Scan`` and
``dynamodb:TransactWriteItems`` with ``dynamodb:PutItem`` and ``dynamodb:DeleteItem`` on the ledger table (a
transaction's items are authorized one by one), ``kms:Decrypt``/``kms:GenerateDataKey`` on the stack's key.
Documented in docs/operator/ledger.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from mlopsctl.ops.cli import ops_options
from mlopsctl.ops.clock import current_clock
from mlopsctl.ops.ledger_migration import migrate
from mlopsctl.ops.output import emit
from mlopsctl.ops.target import Target


@click.group("ledger")
def command() -> None:
    """The ledger table: one-time maintenance."""


@command.command("migrate")
@click.option("--dry-run", is_flag=True, help="list the records that would be rewritten; change nothing")
@ops_options
def migrate_command(target: Target, as_json: bool, dry_run: bool) -> None:
    """Rewrite deployment records keyed in the previous timestamp spelling (refused while a lock is held)."""
    table = target.stack().output("LedgerTableName")
    rewrites = migrate(target.client("dynamodb"), table, current_clock().now(), dry_run=dry_run)
    emit({"dry_run": dry_run, "rewritten": [r.as_json() for r in rewrites]}, render, as_json=as_json)


def render(console: Console, document: Mapping[str, Any]) -> None:
    """The records rewritten (or that would be)."""
    verb = "would rewrite" if document["dry_run"] else "rewrote"
    table = Table(title=f"ledger: {verb} {len(document['rewritten'])} records", title_justify="left")
    for column in ("partition", "from", "to", "merged"):
        table.add_column(column)
    for row in document["rewritten"]:
        table.add_row(row["pk"], row["from"], row["to"], "yes" if row["merged"] else "")
    console.print(table)
