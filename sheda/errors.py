"""The AppError tree and the one handler that renders every error as API.md's JSON body."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence

import asyncpg
from pydantic import BaseModel, ValidationError
from sanic import HTTPResponse, Request
from sanic.exceptions import RequestCancelled, SanicException
from sanic.handlers import ErrorHandler
from tortoise import exceptions as tortoise_exceptions

logger = logging.getLogger("sheda.errors")


class FieldErrorItem(BaseModel):
    field: str
    message: str


# API.md's error body: the one shape of every error response, and the OpenAPI document's
# error schema; `errors` only on 422.
class ErrorBody(BaseModel):
    detail: str
    code: str
    request_id: str
    errors: list[FieldErrorItem] | None = None


class AppError(Exception):
    status = 500
    code = "internal_error"
    detail = "Internal server error"
    errors: list[FieldErrorItem] | None = None

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(detail or self.detail)
        self.detail = detail or self.detail
        self.headers = headers or {}


class BadRequest(AppError):
    status, code, detail = 400, "bad_request", "Bad request"


class InvalidOtp(BadRequest):
    code, detail = "invalid_otp", "The code is invalid or has expired"


class InvalidToken(BadRequest):
    code, detail = "invalid_token", "The token is invalid, expired or already used"


class InvalidPassword(BadRequest):
    code, detail = "invalid_password", "The current password is wrong"


class Unauthorized(AppError):
    status, code, detail = 401, "unauthorized", "Authentication required"


class Forbidden(AppError):
    status, code, detail = 403, "forbidden", "You may not do this"


class NotFound(AppError):
    status, code, detail = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, detail = 409, "conflict", "Conflict with the current state"


class PayloadTooLarge(AppError):
    status, code, detail = 413, "payload_too_large", "Payload too large"


class UnsupportedMediaType(AppError):
    status, code, detail = 415, "unsupported_media_type", "Unsupported media type"


class FieldError(AppError):
    """422 with per-field messages; ``field`` is a dotted path such as ``body.email``."""

    status, code, detail = 422, "validation_error", "The request is not valid"

    def __init__(self, errors: Sequence[tuple[str, str]], detail: str | None = None):
        super().__init__(detail)
        self.errors = [FieldErrorItem(field=f, message=m) for f, m in errors]

    @classmethod
    def one(cls, field: str, message: str) -> FieldError:
        return cls([(field, message)], detail=message)

    @classmethod
    def from_pydantic(cls, exc: ValidationError, location: str) -> FieldError:
        errors = []
        for err in exc.errors(include_url=False):
            path = ".".join(str(part) for part in (location, *err["loc"]))
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "This field is not allowed"
            errors.append((path, message))
        return cls(errors)


class RateLimited(AppError):
    status, code, detail = 429, "rate_limited", "Too many requests; try again later"

    def __init__(self, retry_after: int, detail: str | None = None):
        retry_after = max(1, int(retry_after))
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class Unavailable(AppError):
    status, code, detail = 503, "unavailable", "Service temporarily unavailable"


# Sanic raises its own exceptions before a handler runs (routing, body parsing, size).
_SANIC_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    503: "unavailable",
}


# What a caller's X-Request-ID may be to be echoed: a trace id, a UUID, `web-42`. Anything
# else (control characters, ANSI escapes, quotes, spaces, an essay) would land verbatim in
# our response headers, error bodies and log lines.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=@-]{1,128}")


def request_id(request: Request) -> str:
    """The caller's X-Request-ID exactly as sent (Sanic's ``request.id`` would turn ``007``
    into ``7``) when it is a plain token; otherwise an id of our own. Decided once per
    request, so the header, the error body and the log lines agree."""
    rid: str | None = getattr(request.ctx, "request_id", None)
    if rid is None:
        sent = request.headers.get("x-request-id")
        # Not Sanic's request.id as the fallback: that is the sent header again.
        rid = sent if sent and _REQUEST_ID.fullmatch(sent) else str(uuid.uuid4())
        request.ctx.request_id = rid
    return rid


def error_response(
    request: Request | None,
    status: int,
    *,
    detail: str,
    code: str,
    errors: list[FieldErrorItem] | None = None,
    headers: dict[str, str] | None = None,
) -> HTTPResponse:
    rid = request_id(request) if request is not None else ""
    body = ErrorBody(detail=detail, code=code, request_id=rid, errors=errors)
    return HTTPResponse(
        body.model_dump_json(exclude_none=True),
        status=status,
        headers={"X-Request-ID": rid, **(headers or {})},
        content_type="application/json",
    )


# What a database outage looks like from here (PostgreSQL stopped, restarting, refusing
# connections, or a pooled connection dropped under us), directly or as the cause of an ORM
# error.
_OUTAGES: tuple[type[BaseException], ...] = (
    ConnectionRefusedError,
    ConnectionResetError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    tortoise_exceptions.DBConnectionError,
)


def _outage_cause(exception: BaseException) -> BaseException | None:
    seen: BaseException | None = exception
    for _ in range(6):
        if seen is None:
            return None
        if isinstance(seen, _OUTAGES) or (
            isinstance(seen, asyncpg.exceptions.InterfaceError)
            and "connection is closed" in str(seen)
        ):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def is_database_outage(exception: BaseException) -> bool:
    return _outage_cause(exception) is not None


class JsonErrorHandler(ErrorHandler):
    @staticmethod
    def log(request: Request, exception: Exception) -> None:
        """Sanic's line for an error it handles itself (a websocket handler that raised)
        names ``request.url``, query string included: a socket's ``?token=``. Ours names the
        path only."""
        if getattr(exception, "quiet", False):
            return
        logger.error(
            "unhandled error on %s %s (request %s)",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            request_id(request),
            exc_info=exception,
        )

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, AppError):
            return error_response(
                request, exception.status, detail=exception.detail, code=exception.code,
                errors=exception.errors, headers=exception.headers,
            )
        if isinstance(exception, SanicException) and exception.status_code < 500:
            status = exception.status_code
            if status == 413 and str(exception) == _HEAD_TOO_LARGE:
                return _head_too_large(request)
            code = _SANIC_CODES.get(status, "bad_request")
            detail = _sanic_detail(status, exception)
            headers = dict(getattr(exception, "headers", None) or {})
            if status == 405 and "Allow" not in headers:
                headers["Allow"] = _allowed_methods(request)
            return error_response(request, status, detail=detail, code=code, headers=headers)
        if isinstance(exception, RequestCancelled):
            # The client went away mid-request (a probe timing out, a closed tab): nobody
            # reads this answer, and it is not a fault of the server.
            logger.info("request %s cancelled by the client", getattr(request, "id", "?"))
            return error_response(request, 503, detail="Request cancelled", code="unavailable")
        if isinstance(exception, SanicException) and exception.status_code == 503:
            return error_response(request, 503, detail=str(exception), code="unavailable")
        if is_database_outage(exception):
            # Not a fault of this request: the client retries shortly (the pool reconnects by
            # itself once PostgreSQL answers again). One line, no traceback per request.
            logger.warning(
                "database unavailable on %s %s (request %s): %s",
                getattr(request, "method", "?"), getattr(request, "path", "?"),
                request_id(request), _outage_cause(exception),
            )
            return error_response(
                request, 503, detail="The database is unavailable; retry shortly",
                code="unavailable", headers={"Retry-After": "2"},
            )
        self.log(request, exception)
        return error_response(request, 500, detail="Internal server error", code="internal_error")


# Sanic's message when the request line and headers exceed its header limit (it says 413).
_HEAD_TOO_LARGE = "Request header exceeds the size limit"


def _head_too_large(request: Request) -> HTTPResponse:
    """414 when the request line alone is over the limit (a URL too long), else 431 (the
    header fields): the codes HTTP has for them, not 413, which is about bodies. What
    arrived is still in the connection's buffer."""
    stream = getattr(request, "stream", None)
    received = bytes(getattr(stream, "recv_buffer", b""))
    limit = int(getattr(stream, "HEADER_MAX_SIZE", 0))
    line_end = received.find(b"\r\n")
    if line_end == -1 or line_end >= limit:
        return error_response(request, 414, detail="The URL is too long", code="uri_too_long")
    return error_response(
        request, 431, detail="The request headers are too large", code="headers_too_large"
    )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """What a 405 must list (RFC 9110) when Sanic did not say: a method it does not know at
    all (TRACE) fails before routing."""
    allowed = []
    for method in _METHODS:
        try:
            request.app.router.get(request.path, method, request.headers.get("host"))
        except SanicException:
            continue
        allowed.append(method)
    return ", ".join(allowed)


def _sanic_detail(status: int, exception: SanicException) -> str:
    if status == 404:
        return "Not found"
    if status == 405:
        return "Method not allowed"
    if status == 413:
        return "Payload too large"
    if status == 400 and "JSON" in str(exception).upper():
        return "The body is not valid JSON"
    text = str(exception).strip()
    return text.splitlines()[0][:200] if text else "Bad request"
