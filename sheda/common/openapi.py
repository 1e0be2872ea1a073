"""pydantic → OpenAPI 3.0 schemas for sanic-ext.

sanic-ext's own conversion of pydantic classes is lossy (it lists ``model_config`` as a
property and renders Literal fields as objects), so every body and response schema is
produced by pydantic itself, stored as a component and referenced by ``$ref``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter
from sanic_ext.extensions.openapi.builders import SpecificationBuilder
from sanic_ext.extensions.openapi.types import Schema

REF = "#/components/schemas/{model}"
_COMPONENTS: dict[str, dict[str, Any]] = {}


def _to_openapi30(node: Any) -> Any:
    """JSON Schema 2020-12 (pydantic) → OpenAPI 3.0: ``anyOf [X, null]`` becomes
    ``X + nullable``, ``const`` a one-value ``enum``, numeric exclusive bounds flags."""
    if isinstance(node, list):
        return [_to_openapi30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _to_openapi30(value) for key, value in node.items()}
    if "const" in node:
        node["enum"] = [node.pop("const")]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        # 2020-12 writes the exclusive bound as a number; OpenAPI 3.0 as a flag on the bound.
        if bound in node and not isinstance(node[bound], bool):
            node[limit] = node.pop(bound)
            node[bound] = True
    variants = node.get("anyOf")
    if isinstance(variants, list) and {"type": "null"} in variants:
        rest = [v for v in variants if v != {"type": "null"}]
        node.pop("anyOf")
        if len(rest) == 1 and "$ref" in rest[0]:
            node["allOf"] = rest
        elif len(rest) == 1:
            node.update(rest[0])
        else:
            node["anyOf"] = rest
        node["nullable"] = True
    return node


def schema_ref(model: Any) -> dict[str, Any]:
    """Register ``model`` (a pydantic class or any type pydantic understands) and return
    a schema that refers to it."""
    schema = TypeAdapter(model).json_schema(ref_template=REF, mode="serialization")
    for name, definition in schema.pop("$defs", {}).items():
        _COMPONENTS[name] = _to_openapi30(definition)
    if isinstance(model, type) and issubclass(model, BaseModel):
        name = model.__name__.replace("[", "_").replace("]", "").replace(",", "_")
        _COMPONENTS[name] = _to_openapi30(schema)
        return {"$ref": REF.format(model=name)}
    converted: dict[str, Any] = _to_openapi30(schema)
    return converted


def input_schema_ref(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF, mode="validation")
    for name, definition in schema.pop("$defs", {}).items():
        _COMPONENTS[name] = _to_openapi30(definition)
    _COMPONENTS[model.__name__] = _to_openapi30(schema)
    return {"$ref": REF.format(model=model.__name__)}


class RawSchema(Schema):
    """A schema sanic-ext emits exactly as given (it passes Schema instances through)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        # sanic-ext's Definition.__init__ is unannotated (a super() call escapes the
        # untyped_calls_exclude setting).
        super().__init__()  # type: ignore[no-untyped-call]
        self._raw = raw

    def serialize(self) -> dict[str, Any]:
        return self._raw


def schema_properties(model: type[BaseModel]) -> dict[str, RawSchema]:
    """The OpenAPI schema of each field, for documenting query parameters. An empty query
    value (``?q=``) is read as the parameter left out (Sanic drops blank values), so a
    minimum length of 1 is not a rule a caller can break, and an empty value is valid
    whatever the parameter's type."""
    schema = model.model_json_schema(ref_template=REF, mode="validation")
    for name, definition in schema.pop("$defs", {}).items():
        _COMPONENTS[name] = _to_openapi30(definition)
    properties = _to_openapi30(schema.get("properties", {}))
    return {name: RawSchema(_or_empty(prop)) for name, prop in properties.items()}


_EMPTY = {"type": "string", "maxLength": 0}
_OUTER = ("title", "default", "description", "nullable")


def _or_empty(prop: dict[str, Any]) -> dict[str, Any]:
    if prop.get("minLength") == 1:
        del prop["minLength"]
    plain_text = prop.get("type") == "string" and not {"pattern", "enum", "minLength"} & set(prop)
    if plain_text:
        return prop
    if "anyOf" in prop:
        prop["anyOf"].append(_EMPTY)
        return prop
    outer = {key: prop.pop(key) for key in _OUTER if key in prop}
    return {**outer, "anyOf": [prop, _EMPTY]}


def publish_components() -> None:
    """Hand the collected schemas to sanic-ext's spec builder (a process-wide singleton)."""
    builder = SpecificationBuilder()
    for name, schema in _COMPONENTS.items():
        builder.add_component("schemas", name, schema)
