"""Rollback: restore the last known-good model of the endpoint, in a state machine of its own.

The function that received the trigger decides once (:mod:`mlops_core.rollback.hot_path` for an alarm, with its
three-call hot path; :mod:`mlops_core.rollback.operator_requests` for an operator's ``mlopsctl rollback``, on the
same path; :mod:`mlops_core.approval.rejection` for the rejection of the live package) and starts
``statemachines/rollback.asl.json`` with the typed plan (:class:`~mlops_core.rollback.contract.input.RollbackInput`);
the machine's tasks (:mod:`mlops_core.rollback.tasks`, on RollbackTasksFunction) carry it out and never decide again.

Why the tasks run in a function of their own (RollbackTasksFunction) rather than as named steps of
DeployTasksFunction: least privilege both ways. A restore needs no CloudWatch alarm management, no S3 listing, no
ListModelPackages, and Deploy's preflight reads none of the rollback's history; each function's role and cold start
carry only its own machine's needs, and the console shows which function acted. The cost is one more function, log
group and DLQ entry in the template; the shared wait (:func:`mlops_core.deploy.endpoint_wait.park`) and the
domain rules are imported, not copied.
"""
