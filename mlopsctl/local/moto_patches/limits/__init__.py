"""AWS's limits on what the system names and sends, enforced on moto's side (emulated behaviour, checked on 5.2.5).

Applied where moto serves a request, so they hold in process, in ``moto_server`` and for Step Functions' SDK tasks
alike, and a refused request fails as AWS fails it:

- :mod:`.requests`: for SageMaker and Step Functions, every length, size and pattern constraint of the request in
  botocore's service model (names of models, endpoint configs, endpoints, labeling jobs, pipeline execution display
  names, execution names, ``StartExecution``'s 256 KiB input, ...): ``ValidationException`` with Coral's message;
- :mod:`.stepfunctions`: the characters ``StartExecution`` refuses in an execution name (``InvalidName``);
- :mod:`.sfn_payloads`: the 256 KiB state input/output quota in the interpreter (``States.DataLimitExceeded``,
  terminal);
- :mod:`.messaging`: SQS (1 MiB) and SNS (256 KiB) message sizes, body and attributes in UTF-8 bytes;
- :mod:`.dynamodb`: the 400 KB item size as DynamoDB measures it.

Each module cites the AWS page its rule comes from. :func:`installed` applies them all while its context is open
(the local stack keeps it open for its lifetime).

Examples
--------
>>> with installed():
...     pass
"""

from __future__ import annotations

from mlopsctl.local.moto_patches.limits.install import installed

__all__ = ["installed"]
