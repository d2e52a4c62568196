"""Keep moto fast when thousands of objects arrive at once; behaviour unchanged (no emulation here).

Measured on moto 5.2.5 (10,000 S3 events through the local stack), three costs grow with the size of a queue or table,
making the whole run quadratic (hours):

- SQS ``SendMessage`` and every received message's retention check compute all queue attributes, including the three
  ``ApproximateNumberOf…`` counts, each a scan of the queue's messages; the counts are not needed there, so
  :func:`installed` leaves them out of those two calls only (``GetQueueAttributes`` still counts);
- each of those scans reads the clock per message through ``moto.core.utils.unix_time_millis`` (about 6 µs); SQS
  reads it through ``time.time`` instead, the same instant without the ``datetime`` round trip;
- DynamoDB ``TransactWriteItems`` backs up a table by deep-copying it once per item of the transaction that names it
  (100 copies of the whole table for a 100-item transaction); the backup is taken before any write, so one copy per
  table is the same backup.

And one cost that repeats per stack and per execution: moto's Step Functions parses a definition with ANTLR on
``CreateStateMachine`` (to validate it) and again when each execution starts (to build the program it interprets),
about 0.1 s of CPU for ``deploy.asl.json``. The syntax tree depends on the definition's text only and the
preprocessor only reads it, so :func:`installed` keeps the tree of each definition that parsed and preprocessed
without an error and builds a fresh program from it on every call: the same program, the same errors (a definition
with an error is never kept, so it fails again each time); validating a kept definition again is skipped (it passed).
KMS ``CreateKey`` makes an RSA private key for every key, symmetric ones too (about 0.05 s of CPU per stack), which
only ``Sign``, ``Verify`` and ``GetPublicKey`` use: it is made on the key's first use instead, the same random key.
The sessions made while it is open read botocore's service models once per process (:mod:`.service_models`).

Examples
--------
>>> with installed():
...     pass
"""

from __future__ import annotations

import copy
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import moto.dynamodb.models as dynamodb_models
import moto.kms.models as kms_models
import moto.sqs.models as sqs_models
from moto.core.utils import unix_time
from moto.kms.utils import generate_private_key
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from mlopsctl.local.moto_patches import service_models

