"""Tests that share a fixture wider than a test go to one xdist worker together (tests/support/xdist_groups.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.xdist_groups import group_shared_fixtures, reported_nodeid


@pytest.fixture(scope="module")
def built_once_per_module() -> str:
    return "a stack"


@pytest.fixture(scope="session")
def built_once_per_session() -> str:
    return "a pipeline run"


def groups(item: pytest.Item) -> list[str]:
    group_shared_fixtures([item])
    return sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})


def test_the_tests_of_a_module_fixture_are_grouped_by_their_module(
    request: pytest.FixtureRequest, built_once_per_module: str
) -> None:
    assert groups(request.node) == ["tests/unit/test_xdist_groups.py"]


def test_the_tests_of_a_session_fixture_are_grouped_by_the_fixture(
    request: pytest.FixtureRequest, built_once_per_session: str
) -> None:
    assert groups(request.node) == ["session:built_once_per_session"]


def test_a_test_with_fixtures_of_its_own_and_of_pytest_only_is_sent_alone(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    assert groups(request.node) == []


def test_a_grouped_test_is_reported_under_its_collected_id(
    request: pytest.FixtureRequest, built_once_per_module: str
) -> None:
    group_shared_fixtures([request.node])

    assert reported_nodeid(request.node).endswith("::test_a_grouped_test_is_reported_under_its_collected_id")
