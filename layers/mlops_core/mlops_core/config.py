"""Settings read from the environment once per cold start.

``template.yaml`` passes names and ARNs to each function as environment variables. A function builds its settings
class at module scope with :meth:`Settings.from_env`; a missing or invalid variable fails at once with a message that
names it. Tests build settings objects directly (``DataArrivalSettings(ledger_table_name=...)``).

Examples
--------
>>> s = CoreSettings.from_env({"LEDGER_TABLE_NAME": "t", "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:1:x",
...                            "STACK_NAME": "mlops-dev"})
>>> s.ledger_table_name
't'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlops_core.errors import ConfigurationError


class Settings(BaseModel):
    """Base of every settings class: each field is read from the upper-case environment variable of its name."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable a field is read from."""
        return field.upper()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read and validate the settings; raise :class:`ConfigurationError` naming every bad variable."""
        env = os.environ if environ is None else environ
        values = {name: env[cls.env_name(name)] for name in cls.model_fields if cls.env_name(name) in env}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else "?"
                reason = "is required but not set" if err["type"] == "missing" else err["msg"]
                problems.append(f"{cls.env_name(field)} {reason}")
            raise ConfigurationError(f"{cls.__name__}: " + "; ".join(problems)) from None


class CoreSettings(Settings):
    """What every function needs: the stack's name (the prefix of what it creates), the ledger, notifications."""

    stack_name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9-]*$")
    ledger_table_name: str = Field(min_length=3)
    notification_topic_arn: str = Field(pattern=r"^arn:aws[a-z-]*:sns:")
