"""Emulated AWS behaviour, clearly not AWS: what moto does not do, in virtual time.

- :mod:`.sagemaker`: SageMaker jobs, endpoints, labeling, the registry's and alarms' events;
- :mod:`.pipelines`: a SageMaker Pipelines interpreter that runs the definition's step scripts in process;
- :mod:`.s3_events`: S3 → EventBridge events in the shape real S3 sends them.
"""
