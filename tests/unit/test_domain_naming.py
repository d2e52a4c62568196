"""Deterministic names: the same content converges on the same batch, manifest and labeling job."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_core.naming import (
    DIGEST_LENGTH,
    LABELING_JOB_NAME_PATTERN,
    batch_id_for,
    buffer_id_for,
    content_digest,
    label_categories_key,
    labeling_job_name,
    manifest_key,
    ui_template_key,
)

STACK_NAMES = st.from_regex(r"^[a-z][a-z0-9-]{0,41}$", fullmatch=True)  # what CoreSettings accepts


@given(st.lists(st.text(), max_size=20))
def test_the_digest_ignores_order_but_not_content(parts: list[str]) -> None:
    assert content_digest(parts) == content_digest(list(reversed(parts)))
    assert content_digest([*parts, "one more"]) != content_digest(parts)
    assert len(content_digest(parts)) == DIGEST_LENGTH


def test_digests_do_not_confuse_joined_parts() -> None:
    assert content_digest(["ab", "c"]) != content_digest(["a", "bc"])


@given(STACK_NAMES, st.text(alphabet="0123456789abcdef", min_size=DIGEST_LENGTH, max_size=DIGEST_LENGTH))
def test_every_stack_name_the_settings_accept_gives_a_valid_labeling_job_name(stack: str, digest: str) -> None:
    name = labeling_job_name(stack, digest)
    assert len(name) <= 63
    assert LABELING_JOB_NAME_PATTERN.match(name)
    assert name.startswith(f"{stack}-")


def test_a_name_that_cannot_be_a_job_name_is_refused() -> None:
    with pytest.raises(ValueError, match="not a valid labeling job name"):
        labeling_job_name("x" * 50, "0" * DIGEST_LENGTH)


def test_batch_ids_depend_on_kind_content_and_predecessor() -> None:
    ids = ["b", "a"]
    assert batch_id_for("labeling", ids) == batch_id_for("labeling", ["a", "b"])
    assert batch_id_for("labeling", ids) != batch_id_for("labeled", ids)
    assert batch_id_for("labeling", ids) != batch_id_for("labeling", ids, previous="x")


def test_buffer_ids_differ_by_time_and_predecessor() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    assert buffer_id_for("labeling", t, None) == buffer_id_for("labeling", t, None)
    assert buffer_id_for("labeling", t, None) != buffer_id_for("labeling", t, "b1")
    assert buffer_id_for("labeling", t, None) != buffer_id_for("labeling", t.replace(microsecond=1), None)


def test_a_batchs_files_sit_together_under_the_manifest_prefix() -> None:
    assert manifest_key("manifests/", "d1") == "manifests/d1/input.manifest"
    assert label_categories_key("manifests/", "d1") == "manifests/d1/label-categories.json"
    assert ui_template_key("manifests/", "d1") == "manifests/d1/template.liquid.html"
