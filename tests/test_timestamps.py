"""Times leave the server the API's way (API.md: ISO 8601 in UTC with a ``Z`` suffix).

Every time field of a response body or websocket frame is a ``Timestamp``; a model that
declared a bare ``datetime`` would write a naive time without a zone and an offset time with
its offset, so the first test walks every model the server defines.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import typing
from datetime import UTC, datetime, timedelta, timezone
from types import UnionType
from typing import Annotated, Any, get_args, get_origin

from pydantic import AfterValidator, BaseModel

import sheda
from sheda.chat.schemas import MessageOut
from sheda.common.schemas import Input, Timestamp


def _server_models() -> list[type[BaseModel]]:
    for module in pkgutil.walk_packages(sheda.__path__, prefix="sheda."):
        importlib.import_module(module.name)
    found: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = [BaseModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("sheda.") and not issubclass(sub, Input):
                found.append(sub)
    return found


def _bare_datetimes(annotation: Any) -> bool:
    """Whether ``annotation`` holds a ``datetime`` that is not a ``Timestamp``."""
    if annotation is datetime:
        return True
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        if base is datetime:
            return not any(
                isinstance(m, AfterValidator) and m in get_args(Timestamp)[1:] for m in metadata
            )
        return _bare_datetimes(base)
    if get_origin(annotation) in (typing.Union, UnionType, list, dict, tuple):
        return any(_bare_datetimes(arg) for arg in get_args(annotation))
    return False


def test_every_time_a_response_writes_is_a_timestamp() -> None:
    models = _server_models()
    assert MessageOut in models  # the walk found the response models
    offenders = [
        f"{model.__module__}.{model.__qualname__}.{name}"
        for model in models
        for name, field in model.model_fields.items()
        if _bare_datetimes(
            Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
        )
    ]
    assert offenders == []


def _message(**times: datetime | None) -> dict[str, Any]:
    return {
        "id": 1, "conversation_id": 1, "seq": 1, "sender_id": 1, "receiver_id": 2,
        "message": "hi", "property_id": None, "client_id": None, "read_at": None, **times,
    }


def test_times_are_written_in_utc_with_z_whatever_the_row_holds() -> None:
    lagos = timezone(timedelta(hours=1))
    out = MessageOut.model_validate(
        _message(
            created_at=datetime(2026, 3, 1, 10, 30, tzinfo=lagos),
            timestamp=datetime(2026, 3, 1, 9, 30),  # naive: stored as UTC
            read_at=datetime(2026, 3, 1, 9, 45, tzinfo=UTC),
        )
    )
    body = out.model_dump(mode="json")
    assert body["created_at"] == "2026-03-01T09:30:00Z"
    assert body["timestamp"] == "2026-03-01T09:30:00Z"
    assert body["read_at"] == "2026-03-01T09:45:00Z"
    assert json.loads(out.model_dump_json()) == body
