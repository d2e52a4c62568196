"""Serving code for the ticket classifier in the SageMaker scikit-learn container.

``train.py`` copies this file into ``model.tar.gz`` under ``code/``; the registered model package runs it with
``SAGEMAKER_PROGRAM=inference.py`` and ``SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code``. The container calls the
four hooks below.

Requests: ``application/json`` — ``{"instances": ["text", ...]}``, ``{"text": "..."}`` or a JSON list of texts —
or ``text/plain`` with one text per line. Response (``application/json``)::

    {"predictions": [{"label": "billing", "scores": {"billing": 0.91, "technical": 0.02, ...}}, ...]}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib

MODEL_FILENAME = "model.joblib"
JSON = "application/json"
TEXT = "text/plain"


class UnsupportedContentTypeError(ValueError):
    """The request's content type or body shape is not one this model accepts."""


def model_fn(model_dir: str) -> Any:
    """Load the fitted scikit-learn pipeline from the model directory."""
    return joblib.load(Path(model_dir) / MODEL_FILENAME)


def input_fn(request_body: str | bytes, content_type: str = JSON) -> list[str]:
    """Turn a request body into a list of texts."""
    body = request_body.decode("utf-8") if isinstance(request_body, bytes) else request_body
    media_type = (content_type or JSON).split(";")[0].strip().lower()
    if media_type == TEXT:
        return [line for line in body.splitlines() if line.strip()]
    if media_type != JSON:
        raise UnsupportedContentTypeError(f"unsupported content type {content_type!r}; use {JSON} or {TEXT}")
    payload = json.loads(body)
    if isinstance(payload, dict):
        payload = payload.get("instances", [payload["text"]] if "text" in payload else None)
    if not isinstance(payload, list) or not all(isinstance(text, str) for text in payload):
        raise UnsupportedContentTypeError('expected {"instances": [texts]}, {"text": text} or a list of texts')
    return payload


def predict_fn(texts: list[str], model: Any) -> list[dict[str, Any]]:
    """Predict a label and per-class probabilities for each text."""
    if not texts:
        return []
    classes = [str(label) for label in model.classes_]
    predictions: list[dict[str, Any]] = []
    for probabilities in model.predict_proba(texts):
        scores = {label: round(float(p), 6) for label, p in zip(classes, probabilities)}  # noqa: B905 - py3.9 container
        predictions.append({"label": max(scores, key=scores.__getitem__), "scores": scores})
    return predictions


def output_fn(predictions: list[dict[str, Any]], accept: str = JSON) -> tuple[str, str]:
    """Serialise predictions as JSON (the only response type); the container takes ``(body, content type)``."""
    media_type = (accept or JSON).split(";")[0].strip().lower()
    if media_type not in (JSON, "*/*"):
        raise UnsupportedContentTypeError(f"unsupported accept type {accept!r}; use {JSON}")
    return json.dumps({"predictions": predictions}), JSON
