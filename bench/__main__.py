"""``python -m bench`` (``make bench``): run the benchmarks, write ``bench/results/*.json`` and ``bench/RESULTS.md``."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import coldstart, demo_time, deploy, fanin
from bench.render import render

HERE = Path(__file__).resolve().parent
SECTIONS = ("coldstart", "fanin", "deploy", "demo")


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections (default: all)")
    parser.add_argument("--repeat", type=int, default=5, help="cold start samples per module (default: %(default)s)")
    parser.add_argument("--sizes", type=_ints, default=fanin.DEFAULT_SIZES, help="fan-in object counts")
    parser.add_argument("--max-objects", type=int, default=fanin.DEFAULT_MAX_OBJECTS, help="largest size run")
    parser.add_argument("--bakes", type=_ints, default=deploy.DEFAULT_BAKES_MINUTES, help="bake times, minutes")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="where the JSON results go")
    parser.add_argument("--markdown", type=Path, default=HERE / "RESULTS.md", help="the table written")
    return parser.parse_args(argv)


def machine() -> str:
    """A one-line description of where the numbers come from."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load} at the start"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen sections; each section's JSON goes to ``--results``; the table to ``--markdown``.

    The table also shows the sections not run this time, from their last JSON in ``--results``.
    """
    args = parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        sys.stderr.write(f"python -m bench: unknown sections: {', '.join(unknown)}\n")
        return 2
    runners: dict[str, Callable[[], Any]] = {
        "coldstart": lambda: coldstart.run(repeat=args.repeat),
        "fanin": lambda: fanin.run(args.sizes, max_objects=args.max_objects),
        "deploy": lambda: deploy.run(args.bakes),
        "demo": demo_time.run,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine()}
    for section in SECTIONS:  # sections not run now keep their last results in the table
        previous = args.results / f"{section}.json"
        if section not in chosen and previous.is_file():
            results[section] = json.loads(previous.read_text(encoding="utf-8"))
    for section in chosen:
        started = time.perf_counter()
        sys.stderr.write(f"bench: {section} …\n")
        results[section] = runners[section]()
        sys.stderr.write(f"bench: {section} done in {time.perf_counter() - started:.0f} s\n")
        (args.results / f"{section}.json").write_text(json.dumps(results[section], indent=2, default=str) + "\n")
    (args.results / "all.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    args.markdown.write_text(render(results), encoding="utf-8")
    sys.stdout.write(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
