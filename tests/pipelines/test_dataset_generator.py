"""The generated support-ticket data set: deterministic, balanced, varied, noisy on purpose, writable as files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipelines.data.generate import (
    DEFAULT_COUNT,
    LABELS,
    generate_tickets,
    gold_labels,
    main,
    to_jsonl,
    write_labeled_jsonl,
    write_text_files,
)


def test_same_seed_gives_the_same_tickets_and_another_seed_different_ones() -> None:
    assert generate_tickets(seed=5) == generate_tickets(seed=5)
    assert [t.text for t in generate_tickets(seed=5)] != [t.text for t in generate_tickets(seed=6)]


def test_default_data_set_has_a_few_hundred_tickets_spread_over_every_topic() -> None:
    tickets = generate_tickets()
    per_topic = Counter(t.topic for t in tickets)
    assert len(tickets) == DEFAULT_COUNT
    assert set(per_topic) == set(LABELS)
    assert max(per_topic.values()) - min(per_topic.values()) <= 1


def test_tickets_vary_like_real_ones() -> None:
    tickets = generate_tickets()
    assert len({t.text for t in tickets}) >= 0.95 * len(tickets)
    assert len({len(t.text.split()) for t in tickets}) > 20


def test_some_gold_labels_disagree_with_the_topic_as_annotators_do() -> None:
    tickets = generate_tickets(count=1000, noise=0.06)
    wrong = sum(t.label != t.topic for t in tickets)
    assert 30 <= wrong <= 90
    assert all(t.label in LABELS for t in tickets)


def test_no_noise_means_labels_equal_topics() -> None:
    assert all(t.label == t.topic for t in generate_tickets(count=100, noise=0.0))


@pytest.mark.parametrize(("count", "noise"), [(-1, 0.0), (10, 1.0), (10, -0.1)])
def test_invalid_arguments_are_refused(count: int, noise: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        generate_tickets(count=count, noise=noise)


def test_text_files_hold_one_ticket_each_and_gold_labels_answer_by_file_name(tmp_path: Path) -> None:
    tickets = generate_tickets(count=12)
    paths = write_text_files(tickets, tmp_path / "tickets")
    labels = gold_labels(tickets)
    assert sorted(p.name for p in paths) == sorted(labels)
    for ticket, path in zip(tickets, paths, strict=True):
        assert path.read_text(encoding="utf-8").strip() == ticket.text
        assert labels[path.name] == ticket.label


def test_labeled_jsonl_round_trips(tmp_path: Path) -> None:
    tickets = generate_tickets(count=20)
    path = write_labeled_jsonl(tickets, tmp_path / "out" / "labeled.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["text"], r["label"]) for r in rows] == [(t.ticket_id, t.text, t.label) for t in tickets]
    assert path.read_text(encoding="utf-8") == to_jsonl(tickets)


def test_command_line_writes_text_files_and_a_separate_gold_label_file(tmp_path: Path) -> None:
    exit_code = main(
        ["--out", str(tmp_path / "t"), "--format", "txt", "--count", "7", "--labels", str(tmp_path / "g.json")]
    )
    assert exit_code == 0
    assert len(list((tmp_path / "t").glob("*.txt"))) == 7
    assert list((tmp_path / "t").iterdir()) == list((tmp_path / "t").glob("*.txt"))
    assert len(json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))) == 7


def test_command_line_writes_a_labeled_jsonl_data_set(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path / "d.jsonl"), "--count", "9", "--seed", "3"]) == 0
    assert (tmp_path / "d.jsonl").read_text(encoding="utf-8") == to_jsonl(generate_tickets(9, 3))
