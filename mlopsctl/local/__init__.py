"""The local stack: the whole application on this machine, on moto, wired from ``template.yaml``.

Start here: :class:`mlopsctl.local.runtime.stack.LocalStack` (tests and ``mlopsctl local replay``).

How it works
------------
- :mod:`.template`, :mod:`.sam`, :mod:`.intrinsics` read the template (SAM subset transformed offline; parameters,
  conditions and intrinsic functions resolved); :mod:`.provision` with :mod:`.resources_data` and
  :mod:`.resources_compute` create each resource in moto under a deterministic physical name
  (``<stack>-<logicalid in lower case>`` unless the template names it).
- :mod:`.s3_events` replaces moto's S3 → EventBridge events with real-shaped ones (emulated: encoded keys, etag,
  version id, unique ids and sequencers, default bus only); ``LabelingWorkteamArn`` gets an emulated workteam
  (:func:`.template.local_parameter_defaults`) and the template's ``Rules`` are checked. :mod:`.moto_speed` keeps
  moto's SQS and DynamoDB transactions from slowing down as queues and tables grow (same behaviour).
- :mod:`.moto_ext.limits` makes moto refuse what AWS refuses on names and sizes (SageMaker and Step Functions model
  constraints, execution names, 256 KiB state payloads, SQS/SNS message and DynamoDB item sizes), for the stack's
  lifetime, in process and in ``moto_server`` alike.
- :mod:`.bus` delivers from EventBridge rules to their targets (moto matches the real patterns); :mod:`.sqs_source`
  polls SQS event source mappings as Lambda does (batch size, batching window, ``ReportBatchItemFailures``,
  visibility timeout, redrive to the dead-letter queue).
- :mod:`.functions` runs handlers in process with their template environment; Step Functions Lambda tasks reach
  them through moto's Lambda backend. :mod:`.sfn_time` and :mod:`.sfn_patches` make the interpreter's waits
  virtual; :mod:`.sfn_errors` names a Lambda task's Invoke errors as Step Functions does; :mod:`.executions` logs each
  run when it ends.
- :mod:`.wall_clock` makes the wall clock of the process follow the virtual clock (one clock, see below).
- :mod:`.settle` runs everything to quiescence on the :class:`~.clock.VirtualClock`, asking the emulators
  (:class:`~.protocols.Emulator`) for the work they have due.
- :mod:`.actionlog` records what the system did (a failed call with its AWS error code); :mod:`.replay` plays a file
  of events and user actions with its timing (``together``, ``after``; items parsed by :mod:`.replay_items`).
- :mod:`.faults` (with :mod:`.fault_wire`) makes a share of the system's own calls fail as AWS fails them.
- :mod:`.moto_runtime` starts moto in process or as ``moto_server``.

Handler convention (read this if you write a handler)
-----------------------------------------------------
The action log records every handler run with an outcome:

- ``error``: the handler raised (the reason is ``"<ExceptionClass>: <message>"``), or an SQS batch handler returned
  ``batchItemFailures`` (the reason counts them);
- ``ignored``: the handler decided the input is not for it and did nothing. Signal it by returning a dict with
  ``"outcome": "ignored"`` and a human-readable ``"reason"``, e.g.
  ``return {"outcome": "ignored", "reason": "model package group foo is not ours"}``
  (SQS batch handlers may return it beside ``"batchItemFailures": []``; Lambda ignores extra keys);
- ``ok``: anything else.

One clock: virtual time governs waits (Step Functions ``Wait``, ``Retry``, task timeouts and heartbeats, SQS
visibility timeouts and batching windows, Lambda async retries) and emulated work, and it is also the wall clock that
handlers, Powertools and moto read (``datetime.now``, ``time.time``): :mod:`.wall_clock` keeps the process's wall
clock on the :class:`~.clock.VirtualClock` while the stack runs, so TTLs, lock expiries and ledger timestamps are on
the same timeline. A handler's run takes no virtual time. Real durations are measured with ``time.monotonic`` /
``time.perf_counter``.
"""

from __future__ import annotations
