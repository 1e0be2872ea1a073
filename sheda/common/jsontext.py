"""JSON encoding for responses and websocket frames: orjson (about 3x the stdlib's speed).

Responses built from an output schema skip this and are encoded by pydantic's own
serializer (``respond`` in http.py); what comes here is plain data: error bodies, health,
websocket frames and hub envelopes.
"""

from __future__ import annotations

from typing import Any

import orjson

# Integer dict keys become strings, as the stdlib encoder does (orjson refuses them).
_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any, **_ignored: Any) -> bytes:
    """Sanic's ``dumps``: it may pass keyword arguments meant for ``json.dumps``."""
    return orjson.dumps(value, option=_OPTIONS)


def dumps_text(value: Any) -> str:
    """For a websocket text frame, which must be ``str`` (bytes would go as binary)."""
    return orjson.dumps(value, option=_OPTIONS).decode()


loads = orjson.loads
