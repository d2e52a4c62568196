"""``python -m mlopsctl <command>``: the same as the ``mlopsctl`` command."""

from __future__ import annotations

from mlopsctl.cli import main

raise SystemExit(main())
