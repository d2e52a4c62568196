"""The emulated Ground Truth workforce: who answers each labeling task.

A :class:`Workforce` is asked once per data object of a labeling job. :class:`GoldLabelWorkforce` answers from a
lookup of known ("gold") labels, as a perfectly accurate human team would; anything it does not know is left
unlabeled.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any, Protocol


class Workforce(Protocol):
    """Labels one data object of a labeling job (emulated workers)."""

    def label(self, task_type: str, labels: list[str], item: dict[str, Any]) -> str | None:
        """Return the chosen label for ``item`` (one line of the input manifest), or None to leave it unlabeled.

        Parameters
        ----------
        task_type
            Ground Truth task type, e.g. ``text-classification``, ``image-classification``.
        labels
            The job's label categories, in the order of the label category file.
        item
            The input manifest line (``source`` or ``source-ref`` plus any other keys).
        """
        ...


class GoldLabelWorkforce:
    """Answers from a gold-label lookup (emulated, perfectly accurate workers).

    The lookup is tried with the item's ``source-ref`` (full URI), its ``source`` (inline text), and the base name
    of the ``source-ref`` object, in that order. A gold label that is not one of the job's categories is refused,
    as a worker could not choose it.

    Parameters
    ----------
    gold
        Known labels, keyed by ``s3://`` URI, inline text or object base name.
    default
        The answer for items not in the lookup; None leaves them unlabeled.

    Examples
    --------
    >>> workforce = GoldLabelWorkforce({"review-1.txt": "positive"})
    >>> workforce.label("text-classification", ["positive", "negative"], {"source-ref": "s3://b/in/review-1.txt"})
    'positive'
    """

    def __init__(self, gold: Mapping[str, str] | None = None, *, default: str | None = None) -> None:
        self._gold = dict(gold or {})
        self._default = default

    def label(self, task_type: str, labels: list[str], item: dict[str, Any]) -> str | None:  # noqa: ARG002
        """The gold label of ``item``, or the default."""
        keys = [item.get("source-ref"), item.get("source")]
        if isinstance(item.get("source-ref"), str):
            keys.append(posixpath.basename(str(item["source-ref"])))
        answer = next((self._gold[k] for k in keys if isinstance(k, str) and k in self._gold), self._default)
        if answer is None or (labels and answer not in labels):
            return None
        return answer
