"""What both state machines' execution contracts share, in two modules so that each function builds only what it uses.

Every contract (this package, :mod:`mlops_core.deploy.contract`, :mod:`mlops_core.rollback.contract`) is split the
same way, and its ``__init__`` imports nothing: a function that only *starts* an execution (ApprovalFunction,
RollbackFunction) imports the ``input`` modules and builds only the input's models at its cold start; the machines'
task functions import the ``state`` modules too.

- :mod:`mlops_core.contract.base`: the model base (:class:`~mlops_core.contract.base.ContractModel`), all an input
  needs;
- :mod:`mlops_core.contract.state`: the pieces of an execution's state that Step Functions shapes (the execution,
  a signal, a caught error).
"""
