"""Preprocess step of the tabular example: labelled CSV files → ``train``/``validation``/``test`` CSV splits.

Runs as a SageMaker processing job in the scikit-learn container (``python3 preprocess.py …``) and in process in
tests. Self-contained: the container gets this one file.

Input: every ``*.csv`` file under ``--input-dir`` (recursively), each with a header row. ``--label-column`` names
the label (default ``label``); ``--feature-columns`` the features, comma-separated, or ``auto``: every column but
the label whose non-empty values are all numbers (identifier columns such as ``customer_id`` are left out, and
logged). Feature values must be numbers or empty (missing; the model handles them). Every file must have the same
columns.

Output: ``train.csv``, ``validation.csv`` and ``test.csv`` (header: the label, then the features) in their own
directories, split per class (every class is in every split), after dropping exact duplicate rows.

Examples
--------
::

    python preprocess.py --input-dir data/ --train-dir out/train --validation-dir out/validation \\
        --test-dir out/test --label-column label --feature-columns auto
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import math
import os
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

LOGGER = logging.getLogger("preprocess")
PROCESSING_ROOT = "/opt/ml/processing"
AUTO = "auto"
INPUT_SUFFIXES = (".csv",)
SPLITS = ("train", "validation", "test")


class PreprocessError(ValueError):
    """The input cannot be turned into a training set; the message says why (file, row, column)."""


def read_table(paths: Sequence[Path]) -> tuple[list[str], list[list[str]]]:
    """The common header of the CSV files and all their rows (blank lines skipped)."""
    header: list[str] | None = None
    rows: list[list[str]] = []
    for path in paths:
        try:
            table = [row for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")) if row]
        except (csv.Error, UnicodeDecodeError) as error:
            raise PreprocessError(f"{path.name}: not CSV ({error})") from error
        if not table:
            raise PreprocessError(f"{path.name}: no header row")
        names = [name.strip() for name in table[0]]
        if header is not None and names != header:
            raise PreprocessError(f"{path.name}: columns {names} differ from the first file's {header}")
        header = names
        for number, row in enumerate(table[1:], start=2):
            if len(row) != len(names):
                raise PreprocessError(f"{path.name} row {number}: {len(row)} values, the header has {len(names)}")
            rows.append([cell.strip() for cell in row])
    if header is None:
        raise PreprocessError("no CSV file")
    return header, rows


def _number(value: str) -> float | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def choose_features(header: Sequence[str], rows: Sequence[Sequence[str]], label: str, features: str) -> list[str]:
    """The feature columns: ``features`` (comma-separated) checked against the header, or ``auto``'s choice."""
    if label not in header:
        raise PreprocessError(f"the header has no label column {label!r} (columns: {', '.join(header)})")
    if features.strip().lower() != AUTO:
        chosen = [name.strip() for name in features.split(",") if name.strip()]
        absent = [name for name in chosen if name not in header]
        if absent or not chosen or label in chosen:
            raise PreprocessError(
                f"feature columns {chosen} must be columns of the header other than the label ({', '.join(header)})"
            )
        return chosen
    chosen = []
    for index, name in enumerate(header):
        if name == label:
            continue
        cells = [row[index] for row in rows if row[index] != ""]
        if cells and all(_number(cell) is not None for cell in cells):
            chosen.append(name)
        else:
            LOGGER.info("feature columns auto: leaving out non-numeric column %s", name)
    if not chosen:
        raise PreprocessError(f"feature columns auto: no numeric column besides the label in {', '.join(header)}")
    return chosen


def records(
    header: Sequence[str], rows: Sequence[Sequence[str]], label: str, features: Sequence[str]
) -> list[list[str]]:
    """Rows as ``[label, feature...]``, de-duplicated; a bad label or value fails with its row."""
    at = {name: header.index(name) for name in (label, *features)}
    seen: set[tuple[str, ...]] = set()
    out: list[list[str]] = []
    for number, row in enumerate(rows, start=2):
        value = row[at[label]]
        if not value:
            raise PreprocessError(f"row {number}: empty label")
        cells = [row[at[name]] for name in features]
        for name, cell in zip(features, cells):  # noqa: B905 - the container's Python
            if cell and _number(cell) is None:
                raise PreprocessError(f"row {number}: {name} is {cell!r}, not a number")
        record = (value, *cells)
        if record not in seen:
            seen.add(record)
            out.append(list(record))
    return out


def split(
    rows: Sequence[list[str]], validation: float, test: float, seed: int, min_per_class: int
) -> dict[str, list[list[str]]]:
    """Per class, shuffle and cut into train/validation/test (each class gets at least one row in each split)."""
    by_class: dict[str, list[list[str]]] = {}
    for row in rows:
        by_class.setdefault(row[0], []).append(row)
    if len(by_class) < 2:
        raise PreprocessError(f"need at least two classes, found {sorted(by_class)}")
    small = sorted(name for name, members in by_class.items() if len(members) < min_per_class)
    if small:
        raise PreprocessError(f"classes with fewer than {min_per_class} rows: {small}")
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    splits: dict[str, list[list[str]]] = {name: [] for name in SPLITS}
    for name in sorted(by_class):
        members = list(by_class[name])
        rng.shuffle(members)
        n_test = max(1, round(len(members) * test))
        n_val = max(1, round(len(members) * validation))
        splits["test"] += members[:n_test]
        splits["validation"] += members[n_test : n_test + n_val]
        splits["train"] += members[n_test + n_val :]
    for name in SPLITS:
        rng.shuffle(splits[name])
    return splits


def write_csv(header: Sequence[str], rows: Sequence[Sequence[str]], path: Path) -> None:
    """Write ``rows`` under ``header``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the step: read, choose the features, de-duplicate, split, write; return a summary."""
    paths = sorted(p for p in Path(args.input_dir).rglob("*") if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES)
    if not paths:
        raise PreprocessError(f"no .csv file under {args.input_dir}")
    header, rows = read_table(paths)
    features = choose_features(header, rows, args.label_column, args.feature_columns)
    table = records(header, rows, args.label_column, features)
    splits = split(table, args.validation_fraction, args.test_fraction, args.seed, args.min_per_class)
    for name in SPLITS:
        write_csv([args.label_column, *features], splits[name], Path(getattr(args, f"{name}_dir")) / f"{name}.csv")
    summary = {
        "files": len(paths),
        "rows": len(rows),
        "duplicates_dropped": len(rows) - len(table),
        "features": features,
        "classes": sorted({row[0] for row in table}),
        **{name: len(splits[name]) for name in SPLITS},
    }
    LOGGER.info("preprocess done: %s", json.dumps(summary, sort_keys=True))
    return summary


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments; defaults follow the SageMaker processing layout."""
    parser = argparse.ArgumentParser(description="Split labelled CSV files for the tabular classifier.")
    parser.add_argument("--input-dir", default=os.environ.get("SM_INPUT_DIR", f"{PROCESSING_ROOT}/input/manifest"))
    for name in SPLITS:
        parser.add_argument(f"--{name}-dir", default=f"{PROCESSING_ROOT}/{name}")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--feature-columns", default=AUTO, help="comma-separated column names, or 'auto'")
    parser.add_argument("--validation-fraction", type=float, default=0.15)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--min-per-class", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit code 1 with the reason when the input is unusable."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        run(parse_args(argv))
    except PreprocessError as error:
        LOGGER.error("preprocess failed: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
