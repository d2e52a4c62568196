"""A package rejected while its own rollout runs: the deployment restores the last known-good model once it lands.

The Approval function cannot stop the rollout: SageMaker offers no call that stops a blue/green update, and
``UpdateEndpoint`` on an endpoint that is ``Updating`` fails ("When SageMaker receives the request, it sets the
endpoint status to Updating. After updating the endpoint, it sets the status to InService", SageMaker API Reference,
UpdateEndpoint, https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html; the local stack
refuses it with "Cannot update in-progress endpoint"). So the deployment's ``Verify`` re-reads the package's
approval each time the endpoint settles (one ``DescribeModelPackage``) and, when a reviewer rejected it:

======================================  ===========================================================================
the endpoint, once the update landed     what Verify does
======================================  ===========================================================================
serves the rejected package              ``UpdateEndpoint`` back to the last known-good config (all at once, no
                                         canary), waits for it, and ends ``ROLLED_BACK`` with the reviewer's reason
still serves the old config (SageMaker   ends ``ROLLED_BACK`` with the reviewer's reason; the package is not
rolled the update back)                  rejected a second time
no known-good config to return to        ends ``FAILED``: the endpoint serves the rejected package (loud)
======================================  ===========================================================================

The last known-good config is the ledger's newest ``SUCCEEDED`` record of the endpoint (this deployment is still
``IN_PROGRESS``), else the config the endpoint served before the update, provided the config still exists.
The Deploy state machine has no state for it: Verify's ``{"next": "wait", "restoring": ...}``
(:class:`~mlops_core.deploy.contract.state.DeployWait`) sends the execution back to ``WaitForEndpoint``, and the
next Verify finds ``restoring`` in ``$.wait``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.deploy.contract.state import DeployState, DeployWait, Restoring
from mlops_core.deploy.deployment import Outcome, deployment_config
from mlops_core.deploy.endpoints import EndpointGateway
from mlops_core.deploy.ledger_items import DeploymentFields
from mlops_core.deploy.preflight import EndpointView, PackageView, Verdict
from mlops_core.deploy.restore import RESTORE_POLICY
from mlops_core.deploy.store import DeploymentKey, DeploymentStore

_RESTORE_CONFIG = deployment_config(RESTORE_POLICY)


def rejection_reason(package: PackageView | None, version: int) -> str | None:
    """Why the package must not serve (a reviewer rejected it, with their ``ApprovalDescription``), or ``None``."""
    if package is None or package.approval_status != "Rejected":
        return None
    why = f": {package.approval_description}" if package.approval_description else ""
    return f"model package version {version} was rejected while it was being deployed{why}"


@dataclass(frozen=True)
class RejectedRollout:
    """Verify's handling of a deployment whose package was rejected while it rolled out."""

    endpoints: EndpointGateway
    store: DeploymentStore

    def _known_good(self, endpoint_name: str, previous_config: str | None) -> tuple[str, str | None] | None:
        """The config to restore and the package it serves (``None`` when there is none)."""
        last = self.store.last_succeeded(endpoint_name)
        candidates: list[tuple[str | None, str | None]] = []
        if last is not None:
            candidates.append((last.endpoint_config_name, last.model_package_arn))
        candidates.append((previous_config, None))
        for config, package in candidates:
            if config and self.endpoints.endpoint_variants(str(config)):
                return str(config), (str(package) if package else None)
        return None

    def settled(
        self,
        state: DeployState,
        key: DeploymentKey,
        verdict: Verdict,
        reason: str,
        rounds: int,
    ) -> DeployWait:
        """Verify's result once the endpoint settled and the package turned out rejected."""
        endpoint_name = state.request.endpoint_name
        if verdict.outcome is Outcome.ROLLED_BACK:
            return _finish(
                rounds, Outcome.ROLLED_BACK, f"{reason}; SageMaker had rolled the update back ({verdict.reason})"
            )
        if verdict.outcome is not Outcome.SUCCEEDED:
            return _finish(rounds, Outcome.FAILED, f"{reason}; {verdict.reason}")
        previous = state.rollout.previous_endpoint_config_name if state.rollout else None
        target = self._known_good(endpoint_name, previous)
        if target is None:
            return _finish(
                rounds,
                Outcome.FAILED,
                f"{reason}; no known-good endpoint config to restore: {endpoint_name} serves the rejected package",
            )
        config, package = target
        try:
            self.endpoints.update_endpoint(endpoint_name, config, _RESTORE_CONFIG)
        except RequestRejectedError as exc:
            return _finish(
                rounds, Outcome.FAILED, f"{reason}; restoring {config} was refused ({exc.code}: {exc.message})"
            )
        fields = DeploymentFields(rejected_during_rollout=reason, restoring_endpoint_config_name=config)
        self.store.save_deployment(key, fields)
        restoring = Restoring(reason=reason, endpoint_config_name=config, model_package_arn=package)
        return DeployWait(next="wait", rounds=rounds, reason=f"{reason}; restoring {config}", restoring=restoring)

    def restored(
        self, restoring: Restoring, endpoint: EndpointView | None, rounds: int, tags: Mapping[str, str]
    ) -> DeployWait:
        """Verify's result once the restore requested by :meth:`settled` has settled."""
        config, reason = restoring.endpoint_config_name, restoring.reason
        if endpoint is None or endpoint.status != "InService" or endpoint.config_name != config:
            status = endpoint.status if endpoint else "gone"
            serves = endpoint.config_name if endpoint else None
            return _finish(
                rounds, Outcome.FAILED, f"{reason}; the restore of {config} did not take (endpoint {status}, {serves})"
            )
        package = restoring.model_package_arn
        if endpoint.arn and package:
            self.endpoints.tag_endpoint(endpoint.arn, {**tags, "mlops:model-package-arn": str(package)})
        return _finish(rounds, Outcome.ROLLED_BACK, f"{reason}; restored {config}")


def _finish(rounds: int, outcome: Outcome, reason: str) -> DeployWait:
    return DeployWait(next="finish", rounds=rounds, outcome=outcome.value, reason=reason)
