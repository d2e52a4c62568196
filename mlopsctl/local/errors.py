"""Errors of the local stack; all derive from :class:`mlops_core.errors.MlopsError`."""

from __future__ import annotations

from mlops_core.errors import MlopsError


class LocalStackError(MlopsError):
    """The local stack cannot do what was asked."""


class TemplateError(LocalStackError):
    """``template.yaml`` uses something the local stack cannot interpret (the message names the resource)."""


class NotQuiescentError(LocalStackError):
    """The stack did not settle within its bound on virtual time or iterations (the message lists what is pending)."""


class ReplayError(LocalStackError):
    """A replay file is malformed, names an unknown resource, or asks for an unknown operation."""
