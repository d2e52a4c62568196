"""AWS errors as they come over the wire: the HTTP status of an error code, and the response body botocore parses.

An injected fault (:mod:`.faults`) must fail as AWS fails the call, so that botocore's parser finds the same error
code and its standard retry mode makes the same decision (retry throttling codes and 5xx, not the others). Two things
make that up:

- **The status of a code**, looked up per service, first in the service's own API model that botocore ships (a
  modeled error's ``httpStatusCode``: Lambda's ``TooManyRequestsException`` 429, SNS's ``Throttled`` 429, …), then
  in the service's documented table, then in the errors common to every AWS API. A code none of these documents is
  refused (the local stack does not guess a status).

  - DynamoDB: "Error handling with DynamoDB", *Error messages and codes* (Amazon DynamoDB Developer Guide,
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html): 400 for
    ``ProvisionedThroughputExceededException``, ``RequestLimitExceeded``, ``ThrottlingException`` and the other client
    errors, ``InternalServerError`` 500, ``ServiceUnavailable`` 503.
  - S3: "Error responses", *List of error codes* (Amazon S3 API Reference,
    https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html): ``SlowDown`` 503, ``InternalError`` 500,
    ``ServiceUnavailable`` 503, ``AccessDenied`` 403, ``RequestTimeout`` 400, … S3 is not a JSON/query API, so the
    common errors below do not apply to it.
  - Every other API: "Common Errors" of its API Reference ("This section lists the errors common to the API actions
    of all AWS services", e.g. https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html,
    https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html): ``ThrottlingException`` 400,
    ``InternalFailure`` 500, ``ServiceUnavailable`` 503, ``AccessDeniedException`` 400, ``ValidationError`` 400, …

- **The wire shape of the service's protocol**, as botocore's parsers read it (``botocore/parsers.py``) and as the
  docs show it (the DynamoDB page above: ``{"__type": "com.amazonaws.dynamodb.v20120810#…", "message": …}`` with
  ``x-amzn-RequestId`` and ``Content-Type: application/x-amz-json-1.0``): ``json`` → ``__type``/``message``;
  ``rest-json`` → the ``x-amzn-ErrorType`` header and ``message``; ``query`` → ``<ErrorResponse><Error><Type>…
  <Code>…<Message>…</Error><RequestId>…`` (``Sender`` below 500, ``Receiver`` from 500); ``ec2`` →
  ``<Response><Errors><Error>…``; ``rest-xml`` (S3) → ``<Error><Code>…<Message>…<RequestId>…``. Other protocols
  (``smithy-rpc-v2-cbor``) are refused.

Examples
--------
>>> import botocore.session
>>> model = botocore.session.get_session().get_service_model("dynamodb")
>>> error_status(model, "ProvisionedThroughputExceededException")
('ProvisionedThroughputExceededException', 400)
>>> response = error_response(model, "ThrottlingException", 400, "https://dynamodb.us-east-1.amazonaws.com/")
>>> response.status_code, response.headers["Content-Type"]
(400, 'application/x-amz-json-1.0')
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from typing import Any
from xml.sax.saxutils import escape

from botocore.awsrequest import AWSResponse  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.errors import LocalStackError

#: "Common Errors" of the JSON and query APIs' references (see the module docstring).
COMMON_ERRORS: Mapping[str, int] = {
    "AccessDeniedException": 400,
    "IncompleteSignature": 400,
    "InternalFailure": 500,
    "InvalidAction": 400,
    "InvalidClientTokenId": 403,
    "NotAuthorized": 400,
    "OptInRequired": 403,
    "RequestExpired": 400,
    "ServiceUnavailable": 503,
    "ThrottlingException": 400,
    "ValidationError": 400,
}

#: Services whose own documentation lists their errors (see the module docstring for the pages).
SERVICE_ERRORS: Mapping[str, Mapping[str, int]] = {
    "dynamodb": {
        "AccessDeniedException": 400,
        "ConditionalCheckFailedException": 400,
        "IncompleteSignatureException": 400,
        "ItemCollectionSizeLimitExceededException": 400,
        "LimitExceededException": 400,
        "MissingAuthenticationTokenException": 400,
        "ProvisionedThroughputExceededException": 400,
        "RequestLimitExceeded": 400,
        "ResourceInUseException": 400,
        "ResourceNotFoundException": 400,
        "ThrottlingException": 400,
        "UnrecognizedClientException": 400,
        "ValidationException": 400,
        "InternalServerError": 500,
        "ServiceUnavailable": 503,
    },
    "s3": {
        "AccessDenied": 403,
        "ExpiredToken": 400,
        "InternalError": 500,
        "InvalidAccessKeyId": 403,
        "NoSuchBucket": 404,
        "NoSuchKey": 404,
        "OperationAborted": 409,
        "RequestTimeout": 400,
        "RequestTimeTooSkewed": 403,
        "ServiceUnavailable": 503,
        "SignatureDoesNotMatch": 403,
        "SlowDown": 503,
    },
}

#: Services whose API has no "Common Errors" of the JSON/query kind.
_WITHOUT_COMMON_ERRORS = frozenset({"s3", "s3control"})
_PROTOCOLS = frozenset({"json", "rest-json", "query", "ec2", "rest-xml"})
_DYNAMODB_TYPE_PREFIX = "com.amazonaws.dynamodb.v20120810#"


def error_status(service_model: Any, code: str) -> tuple[str, int]:
    """The wire code and HTTP status of ``code`` for this service; :class:`LocalStackError` when undocumented."""
    name = service_model.service_name
    if service_model.resolved_protocol not in _PROTOCOLS:
        raise LocalStackError(f"{name} speaks {service_model.resolved_protocol}: its errors cannot be injected")
    for shape in service_model.error_shapes:
        error = shape.metadata.get("error") or {}
        wire = error.get("code") or shape.name
        if code in (shape.name, wire) and error.get("httpStatusCode"):
            return str(wire), int(error["httpStatusCode"])
    documented = SERVICE_ERRORS.get(name, {})
    if code in documented:
        return code, documented[code]
    if name not in _WITHOUT_COMMON_ERRORS and code in COMMON_ERRORS:
        return code, COMMON_ERRORS[code]
    raise LocalStackError(f"no documented HTTP status for error {code} of {name}; name one AWS documents for it")


def error_response(service_model: Any, code: str, status: int, url: str, message: str | None = None) -> AWSResponse:
    """The HTTP response AWS sends for error ``code`` with ``status``, in the service's protocol."""
    request_id = str(uuid.uuid4())
    text = message or f"{code} (a fault injected by the local stack)"
    protocol = service_model.resolved_protocol
    headers = {"x-amzn-RequestId": request_id}
    if protocol == "json":
        prefix = _DYNAMODB_TYPE_PREFIX if service_model.service_name == "dynamodb" else ""
        version = service_model.metadata.get("jsonVersion", "1.0")
        headers["Content-Type"] = f"application/x-amz-json-{version}"
        body = json.dumps({"__type": prefix + code, "message": text})
    elif protocol == "rest-json":
        headers |= {"Content-Type": "application/json", "x-amzn-ErrorType": code}
        body = json.dumps({"message": text, "Type": "Service" if status >= 500 else "User"})
    elif protocol in ("query", "ec2"):
        headers["Content-Type"] = "text/xml"
        body = _query_body(service_model, code, status, text, request_id)
    else:  # rest-xml
        headers |= {"Content-Type": "application/xml", "x-amz-request-id": request_id}
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(text)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
    return AWSResponse(url, status, headers, _Raw(body.encode()))


def _query_body(service_model: Any, code: str, status: int, text: str, request_id: str) -> str:
    error = f"<Code>{escape(code)}</Code><Message>{escape(text)}</Message>"
    if service_model.resolved_protocol == "ec2":
        return f"<Response><Errors><Error>{error}</Error></Errors><RequestID>{request_id}</RequestID></Response>"
    namespace = service_model.metadata.get("xmlNamespace") or ""
    fault = "Receiver" if status >= 500 else "Sender"
    return (
        f'<ErrorResponse xmlns="{escape(namespace)}"><Error><Type>{fault}</Type>{error}</Error>'
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )


class _Raw:
    """The raw body of an :class:`AWSResponse` (what botocore reads with ``stream()``)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body
