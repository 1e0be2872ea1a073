"""The finishing pass over the OpenAPI document sanic-ext builds, for what holds of every
operation and is easier to state once than on each route:

- an operation with a path parameter may answer 404 (the id names nothing you may see, or
  does not fit an id at all);
- an operation with a body may answer 400 (the body is not JSON) and 413 (it is over the
  route's limit, see SHEDA_BODY_MAX_SIZE);
- a 204 has no body (sanic-ext declares ``*/*`` content on every response);
- a body is required only if its schema has a required field: an empty body is read as
  ``{}``, so ``PATCH /users/me`` or ``POST /auth/logout`` without one are valid;
- the socket route answers 426 to a plain GET (no websocket upgrade).

It runs on the built document, so a route cannot be forgotten.
"""

from __future__ import annotations

import copy
from typing import Any

ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
DESCRIPTIONS = {
    400: "The body is not valid JSON",
    404: "Not found",
    413: "Payload too large",
    426: "Upgrade required: open it as a websocket",
}
SOCKET_PATH = "/api/v1/chat/ws"


def _add_error(operation: dict[str, Any], status: int) -> None:
    responses = operation.setdefault("responses", {})
    if str(status) not in responses:
        responses[str(status)] = {"description": DESCRIPTIONS[status], "content": ERROR_BODY}


def _body_required(spec: dict[str, Any], body: dict[str, Any]) -> bool:
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    return bool(schema.get("required")) or "application/json" not in body.get("content", {})


def finish_spec(built: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(built)
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if "{" in path:
                _add_error(operation, 404)
            body = operation.get("requestBody")
            if body is not None:
                _add_error(operation, 400)
                _add_error(operation, 413)
                body["required"] = _body_required(spec, body)
            no_content = operation["responses"].get("204")
            if no_content is not None:
                no_content.pop("content", None)
            if path == SOCKET_PATH and method == "get":
                _add_error(operation, 426)
    return spec
