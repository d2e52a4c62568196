"""Preprocess step: labelled records in, stratified train/validation/test JSON lines out.

Runs as a SageMaker processing job in the scikit-learn container (``python3 preprocess.py …``) and in process in
tests. It is self-contained on purpose: the container gets this one file.

Input (every ``*.manifest``, ``*.jsonl``, ``*.json``, ``*.csv`` and ``output.manifest`` file under ``--input-dir``),
either

* a Ground Truth **output manifest**: JSON lines with ``source`` (inline text) or ``source-ref`` (an ``s3://`` text
  object under one of the stack's data prefixes, ``--allowed-source-prefix``: a line naming any other object fails
  the step, which never reads it), and the label attribute ``<attr>`` with ``<attr>-metadata.class-name``; lines
  whose annotation failed (metadata with ``failure-reason``, no ``class-name``) are skipped and counted; or
* an already **labelled data set**: JSON lines with the label field and the feature fields (``--label-column``,
  default ``label``; ``--feature-columns``, comma-separated, default ``text``), e.g. ``{"text": ..., "label": ...}``;
  or **labelled CSV** (``*.csv``): a header row naming the columns, then one record per row. Several feature columns
  are joined with a space into the text the model reads; a record whose label or features are all empty fails the
  step with its file and row.

Output: ``train.jsonl``, ``validation.jsonl`` and ``test.jsonl`` (``{"text", "label"}`` per line) in their own
directories (one processing output each), split per class so every class is in every split, after dropping exact
duplicate texts (so the test set never holds a training text).

Examples
--------
::

    python3 preprocess.py --input-dir /opt/ml/processing/input/manifest --label-attribute auto \
        --allowed-source-prefix s3://my-data-bucket/incoming/ --allowed-source-prefix s3://my-data-bucket/labeled/
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

LOGGER = logging.getLogger("preprocess")

PROCESSING_ROOT = "/opt/ml/processing"
AUTO = "auto"
INPUT_SUFFIXES = (".manifest", ".jsonl", ".json", ".csv")
CSV_SUFFIX = ".csv"
LABEL_COLUMN, FEATURE_COLUMNS = "label", ("text",)
SPLITS = ("train", "validation", "test")
_METADATA = "-metadata"


class PreprocessError(ValueError):
    """The input cannot be turned into a training set; the message says why (it becomes the job's failure)."""


@dataclass(frozen=True)
class Record:
    """One labelled text."""

    text: str
    label: str


@dataclass(frozen=True)
class ReadResult:
    """Records read from the input, and how many lines were skipped (failed or unlabelled annotations)."""

    records: list[Record]
    skipped: int


def read_records(
    lines: Iterable[str],
    label_attribute: str = AUTO,
    fetch: Callable[[str], str] | None = None,
    allowed_prefixes: Sequence[str] = (),
    *,
    label_column: str = LABEL_COLUMN,
    feature_columns: Sequence[str] = FEATURE_COLUMNS,
) -> ReadResult:
    """Parse manifest or labelled-data-set lines into records.

    Parameters
    ----------
    lines:
        JSON lines; blank lines are ignored.
    label_attribute:
        The Ground Truth label attribute name, or ``"auto"`` for the one ``<attr>`` with an ``<attr>-metadata`` key.
    fetch:
        Reads the text of a ``source-ref`` URI; defaults to reading the S3 object with boto3.
    allowed_prefixes:
        The ``s3://bucket/prefix/`` locations a ``source-ref`` may name (the stack's data prefixes); none: no
        ``source-ref`` is read.
    label_column, feature_columns:
        The fields of a labelled data set's lines (a line with all of them is a record, not a manifest line).

    Raises
    ------
    PreprocessError
        On a line that is not a JSON object, holds no text, whose label attribute is ambiguous, or whose
        ``source-ref`` is outside ``allowed_prefixes``.
    """
    records: list[Record] = []
    skipped = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise PreprocessError(f"line {number}: not JSON ({error.msg})") from error
        if not isinstance(item, dict):
            raise PreprocessError(f"line {number}: expected a JSON object")
        fetcher = _guarded(fetch or read_s3_text, allowed_prefixes, number)
        if label_column in item and all(name in item for name in feature_columns):
            record: Record | None = _record(_joined(item, feature_columns, number), item[label_column], number)
        else:
            record = _parse_item(item, label_attribute, fetcher, number)
        if record is None:
            skipped += 1
        else:
            records.append(record)
    return ReadResult(records, skipped)


def read_csv_records(
    text: str, label_column: str = LABEL_COLUMN, feature_columns: Sequence[str] = FEATURE_COLUMNS, name: str = "csv"
) -> list[Record]:
    """Parse labelled CSV (a header row, then records) into records; ``name`` prefixes error messages.

    Raises
    ------
    PreprocessError
        On CSV that does not parse, a header without the columns, a row with another number of values than the
        header, or a row whose label (or every feature) is empty.
    """
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), strict=True) if any(c.strip() for c in row)]
    except csv.Error as error:
        raise PreprocessError(f"{name}: not CSV ({error})") from error
    if not rows:
        raise PreprocessError(f"{name}: no header row")
    header = [column.strip() for column in rows[0]]
    absent = [column for column in (label_column, *feature_columns) if column not in header]
    if absent:
        raise PreprocessError(f"{name}: the header lacks {', '.join(absent)} (found: {', '.join(header)})")
    records = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise PreprocessError(f"{name} row {number}: {len(row)} values, the header has {len(header)}")
        item = dict(zip(header, row, strict=True))
        records.append(_record(_joined(item, feature_columns, number), item[label_column], number, f"{name} row"))
    return records


