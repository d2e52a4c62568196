"""Shared core of the SageMaker MLOps automation: event models, settings, pure domain logic and AWS adapters.

Deployed as a Lambda layer. Imports nothing of the SageMaker Python SDK: Lambdas talk to SageMaker through boto3.
"""

from __future__ import annotations

__version__ = "0.1.0"
