"""Replay files: parsing, validation before anything runs, ``${…}`` substitution, and the CLI's exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mlopsctl.cli import main
from mlopsctl.local.commands.replay import check_names, parse_items, substitute
from mlopsctl.local.commands.replay_items import After
from mlopsctl.local.errors import ReplayError
from mlopsctl.local.template.loader import load_template
from tests.support.events import project_event, project_event_paths

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "local_stack" / "template.yaml"
ACTION = {"aws": "s3.put_object", "params": {"Bucket": "${DataBucket}", "Key": "incoming/a.txt", "Body": "x"}}
EVENT = {"source": "local.fixture", "detail-type": "Signal", "detail": {"package": "p"}}


def test_json_array_and_json_lines_are_the_same_items() -> None:
    from_array = parse_items(json.dumps([ACTION, EVENT]))
    from_lines = parse_items(f"{json.dumps(ACTION)}\n\n{json.dumps(EVENT)}\n")

    assert from_array == from_lines
    assert [(i.index, i.is_action) for i in from_lines] == [(1, True), (2, False)]
    assert (from_lines[0].service, from_lines[0].operation) == ("s3", "put_object")


EVENTBRIDGE_SAMPLES = [p for p in project_event_paths() if "Records" not in project_event(p.name)]


@pytest.mark.parametrize("path", EVENTBRIDGE_SAMPLES, ids=lambda path: path.name)
def test_a_pretty_printed_event_file_is_one_item(path: Path) -> None:
    """The files in events/ are pretty-printed objects: one item each (they were read as JSON lines and refused)."""
    items = parse_items(path.read_text(encoding="utf-8"))
    assert [item.body for item in items] == [project_event(path.name)]


def test_a_pretty_printed_object_is_the_same_item_as_its_one_line_form() -> None:
    assert parse_items(json.dumps(EVENT, indent=2)) == parse_items(json.dumps(EVENT))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("[1, 2", "not valid JSON"),
        ('{"aws": "s3.put_object"}\n{oops}', "line 2 is not valid JSON"),
        ("[42]", "item 1 is not a JSON object"),
        ('{"aws": "put_object"}', '"aws" must be "<service>.<operation>"'),
        ('{"aws": "s3.put_object", "params": []}', '"params" must be an object'),
        ('{"aws": "s4.put_object"}', "unknown AWS service 's4'"),
        ('{"aws": "s3.PutObject"}', "s3 has no operation 'PutObject'"),
        ('{"source": "x", "detail-type": "y"}', "missing detail"),
        ('{"source": "x", "detail-type": "y", "detail": "z"}', '"detail" must be an object'),
    ],
)
def test_malformed_files_are_rejected_with_the_item_named(text: str, message: str) -> None:
    with pytest.raises(ReplayError, match=message):
        parse_items(text)


def test_names_must_be_template_resources_parameters_or_pseudo_parameters() -> None:
    template = load_template(FIXTURE)
    good = {"aws": "s3.put_object", "params": {"Bucket": "${DataBucket}", "Key": "${AWS::Region}/${Stage}"}}
    check_names(parse_items(json.dumps([good, EVENT])), template)

    bad = {"aws": "sqs.send_message", "params": {"QueueUrl": "${NoSuchQueue.Arn}", "MessageBody": "x"}}
    with pytest.raises(ReplayError, match=r"item 1: sqs.send_message: unknown name\(s\) \$\{NoSuchQueue\}"):
        check_names(parse_items(json.dumps([bad])), template)


def test_substitution_reaches_every_string_of_nested_values() -> None:
    names = {"DataBucket": "bucket-1", "DataBucket.Arn": "arn:aws:s3:::bucket-1", "AWS::Region": "us-east-1"}
    value = {
        "detail": {"bucket": {"name": "${DataBucket}"}, "arns": ["${DataBucket.Arn}"], "n": 3},
        "r": "${AWS::Region}",
    }

    assert substitute(value, names.__getitem__) == {
        "detail": {"bucket": {"name": "bucket-1"}, "arns": ["arn:aws:s3:::bucket-1"], "n": 3},
        "r": "us-east-1",
    }


def test_cli_rejects_a_malformed_file_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replay = tmp_path / "replay.jsonl"
    replay.write_text('{"aws": "s3.put_objekt", "params": {}}\n', encoding="utf-8")

    code = main(["local", "replay", str(replay), "--template", str(FIXTURE)])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "mlopsctl local replay: error: item 1: s3 has no operation 'put_objekt'" in captured.err


def test_cli_rejects_an_unknown_resource_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps([{"aws": "s3.put_object", "params": {"Bucket": "${Nope}", "Key": "k"}}]))

    assert main(["local", "replay", str(replay), "--template", str(FIXTURE)]) == 2
    assert "unknown name(s) ${Nope}" in capsys.readouterr().err


def test_cli_reports_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["local", "replay", "/nonexistent/replay.json", "--template", str(FIXTURE)]) == 2
    assert "cannot read /nonexistent/replay.json" in capsys.readouterr().err


def test_cli_without_a_local_command_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["local"]) == 2
    assert "replay" in capsys.readouterr().err


def test_items_can_come_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("[1]"))
    assert main(["local", "replay", "-", "--template", str(FIXTURE)]) == 2
    assert "item 1 is not a JSON object" in capsys.readouterr().err


# -- timing: "together" and "after" --------------------------------------------------------------------------------
def test_together_groups_its_items_and_after_gives_seconds_or_an_event_pattern() -> None:
    pattern = {"source": ["aws.sagemaker"], "detail": {"EndpointName": ["${EndpointName}"]}}
    items = parse_items(
        json.dumps(
            [
                {"together": [ACTION, EVENT]},
                {**ACTION, "after": {"seconds": 90}},
                {**EVENT, "after": {"event": pattern}},
                {"together": [EVENT], "after": {"seconds": 0}},
            ]
        )
    )

    group, delayed, awaited, late_group = items
    assert group.is_group
    assert group.after is None
    titles = [part.title() for part in group.parts]
    assert titles == ["item 1.1: s3.put_object", "item 1.2: event local.fixture / Signal"]
    assert delayed.after == After(seconds=90.0)
    assert delayed.is_action
    assert awaited.after == After(pattern=pattern)
    assert "after" not in awaited.body  # the timing is the replay's, not part of the event put on the bus
    assert late_group.after == After(seconds=0.0)
    assert awaited.names() == {"EndpointName"}
    assert group.names() == {"DataBucket"}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"together": []}, r'item 1: "together" must be a non-empty array'),
        ({"together": ACTION}, r'item 1: "together" must be a non-empty array'),
        ({"together": [ACTION], "aws": "s3.put_object"}, r'item 1: a "together" item has only "together"'),
        ({"together": [{**ACTION, "after": {"seconds": 1}}]}, r'item 1.1: an item of "together" .* no "after"'),
        ({"together": [{"together": [ACTION]}]}, r'item 1.1: an item of "together"'),
        ({"together": [ACTION, 3]}, r"item 1.2 is not a JSON object"),
        ({"together": [{"aws": "s3.nope"}]}, r"item 1.1: s3 has no operation 'nope'"),
        ({**ACTION, "after": 5}, r'item 1: "after" must be'),
        ({**ACTION, "after": {"seconds": 1, "event": {"source": ["x"]}}}, r'item 1: "after" must be'),
        ({**ACTION, "after": {"minutes": 1}}, r'item 1: "after" must be'),
        ({**ACTION, "after": {"seconds": -1}}, r"item 1: .* seconds >= 0"),
        ({**ACTION, "after": {"seconds": "10"}}, r"item 1: .* seconds >= 0"),
        ({**ACTION, "after": {"seconds": True}}, r"item 1: .* seconds >= 0"),
        ({**ACTION, "after": {"event": {}}}, r"item 1: .* needs an EventBridge pattern"),
        ({**ACTION, "after": {"event": ["aws.s3"]}}, r"item 1: .* needs an EventBridge pattern"),
        ({**ACTION, "after": {"event": {"source": "aws.s3"}}}, r'item 1: the event pattern of "after" is not valid'),
    ],
)
def test_malformed_timing_is_rejected_with_the_item_named(item: dict[str, object], message: str) -> None:
    with pytest.raises(ReplayError, match=message):
        parse_items(json.dumps([item]))


def test_names_inside_together_and_event_patterns_are_checked_too() -> None:
    template = load_template(FIXTURE)
    in_group = {"together": [{"aws": "s3.put_object", "params": {"Bucket": "${NoBucket}", "Key": "k"}}]}
    in_pattern = {**EVENT, "after": {"event": {"detail": {"bucket": ["${NoSuchThing}"]}}}}

    with pytest.raises(ReplayError, match=r"item 1: together \(1 items\): unknown name\(s\) \$\{NoBucket\}"):
        check_names(parse_items(json.dumps([in_group])), template)
    with pytest.raises(ReplayError, match=r"item 1: event local.fixture / Signal: unknown name\(s\) \$\{NoSuchThing\}"):
        check_names(parse_items(json.dumps([in_pattern])), template)


def test_help_states_the_timing_and_faults_contract(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["local", "replay", "--help"])

    text = " ".join(capsys.readouterr().out.split())
    for promise in (
        '{"together": [ITEM, ...]} performs its items in order with no settling between them',
        '"after": {"seconds": N} on an item: it is performed N virtual seconds after the previous item was performed',
        '"after": {"event": PATTERN}: it is performed as soon as an event matching PATTERN',
        "if the stack settles without one, the replay fails naming the item",
        "--faults SERVICES:RATE[:ERROR]",
        "--seed N",
        '"error": "<AWS error code>"',
    ):
        assert promise in text


def test_cli_rejects_a_fault_rule_it_cannot_apply_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps([ACTION]), encoding="utf-8")

    code = main(["local", "replay", str(replay), "--template", str(FIXTURE), "--faults", "dynamodb:0.3:Oops"])

    assert code == 2
    assert "no documented HTTP status for error Oops of dynamodb" in capsys.readouterr().err


def test_a_user_action_may_choose_emulator_options_for_the_events_it_causes() -> None:
    action = {"aws": "sagemaker.update_model_package", "params": {"ModelPackageArn": "x"}}
    options = {"model_package_updated_fields": False}

    (item,) = parse_items(json.dumps({**action, "emulator": options}))

    assert item.body == {"params": {"ModelPackageArn": "x"}, "emulator": options}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"emulator": {"updated_fields": False}}, 'item 1: "emulator" must be an object of known options'),
        ({"emulator": [1]}, 'item 1: "emulator" must be an object of known options'),
    ],
)
def test_unknown_emulator_options_are_rejected_with_the_item_named(extra: dict, message: str) -> None:
    action = {"aws": "sagemaker.update_model_package", "params": {"ModelPackageArn": "x"}}

    with pytest.raises(ReplayError, match=message):
        parse_items(json.dumps({**action, **extra}))


def test_emulator_options_on_a_raw_event_are_rejected() -> None:
    with pytest.raises(ReplayError, match='item 1: "emulator" options apply to user actions'):
        parse_items(json.dumps({**EVENT, "emulator": {"model_package_updated_fields": False}}))
