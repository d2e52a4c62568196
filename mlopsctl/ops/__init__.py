"""Operator commands against a deployed stack (``mlopsctl status|history|lineage|rollback|abort|dlq|watch``).

They talk to AWS through boto3 only, so the same code runs against AWS and against the local stack
(``mlopsctl local up`` and ``--endpoint-url``). How they are built:

- :mod:`.target` finds the stack (CloudFormation ``DescribeStacks`` outputs and ``ListStackResources``) and makes
  the clients; every AWS call is named, so a refusal becomes one line naming the action (:mod:`.errors`);
- :mod:`.output` prints a command's result: a rich table or view, or with ``--json`` a stable JSON document;
- :mod:`.cli` holds the Click group's shared options (``--stack``, ``--region``, ``--profile``, ``--endpoint-url``,
  ``--json``) and the exit codes.

Exit codes (every operator command): 0 done; 1 the command could not do it (stack not found, AWS refused, missing
permission, the system reported a failure); 2 usage (bad option or argument, unknown version).
"""
