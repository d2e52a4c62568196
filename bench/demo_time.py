"""The demo's wall time: ``mlopsctl demo`` run in process, as ``make demo`` runs it (its output is not printed)."""

from __future__ import annotations

import io
import time
from typing import Any

from mlopsctl.demo.command import DemoOptions, run_demo


def run() -> dict[str, Any]:
    """Run the demo once; its wall, CPU (this process, all threads) and virtual time, verdict, and each step."""
    started, cpu = time.perf_counter(), time.process_time()
    report = run_demo(DemoOptions(timeline=False), io.StringIO())
    return {
        "wall_seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "virtual_seconds": report.virtual_seconds,
        "ok": report.ok,
        "steps": [
            {
                "key": s.key,
                "status": s.status.value,
                "wall_seconds": round(s.wall_seconds, 2),
                "virtual_seconds": s.virtual_seconds,
            }
            for s in report.steps
        ],
    }