_COUNTS = frozenset(
    {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible"}
)
_state = threading.local()
_attributes_lock = threading.RLock()


def _unix_time_millis(dt: Any = None) -> float:
    if dt is not None:  # a given instant: moto's own conversion
        return float(unix_time(dt) * 1000)
    return time.time() * 1000.0


def _without_counts[F: Callable[..., Any]](method: F) -> F:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = getattr(_state, "skip_counts", False)
        _state.skip_counts = True
        try:
            return method(*args, **kwargs)
        finally:
            _state.skip_counts = previous

    return wrapper  # type: ignore[return-value]


def _attributes(original: property) -> property:
    def attributes(queue: Any) -> dict[str, Any]:
        with _attributes_lock:  # the override below is visible to other threads while it lasts
            if not getattr(_state, "skip_counts", False):
                return original.fget(queue)  # type: ignore[misc,no-any-return]
            queue.BASE_ATTRIBUTES = [name for name in type(queue).BASE_ATTRIBUTES if name not in _COUNTS]
            try:
                return original.fget(queue)  # type: ignore[misc,no-any-return]
            finally:
                del queue.BASE_ATTRIBUTES

    return property(attributes)


def _one_backup_per_table[F: Callable[..., Any]](method: F) -> F:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        backups: dict[int, Any] = {}

        def deepcopy(value: Any, memo: Any = None) -> Any:
            if id(value) not in backups:
                backups[id(value)] = (value, copy.deepcopy(value, memo))
            return backups[id(value)][1]

        _state.copy = types.SimpleNamespace(deepcopy=deepcopy)
        try:
            return method(*args, **kwargs)
        finally:
            del _state.copy

    return wrapper  # type: ignore[return-value]


class _CopyModule:
    """``copy`` as moto's DynamoDB models see it: one backup per table inside a transaction, else the real one."""

    def __getattr__(self, name: str) -> Any:
        return getattr(getattr(_state, "copy", None) or copy, name)


#: syntax trees of definitions that parsed without a syntax error, by definition text (bounded, see _SYNTAX_TREES_MAX)
_syntax_trees: dict[str, Any] = {}
_SYNTAX_TREES_MAX = 64
_trees_lock = threading.Lock()


def _reusing_syntax_trees(parse: Callable[[str], tuple[Any, Any]]) -> Callable[[str], tuple[Any, Any]]:
    """``AmazonStateLanguageParser.parse`` (moto 5.2.5: ANTLR tree, then ``Preprocessor().visit(tree)``), reusing the
    tree of a definition already parsed."""

    def cached_parse(definition: str) -> tuple[Any, Any]:
        with _trees_lock:
            tree = _syntax_trees.get(definition)
        if tree is None:
            program, tree = parse(definition)  # raises, keeping nothing, on a syntax or preprocessing error
            with _trees_lock:
                if len(_syntax_trees) >= _SYNTAX_TREES_MAX:
                    _syntax_trees.clear()
                _syntax_trees[definition] = tree
            return program, tree
        return Preprocessor().visit(tree), tree

    return cached_parse


def _validating_once(validate: Callable[[str], None]) -> Callable[[str], None]:
    """moto's ``_validate_definition`` (parse and preprocess, raise ``InvalidDefinition`` on an error), skipped for a
    definition whose tree is kept: it was parsed and preprocessed without error."""

    def validate_definition(definition: str) -> None:
        with _trees_lock:
            known = definition in _syntax_trees
        if not known:
            validate(definition)

    return validate_definition


@dataclass(frozen=True)
class _Deferred:
    """A KMS key's private key, not made yet: its key spec."""

    key_spec: str


_keys_lock = threading.Lock()


def _private_key_on_first_use(generate: Callable[[str], Any]) -> property:
    """``Key.private_key`` (moto 5.2.5 sets it in ``Key.__init__`` from ``generate_private_key(key_spec)``), made
    when first read."""

    def get(key: Any) -> Any:
        with _keys_lock:
            value = key.__dict__["_private_key"]
            if isinstance(value, _Deferred):
                value = key.__dict__["_private_key"] = generate(value.key_spec)
            return value

    def set_(key: Any, value: Any) -> None:
        key.__dict__["_private_key"] = value

    return property(get, set_)


@contextmanager
def installed() -> Iterator[None]:
    """Apply the changes (see the module docstring) while the context is open."""
    sqs_backend, queue, dynamodb_backend = sqs_models.SQSBackend, sqs_models.Queue, dynamodb_models.DynamoDBBackend
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(sqs_models, "unix_time_millis", _unix_time_millis))
        original: property = queue.__dict__["attributes"]
        stack.enter_context(mock.patch.object(queue, "attributes", _attributes(original)))
        for name in ("send_message", "is_message_valid_based_on_retention_period"):
            stack.enter_context(mock.patch.object(sqs_backend, name, _without_counts(getattr(sqs_backend, name))))
        stack.enter_context(mock.patch.object(dynamodb_models, "copy", _CopyModule()))
        transact = _one_backup_per_table(dynamodb_backend.transact_write_items)
        stack.enter_context(mock.patch.object(dynamodb_backend, "transact_write_items", transact))
        lazy_key = _private_key_on_first_use(generate_private_key)
        stack.enter_context(mock.patch.object(kms_models.Key, "private_key", lazy_key, create=True))
        stack.enter_context(mock.patch.object(kms_models, "generate_private_key", _Deferred))
        stack.enter_context(service_models.installed())
        parse = staticmethod(_reusing_syntax_trees(AmazonStateLanguageParser.parse))
        stack.enter_context(mock.patch.object(AmazonStateLanguageParser, "parse", parse))
        validate = staticmethod(_validating_once(StepFunctionsParserBackend._validate_definition))
        stack.enter_context(mock.patch.object(StepFunctionsParserBackend, "_validate_definition", validate))
        yield
