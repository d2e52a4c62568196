"""Which arrived objects are accepted: bucket, prefix, extension, size, and hostile keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_core.ingest.objects import (
    MAX_KEY_BYTES,
    AcceptancePolicy,
    ObjectKind,
    ObjectRef,
    Rejection,
    classify,
    extension_of,
    key_problem,
)

POLICY = AcceptancePolicy(
    bucket="data",
    incoming_prefix="incoming/",
    labeled_prefix="labeled/",
    allowed_extensions=frozenset({".txt", ".jpg"}),
    max_object_bytes=1_000,
)


def ref(key: str, size: int = 10, bucket: str = "data") -> ObjectRef:
    return ObjectRef(bucket=bucket, key=key, size=size, etag="e")


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("incoming/a.txt", ObjectKind.LABELING),
        ("incoming/deep/er/a b+c.TXT", ObjectKind.LABELING),
        ("incoming/été/ünï.jpg", ObjectKind.LABELING),
        ("labeled/set-1/x.jpg", ObjectKind.LABELED),
    ],
)
def test_objects_under_our_prefixes_are_accepted_for_what_their_prefix_says(key: str, kind: ObjectKind) -> None:
    assert classify(ref(key), POLICY) is kind


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (ref("incoming/a.txt", bucket="other"), Rejection.FOREIGN_BUCKET),
        (ref("incoming/../../etc/passwd.txt"), Rejection.DOT_SEGMENT),
        (ref("incoming/./a.txt"), Rejection.DOT_SEGMENT),
        (ref("/incoming/a.txt"), Rejection.LEADING_SLASH),
        (ref("incoming/a\nb.txt"), Rejection.CONTROL_CHARACTER),
        (ref("incoming/a\x7fb.txt"), Rejection.CONTROL_CHARACTER),
        (ref("incoming/a\u2028b.txt"), Rejection.CONTROL_CHARACTER),
        (ref("incoming/\u202egnp.txt"), Rejection.CONTROL_CHARACTER),
        (ref("incoming/\udc80.txt"), Rejection.CONTROL_CHARACTER),
        (ref("incoming/" + "é" * 600 + ".txt"), Rejection.KEY_TOO_LONG),
        (ref("other/a.txt"), Rejection.OUTSIDE_PREFIXES),
        (ref("incomingx/a.txt"), Rejection.OUTSIDE_PREFIXES),
        (ref("incoming/"), Rejection.FOLDER_MARKER),
        (ref("incoming/sub/"), Rejection.FOLDER_MARKER),
        (ref("incoming/a.exe"), Rejection.EXTENSION_NOT_ALLOWED),
        (ref("incoming/noext"), Rejection.EXTENSION_NOT_ALLOWED),
        (ref("incoming/.txt"), Rejection.EXTENSION_NOT_ALLOWED),
        (ref("incoming/a.txt", size=0), Rejection.EMPTY_OBJECT),
        (ref("incoming/a.txt", size=1_001), Rejection.TOO_LARGE),
    ],
)
def test_refused_objects_get_exactly_one_reason(obj: ObjectRef, reason: Rejection) -> None:
    assert classify(obj, POLICY) is reason


def test_the_size_limit_is_inclusive() -> None:
    assert classify(ref("incoming/a.txt", size=1_000), POLICY) is ObjectKind.LABELING


@given(st.text(min_size=1, max_size=40), st.characters(whitelist_categories=("Cc",)))
def test_any_key_with_a_control_character_is_refused(name: str, control: str) -> None:
    assert key_problem(f"incoming/{name}{control}.txt") is Rejection.CONTROL_CHARACTER


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=300))
def test_a_key_is_refused_exactly_when_it_is_too_long_or_hostile(name: str) -> None:
    key = f"incoming/{name}"
    segments = key.split("/")
    hostile = (
        len(key.encode("utf-8")) > MAX_KEY_BYTES
        or any(s in {".", ".."} for s in segments)
        or any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in key)
    )
    assert (key_problem(key) is not None) == hostile


def test_identity_is_the_content_not_the_version() -> None:
    a = ObjectRef("data", "k.txt", 1, "same-etag", version_id="v1")
    b = ObjectRef("data", "k.txt", 1, "same-etag", version_id="v2")
    changed = ObjectRef("data", "k.txt", 1, "other-etag", version_id="v3")
    elsewhere = ObjectRef("data", "j.txt", 1, "same-etag", version_id="v1")

    assert a.identity == b.identity
    assert a.identity != changed.identity
    assert a.identity != elsewhere.identity
    assert len(a.identity_hash) == 64


def test_a_quoted_or_upper_case_etag_is_the_same_etag() -> None:
    multipart = "9b2cf535f27731c974343645a3985328-2"

    assert ObjectRef("data", "k", 1, f'"{multipart.upper()}"').identity == ObjectRef("data", "k", 1, multipart).identity


def test_the_s3_uri_keeps_the_key_as_stored() -> None:
    assert ref("incoming/a b+c.txt").s3_uri == "s3://data/incoming/a b+c.txt"


@pytest.mark.parametrize(
    ("key", "ext"), [("a/b.TXT", ".txt"), ("a/b.tar.gz", ".gz"), ("a.b/c", ""), ("a/.env", ""), ("a/b.", "")]
)
def test_the_extension_is_that_of_the_last_segment(key: str, ext: str) -> None:
    assert extension_of(key) == ext
