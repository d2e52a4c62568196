"""The restore's rollout policy: all traffic at once to the known-good config, no canary, no bake (pure).

Both restores use it: the Rollback state machine's (:mod:`mlops_core.rollback`, its plan and its hot path) and the
Deploy machine's own when a package is rejected while it rolls out (:mod:`mlops_core.deploy.rejected_rollout`).

Examples
--------
>>> RESTORE_POLICY.strategy.value
'ALL_AT_ONCE'
>>> RESTORE_POLICY.alarm_names
()
"""

from __future__ import annotations

from mlops_core.deploy.deployment import Capacity, CapacityUnit, RolloutPolicy, Strategy

#: The fast path: one blue/green switch of all traffic, no canary and no bake. No auto-rollback alarms either: the
#: alarm that triggered the rollback is firing, and in ``AutoRollbackConfiguration`` it would undo the restore.
RESTORE_POLICY = RolloutPolicy(
    strategy=Strategy.ALL_AT_ONCE,
    step=Capacity(CapacityUnit.CAPACITY_PERCENT, 100),
    wait_interval_seconds=0,
    termination_wait_seconds=0,
    max_execution_timeout_seconds=1800,
    alarm_names=(),
)
