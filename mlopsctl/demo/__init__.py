"""``mlopsctl demo``: the whole lifecycle on this machine, each end state checked.

Start here: :func:`mlopsctl.demo.command.run_demo`.

- :mod:`.scenarios`: the steps a user takes and the end state expected after each;
- :mod:`.session`: the local stack as the demo drives it (emulators, timing, the pieces it drives);
- :mod:`.observe`: end states read from the registry, the endpoint and the ledger;
- the real pipeline runner lives in the local stack's emulators (:mod:`mlopsctl.local.emulators.pipelines`): the
  project's pipeline definition interpreted, its step scripts run in process;
- :mod:`.alarms`: the endpoint alarm (emulated CloudWatch);
- :mod:`.report`: the timeline and the summary table.
"""

from __future__ import annotations
