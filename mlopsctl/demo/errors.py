"""Errors of the demo; all derive from :class:`mlops_core.errors.MlopsError`."""

from __future__ import annotations

from mlops_core.errors import MlopsError


class DemoError(MlopsError):
    """The demo cannot run as asked (the message says why)."""
