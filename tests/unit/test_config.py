from __future__ import annotations

import importlib
import pkgutil

import pytest

import mlops_core
from mlops_core import config
from mlops_core.config import CoreSettings
from mlops_core.errors import ConfigurationError
from mlops_core.settings import Settings

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


def every_subclass(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in (direct, *every_subclass(direct))}


def test_config_re_exports_every_settings_class_of_the_layer() -> None:
    for module in pkgutil.walk_packages(mlops_core.__path__, "mlops_core."):
        importlib.import_module(module.name)
    layer = {cls.__name__: cls for cls in every_subclass(Settings) if cls.__module__.startswith("mlops_core.")}
    exported = {name: getattr(config, name) for name in config.__all__}
    assert exported.pop("Settings") is Settings
    assert exported == layer
