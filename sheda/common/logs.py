"""Log set-up for every server process, in one of two formats (``SHEDA_LOG_FORMAT``):

- ``text`` (development): Sheda's lines plus Sanic's own colourless text and access log.
- ``json`` (production): every line on stderr, Sheda's, Sanic's, asyncio's and any
  library's, warnings and uncaught exceptions included, is one JSON object (python-json-
  logger) with ``time``, ``level``, ``logger``, ``message`` and ``process``. Lines written
  while a request is handled add its ``request_id`` (the response's ``X-Request-ID``) and
  ``user_id``; each request ends with one ``sheda.access`` line that adds ``method``,
  ``route`` (the template), ``path``, ``status`` and ``duration_ms``.

Sanic's workers are fresh processes: whatever the parent configured is gone, so this runs in
each of them. Websocket URLs carry credentials (``?token=``, ``?ticket=``): they are masked
before anything is written, in both formats.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import sys
import threading
from types import TracebackType
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

CREDENTIAL_IN_QUERY = re.compile(r"([?&](?:token|ticket)=)[^&\s\"']*", re.IGNORECASE)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access", "sanic.server", "sanic.websockets")
ACCESS_LOGGER = "sheda.access"

# What the request being handled in this task is known by, for every line logged meanwhile.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_request_id", default=None
)
current_user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_user_id", default=None
)


def access_fields(request: Any, route: str | None) -> dict[str, Any]:
    """What every ``sheda.access`` line says of its request (the query, which may carry
    credentials, is left out)."""
    return {
        "method": request.method,
        "route": route,
        "path": request.path,
        "ip": request.remote_addr or request.ip,
    }


def mask_credentials(text: str) -> str:
    return CREDENTIAL_IN_QUERY.sub(r"\1***", text)


class MaskCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, str):
            record.request = mask_credentials(request)
        if record.args:  # a URL may come in as an argument: mask the finished message
            # (a broken format string is left for logging to report as usual)
            with contextlib.suppress(TypeError, ValueError):
                record.msg, record.args = mask_credentials(record.getMessage()), None
        elif isinstance(record.msg, str):
            record.msg = mask_credentials(record.msg)
        return True


class RequestContext(logging.Filter):
    """Adds the request's id and user to lines logged while it is handled (json only)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            rid = current_request_id.get()
            if rid is not None:
                record.request_id = rid
        if not hasattr(record, "user_id"):
            uid = current_user_id.get()
            if uid is not None:
                record.user_id = uid
        return True


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{levelname}{name}{message}{process}",
        style="{",
        timestamp="time",
        rename_fields={"levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


def _json_handler() -> logging.Handler:
    handler = _Stderr()
    handler.setFormatter(json_formatter())
    handler.addFilter(MaskCredentials())
    handler.addFilter(RequestContext())
    handler.set_name("sheda-json")
    return handler


def sanic_log_config(log_format: str) -> dict[str, Any] | None:
    """What ``Sanic(log_config=...)`` applies with dictConfig; None keeps Sanic's own."""
    if log_format != "json":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # Sanic's loggers hand their lines to the root logger's JSON handler.
        "loggers": {name: {"handlers": [], "propagate": True} for name in SANIC_LOGGERS},
    }


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    """Idempotent (the test suite builds many apps in one process). ``level`` is
    SHEDA_LOG_LEVEL, for our own loggers."""
    if log_format == "json":
        _configure_json()
    else:
        _configure_text()
    logging.getLogger("sheda").setLevel(level.upper())


def _configure_text() -> None:
    for name in ("sanic.access", "sanic.websockets"):
        target = logging.getLogger(name)
        if not any(isinstance(f, MaskCredentials) for f in target.filters):
            target.addFilter(MaskCredentials())
    ours = logging.getLogger("sheda")
    if not ours.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
        handler.addFilter(MaskCredentials())
        ours.addHandler(handler)
        ours.propagate = False  # the CLI configures the root logger too: print once


def _configure_json() -> None:
    root = logging.getLogger()
    root.handlers = [_json_handler()]
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    for name in (*SANIC_LOGGERS, "sheda"):
        named = logging.getLogger(name)
        named.handlers = []
        named.propagate = True
    logging.captureWarnings(True)  # warnings become log lines, not bare stderr text
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_exception
    sys.unraisablehook = _log_unraisable


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    logging.getLogger("sheda").critical("uncaught exception", exc_info=(kind, value, tb))


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    logging.getLogger("sheda").error(
        "uncaught exception in thread %s",
        getattr(args.thread, "name", "?"),
        exc_info=(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback),
    )


def _log_unraisable(unraisable: Any) -> None:
    logging.getLogger("sheda").warning(
        "exception ignored in %r: %s",
        unraisable.object,
        unraisable.err_msg or "",
        exc_info=(unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback),
    )
