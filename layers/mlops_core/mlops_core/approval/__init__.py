"""Approval: what a model package state change means for the endpoint (ApprovalFunction).

The feature that composes the two others: an approved package starts the Deploy machine (:mod:`mlops_core.deploy`'s
contract), a rejected live package starts the Rollback machine with the plan decided here, once, on
:mod:`mlops_core.rollback`'s decision table (:mod:`mlops_core.approval.rejection`). Its table is
:mod:`mlops_core.approval.rules`, its service :mod:`mlops_core.approval.service`, its composition root
:mod:`mlops_core.approval.wiring`. Neither ``deploy/`` nor ``rollback/`` imports it.
"""
