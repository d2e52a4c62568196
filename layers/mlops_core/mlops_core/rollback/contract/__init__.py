"""The Rollback state machine's execution contract, in two modules (this package imports neither).

- :mod:`mlops_core.rollback.contract.input`: the execution's input, the plan decided once
  (:class:`~mlops_core.rollback.contract.input.RollbackInput`), all that the functions that start the machine
  (RollbackFunction, ApprovalFunction) build at their cold start;
- :mod:`mlops_core.rollback.contract.state`: the state between states, each task's result, and a task's payload
  (:class:`~mlops_core.rollback.contract.state.RollbackTask`), which RollbackTasksFunction validates.

A contract test (``tests/contract/test_asl_paths.py``) checks every ``$.x.y`` path of
``statemachines/rollback.asl.json`` against the two, and that every model of both modules is one it checks.
"""
