"""Run a step script as its SageMaker container would, in this process (emulated container).

The scikit-learn container runs ``python3 <script> <arguments>``; here the script's file (downloaded from S3 like
the job's code input) is imported under a unique module name and its ``main(argv)`` is called. What the container
provides is reproduced:

- the job's directories: ``/opt/ml/...`` in arguments and ``SM_*`` variables point into a working directory;
  processing scripts read their default directories below their module constant ``PROCESSING_ROOT`` (the container's
  ``/opt/ml/processing``), which is pointed there too — the one liberty taken with the container contract;
- environment variables (training's ``SM_MODEL_DIR``, ``SM_CHANNEL_<NAME>``, ``SM_OUTPUT_DIR``, …);
- AWS access: the script's own boto3 clients (``boto3.client("s3")``) talk to the local stack, and their calls are
  SageMaker's, not the system's, so they stay out of the action log; they carry the job's role credentials in the
  container, so with the local stack's IAM each call is authorized as that role (a ``role`` session) and a denied
  one fails as AWS fails it (``ClientError`` ``AccessDenied``);
- logs: what the script logs at INFO and above is captured (the job's CloudWatch log stream);
- one thread for native thread pools (OpenMP, BLAS): the job would have its instance's cores to itself, the demo
  shares this machine's with the whole stack, where OpenMP's spinning workers made gradient boosting fifty times
  slower (0.1 s → 5-10 s per fit on two busy cores).

A script that returns non-zero or raises fails the job; its failure reason is the training failure file
(``/opt/ml/output/failure``), else its last error log line, else the exception.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import boto3  # type: ignore[import-untyped, unused-ignore]
from botocore.awsrequest import AWSResponse  # type: ignore[import-untyped, unused-ignore]
from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.emulators.sagemaker.service_roles import RoleSession, ServiceAccessError

CONTAINER_ROOT = "/opt/ml"
_THIRD_PARTY_LOGGERS = ("boto", "botocore", "s3transfer", "urllib3", "moto", "mlopsctl", "aws_lambda_powertools")
_LOCK = threading.Lock()  # one container at a time: it swaps process-wide state (environment, default session)
_PARAMS = "mlops_container_params"
_DENIED_STATUS = {"AccessDenied": 403}


@dataclass(frozen=True)
class ContainerAccess:
    """How the container's own AWS clients reach the local stack.

    Attributes
    ----------
    region
        The region the job runs in.
    user_agent_extra
        Added to the user agent of every client the script creates (the local stack leaves clients carrying its
        marker out of the action log).
    endpoint_url
        The ``moto_server`` address, or None for the in-process mock.
    """

    region: str
    user_agent_extra: str | None = None
    endpoint_url: str | None = None


@dataclass(frozen=True)
class ScriptResult:
    """How a script run ended.

    Attributes
    ----------
    exit_code
        ``main``'s return value (1 when it raised).
    logs
        Captured log lines (``LEVEL logger: message``).
    failure_reason
        Why it failed (None when ``exit_code`` is 0).
    """

    exit_code: int
    logs: tuple[str, ...]
    failure_reason: str | None = None


class _ContainerSession(boto3.session.Session):  # type: ignore[misc]
    """The container's default boto3 session; it hands out one client per service and arguments.

    A script that creates a client per object read (``boto3.client("s3")`` in a loop) would spend most of its time
    building clients; in the container each is as cheap as the SDK's own caches make it, which in process they are not.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cached: dict[tuple[Any, ...], Any] = {}

    def client(self, *args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:
            return super().client(*args, **kwargs)
        if key not in self._cached:
            self._cached[key] = super().client(*args, **kwargs)
        return self._cached[key]


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(_THIRD_PARTY_LOGGERS):
            self.records.append(record)


def container_path(path: str, root: Path) -> str:
    """``/opt/ml/…`` mapped below ``root``; other strings unchanged.

    Examples
    --------
    >>> container_path("/opt/ml/processing/train", Path("/tmp/job"))
    '/tmp/job/processing/train'
    >>> container_path("--label-attribute", Path("/tmp/job"))
    '--label-attribute'
    """
    if path == CONTAINER_ROOT or path.startswith(CONTAINER_ROOT + "/"):
        return str(root / path[len(CONTAINER_ROOT) :].lstrip("/"))
    return path


def run_script(
    script: Path,
    argv: Sequence[str],
    *,
    root: Path,
    access: ContainerAccess,
    environment: Mapping[str, str] | None = None,
    role: RoleSession | None = None,
) -> ScriptResult:
    """Run ``script``'s ``main(argv)`` as its container would, with ``/opt/ml`` at ``root``.

    Parameters
    ----------
    script
        The step script (a local copy of the job's code).
    argv
        The container arguments (``/opt/ml`` paths are mapped below ``root``).
    root
        The job's working directory, standing for ``/opt/ml``.
    access
        How the script's own AWS clients reach the local stack.
    environment
        Extra environment variables (``/opt/ml`` paths in values are mapped too).
    role
        The job's role session: the script's own AWS calls are authorized as it (None: not checked).
    """
    arguments = [container_path(str(a), root) for a in argv]
    env = {key: container_path(value, root) for key, value in (environment or {}).items()}
    capture = _Capture()
    with _LOCK, _container(access, env, capture, role), threadpool_limits(limits=1):
        module_name = f"mlops_demo_step_{script.stem}_{uuid.uuid4().hex[:8]}"
        try:
            module = _load(script, module_name)
            if hasattr(module, "PROCESSING_ROOT"):
                module.PROCESSING_ROOT = str(root / "processing")
            main = getattr(module, "main", None)
            if not callable(main):
                return ScriptResult(1, (), f"AlgorithmError: {script.name} has no main(argv) entry point")
            code = main(arguments)
            exit_code = int(code or 0)
            error = None
        except SystemExit as exc:
            exit_code, error = _exit_code(exc.code), None
        except Exception as exc:
            exit_code, error = 1, f"{type(exc).__name__}: {exc}"
        finally:
            sys.modules.pop(module_name, None)
    logs = tuple(f"{r.levelname} {r.name}: {r.getMessage()}" for r in capture.records)
    if exit_code == 0:
        return ScriptResult(0, logs)
    return ScriptResult(exit_code, logs, _failure_reason(root, capture.records, error, exit_code))


def _exit_code(code: Any) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _load(script: Path, module_name: str) -> Any:
    spec = importlib.util.spec_from_file_location(module_name, script)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {script}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up while the script is imported
    spec.loader.exec_module(module)
    return module


def _failure_reason(root: Path, records: list[logging.LogRecord], error: str | None, exit_code: int) -> str:
    failure_file = root / "output" / "failure"
    if failure_file.is_file():
        text = failure_file.read_text(encoding="utf-8").strip()
        if text:
            return f"AlgorithmError: {text[:1024]}"
    if error is not None:
        return f"AlgorithmError: {error}"
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    if errors:
        return f"AlgorithmError: {errors[-1]}"
    return f"AlgorithmError: the script exited with code {exit_code}"


@contextlib.contextmanager
def _container(
    access: ContainerAccess, environment: Mapping[str, str], capture: _Capture, role: RoleSession | None
) -> Iterator[None]:
    """The process-wide state of one container run: environment, default boto3 session, log capture."""
    session = _ContainerSession(
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        region_name=access.region,
    )
    session._session.set_default_client_config(
        Config(user_agent_extra=access.user_agent_extra, retries={"mode": "standard"})
    )
    if role is not None:
        _authorize_as(session, role)
    env = dict(environment)
    env["AWS_DEFAULT_REGION"] = env["AWS_REGION"] = access.region
    if access.endpoint_url:
        env["AWS_ENDPOINT_URL"] = access.endpoint_url
    root_logger = logging.getLogger()
    level = root_logger.level
    root_logger.addHandler(capture)  # also makes the script's logging.basicConfig() a no-op
    root_logger.setLevel(logging.INFO)
    try:
        with mock.patch.dict(os.environ, env), mock.patch.object(boto3, "DEFAULT_SESSION", session):
            yield
    finally:
        root_logger.removeHandler(capture)
        root_logger.setLevel(level)


def _authorize_as(session: boto3.session.Session, role: RoleSession) -> None:
    """Authorize every call of the session's clients as ``role``; a denied call is answered as AWS answers it."""

    def keep(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS] = params

    def check(model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        service, operation = model.service_model.service_name, model.name
        try:
            role.require(role.roles.call(service, operation, context.get(_PARAMS) or {}), f"{service}.{operation}")
        except ServiceAccessError as exc:
            code = exc.failure.code
            status = _DENIED_STATUS.get(code, 400)
            error = {"Error": {"Code": code, "Message": exc.failure.message}}
            metadata = {"ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0}}
            return AWSResponse("https://local.amazonaws.com/", status, {}, None), {**error, **metadata}
        return None

    session._session.register("provide-client-params", keep)
    session._session.register("before-call", check)
