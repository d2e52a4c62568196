"""An endpoint's invocation metrics as SageMaker publishes them, per fleet (emulated traffic for tests and the demo).

SageMaker publishes ``AWS/SageMaker`` invocation metrics (``Invocation5XXErrors``, ``ModelLatency``...) per
``EndpointName`` + ``VariantName``, and during a blue/green update "with the dimension
``EndpointConfigName:{New-Ep-Config}`` after the new fleet starts receiving traffic" (SageMaker Developer Guide,
Auto-Rollback Configuration and Monitoring,
https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html; the old fleet likewise
under its own config's name). :func:`fleet_metric` puts one datapoint of one fleet under both dimension sets, so an
alarm on the whole variant counts it as well as an alarm on that fleet only (see
:mod:`mlopsctl.local.moto_patches.cloudwatch` for how the local stack's alarms follow metrics).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def fleet_metric(  # noqa: PLR0917 - a datapoint's coordinates
    cloudwatch: Any,
    endpoint_name: str,
    config_name: str,
    metric_name: str,
    value: float,
    at: datetime,
    variant_name: str = "AllTraffic",
) -> None:
    """Publish ``value`` of ``metric_name`` for the fleet of ``config_name`` on ``endpoint_name`` at ``at``."""
    variant = [{"Name": "EndpointName", "Value": endpoint_name}, {"Name": "VariantName", "Value": variant_name}]
    fleet = [*variant, {"Name": "EndpointConfigName", "Value": config_name}]
    cloudwatch.put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {"MetricName": metric_name, "Dimensions": dims, "Value": value, "Timestamp": at}
            for dims in (variant, fleet)
        ],
    )
