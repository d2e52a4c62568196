"""A small, deterministic tabular data set: labelled customer records for a churn classifier, as CSV.

The tabular example (``pipelines/models/tabular/``), its tests and ``mlopsctl demo --example tabular`` use it. Each
row is one customer: a header row, then numeric features and the ``label`` column (``churned`` or ``stayed``). The
label follows a noisy logistic rule of the features (short tenure, high charges and many support calls churn), and a
share of labels is flipped (:data:`DEFAULT_NOISE`), so a good model scores well, never perfectly. A few values are
left empty (missing), as in real exports.

Examples
--------
>>> rows = generate_rows(count=50, seed=3)
>>> sorted({row["label"] for row in rows}) == list(LABELS)
True
>>> generate_rows(count=50, seed=3) == rows
True
>>> to_csv(rows).splitlines()[0]
'customer_id,tenure_months,monthly_charges,support_calls,usage_gb,contract_months,label'

From the command line::

    python -m pipelines.data.tabular --out /tmp/customers.csv --count 1000 --seed 3
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

LABEL_COLUMN = "label"
LABELS: tuple[str, ...] = ("churned", "stayed")
FEATURES: tuple[str, ...] = ("tenure_months", "monthly_charges", "support_calls", "usage_gb", "contract_months")
"""The numeric feature columns (``customer_id`` is an identifier, not a feature: the model must be told)."""
COLUMNS: tuple[str, ...] = ("customer_id", *FEATURES, LABEL_COLUMN)
DEFAULT_COUNT = 1000
DEFAULT_SEED = 20240611
DEFAULT_NOISE = 0.05
"""Share of rows whose label is flipped."""
_MISSING_RATE = 0.02


def generate_rows(
    count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED, noise: float = DEFAULT_NOISE, *, start: int = 0
) -> list[dict[str, str]]:
    """``count`` customer rows (ids numbered from ``start + 1``), as CSV cell strings by column."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    rows = []
    for number in range(start + 1, start + count + 1):
        tenure = rng.randint(1, 72)
        contract = rng.choice((1, 1, 12, 24))
        charges = round(rng.uniform(15.0, 120.0), 2)
        calls = min(12, int(rng.expovariate(0.6)))
        usage = round(max(0.0, rng.gauss(40.0 + charges / 3, 15.0)), 1)
        score = 1.2 - 0.06 * tenure + 0.025 * (charges - 60) + 0.45 * calls - 0.07 * contract - 0.01 * usage
        churned = rng.random() < 1 / (1 + math.exp(-3.0 * score))
        if rng.random() < noise:
            churned = not churned
        values = {
            "tenure_months": str(tenure),
            "monthly_charges": f"{charges:.2f}",
            "support_calls": str(calls),
            "usage_gb": f"{usage:.1f}",
            "contract_months": str(contract),
        }
        for name in FEATURES:
            if rng.random() < _MISSING_RATE:
                values[name] = ""
        rows.append({"customer_id": f"c{number:05d}", **values, LABEL_COLUMN: LABELS[0 if churned else 1]})
    return rows


def to_csv(rows: Iterable[dict[str, str]]) -> str:
    """The rows as CSV with a header row (``\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Write a generated CSV file."""
    parser = argparse.ArgumentParser(description="Generate the labelled customer CSV of the tabular example.")
    parser.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--noise", type=float, default=DEFAULT_NOISE)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_csv(generate_rows(args.count, args.seed, args.noise)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
