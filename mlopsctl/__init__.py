"""``mlopsctl``: the local stack, the demo, and operator commands for the SageMaker MLOps automation."""

from __future__ import annotations
