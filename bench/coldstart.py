"""Handler cold start: a function's import plus its per-cold-start wiring, against boto3 creating the same clients.

For every ``functions/<name>/app.py`` a new Python process, with the layer's package on the path (as Lambda's
``/opt/python``) and the environment ``template.yaml`` gives the function (:mod:`bench.coldstart_env`), imports the
module by path and then runs its per-cold-start wiring: every zero-argument ``functools.cache`` function the module
defines (``origin()``, ``dependencies()``: what its handler builds on the first invocation). The clients are created
and never called (fake credentials, no network). Each sample also reports the layer's modules the cold start imported
(``modules``, listed after the timing), which ``tests/unit/test_cold_start_imports.py`` checks.

The baseline is a process that imports boto3 and creates exactly the clients that function's wiring created: a first,
untimed run of each function records every ``botocore`` ``create_client`` call (it also warms the ``.pyc`` files).
Beside them, each function's floor (:mod:`bench.coldstart_floor`): the same clients plus pydantic, the function's
own models and its Powertools pieces, the cost of the mandated design before any of our code. Samples are
interleaved (baseline, floor, function, next baseline, …) so that a change in the machine's load affects all three
alike; each function's ratio is its median over its own baseline's median (and so is the floor's). Lambda's own init
(runtime start) is included in none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from bench.coldstart_env import BUDGET, environments, lambda_environment, summarise
from bench.coldstart_floor import FLOOR_SCRIPT, FLOORS

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "mlops_core"
REGION = "us-east-1"

FUNCTION_SCRIPT = textwrap.dedent(
    """
    import importlib.util, json, sys, time
    path, record = sys.argv[1], sys.argv[2] == "record"
    created = []
    if record:  # untimed run: which clients does the wiring create?
        import botocore.session
        original = botocore.session.Session.create_client
        def create_client(self, service_name, *args, **kwargs):
            created.append(service_name)
            return original(self, service_name, *args, **kwargs)
        botocore.session.Session.create_client = create_client
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location("app", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    wiring = sorted(
        name for name, value in vars(module).items()
        if callable(value) and hasattr(value, "cache_info") and getattr(value, "__module__", None) == "app"
    )
    for name in wiring:
        getattr(module, name)()
    ms = (time.perf_counter() - started) * 1000
    modules = sorted(name for name in sys.modules if name.split(".")[0] == "mlops_core")  # after the timing
    print(json.dumps({"ms": ms, "wiring": wiring, "clients": created, "modules": modules}))
    """
)
BASELINE_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    started = time.perf_counter()
    import boto3
    for service in json.loads(sys.argv[1]):
        boto3.client(service)
    print(json.dumps({"ms": (time.perf_counter() - started) * 1000}))
    """
)


def sample(code: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter with ``env``; its last output line, parsed."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and our own code
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cold start sample failed: {done.stderr.strip()[-800:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def functions() -> list[Path]:
    """Every function's handler module."""
    return sorted((ROOT / "functions").glob("*/app.py"))


def floor_argument(name: str) -> str:
    """The floor process's second argument: the function's models and Powertools pieces, as JSON."""
    floor = FLOORS[name]
    return json.dumps({"models": list(floor.models), "powertools": list(floor.powertools)})


def run(repeat: int = 5) -> dict[str, object]:
    """Record each function's clients, then measure functions and baselines interleaved; return JSON-ready results."""
    template_env = environments(ROOT / "template.yaml")
    base = {**os.environ, "PYTHONPATH": str(LAYER)}
    subjects = []
    for path in functions():
        name = path.parent.name
        env = lambda_environment(base, template_env[name], REGION)
        recorded = sample(FUNCTION_SCRIPT, env, str(path), "record")
        if not recorded["wiring"]:
            raise RuntimeError(f"{name}: no per-cold-start wiring found (a functools.cache function of the module)")
        if name not in FLOORS:
            raise RuntimeError(f"{name}: no floor in bench.coldstart_floor.FLOORS")
        clients = [str(service) for service in recorded["clients"]]
        sample(BASELINE_SCRIPT, env, json.dumps(clients))  # warm boto3's .pyc files too
        sample(FLOOR_SCRIPT, env, json.dumps(clients), floor_argument(name))  # and checks the floor's names
        subjects.append((name, env, path, clients, list(recorded["wiring"])))
    samples: dict[str, tuple[list[float], list[float], list[float]]] = {name: ([], [], []) for name, *_ in subjects}
    for _ in range(repeat):
        for name, env, path, clients, _wiring in subjects:
            samples[name][1].append(sample(BASELINE_SCRIPT, env, json.dumps(clients))["ms"])
            samples[name][2].append(sample(FLOOR_SCRIPT, env, json.dumps(clients), floor_argument(name))["ms"])
            samples[name][0].append(sample(FUNCTION_SCRIPT, env, str(path), "time")["ms"])
    rows = []
    for name, _env, _path, clients, wiring in subjects:
        function_ms, baseline_ms, floor_ms = samples[name]
        row = summarise(name, clients, function_ms, baseline_ms, floor_ms=floor_ms)
        rows.append({**row, "wiring": wiring, "floor": floor_argument(name)})
    return {"repeat": repeat, "budget": BUDGET, "functions": rows}
