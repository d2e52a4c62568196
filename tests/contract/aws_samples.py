"""Loader for the shared corpus of real AWS sample events (``../shared/aws-events/``, described by its ``index.json``).

The corpus is test data read in place, never copied into the project. Where it is looked for, and what a missing
corpus does (skipped in a plain clone, an error in CI): :mod:`tests.support.aws_corpus`.

Examples
--------
>>> created = [s for s in all_samples() if s.detail_type == "Object Created"]
>>> created[0].load()["detail-type"]
'Object Created'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.support.aws_corpus import corpus_dir
from tests.support.files import load_json


@dataclass(frozen=True)
class AwsSample:
    """One file of the corpus, with what ``index.json`` says about it."""

    file: str
    folder: str
    source: str | None
    detail_type: str | None
    odd: bool
    syntax_fixed: bool
    converted: bool

    @property
    def path(self) -> Path:
        """Where the file is."""
        return corpus_dir() / self.file

    def load(self) -> Any:
        """The event, as JSON parsers read it (for a duplicate key, the last value wins)."""
        return load_json(self.path)


def _source(value: Any) -> str | None:
    # Two docs samples have a duplicate "source" key; the index records the array JSON parsers keep.
    if isinstance(value, list) and len(value) == 1:
        return str(value[0])
    return value if value is None else str(value)


@cache
def all_samples() -> tuple[AwsSample, ...]:
    """Every file listed in ``index.json``, in index order."""
    index = load_json(corpus_dir() / "index.json")
    return tuple(
        AwsSample(
            file=entry["file"],
            folder=entry["folder"],
            source=_source(entry["source"]),
            detail_type=entry["detail-type"],
            odd=bool(entry["flag_negative_or_odd"]),
            syntax_fixed=bool(entry["syntax_fixed"]),
            converted=bool(entry["converted_from_code"]),
        )
        for entry in index
    )


def sample(file: str) -> AwsSample:
    """The corpus entry for ``file`` (``<folder>/<name>.json``); ``KeyError`` when the index does not list it."""
    for entry in all_samples():
        if entry.file == file:
            return entry
    raise KeyError(f"{file} is not in {corpus_dir() / 'index.json'}")


def load_sample(file: str) -> Any:
    """The event in ``file``."""
    return sample(file).load()
