"""Deployment: the Deploy machine's tasks (plan, lock, canary rollout, verify, finish), its typed execution contract,
its records, the endpoint and execution events, and the deployment rules a restore reuses. It imports no other
feature (:mod:`mlops_core.rollback` and :mod:`mlops_core.approval` import it)."""