def _joined(item: dict[str, Any], feature_columns: Sequence[str], number: int) -> str:
    """The feature values joined with a space (the text the model reads); non-string values are an error."""
    values = [item[name] for name in feature_columns]
    if not all(isinstance(value, str) for value in values):
        raise PreprocessError(f"line {number}: non-string value in {', '.join(feature_columns)}")
    return " ".join(value for value in values if value.strip())


def _guarded(fetch: Callable[[str], str], allowed_prefixes: Sequence[str], number: int) -> Callable[[str], str]:
    """``fetch``, for URIs under one of ``allowed_prefixes`` only (a manifest line may name any object)."""

    def guarded(uri: str) -> str:
        if not any(prefix.endswith("/") and uri.startswith(prefix) for prefix in allowed_prefixes):
            allowed = ", ".join(allowed_prefixes) or "none"
            raise PreprocessError(f"line {number}: source-ref {uri!r} is outside the stack's data ({allowed})")
        return fetch(uri)

    return guarded


def _parse_item(item: dict[str, Any], label_attribute: str, fetch: Callable[[str], str], number: int) -> Record | None:
    if "text" in item and "label" in item:
        return _record(item["text"], item["label"], number)
    attribute = _label_attribute(item, label_attribute, number)
    metadata = item.get(attribute + _METADATA)
    label = metadata.get("class-name") if isinstance(metadata, dict) else None
    if label is None:
        LOGGER.info("line %d: no label (%s); skipped", number, _failure_reason(metadata))
        return None
    if isinstance(item.get("source"), str):
        text = item["source"]
    elif isinstance(item.get("source-ref"), str):
        text = fetch(item["source-ref"])
    else:
        raise PreprocessError(f"line {number}: neither 'source' nor 'source-ref'")
    return _record(text, label, number)


def _record(text: Any, label: Any, number: int, where: str = "line") -> Record:
    if not isinstance(text, str) or not text.strip():
        raise PreprocessError(f"{where} {number}: empty or non-string text")
    if not isinstance(label, str) or not label.strip():
        raise PreprocessError(f"{where} {number}: empty or non-string label")
    return Record(" ".join(text.split()), label.strip())


def _label_attribute(item: dict[str, Any], label_attribute: str, number: int) -> str:
    if label_attribute and label_attribute != AUTO:
        return label_attribute
    # A failed annotation has only "<attr>-metadata" (with a failure reason), so look for that key.
    candidates = sorted(key[: -len(_METADATA)] for key, value in item.items() if key.endswith(_METADATA) and value)
    if len(candidates) != 1:
        found = ", ".join(candidates) or "none"
        raise PreprocessError(f"line {number}: cannot tell the label attribute (found: {found}); pass it")
    return candidates[0]


def _failure_reason(metadata: Any) -> str:
    if isinstance(metadata, dict) and metadata.get("failure-reason"):
        return str(metadata["failure-reason"])
    return "annotation missing"


