"""Every frame a test receives from the server is checked against the AsyncAPI document
(/docs/asyncapi.json), so the suite proves the document describes what the server sends.
The chat helpers' ``recv`` and the other places that read raw frames call ``checked``."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema

from sheda.docs.asyncapi import asyncapi_document


def _closed(node: Any) -> Any:
    """The document with every object schema closed: clients must ignore unknown keys, but
    the server must send none that the document does not list."""
    if isinstance(node, list):
        return [_closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _closed(value) for key, value in node.items()}
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    return node


@cache
def _document() -> dict[str, Any]:
    document = asyncapi_document(host="test", secure=False)
    document["components"]["schemas"] = _closed(document["components"]["schemas"])
    return document


@cache
def _validator(kind: str) -> jsonschema.Draft7Validator:
    document = _document()
    key = f"server.{kind}"
    if key not in document["components"]["messages"]:
        raise AssertionError(f"the server sent a frame of type {kind!r}, which the AsyncAPI "
                             "document does not list")
    # The payload's $refs point into the document's components: validate from its root.
    schema = {"$ref": f"#/components/messages/{key}/payload", "components": document["components"]}
    return jsonschema.Draft7Validator(schema)


def check_server_frame(frame: Any) -> None:
    assert isinstance(frame, dict) and isinstance(frame.get("type"), str), frame
    errors = list(_validator(frame["type"]).iter_errors(frame))
    assert not errors, f"frame {frame} does not match the AsyncAPI document: {errors[0].message}"


def checked(raw: str | bytes) -> dict[str, Any]:
    """A received text frame, parsed, after checking it against the document."""
    frame: dict[str, Any] = json.loads(raw)
    check_server_frame(frame)
    return frame
