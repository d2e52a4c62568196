"""Lambda's side of a handler test: a function's ``app.py`` loaded by path, as Lambda loads it (under a module name of
its own, no ``sys.path`` change), and the context object Lambda passes it."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from types import ModuleType

from tests.support.files import ROOT


def load_handler(function_dir: str) -> ModuleType:
    """Import ``functions/<function_dir>/app.py`` as a fresh module, by path, as Lambda does."""
    path = ROOT / "functions" / function_dir / "app.py"
    spec = importlib.util.spec_from_file_location(f"suite_{function_dir}_app", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class LambdaContext:
    """The attributes Powertools reads from Lambda's context object.

    >>> LambdaContext("mlops-dev-DataArrivalFunction").invoked_function_arn
    'arn:aws:lambda:us-east-1:123456789012:function:mlops-dev-DataArrivalFunction'
    """

    function_name: str = "mlops-dev-TrainingFunction"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    @property
    def invoked_function_arn(self) -> str:
        """The function's ARN in the test account and Region."""
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