def read_s3_text(uri: str) -> str:
    """Read a ``s3://bucket/key`` text object with boto3 (present in the SageMaker containers)."""
    import boto3  # noqa: PLC0415 - only needed for source-ref manifests; the container has it

    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise PreprocessError(f"source-ref is not an s3:// object URI: {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return str(body.decode("utf-8"))


def deduplicate(records: Iterable[Record]) -> list[Record]:
    """Keep the first record of each text (compared case-insensitively), so no text lands in two splits."""
    seen: set[str] = set()
    unique = []
    for record in records:
        key = record.text.casefold()
        if key not in seen:
            seen.add(key)
            unique.append(record)
    return unique


def split(
    records: Sequence[Record],
    validation_fraction: float = 0.15,
    test_fraction: float = 0.2,
    seed: int = 42,
    min_per_class: int = 3,
) -> dict[str, list[Record]]:
    """Split records per class into train, validation and test; deterministic for a seed.

    Every class gets at least one record in validation and in test, so a class with fewer than ``min_per_class``
    (at least 3) records cannot be evaluated and is an error rather than a silent gap.

    Raises
    ------
    PreprocessError
        With fewer than two classes, or a class below ``min_per_class`` records.
    """
    by_label: dict[str, list[Record]] = {}
    for record in records:
        by_label.setdefault(record.label, []).append(record)
    if len(by_label) < 2:
        raise PreprocessError(f"need at least 2 classes to train a classifier, found {sorted(by_label)}")
    small = {label: len(items) for label, items in sorted(by_label.items()) if len(items) < max(3, min_per_class)}
    if small:
        raise PreprocessError(f"classes with too few records to split (need {max(3, min_per_class)}): {small}")
    rng = random.Random(seed)  # noqa: S311 - reproducible split, not secrets
    splits: dict[str, list[Record]] = {name: [] for name in SPLITS}
    for label in sorted(by_label):
        items = list(by_label[label])
        rng.shuffle(items)
        n_test = max(1, round(len(items) * test_fraction))
        n_validation = max(1, round(len(items) * validation_fraction))
        splits["test"].extend(items[:n_test])
        splits["validation"].extend(items[n_test : n_test + n_validation])
        splits["train"].extend(items[n_test + n_validation :])
    for items in splits.values():
        rng.shuffle(items)
    return splits


def input_files(input_dir: Path) -> list[Path]:
    """The manifest / JSON lines files under ``input_dir`` (recursively), in a stable order."""
    files = sorted(p for p in input_dir.rglob("*") if p.is_file() and (p.suffix.lower() in INPUT_SUFFIXES))
    if not files:
        raise PreprocessError(f"no {'/'.join(INPUT_SUFFIXES)} file under {input_dir}")
    return files


def write_jsonl(records: Iterable[Record], path: Path) -> None:
    """Write records as ``{"text", "label"}`` JSON lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps({"label": record.label, "text": record.text}, sort_keys=True) + "\n")


def run(args: argparse.Namespace, fetch: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Run the step: read, de-duplicate, split, write; return a summary (also logged)."""
    features = tuple(column.strip() for column in args.feature_columns.split(",") if column.strip())
    lines: list[str] = []
    from_csv: list[Record] = []
    for path in input_files(Path(args.input_dir)):
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix.lower() == CSV_SUFFIX:
            from_csv.extend(read_csv_records(text, args.label_column, features, path.name))
        else:
            lines.extend(text.splitlines())
    result = read_records(
        lines,
        args.label_attribute,
        fetch,
        args.allowed_source_prefix,
        label_column=args.label_column,
        feature_columns=features,
    )
    result = ReadResult(result.records + from_csv, result.skipped)
    records = deduplicate(result.records)
    splits = split(records, args.validation_fraction, args.test_fraction, args.seed, args.min_per_class)
    for name in SPLITS:
        write_jsonl(splits[name], Path(getattr(args, f"{name}_dir")) / f"{name}.jsonl")
    summary = {
        "records": len(result.records),
        "duplicates_dropped": len(result.records) - len(records),
        "skipped": result.skipped,
        "splits": {name: len(splits[name]) for name in SPLITS},
        "classes": {label: sum(1 for r in records if r.label == label) for label in sorted({r.label for r in records})},
    }
    LOGGER.info("preprocess summary: %s", json.dumps(summary, sort_keys=True))
    return summary


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments; defaults follow the SageMaker processing layout."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--input-dir", default=os.environ.get("SM_INPUT_DIR", f"{PROCESSING_ROOT}/input/manifest"))
    for name in SPLITS:
        parser.add_argument(f"--{name}-dir", default=f"{PROCESSING_ROOT}/{name}")
    parser.add_argument("--label-attribute", default=AUTO, help="Ground Truth label attribute name, or 'auto'")
    parser.add_argument("--label-column", default=LABEL_COLUMN, help="labelled data's label column or field")
    parser.add_argument(
        "--feature-columns",
        default=",".join(FEATURE_COLUMNS),
        help="labelled data's feature columns or fields, comma-separated (joined with a space)",
    )
    parser.add_argument(
        "--allowed-source-prefix",
        action="append",
        default=[],
        help="s3://bucket/prefix/ a source-ref may name (repeatable); source-refs elsewhere fail the step",
    )
    parser.add_argument("--validation-fraction", type=float, default=0.15)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--min-per-class", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit code 1 with the reason on stderr when the input is unusable."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        run(parse_args(argv))
    except PreprocessError as error:
        LOGGER.error("preprocess failed: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
