"""The local stack the limit tests share (tests/fixtures/limits), and helpers to read refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "limits" / "template.yaml"
ROLE = "arn:aws:iam::123456789012:role/limits-model-role"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


def refusal(call: Any, **params: Any) -> dict[str, Any]:
    """The ``Error`` of a call that must fail (its ``Code`` and ``Message``), with the HTTP status."""
    with pytest.raises(ClientError) as raised:
        call(**params)
    error: dict[str, Any] = dict(raised.value.response["Error"])
    error["status"] = raised.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return error
