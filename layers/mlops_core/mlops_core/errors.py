"""The project's error hierarchy.

Every error the system raises on purpose derives from :class:`MlopsError`. Errors that a state machine's ``Catch``
names keep stable class names: Step Functions sees a Lambda error as its class name.
"""

from __future__ import annotations


class MlopsError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigurationError(MlopsError):
    """A setting is missing or invalid; the message names the environment variable."""


class TransientError(MlopsError):
    """A failure worth retrying (throttling, 5xx): let it propagate so Lambda or ASL ``Retry`` tries again."""
