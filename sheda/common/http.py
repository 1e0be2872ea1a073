"""Small helpers every routes.py uses: declare a route (access rule + OpenAPI in one
place), parse a body or query into a pydantic schema, serialise an output schema."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import UnionType
from typing import Any, TypeVar
from urllib.parse import parse_qs

from pydantic import BaseModel, ValidationError
from sanic import HTTPResponse, Request, Sanic
from sanic.headers import parse_content_header
from sanic.request.form import parse_multipart_form
from sanic.request.parameters import RequestParameters
from sanic_ext.extensions.openapi import openapi
from sanic_ext.extensions.openapi.definitions import Parameter, RequestBody, Response

from sheda.common import jsontext
from sheda.common.access import ACCESS_ATTR, Access
from sheda.common.context import Runtime
from sheda.common.openapi import input_schema_ref, schema_properties, schema_ref
from sheda.errors import BadRequest, ErrorBody, FieldError, UnsupportedMediaType

Schema = TypeVar("Schema", bound=BaseModel)
# Sanic is generic in its config and ctx types; ours are Sanic's defaults, used loosely.
App = Sanic[Any, Any]
Handler = TypeVar("Handler", bound=Callable[..., Any])

_ERROR_STATUSES = {
    400: "Bad request",
    401: "Missing or invalid token",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation error",
    429: "Rate limited (see Retry-After)",
}


# Set on the handlers of file uploads: they get SHEDA_REQUEST_MAX_SIZE, every other route
# SHEDA_BODY_MAX_SIZE.
UPLOAD_ATTR = "__sheda_upload__"


def endpoint(
    access: Access,
    *,
    summary: str,
    tag: str,
    description: str = "",
    body: type[BaseModel] | dict[str, Any] | None = None,
    # A pydantic class, or any type pydantic reads (``list[X]``, ``A | B``), or a description.
    responses: Mapping[int, type[Any] | UnionType | str | None] | None = None,
    errors: tuple[int, ...] = (),
    query: type[BaseModel] | None = None,
) -> Callable[[Handler], Handler]:
    """Mark a handler with its access rule and document it in the OpenAPI spec."""

    def decorate(handler: Handler) -> Handler:
        setattr(handler, ACCESS_ATTR, access)
        if isinstance(body, dict) and "multipart/form-data" in body:
            setattr(handler, UPLOAD_ATTR, True)  # the large body limit (see app.py)
        response_list = []
        for status, schema in (responses or {}).items():
            if schema is None or isinstance(schema, str):
                response_list.append(Response(status=status, description=schema or ""))
            else:
                response_list.append(
                    Response(
                        {"application/json": schema_ref(schema)}, status=status, description=""
                    )
                )
        # A body or a query is validated: either can be a 422.
        codes = set(errors) | {422} if body is not None or query is not None else set(errors)
        if access is not Access.PUBLIC:
            codes |= {401, 403}
        for status in sorted(codes):
            response_list.append(
                Response(
                    {"application/json": schema_ref(ErrorBody)},
                    status=status,
                    description=_ERROR_STATUSES[status],
                )
            )
        text = f"**Access: {access.value}.** {description}".strip()
        request_body: Any = None
        if isinstance(body, dict):
            request_body = RequestBody(body, required=True)
        elif body is not None:
            request_body = RequestBody({"application/json": input_schema_ref(body)}, required=True)
        decorated = openapi.definition(
            summary=summary,
            description=text,
            tag=tag,
            body=request_body,
            response=response_list or None,
            secured={"bearer": []} if access is not Access.PUBLIC else None,
            parameter=query_parameters(query) if query is not None else None,
        )(handler)
        return decorated

    return decorate


def query_parameters(schema: type[BaseModel]) -> list[dict[str, Any] | Parameter | str]:
    """One documented query parameter per field of a query schema."""
    properties = schema_properties(schema)
    # A field may take another name in the query (`from` is a Python keyword): its alias.
    return [
        Parameter(
            field.alias or name,
            properties[field.alias or name],
            location="query",
            required=field.is_required(),
            description=field.description or "",
        )
        for name, field in schema.model_fields.items()
    ]


def validate(schema: type[Schema], data: Any, location: str = "body") -> Schema:
    if not isinstance(data, Mapping):
        raise FieldError.one(location, "Expected a JSON object")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise FieldError.from_pydantic(exc, location) from None


def read_json(request: Request) -> Any:
    content_type = request.content_type.split(";", 1)[0].strip().lower()
    if request.body and content_type not in ("application/json", ""):
        raise UnsupportedMediaType("Send the body as application/json")
    if not request.body:
        return {}
    # request.json raises Sanic's BadRequest on malformed JSON; the error handler renders it.
    return request.json


def parse_body(request: Request, schema: type[Schema]) -> Schema:
    return validate(schema, read_json(request))


def check_multipart(request: Request) -> None:
    """Call before reading ``request.files`` or ``request.form``. Sanic reads a form body it
    cannot parse (no boundary, a part without headers, bytes that are not UTF-8) as an empty
    form and logs a traceback at ERROR; it is the client's mistake, so the body is parsed
    here, once, and a broken one is a 400."""
    if request.parsed_form is not None:
        return
    content_type, parameters = parse_content_header(request.content_type)
    content_type = content_type.lower()
    try:
        if content_type == "multipart/form-data":
            boundary = parameters.get("boundary")
            if not boundary:
                raise BadRequest("A multipart/form-data body needs a boundary in its Content-Type")
            form, files = parse_multipart_form(request.body, str(boundary).encode("utf-8"))
        elif content_type == "application/x-www-form-urlencoded":
            form = RequestParameters(parse_qs(request.body.decode("utf-8")))
            files = RequestParameters()
        else:
            return
    except (ValueError, IndexError, KeyError, UnicodeDecodeError) as error:
        # Each of these is what a malformed body raises inside Sanic's own parser.
        raise BadRequest("The form body is malformed") from error
    request.parsed_form, request.parsed_files = form, files


def parse_form_or_json(request: Request, schema: type[Schema]) -> Schema:
    """OAuth2's password flow posts a form; our own clients post JSON. Both are accepted."""
    content_type = request.content_type.split(";", 1)[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        check_multipart(request)
        form = {key: values[0] for key, values in (request.form or {}).items() if values}
        return validate(schema, form)
    return parse_body(request, schema)


def parse_query(request: Request, schema: type[Schema]) -> Schema:
    raw: dict[str, Any] = {}
    for key, values in request.args.items():
        raw[key] = values[0] if len(values) == 1 else values
    return validate(schema, raw, location="query")


def respond(
    payload: BaseModel | list[Any] | dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTTPResponse:
    # Output schemas are encoded straight to JSON bytes by pydantic's serializer (one pass
    # in Rust), not dumped to dicts first and encoded again.
    if isinstance(payload, BaseModel):
        body = payload.__pydantic_serializer__.to_json(payload)
    elif isinstance(payload, list):
        body = b"[" + b",".join(_item_json(item) for item in payload) + b"]"
    else:
        body = jsontext.dumps(payload)
    return HTTPResponse(body, status=status, headers=headers, content_type=JSON_TYPE)


JSON_TYPE = "application/json"


def _item_json(item: Any) -> bytes:
    if isinstance(item, BaseModel):
        return item.__pydantic_serializer__.to_json(item)
    return jsontext.dumps(item)


def no_content() -> HTTPResponse:
    return HTTPResponse(status=204)


__all__ = [
    "BadRequest",
    "endpoint",
    "no_content",
    "parse_body",
    "parse_form_or_json",
    "parse_query",
    "respond",
    "validate",
]


def client_ip(request: Request) -> str:
    """The socket peer, unless SHEDA_PROXIES_COUNT says how many proxies to trust (Sanic
    then resolves ``remote_addr`` from X-Forwarded-For)."""
    return request.remote_addr or request.ip or "unknown"


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.ctx.runtime
    return rt
