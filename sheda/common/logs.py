"""Log set-up for every server process.

Sanic's workers are fresh processes: whatever the parent configured is gone, so our own
loggers get a handler here. The access log prints each request's URL, and websocket URLs
carry credentials (``?token=``, ``?ticket=``); those are masked before anything is written.
"""

from __future__ import annotations

import logging
import re
import sys

CREDENTIAL_IN_QUERY = re.compile(r"([?&](?:token|ticket)=)[^&\s]*", re.IGNORECASE)
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def mask_credentials(text: str) -> str:
    return CREDENTIAL_IN_QUERY.sub(r"\1***", text)


class MaskCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, str):
            record.request = mask_credentials(request)
        if isinstance(record.msg, str):
            record.msg = mask_credentials(record.msg)
        return True


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_logging(level: str = "INFO") -> None:
    """Idempotent: the test suite builds many apps in one process. ``level`` is
    SHEDA_LOG_LEVEL, for our own loggers."""
    for name in ("sanic.access", "sanic.websockets"):
        target = logging.getLogger(name)
        if not any(isinstance(f, MaskCredentials) for f in target.filters):
            target.addFilter(MaskCredentials())
    ours = logging.getLogger("sheda")
    if not ours.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter(FORMAT))
        ours.addHandler(handler)
        ours.propagate = False  # the CLI configures the root logger too: print once
    ours.setLevel(level.upper())
