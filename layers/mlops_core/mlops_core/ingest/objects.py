"""Which newly arrived S3 objects the system accepts, and why it refuses the others.

Every object announced by an ``Object Created`` event is checked here before anything is written: it must be in our
bucket, under one of our two prefixes (``incoming/`` goes to labeling, ``labeled/`` skips it), have an allowed
extension and a size within limits, and its key must not be hostile. A refused object is acknowledged with a
:class:`Rejection` reason and never retried: retrying cannot change the key or the size.

Keys are checked **as S3 stores them** (the event model decodes the EventBridge spelling exactly once).

Examples
--------
>>> policy = AcceptancePolicy(bucket="data", incoming_prefix="incoming/", labeled_prefix="labeled/",
...                           allowed_extensions=frozenset({".txt"}), max_object_bytes=1000)
>>> classify(ObjectRef(bucket="data", key="incoming/a.txt", size=10, etag="e1"), policy)
<ObjectKind.LABELING: 'labeling'>
>>> classify(ObjectRef(bucket="data", key="incoming/../secret.txt", size=10, etag="e1"), policy)
<Rejection.DOT_SEGMENT: 'dot-segment'>
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

MAX_KEY_BYTES = 1024
"""S3's own limit on a key's UTF-8 length; longer keys cannot be real and are refused."""

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_CONTROL_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


class ObjectKind(StrEnum):
    """What the system does with an accepted object."""

    LABELING = "labeling"
    """Raw data under the incoming prefix: it is sent to labeling (unless the labeling back-end is ``none``)."""
    LABELED = "labeled"
    """Data under the labeled prefix: already labeled, it skips labeling and is ready for training."""


class Rejection(StrEnum):
    """Why an object was refused; the value is the ``reason`` field of the structured log line."""

    FOREIGN_BUCKET = "foreign-bucket"
    EMPTY_KEY = "empty-key"
    KEY_TOO_LONG = "key-too-long"
    CONTROL_CHARACTER = "control-character"
    LEADING_SLASH = "leading-slash"
    DOT_SEGMENT = "dot-segment"
    OUTSIDE_PREFIXES = "outside-prefixes"
    FOLDER_MARKER = "folder-marker"
    EXTENSION_NOT_ALLOWED = "extension-not-allowed"
    EMPTY_OBJECT = "empty-object"
    TOO_LARGE = "too-large"


def normalised_etag(etag: str) -> str:
    """An ETag as a comparable value: without the quotes HTTP puts around it, hex digits in lower case.

    >>> normalised_etag('"9B2CF535F27731C974343645A3985328-2"')
    '9b2cf535f27731c974343645a3985328-2'
    """
    return etag.strip().strip('"').lower()


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One S3 object version, as announced by an ``Object Created`` event.

    Parameters
    ----------
    bucket, key
        Where the object is; ``key`` as S3 stores it (decoded).
    size
        Its size in bytes.
    etag, version_id
        Its ETag (without quotes) and, in versioned buckets, its version id: the version is what is read, the ETag
        is what identifies the data (:attr:`identity`).
    """

    bucket: str
    key: str
    size: int
    etag: str
    version_id: str | None = None

    @property
    def identity(self) -> str:
        """What makes two objects "the same data": bucket, key and ETag (the content), never the version id.

        The same bytes uploaded again under the same key are a new version with the same ETag: a duplicate, not
        labeled or trained again. Changed bytes have another ETag: "Objects with different object data will have
        different entity tags" (S3 API Reference, ``ETag`` of ``CompleteMultipartUpload`` / ``PutObject``,
        https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html). The converse is not
        promised: a multipart ETag (``<digest>-<parts>``) depends on the part size, and under SSE-KMS or SSE-C the
        ETag is not an MD5 of the data (S3 User Guide, "Checking object integrity"), so identical bytes may get
        another ETag and then count as new data: a duplicate can be missed, changed data is never taken for one.
        Never the event id either: EventBridge delivers at least once and moto repeats ids for different events.

        >>> ObjectRef("b", "k", 1, '"abc"', "v1").identity == ObjectRef("b", "k", 1, "abc", "v2").identity
        True
        """
        return f"{self.bucket}\x00{self.key}\x00e:{normalised_etag(self.etag)}"

    @property
    def identity_hash(self) -> str:
        """A fixed-length digest of :attr:`identity`, safe as a DynamoDB key whatever the key's length."""
        return hashlib.sha256(self.identity.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def s3_uri(self) -> str:
        """``s3://bucket/key``, the spelling Ground Truth manifests use (the key is not URL-encoded)."""
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True, slots=True)
class AcceptancePolicy:
    """What an acceptable object looks like; built from the function's settings.

    Parameters
    ----------
    bucket
        Our data bucket; events about any other bucket are refused.
    incoming_prefix, labeled_prefix
        Key prefixes of raw data (sent to labeling) and of already-labeled data (skips labeling).
    allowed_extensions
        Lower-case extensions with their dot (``.jpg``); compared with the key's extension lower-cased.
    max_object_bytes
        The largest accepted object; empty objects are always refused.
    """

    bucket: str
    incoming_prefix: str
    labeled_prefix: str
    allowed_extensions: frozenset[str]
    max_object_bytes: int


