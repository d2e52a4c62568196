"""Handler cold start: each function's module imported in a fresh interpreter, against a boto3 baseline.

For every ``functions/<name>/app.py`` a new Python process imports the module by path (with the layer's package on
the path, as Lambda's ``/opt/python``) and reports how long the import took; the baseline process imports boto3 and
creates a SageMaker and a Step Functions client. Each is run once to warm the ``.pyc`` files, then ``repeat`` times;
the median is kept. Samples are interleaved (baseline, every function, baseline, …) so that a change in the machine's
load affects the baseline and the functions alike. Lambda's own init (runtime start) is not included in either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from bench.metrics import median, ratio

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "mlops_core"
BASELINE_NAME = "boto3 + sagemaker + stepfunctions clients"

_IMPORT = textwrap.dedent(
    """
    import importlib.util, json, sys, time
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location("app", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    print(json.dumps({"ms": (time.perf_counter() - started) * 1000}))
    """
)
_BASELINE = textwrap.dedent(
    """
    import json, time
    started = time.perf_counter()
    import boto3
    boto3.client("sagemaker")
    boto3.client("stepfunctions")
    print(json.dumps({"ms": (time.perf_counter() - started) * 1000}))
    """
)


@dataclass(frozen=True)
class ColdStart:
    """Median import time of one module (ms) and its ratio to the baseline."""

    name: str
    median_ms: float
    samples: tuple[float, ...]
    ratio: float | None = None


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONDONTWRITEBYTECODE", "COVERAGE"))}
    env.update(
        {
            "PYTHONPATH": str(LAYER),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        }
    )
    return env


def _sample(code: str, *args: str) -> float:
    done = subprocess.run(  # noqa: S603 - our own interpreter and our own code
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=_environment(),
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cold start sample failed: {done.stderr.strip()[-500:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["ms"])


def functions() -> list[Path]:
    """Every function's handler module."""
    return sorted((ROOT / "functions").glob("*/app.py"))


def run(repeat: int = 5) -> dict[str, object]:
    """Measure the baseline and every function, interleaved; return JSON-ready results."""
    subjects: list[tuple[str, str, tuple[str, ...]]] = [(BASELINE_NAME, _BASELINE, ())]
    subjects += [(path.parent.name, _IMPORT, (str(path),)) for path in functions()]
    for _, code, args in subjects:
        _sample(code, *args)  # warm the .pyc files
    samples: dict[str, list[float]] = {name: [] for name, _, _ in subjects}
    for _ in range(repeat):
        for name, code, args in subjects:
            samples[name].append(round(_sample(code, *args), 1))
    baseline = ColdStart(BASELINE_NAME, round(median(samples[BASELINE_NAME]), 1), tuple(samples[BASELINE_NAME]))
    results = [
        ColdStart(name, round(median(values), 1), tuple(values), ratio(median(values), baseline.median_ms))
        for name, values in samples.items()
        if name != BASELINE_NAME
    ]
    return {"repeat": repeat, "baseline": vars(baseline), "functions": [vars(r) for r in results]}
