"""Deployment: approval of a package, the Deploy machine's tasks (plan, lock, canary rollout, verify, finish),
its typed execution contract, its records."""
