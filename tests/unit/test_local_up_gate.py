"""``mlopsctl local up``'s gate: a person's request waits for the loop's step in progress; the system's own pass."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from mlopsctl.local.runtime.actionlog import a_person_acts
from mlopsctl.local.up.gate import SYSTEM_HEADER, PersonGate, mark_system_requests

SYSTEM_ENVIRON = {"HTTP_" + SYSTEM_HEADER.upper().replace("-", "_"): "system"}


def _app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"served ", environ.get("PATH_INFO", "").encode()]


def _serve(gated: Any, environ: dict[str, Any], done: list[bytes]) -> threading.Thread:
    def run() -> None:
        done.append(b"".join(gated(environ, lambda *_: None)))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_persons_request_waits_for_the_step_in_progress() -> None:
    gate = PersonGate()
    gated, done = gate.wrap(_app), list[bytes]()
    with gate.step():
        request = _serve(gated, {"PATH_INFO": "/person"}, done)
        request.join(timeout=0.5)
        assert request.is_alive()  # held back while the step runs
        assert not done
    request.join(timeout=10)
    assert done == [b"served /person"]


def test_the_systems_requests_pass_while_a_step_holds_the_gate() -> None:
    gate = PersonGate()
    gated, done = gate.wrap(_app), list[bytes]()
    with gate.step():
        request = _serve(gated, {"PATH_INFO": "/system", **SYSTEM_ENVIRON}, done)
        request.join(timeout=10)
        assert done == [b"served /system"]  # a handler's call from inside the step: no deadlock


class _Body:
    """An empty JSON answer, as botocore reads a response body."""

    def stream(self, **_: Any) -> Iterable[bytes]:
        yield b"{}"


@pytest.fixture
def sent_headers() -> Callable[[bool], dict[str, str]]:
    """The headers of a request made by a client of this process (as a person or not), answered without a network."""
    mark_system_requests()
    seen: list[dict[str, str]] = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        seen.append(dict(request.headers))
        return AWSResponse(request.url, 200, {}, _Body())

    def send(as_a_person: bool) -> dict[str, str]:
        session = boto3.session.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1")
        session.events.register("before-send.sqs.ListQueues", answer)
        client = session.client("sqs")
        if as_a_person:
            with a_person_acts():
                client.list_queues()
        else:
            client.list_queues()
        return {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in seen[-1].items()}

    return send


def test_requests_made_in_this_process_are_marked_unless_a_person_makes_them(
    sent_headers: Callable[[bool], dict[str, str]],
) -> None:
    assert sent_headers(False).get(SYSTEM_HEADER.lower()) == "system"
    assert SYSTEM_HEADER.lower() not in sent_headers(True)
