"""How long a deployment waits, derived from the update's own SageMaker timeouts (pure).

The Deploy state machine waits for SageMaker with a task token (``WaitForEndpoint``): the endpoint's state-change
event resumes it the moment the create or update ends. Its ``TimeoutSecondsPath`` is only the fallback, for an event
that never comes. That fallback is not a setting: it is the longest the update itself may take, read from the
``DeploymentConfig`` sent to ``UpdateEndpoint``, so one wait always covers it whatever the bake, and a deployment's
task runs and AWS calls do not depend on the bake time.

SageMaker API Reference, BlueGreenUpdatePolicy
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html):
``MaximumExecutionTimeoutInSeconds`` is the "Maximum execution timeout for the deployment" (600-28,800 s; "should be
larger than the total waiting time specified in TerminationWaitInSeconds and WaitIntervalInSeconds"), and
``TerminationWaitInSeconds`` is "Additional waiting time in seconds after the completion of an endpoint deployment
before terminating the old endpoint fleet" (0-3,600 s, default 0). The page does not say whether the termination
wait counts against the timeout, nor how long the rollback SageMaker starts at the timeout takes; the wait takes the
strictest reading: the timeout, plus the termination wait, plus :data:`FALLBACK_MARGIN_SECONDS` for that rollback.
A member the config leaves out takes the API's longest value (the timeout's maximum; the termination wait's default).

If the endpoint is still changing after the fallback wait, ``Verify`` waits once more (:data:`MAX_WAIT_ROUNDS`) and
then fails the deployment: a fixed bound, the same for any bake.

The wait for the endpoint's lock is not derived: ``DEPLOY_LOCK_RETRY_SECONDS`` and ``DEPLOY_LOCK_MAX_ATTEMPTS`` are
the lock task's own settings (:class:`~mlops_core.deploy.settings.FleetSettings`); AcquireLock returns the seconds to
wait with a ``busy`` decision (``$.lock.retry_after_seconds``, ``WaitForLock``'s ``SecondsPath``) and counts the
attempts itself, so no execution input carries them. Not a ``DefinitionSubstitutions`` value: those are "a map
(string to string)" substituted into the definition's text (CloudFormation, AWS::StepFunctions::StateMachine,
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html),
so a number for ``Seconds`` would be an unquoted ``${...}`` that leaves ``deploy.asl.json`` invalid JSON for
statelint, the contract tests and the local stack; and the attempts, which only the task can count, would then be
read from one parameter by two components. The Rollback machine's ``WaitForTurn`` works the same way.

Examples
--------
>>> config = {"BlueGreenUpdatePolicy": {"TerminationWaitInSeconds": 300, "MaximumExecutionTimeoutInSeconds": 4200}}
>>> fallback_wait_seconds(config)
4800
>>> fallback_wait_seconds({})
29100
>>> lock_ttl_for_wait(1800, 4800)
5100
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Margin after SageMaker's own maximum, for the rollback it starts when that timeout passes (undocumented length).
FALLBACK_MARGIN_SECONDS = 300
#: ``MaximumExecutionTimeoutInSeconds``' largest valid value: what an update without one may take at most.
MAX_EXECUTION_TIMEOUT_SECONDS = 28_800
#: Fallback waits before ``Verify`` gives up on an endpoint that is still changing (the second is a last look).
MAX_WAIT_ROUNDS = 2


def fallback_wait_seconds(deployment_config: Mapping[str, Any]) -> int:
    """The fallback timeout of the wait for one create or update: the longest SageMaker lets the update run.

    A create (no blue/green update) is given the same budget as the update the endpoint's policy describes.
    """
    policy = deployment_config.get("BlueGreenUpdatePolicy") or {}
    timeout = int(policy.get("MaximumExecutionTimeoutInSeconds", MAX_EXECUTION_TIMEOUT_SECONDS))
    termination = int(policy.get("TerminationWaitInSeconds", 0))
    return timeout + termination + FALLBACK_MARGIN_SECONDS


def lock_ttl_for_wait(lock_ttl_seconds: int, wait_seconds: int) -> int:
    """The endpoint lock's lifetime from the start of a wait: it outlives the fallback wait, with the margin."""
    return max(lock_ttl_seconds, wait_seconds + FALLBACK_MARGIN_SECONDS)
