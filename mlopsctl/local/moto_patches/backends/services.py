"""CloudWatch, S3, EventBridge and Step Functions state, and moto itself (accessors registered in :mod:`..checked`)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, cast

from moto.cloudformation.models import cloudformation_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.events.models import EventPattern, events_backends
from moto.events.utils import EventTemplateParser
from moto.moto_api._internal.models import moto_api_backend
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.moto_patches.checked import reads

_SFN = "moto.stepfunctions"


@reads("5.2.5", "moto.cloudwatch.models.cloudwatch_backends", "moto.cloudwatch.models.CloudWatchBackend.alarms")
def alarms_in_alarm(account_id: str, region: str, names: Sequence[str]) -> list[str]:
    """Those of the alarms ``names`` that exist and are in ``ALARM``, in the order given."""
    alarms = cloudwatch_backends[account_id][region].alarms
    return [n for n in names if n in alarms and alarms[n].state_value == "ALARM"]


class S3ReadError(LocalStackError):
    """An object could not be read from moto's S3; ``code`` names why (``NoSuchKey``, moto's exception type)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@reads("5.2.5", "moto.s3.models.s3_backends", "moto.s3.models.S3Backend.get_object", "moto.s3.models.FakeKey.value")
def s3_object_bytes(account_id: str, region: str, bucket: str, key: str) -> bytes:
    """The body of ``bucket/key`` in moto's S3; :class:`S3ReadError` when it cannot be read."""
    try:
        obj = s3_backends[account_id][get_partition(region)].get_object(bucket, key)
    except Exception as exc:  # moto raises its own MissingBucket/… types
        raise S3ReadError(type(exc).__name__) from None
    if obj is None:
        raise S3ReadError("NoSuchKey")
    return bytes(obj.value)


@reads("5.2.5", "moto.s3.models.s3_backends", "moto.s3.models.S3Backend.put_object")
def put_s3_object(account_id: str, region: str, bucket: str, key: str, body: bytes) -> None:
    """Write ``bucket/key`` to moto's S3 directly (S3's own notifications follow, as for any writer)."""
    s3_backends[account_id][get_partition(region)].put_object(bucket, key, body)


@dataclass(frozen=True)
class S3Change:
    """An object (or delete marker) moto tells EventBridge about, as the event builders read it.

    ``handle`` is moto's object itself, compared by identity (the tags a ``PutObject`` sets); ``size`` and ``etag``
    are read from it only when asked (a permanently deleted object's body is closed: only its name is read then).
    """

    account_id: str
    bucket: str
    region: str
    versioned: bool
    key: str
    multipart: bool
    handle: object

    @property
    def size(self) -> int:
        """The object's size in bytes."""
        return int(cast(Any, self.handle).size)

    @property
    def etag(self) -> str:
        """The object's ETag, quoted as moto keeps it."""
        return str(cast(Any, self.handle).etag)

    @property
    def version_id(self) -> Any:
        """The object's (or delete marker's) version ID."""
        return cast(Any, self.handle).version_id


@reads(
    "5.2.5",
    "moto.s3.models.FakeBucket.name",
    "moto.s3.models.FakeBucket.region_name",
    "moto.s3.models.FakeBucket.is_versioned",
    "moto.s3.models.FakeKey.name",
    "moto.s3.models.FakeKey.size",
    "moto.s3.models.FakeKey.etag",
    "moto.s3.models.FakeKey.version_id",
    "moto.s3.models.FakeKey.multipart",
    "moto.s3.models.FakeDeleteMarker.name",
    "moto.s3.models.FakeDeleteMarker.version_id",
)
def s3_change(account_id: str, bucket: Any, key: Any) -> S3Change:
    """What moto's ``_send_event_bridge_message(account_id, bucket, event_name, key)`` was handed, typed."""
    return S3Change(
        account_id=account_id,
        bucket=str(bucket.name),
        region=str(bucket.region_name),
        versioned=bool(bucket.is_versioned),
        key=str(key.name),
        multipart=getattr(key, "multipart", None) is not None,
        handle=key,
    )


@reads(
    "5.2.5",
    "moto.s3.models.s3_backends",
    "moto.s3.models.S3Backend.tagger",
    "moto.s3.models.FakeKey.partition",
    "moto.s3.models.FakeKey.arn",
)
def s3_object_has_tags(change: S3Change) -> bool:
    """Whether the object of ``change`` has tags now."""
    key = cast(Any, change.handle)
    backend = s3_backends[change.account_id][getattr(key, "partition", "aws")]
    return bool(backend.tagger.get_tag_dict_for_resource(key.arn))


