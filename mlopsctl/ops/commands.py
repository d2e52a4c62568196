"""The operator commands, loaded into ``mlopsctl`` (:func:`load`).

Each command module defines one Click command named ``command``, decorated with
:func:`mlopsctl.ops.cli.ops_options`; add the module to :data:`MODULES`.
"""

from __future__ import annotations

import importlib

import click

#: The command modules, in the order ``mlopsctl --help`` lists them.
MODULES: tuple[str, ...] = (
    "mlopsctl.ops.status",
    "mlopsctl.ops.history",
    "mlopsctl.ops.watch",
    "mlopsctl.ops.lineage",
    "mlopsctl.ops.rollback",
    "mlopsctl.ops.abort",
    "mlopsctl.ops.dlq",
    "mlopsctl.ops.ledger",
)


def load() -> list[click.Command]:
    """Every operator command (each module's ``command``)."""
    return [importlib.import_module(module).command for module in MODULES]
