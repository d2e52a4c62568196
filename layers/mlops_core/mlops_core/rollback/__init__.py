"""Rollback: restore the last known-good model of the endpoint, in a state machine of its own.

The function that received the trigger decides once (:mod:`mlops_core.services.rollback` for an alarm, with its
three-call hot path; :mod:`mlops_core.services.approval` for the rejection of the live package) and starts
``statemachines/rollback.asl.json`` with the typed plan (:class:`~mlops_core.rollback.contract.RollbackInput`);
the machine's tasks (:mod:`mlops_core.rollback.tasks`, on RollbackTasksFunction) carry it out and never decide again.
"""
