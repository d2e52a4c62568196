"""Serving code for the tabular classifier in the SageMaker scikit-learn container.

``train.py`` copies this file into ``model.tar.gz`` under ``code/``; the registered model package runs it with
``SAGEMAKER_PROGRAM=inference.py`` and ``SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code``.

Requests: ``text/csv`` — one row of feature values per line, in the model's feature order, or with a header row
naming the features (any order, extra columns ignored); or ``application/json`` — ``{"instances": [{"feature":
value, ...}, ...]}`` or ``{"instances": [[value, ...], ...]}``. Empty cells and ``null`` are missing values.
Response (``application/json``)::

    {"predictions": [{"label": "churned", "scores": {"churned": 0.81, "stayed": 0.19}}, ...]}
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import joblib
import numpy as np

MODEL_FILENAME = "model.joblib"
JSON = "application/json"
CSV = "text/csv"


class UnsupportedContentTypeError(ValueError):
    """The request's content type or body shape is not one this model accepts."""


def model_fn(model_dir: str) -> dict[str, Any]:
    """Load the fitted model and its feature names."""
    return dict(joblib.load(Path(model_dir) / MODEL_FILENAME))


def _value(cell: Any) -> float:
    if cell is None or cell == "":
        return math.nan
    try:
        return float(cell)
    except (TypeError, ValueError):
        raise UnsupportedContentTypeError(f"not a number: {cell!r}") from None


def input_fn(request_body: str | bytes, content_type: str = CSV) -> list[Any]:
    """Turn a request body into rows: lists of values (model order) or dicts by feature name."""
    body = request_body.decode("utf-8") if isinstance(request_body, bytes) else request_body
    media_type = (content_type or CSV).split(";")[0].strip().lower()
    if media_type == CSV:
        rows = [row for row in csv.reader(io.StringIO(body)) if row]
        if rows and any(_is_name(cell) for cell in rows[0]):
            return [dict(zip(rows[0], row)) for row in rows[1:]]  # noqa: B905 - the container's Python
        return rows
    if media_type != JSON:
        raise UnsupportedContentTypeError(f"unsupported content type {content_type!r}; use {CSV} or {JSON}")
    payload = json.loads(body)
    instances = payload.get("instances") if isinstance(payload, dict) else payload
    if not isinstance(instances, list) or not all(isinstance(row, (list, dict)) for row in instances):
        raise UnsupportedContentTypeError('expected {"instances": [rows]} with each row a list or an object')
    return instances


def _is_name(cell: str) -> bool:
    return cell.strip() != "" and not _looks_numeric(cell)


def _looks_numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def predict_fn(rows: list[Any], bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Predict a label and per-class probabilities for each row."""
    if not rows:
        return []
    features = list(bundle["features"])
    matrix = []
    for row in rows:
        if isinstance(row, dict):
            matrix.append([_value(row.get(name)) for name in features])
        elif len(row) == len(features):
            matrix.append([_value(cell) for cell in row])
        else:
            raise UnsupportedContentTypeError(f"a row has {len(row)} values; the model reads {len(features)}")
    model = bundle["model"]
    classes = [str(label) for label in model.classes_]
    predictions: list[dict[str, Any]] = []
    for probabilities in model.predict_proba(np.asarray(matrix, dtype=float)):
        scores = {name: round(float(p), 6) for name, p in zip(classes, probabilities)}  # noqa: B905
        best = max(classes, key=lambda name: scores[name])
        predictions.append({"label": best, "scores": scores})
    return predictions


def output_fn(predictions: list[dict[str, Any]], accept: str = JSON) -> tuple[str, str]:
    """Serialise predictions as JSON (the only response type)."""
    media_type = (accept or JSON).split(";")[0].strip().lower()
    if media_type not in (JSON, "*/*"):
        raise UnsupportedContentTypeError(f"unsupported accept type {accept!r}; use {JSON}")
    return json.dumps({"predictions": predictions}), JSON
