"""The Deploy state machine's execution contract, in two modules (this package imports neither).

- :mod:`mlops_core.deploy.contract.input`: the execution's input, the request
  (:class:`~mlops_core.deploy.contract.input.DeployInput`), all that ApprovalFunction, which starts the machine,
  builds at its cold start;
- :mod:`mlops_core.deploy.contract.state`: the state between states, each task's result, and a task's payload
  (:class:`~mlops_core.deploy.contract.state.DeployTask`), which DeployTasksFunction validates.

A contract test (``tests/contract/test_asl_paths.py``) checks every ``$.x.y`` path of ``statemachines/deploy.asl.json``
against the two, and that every model of both modules is one it checks.
"""
