"""The local stack at run time: one virtual clock, one scheduler, one settle loop, and the parts they drive.

:class:`.stack.LocalStack` provisions the template in moto (:mod:`.provision`), runs handlers in process
(:mod:`.functions`), delivers events (:mod:`.bus`, :mod:`.sqs_source`), follows executions (:mod:`.executions`,
:mod:`.sfn_time`), keeps the wall clock on the :class:`.clock.VirtualClock` (:mod:`.wall_clock`) and settles
(:mod:`.settle`) with the work of its one :mod:`.scheduler` (its own, the executions' waits, the SageMaker
emulator's) and of the polled emulators.
"""
