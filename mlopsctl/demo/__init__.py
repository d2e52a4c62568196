"""``mlopsctl demo``: the whole lifecycle on this machine, each end state checked.

Start here: :func:`mlopsctl.demo.command.run_demo`.

- :mod:`.scenarios`: the steps a user takes and the end state expected after each;
- :mod:`.session`: the local stack as the demo drives it (emulators, timing, the pieces it drives);
- :mod:`.observe`: end states read from the registry, the endpoint and the ledger;
- :mod:`.runner`, :mod:`.job_steps`, :mod:`.container`, :mod:`.staging`, :mod:`.jobs`: the real pipeline runner
  (the project's pipeline definition interpreted with :mod:`mlopsctl.local.emulator.expressions`, its step scripts
  run in process);
- :mod:`.alarms`: the endpoint alarm (emulated CloudWatch);
- :mod:`.report`: the timeline and the summary table.
"""

from __future__ import annotations
