"""EndpointEventsFunction: ``Endpoint State Change`` / ``Endpoint Deployment State Change`` → resume the waiting deploy.

Only a final status of our endpoint resumes the Deploy execution waiting on it (its task token is on the endpoint's
lock in the ledger); everything else is acknowledged as ignored with its reason. Returns ``{"outcome", "reason"}``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from mlops_core.deploy.endpoint_events import ENDPOINT_EVENTS, on_endpoint_event
from mlops_core.deploy.endpoint_events_wiring import EndpointEventsDependencies, from_env
from mlops_core.events import Origin
from mlops_core.handler import EventHandler, read_origin

handler = EventHandler(ENDPOINT_EVENTS, "an endpoint state change")


@cache
def origin() -> Origin:
    """This function's account and Region, read once per cold start."""
    return read_origin()


@cache
def dependencies() -> EndpointEventsDependencies:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return from_env()


@handler.entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Resume the deployment waiting on our endpoint when the event reports a final status."""
    return handler.handle(event, origin(), lambda parsed: on_endpoint_event(parsed, *dependencies()))