@reads(
    "5.2.5",
    "moto.events.models.events_backends",
    "moto.events.models.EventsBackend.describe_event_bus",
    "moto.events.models.EventBus.rules",
    "moto.events.models.Rule.send_to_targets",
)
def put_on_bus(account_id: str, region: str, bus: str, event: Mapping[str, Any], epoch: float) -> None:
    """Deliver ``event`` to the rules of ``bus`` as EventBridge does an AWS service's event (``time``: ``epoch``)."""
    for rule in list(events_backends[account_id][region].describe_event_bus(bus).rules.values()):
        rule.send_to_targets(cast(Any, {**event, "time": epoch}), transform_input=False)


@reads("5.2.5", "moto.events.models.EventPattern.load", "moto.events.models.EventPattern.matches_event")
def event_matcher(pattern: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate matching events against an EventBridge ``pattern`` (moto's matcher; it raises on a bad pattern)."""
    matcher = EventPattern.load(json.dumps(pattern))
    return lambda event: bool(matcher.matches_event(cast(Any, event)))


@reads("5.2.5", "moto.events.utils.EventTemplateParser.parse")
def render_input_template(template: Any, paths: Mapping[str, Any], event: Mapping[str, Any]) -> Any:
    """An input transformer's ``InputTemplate`` filled from ``event`` by its ``InputPathsMap`` (moto's parser)."""
    return EventTemplateParser.parse(input_template=template, input_paths_map=dict(paths), event=cast(Any, event))


@reads(
    "5.2.5",
    f"{_SFN}.parser.models.stepfunctions_parser_backends",
    f"{_SFN}.models.StepFunctionBackend.state_machines",
    f"{_SFN}.models.StateMachineInstance.executions",
    f"{_SFN}.parser.backend.execution.Execution.exec_worker",
    f"{_SFN}.parser.backend.execution_worker.ExecutionWorker.env",
    f"{_SFN}.parser.asl.eval.environment.Environment.callback_pool_manager",
    f"{_SFN}.parser.asl.eval.callback.callback.CallbackPoolManager._pool",
)
def state_machine_of_token(token: str) -> str | None:
    """The state machine whose running execution waits for task token ``token``, in any account and region."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends  # noqa: PLC0415 - imported when used

    for backends in stepfunctions_parser_backends.values():
        for backend in backends.values():
            for machine in backend.state_machines:
                for execution in machine.executions:
                    worker = getattr(execution, "exec_worker", None)
                    pool = getattr(getattr(getattr(worker, "env", None), "callback_pool_manager", None), "_pool", {})
                    if token in pool:
                        return str(machine.arn)
    return None


@reads(
    "5.2.5",
    "moto.cloudformation.models.cloudformation_backends",
    "moto.cloudformation.models.CloudFormationBackend.stacks",
    "moto.cloudformation.models.Stack.name",
)
def cloudformation_stack_names(account_id: str, region: str) -> list[str]:
    """The names of the stacks moto's CloudFormation holds (not the deleted ones), whether or not a mock is open."""
    return [str(stack.name) for stack in cloudformation_backends[account_id][region].stacks.values()]


# -- moto itself ---------------------------------------------------------------------------------------------------


@reads("5.2.5", "moto.moto_api._internal.models.moto_api_backend.reset")
def reset_moto() -> None:
    """Reset every moto backend (what ``moto_server``'s ``/moto-api/reset`` does)."""
    moto_api_backend.reset()


@reads("5.2.5", "moto.core.authorization.enable_iam_authentication")
def moto_iam_authentication() -> AbstractContextManager[None]:
    """While the context is open, moto authorizes every request against its IAM policies (an unknown key is denied)."""
    from moto.core.authorization import enable_iam_authentication  # noqa: PLC0415 - imported when used

    enabled: AbstractContextManager[None] = enable_iam_authentication()
    return enabled


@reads(
    "5.2.5",
    "moto.moto_server.werkzeug_app.DomainDispatcherApplication",
    "moto.moto_server.werkzeug_app.create_backend_app",
)
def moto_wsgi_application() -> Any:
    """``moto_server``'s WSGI application (every service, dispatched by host and request)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: PLC0415

    return DomainDispatcherApplication(create_backend_app)


@reads("5.2.5", "moto.moto_server.werkzeug_app.MotoRequestHandler.log_request")
@functools.cache
def quiet_moto_request_handler() -> type:
    """``moto_server``'s request handler class, without its access log line per request."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler  # noqa: PLC0415 - imported when a server starts

    class QuietMotoRequestHandler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """No access log line per request (the action log says what the system did)."""

    return QuietMotoRequestHandler
