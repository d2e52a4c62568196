"""Settings read from the environment once per cold start: the base class and what every function reads.

``template.yaml`` passes names and ARNs to each function as environment variables. A function builds its settings
class on its first invocation with :meth:`Settings.from_env`; a missing or invalid variable fails at once with a
message that names it. Each function's settings live in the module of its feature (:mod:`.deploy`,
:mod:`.data_arrival`, :mod:`.training`), so a function imports only its own; validators are built on first use
(``defer_build``): a cold start pays only for the settings it reads.

Examples
--------
>>> environment = {"LEDGER_TABLE_NAME": "mlops-dev-ledger", "STACK_NAME": "mlops-dev",
...                "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:mlops-dev-notifications"}
>>> CoreSettings.from_env(environment).ledger_table_name
'mlops-dev-ledger'
>>> CoreSettings.from_env({**environment, "LEDGER_TABLE_NAME": "t"})
Traceback (most recent call last):
...
mlops_core.errors.ConfigurationError: CoreSettings: LEDGER_TABLE_NAME String should have at least 3 characters
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from mlops_core.errors import ConfigurationError
from mlops_core.naming import MAX_STACK_NAME_LENGTH, STACK_NAME_PATTERN

if TYPE_CHECKING:
    from mlops_core.events.origin import Origin


class Settings(BaseModel):
    """Base of every settings class: each field is read from the upper-case environment variable of its name."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True, defer_build=True)

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


def _stack_name(value: object) -> object:
    """The stack name every derived name fits (see :mod:`mlops_core.naming`), or a readable reason why not."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_STACK_NAME_LENGTH:
        raise ValueError(
            f"{value!r} has {len(value)} characters; it must have at most {MAX_STACK_NAME_LENGTH} characters, so that "
            "the names derived from it fit SageMaker's and Step Functions' limits (a labeling job is "
            "'<stack>-<20-character digest>', at most 63 characters): deploy the stack under a shorter name"
        )
    if not STACK_NAME_PATTERN.match(value):
        raise ValueError(
            f"{value!r} must start with a lower-case letter and contain only lower-case letters, digits and "
            "hyphens: SageMaker lower-cases names in its ARNs and IAM matches them case-sensitively, so policies "
            "scoped to '<stack>-*' would deny every call"
        )
    return value


class CoreSettings(Settings):
    """What every function needs: the stack's name (the prefix of what it creates), the ledger, notifications.

    ``stack_name`` is checked at cold start, with the reason when it is too long or not lower case (see
    :mod:`mlops_core.naming`): CloudFormation cannot check it before the stack is created.
    """

    stack_name: Annotated[str, BeforeValidator(_stack_name)] = Field(min_length=1)
    ledger_table_name: str = Field(min_length=3)
    notification_topic_arn: str = Field(pattern=r"^arn:aws[a-z-]*:sns:")


class OriginSettings(Settings):
    """Where the function runs, to refuse events of other accounts and Regions (:mod:`mlops_core.events.origin`).

    ``ACCOUNT_ID`` is the template's ``${AWS::AccountId}`` (Globals); ``AWS_REGION`` is set by Lambda itself. Chosen
    over the account in ``context.invoked_function_arn``: ``sam local invoke`` fills that ARN with an account of its
    own (not the ``123456789012`` it resolves ``${AWS::AccountId}`` to, which the samples in ``events/`` use), while
    the template's value is the same on AWS, in ``sam local invoke`` and on the local stack.
    """

    account_id: str = Field(pattern=r"^\d{12}$")
    aws_region: str = Field(pattern=r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")

    @field_validator("aws_region")
    @classmethod
    def _region_has_a_partition(cls, value: str) -> str:
        from mlops_core.events.origin import partition_of  # noqa: PLC0415 - the events package only when read

        partition_of(value)
        return value

    def origin(self) -> Origin:
        """The function's account, Region and partition."""
        from mlops_core.events.origin import Origin  # noqa: PLC0415 - DeployTasks reads no event: no event models

        return Origin.of(self.account_id, self.aws_region)


SAGEMAKER_NAME = r"^[a-z0-9](-*[a-z0-9]){0,62}$"
"""A group or endpoint name: SageMaker's name pattern in lower case only (SageMaker lower-cases names in its ARNs and
IAM matches them case-sensitively; the template's ``AllowedPattern`` is the same)."""


def comma_separated(value: object) -> object:
    """``"a, b,,c"`` → ``("a", "b", "c")``; anything else is left to validation."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value
