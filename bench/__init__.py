"""Benchmarks of the system on the local stack: cold start, fan-in, deployment orchestration, rollback, the demo.

``make bench`` (``python -m bench``) writes JSON to ``bench/results/`` (git-ignored) and the table to
``bench/RESULTS.md``. :mod:`bench.metrics` and :mod:`bench.render` hold the computations (unit-tested); the other
modules measure.
"""

from __future__ import annotations
