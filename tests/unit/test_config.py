from __future__ import annotations

import pytest

from mlops_core.config import CoreSettings
from mlops_core.errors import ConfigurationError

GOOD = {
    "STACK_NAME": "mlops-dev",
    "LEDGER_TABLE_NAME": "mlops-dev-ledger",
    "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:mlops-dev",
}


def test_settings_are_read_from_upper_case_variables() -> None:
    settings = CoreSettings.from_env(GOOD)
    assert settings.stack_name == "mlops-dev"
    assert settings.ledger_table_name == "mlops-dev-ledger"


def test_missing_variable_is_named_in_the_error() -> None:
    env = {k: v for k, v in GOOD.items() if k != "LEDGER_TABLE_NAME"}
    with pytest.raises(ConfigurationError, match="LEDGER_TABLE_NAME is required"):
        CoreSettings.from_env(env)


def test_invalid_variable_is_named_in_the_error() -> None:
    with pytest.raises(ConfigurationError, match="NOTIFICATION_TOPIC_ARN"):
        CoreSettings.from_env({**GOOD, "NOTIFICATION_TOPIC_ARN": "not-an-arn"})


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigurationError) as excinfo:
        CoreSettings.from_env({})
    message = str(excinfo.value)
    for name in GOOD:
        assert name in message
