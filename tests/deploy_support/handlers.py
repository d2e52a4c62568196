"""Load a function's ``app.py`` by file path, as Lambda does, under a unique module name (no ``sys.path`` changes)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def load_handler(function_dir: str) -> ModuleType:
    """Import ``functions/<function_dir>/app.py`` as a fresh module."""
    path = ROOT / "functions" / function_dir / "app.py"
    spec = importlib.util.spec_from_file_location(f"deploy_tests_{function_dir}_app", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LambdaContext:
    """The attributes Powertools reads from Lambda's context object."""

    function_name = "test-function"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/test-function"
    log_stream_name = "2024/05/01/[$LATEST]0"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def context() -> Any:
    """A Lambda-like context."""
    return LambdaContext()
