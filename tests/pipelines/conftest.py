"""Pipeline tests. Those under ``sdk/`` need the SageMaker SDK: they run only from ``make pipeline-check``, in the
SDK's own virtual environment (which sets ``MLOPS_SDK_TESTS=1``); the main run, in ``.venv``, never imports the SDK.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.pipeline_runs import PipelineRun

collect_ignore = [] if os.environ.get("MLOPS_SDK_TESTS") == "1" else ["sdk"]


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The three steps run once, in process, on the default generated data set (shared: it takes ~1 s)."""
    from tests.support.pipeline_runs import run_steps

    return run_steps(tmp_path_factory.mktemp("pipeline-run"))
