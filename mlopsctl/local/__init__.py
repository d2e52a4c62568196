"""The local stack: the whole application on this machine, on moto, wired from ``template.yaml``.

Start here: :class:`mlopsctl.local.runtime.stack.LocalStack` (tests and ``mlopsctl local replay``).

How it is laid out (by role)
----------------------------
- :mod:`.template` reads the template: :mod:`.template.loader` (cfn-lint's YAML decoder; parameters, conditions,
  ``Rules``, resources in dependency order), :mod:`.template.sam` (the SAM subset, transformed offline) and
  :mod:`.template.intrinsics` (resolved while provisioning).
- :mod:`.runtime` runs it: :mod:`.runtime.provision` with :mod:`.runtime.resources_data` and
  :mod:`.runtime.resources_compute` create each resource in moto under a deterministic physical name
  (``<stack>-<logicalid in lower case>`` unless the template names it); :mod:`.runtime.bus` delivers from EventBridge
  rules to their targets (moto matches the real patterns); :mod:`.runtime.sqs_source` polls SQS event source
  mappings as Lambda does; :mod:`.runtime.functions` runs handlers in process with their template environment;
  :mod:`.runtime.sfn_time` parks the interpreter's waits in virtual time; :mod:`.runtime.executions` logs each run
  when it ends; :mod:`.runtime.actionlog` records what the system did; :mod:`.runtime.faults` (with
  :mod:`.runtime.fault_wire`) makes a share of the system's own calls fail as AWS fails them. One clock
  (:class:`.runtime.clock.VirtualClock`, which :mod:`.runtime.wall_clock` makes the process's wall clock), one
  scheduler (:class:`.runtime.scheduler.Scheduler`: the stack's own due work, the ends of the executions' virtual
  waits and the SageMaker emulator's work, in one documented order) and one settle loop
  (:class:`.runtime.settle.Settler`, which asks that scheduler for the next due instant) drive everything; emulators
  that work out their due time from what they observe (:class:`.protocols.Emulator`, the demo's alarm) are polled.
- :mod:`.emulators` stand in for what moto does not do, clearly labelled: :mod:`.emulators.sagemaker` (jobs,
  endpoints, labeling, the events AWS would send), :mod:`.emulators.pipelines` (a SageMaker Pipelines interpreter
  that runs the definition's step scripts in process) and :mod:`.emulators.s3_events` (S3 → EventBridge events as
  real S3 sends them).
- :mod:`.moto_patches` holds every use of a moto internal, each registered with the moto version it was checked on
  (:mod:`.moto_patches.checked`): the patches (the SageMaker extensions, AWS's names and sizes
  (:mod:`.moto_patches.limits`), Step Functions' waits and error names, SQS under a frozen clock, how moto is started
  (:mod:`.moto_patches.runtime`)), and :mod:`.moto_patches.backends`, the accessors through which every other module
  reads (or directly writes) moto's state.
- :mod:`.iam` authorizes every call as AWS would.
- :mod:`.commands`: ``mlopsctl local replay`` (:mod:`.commands.replay`, items parsed by
  :mod:`.commands.replay_items`) and ``mlopsctl local invoke`` (:mod:`.commands.invoke`).

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
handlers, Powertools and moto read (``datetime.now``, ``time.time``): :mod:`.runtime.wall_clock` keeps the process's
wall clock on the :class:`~.runtime.clock.VirtualClock` while the stack runs, so TTLs, lock expiries and ledger
timestamps are on
the same timeline. A handler's run takes no virtual time. Real durations are measured with ``time.monotonic`` /
``time.perf_counter``.
"""

from __future__ import annotations