def key_problem(key: str) -> Rejection | None:
    """What makes a key hostile or impossible, or ``None`` when it is safe to write into a manifest.

    Refused: empty keys, keys longer than 1,024 UTF-8 bytes, keys with control characters (C0/C1, line and paragraph
    separators, lone surrogates, bidirectional overrides), a leading ``/``, and ``.`` or ``..`` path segments.
    """
    if not key:
        return Rejection.EMPTY_KEY
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return Rejection.KEY_TOO_LONG
    if any(ch in _BIDI_CONTROLS or unicodedata.category(ch) in _CONTROL_CATEGORIES for ch in key):
        return Rejection.CONTROL_CHARACTER
    if key.startswith("/"):
        return Rejection.LEADING_SLASH
    if any(segment in {".", ".."} for segment in key.split("/")):
        return Rejection.DOT_SEGMENT
    return None


def extension_of(key: str) -> str:
    """The lower-cased extension of the key's last segment, with its dot; ``""`` when it has none."""
    name = key.rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem and ext else ""


def classify(obj: ObjectRef, policy: AcceptancePolicy) -> ObjectKind | Rejection:
    """Accept an object (as the :class:`ObjectKind` that says what to do with it) or give the reason to refuse it.

    Checks run in a fixed order (bucket, key, prefix, extension, size), so an object has exactly one reason.
    """
    if obj.bucket != policy.bucket:
        return Rejection.FOREIGN_BUCKET
    placement = key_problem(obj.key) or _placement(obj.key, policy)
    if isinstance(placement, Rejection):
        return placement
    return _content_problem(obj, policy) or placement


def _placement(key: str, policy: AcceptancePolicy) -> ObjectKind | Rejection:
    if key.startswith(policy.incoming_prefix):
        kind, prefix = ObjectKind.LABELING, policy.incoming_prefix
    elif key.startswith(policy.labeled_prefix):
        kind, prefix = ObjectKind.LABELED, policy.labeled_prefix
    else:
        return Rejection.OUTSIDE_PREFIXES
    if key.endswith("/") or key == prefix:
        return Rejection.FOLDER_MARKER
    return kind


def _content_problem(obj: ObjectRef, policy: AcceptancePolicy) -> Rejection | None:
    if extension_of(obj.key) not in policy.allowed_extensions:
        return Rejection.EXTENSION_NOT_ALLOWED
    if obj.size <= 0:
        return Rejection.EMPTY_OBJECT
    if obj.size > policy.max_object_bytes:
        return Rejection.TOO_LARGE
    return None
