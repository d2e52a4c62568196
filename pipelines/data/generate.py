"""A small, deterministic data set of labelled customer-support tickets.

The training pipeline, its tests and the local demo all use it: the demo drops the tickets into the data bucket as
``.txt`` files and its emulated Ground Truth workforce answers from :func:`gold_labels`; the tests train on the
labelled JSON lines form.

Tickets are built from phrase banks per topic with realistic variation (greetings, order numbers, amounts, typos,
sign-offs, a sentence about another topic now and then) and a share of *label noise*: some tickets carry a label
other than the topic they were written about, as tired annotators produce. So a good model scores well, not perfectly.

Examples
--------
>>> tickets = generate_tickets(count=20, seed=7)
>>> sorted({t.label for t in tickets}) <= list(LABELS)
True
>>> generate_tickets(count=20, seed=7) == tickets
True

From the command line::

    python -m pipelines.data.generate --out /tmp/tickets --format txt --labels /tmp/gold.json
    python -m pipelines.data.generate --out /tmp/labeled.jsonl --format jsonl --count 300 --seed 3
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.data.phrases import CLOSINGS, GREETINGS, NAMES, PHRASES, PRODUCTS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

LABELS: tuple[str, ...] = tuple(PHRASES)
"""The ticket topics, in a stable order: ``billing``, ``technical``, ``account``, ``shipping``, ``returns``."""

DEFAULT_COUNT = 400
DEFAULT_SEED = 20240611
DEFAULT_NOISE = 0.06
"""Share of tickets whose label is not the topic they were written about."""

_CROSS_TOPIC_RATE = 0.25
_TYPO_RATE = 0.15


@dataclass(frozen=True)
class Ticket:
    """One support ticket.

    Attributes
    ----------
    ticket_id:
        Stable identifier, e.g. ``ticket-0042``; also the file name stem.
    text:
        What the customer wrote.
    label:
        The gold label an annotator gave (noisy on purpose).
    topic:
        The topic the text was written about (the label before noise).
    """

    ticket_id: str
    text: str
    label: str
    topic: str

    @property
    def filename(self) -> str:
        """File name of the ticket as a ``.txt`` object, e.g. ``ticket-0042.txt``."""
        return f"{self.ticket_id}.txt"


def generate_tickets(
    count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED, noise: float = DEFAULT_NOISE
) -> list[Ticket]:
    """Generate ``count`` labelled tickets, the same ones for the same arguments.

    Parameters
    ----------
    count:
        Number of tickets; topics take turns, so every topic gets ``count // len(LABELS)`` or one more.
    seed:
        Seed of the private random generator (global random state is untouched).
    noise:
        Probability that a ticket's label is replaced by another topic, in ``[0, 1)``.

    Returns
    -------
    list[Ticket]
        Tickets ``ticket-0001`` … in order.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if not 0.0 <= noise < 1.0:
        raise ValueError(f"noise must be in [0, 1), got {noise}")
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    tickets = []
    for index in range(count):
        topic = LABELS[index % len(LABELS)]
        label = topic
        if rng.random() < noise:
            label = rng.choice([other for other in LABELS if other != topic])
        tickets.append(Ticket(f"ticket-{index + 1:04d}", _compose(rng, topic), label, topic))
    return tickets


def gold_labels(tickets: Iterable[Ticket]) -> dict[str, str]:
    """Map each ticket's file name (``ticket-0042.txt``) to its gold label, as an annotator would answer."""
    return {ticket.filename: ticket.label for ticket in tickets}


def write_text_files(tickets: Iterable[Ticket], directory: Path) -> list[Path]:
    """Write one UTF-8 ``.txt`` file per ticket into ``directory`` (created if missing); return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for ticket in tickets:
        path = directory / ticket.filename
        path.write_text(ticket.text + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def to_jsonl(tickets: Iterable[Ticket]) -> str:
    """Render tickets as a labelled data set: one ``{"id", "text", "label"}`` JSON object per line."""
    lines = [json.dumps({"id": t.ticket_id, "text": t.text, "label": t.label}, sort_keys=True) for t in tickets]
    return "".join(line + "\n" for line in lines)


def write_labeled_jsonl(tickets: Iterable[Ticket], path: Path) -> Path:
    """Write the labelled JSON lines data set (see :func:`to_jsonl`) to ``path``; return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_jsonl(tickets), encoding="utf-8")
    return path


def _compose(rng: random.Random, topic: str) -> str:
    """Write one ticket about ``topic``: greeting, one or two topic sentences, maybe an aside, a sign-off."""
    sentences = rng.sample(PHRASES[topic], k=rng.choice((1, 2, 2, 3)))
    if rng.random() < _CROSS_TOPIC_RATE:
        other = rng.choice([label for label in LABELS if label != topic])
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(PHRASES[other]))
    body = " ".join(_fill(rng, sentence) for sentence in sentences)
    text = " ".join(part for part in (rng.choice(GREETINGS), body, _closing(rng)) if part)
    if rng.random() < _TYPO_RATE:
        text = _typo(rng, text)
    if rng.random() < 0.1:
        text = text.lower()
    return text


def _fill(rng: random.Random, sentence: str) -> str:
    """Fill a phrase's slots with plausible values."""
    return sentence.format(
        order=f"#{rng.randint(100000, 999999)}",
        amount=f"${rng.randint(5, 400)}.{rng.randint(0, 99):02d}",
        product=rng.choice(PRODUCTS),
        days=rng.randint(2, 21),
        code=f"E{rng.randint(100, 999)}",
        month=rng.choice(("January", "March", "May", "July", "September", "November")),
    )


def _closing(rng: random.Random) -> str:
    closing = rng.choice(CLOSINGS)
    return closing.format(name=rng.choice(NAMES)) if closing else ""


def _typo(rng: random.Random, text: str) -> str:
    """Swap two adjacent letters inside one word, as fast typists do."""
    positions = [i for i in range(len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()]
    if not positions:
        return text
    i = rng.choice(positions)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Write the generated support-ticket data set.")
    parser.add_argument("--out", type=Path, required=True, help="directory (txt) or file (jsonl) to write")
    parser.add_argument("--format", choices=("txt", "jsonl"), default="jsonl")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--noise", type=float, default=DEFAULT_NOISE)
    parser.add_argument("--labels", type=Path, help="with --format txt: also write {file name: gold label} JSON here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    args = _parse_args(argv)
    tickets = generate_tickets(args.count, args.seed, args.noise)
    if args.format == "txt":
        write_text_files(tickets, args.out)
        if args.labels is not None:
            args.labels.write_text(json.dumps(gold_labels(tickets), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    else:
        write_labeled_jsonl(tickets, args.out)
    return 0


__all__ = [
    "DEFAULT_COUNT",
    "DEFAULT_NOISE",
    "DEFAULT_SEED",
    "LABELS",
    "Ticket",
    "generate_tickets",
    "gold_labels",
    "main",
    "to_jsonl",
    "write_labeled_jsonl",
    "write_text_files",
]

if __name__ == "__main__":
    raise SystemExit(main())
