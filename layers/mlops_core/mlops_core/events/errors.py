"""Errors raised while classifying and parsing an incoming event.

Both derive from :class:`EventError` (itself a :class:`~mlops_core.errors.MlopsError`), so a handler that only wants
"this event is not for me, acknowledge it" catches :class:`EventError` once, and logs :attr:`EventError.reason`.

- :class:`UnsupportedEventError`: a well-formed event of a type the system does not consume (another detail-type,
  an S3 ``Object Deleted``, a classic S3 notification, a CloudWatch alarm Lambda-action payload, ...).
  Handlers acknowledge it and do nothing.
- :class:`InvalidEventError`: a malformed event (not JSON, not an object, ``detail`` missing, a required field
  missing or of the wrong type, a value outside AWS's documented shapes, limits or enumerations). The reason names
  the field and what was wrong. Handlers acknowledge and log it: retrying cannot fix it.
- :class:`ForeignEventError`: a well-formed event of a consumed type from another account, Region or partition, or
  naming resources there (:mod:`mlops_core.events.origin`). Handlers acknowledge it and do nothing.
"""

from __future__ import annotations

from mlops_core.errors import MlopsError


class EventError(MlopsError):
    """An incoming event that this system will not act on; :attr:`reason` says why, in words a person can act on.

    Parameters
    ----------
    reason
        What was wrong, naming the field when there is one (``detail.ModelPackageVersion: ...``).
    source, detail_type
        The envelope's ``source`` and ``detail-type`` when they could be read, for structured logs.
    """

    def __init__(self, reason: str, *, source: str | None = None, detail_type: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.detail_type = detail_type


class UnsupportedEventError(EventError):
    """A well-formed event of a type the system does not consume."""


class InvalidEventError(EventError):
    """A malformed event: the reason names the field and what was wrong with it."""


class ForeignEventError(EventError):
    """A well-formed event that is not this function's: another account, Region or partition."""
