"""A SageMaker Pipelines interpreter: the pipeline definition's steps run on this machine (emulated).

Start here: :class:`.runner.StepScriptPipelineRunner`, a :class:`~mlopsctl.local.emulators.sagemaker.PipelineRunner`
for the SageMaker emulator; :mod:`.job_steps` runs one processing or training job, :mod:`.container` its script as
its container would, :mod:`.staging` moves its data, :mod:`.jobs` corrects moto's record of the job.
"""
