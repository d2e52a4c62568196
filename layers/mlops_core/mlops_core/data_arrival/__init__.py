"""DataArrivalFunction's composition: :mod:`mlops_core.ingest`'s service on the adapters of the features it hands
batches to (:mod:`mlops_core.labeling`'s backends, :mod:`mlops_core.training`'s starters).

It holds no rule of its own, only the composition root (:mod:`mlops_core.data_arrival.wiring`): ``ingest/`` defines
the ports (:mod:`mlops_core.ingest.ports`) that labeling and training implement, so ingest imports neither, and the
one module that needs all three sits above them.
"""
