"""GET /docs/socket: the AsyncAPI document as a page a person reads, rendered here (no
script, no CDN), so it works offline and shows the same frames as the document."""

from __future__ import annotations

import html
import re
from typing import Any

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def _inline(text: str) -> str:
    """The Markdown the descriptions use: `code` and **bold**, nothing else."""
    escaped = html.escape(text.replace("``", "`"), quote=False)  # docstrings' ``code``
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    return _BOLD.sub(r"<strong>\1</strong>", escaped)


def _blocks(text: str) -> str:
    """Paragraphs and "- " lists (continuation lines indented)."""
    out: list[str] = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        if lines[0].startswith("- "):
            items: list[str] = []
            for line in lines:
                if line.startswith("- "):
                    items.append(line[2:])
                else:
                    items[-1] += " " + line.strip()
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        else:
            out.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    return "\n".join(out)


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        resolved: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
        return resolved
    return schema


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    if "const" in schema:
        return f'"{schema["const"]}"'
    if "enum" in schema:
        return " | ".join(f'"{value}"' for value in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(_type_of(variant) for variant in schema[key])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("patternProperties"), dict):
        (pattern, value), *_ = schema["patternProperties"].items()
        return f"object: key matching {pattern} → {_type_of(value)}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {_type_of(schema['additionalProperties'])}"
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"integer {low}..{high}"
    if kind == "string" and ("minLength" in schema or "maxLength" in schema):
        return f"string, {schema.get('minLength', 0)}..{schema.get('maxLength', '')} chars"
    return str(kind)


def _fields(schema: dict[str, Any], document: dict[str, Any]) -> str:
    schema = _resolve(schema, document)
    if "oneOf" in schema:  # a union (notifications): one table per variant
        return "".join(
            f"<h4>{html.escape(_resolve(v, document).get('title', ''))}</h4>"
            + _fields(v, document)
            for v in schema["oneOf"]
        )
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        described = prop.get("description") or _resolve(prop, document).get("description", "")
        rows.append(
            f"<tr><td><code>{html.escape(name)}</code></td>"
            f"<td>{html.escape(_type_of(prop))}</td>"
            f"<td>{'yes' if name in required else 'no'}</td>"
            f"<td>{_inline(described)}</td></tr>"
        )
        nested = _resolve(prop, document)
        if nested is not prop and "properties" in nested:
            rows.append(
                f"<tr><td></td><td colspan=3>{html.escape(_type_of(prop))}: "
                f"{_fields(nested, document)}</td></tr>"
            )
    if not rows:
        return "<p>No other keys.</p>"
    head = "<tr><th>key</th><th>type</th><th>required</th><th>notes</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _frames(document: dict[str, Any], prefix: str) -> str:
    sections = []
    for key, message in document["components"]["messages"].items():
        if not key.startswith(prefix):
            continue
        name = message["name"]
        sections.append(
            f'<section id="{html.escape(key)}"><h3><code>{html.escape(name)}</code></h3>'
            f"<p>{_inline(message.get('summary', ''))}</p>"
            f"{_fields(message['payload'], document)}</section>"
        )
    return "\n".join(sections)


def _replies(document: dict[str, Any]) -> str:
    rows = []
    for operation in document["operations"].values():
        if operation["action"] != "receive" or "reply" not in operation:
            continue
        asked = operation["messages"][0]["$ref"].rsplit(".", 1)[1]
        replies = operation["reply"]["messages"]
        answers = ", ".join(f"<code>{ref['$ref'].rsplit('.', 1)[1]}</code>" for ref in replies)
        rows.append(f"<tr><td><code>{asked}</code></td><td>{answers}</td></tr>")
    return "<table><tr><th>client sends</th><th>server answers</th></tr>" + "".join(rows) + (
        "</table>"
    )


def render(document: dict[str, Any]) -> str:
    info = document["info"]
    servers: dict[str, dict[str, str]] = document.get("servers", {})
    server = next(iter(servers.values()), {})
    url = f"{server.get('protocol', 'ws')}://{server.get('host', 'HOST')}"
    address = document["channels"]["chat"]["address"]
    codes = "".join(
        f"<tr><td><code>{c['code']}</code></td><td>{_inline(c['meaning'])}</td>"
        f"<td>{_inline(c['client'])}</td></tr>"
        for c in document["x-close-codes"]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(info["title"])}</title>
<link rel="stylesheet" href="/docs/assets/socket.css">
</head><body>
<header><h1>{html.escape(info["title"])}</h1>
<p><code>{html.escape(url + address)}</code> · AsyncAPI {document["asyncapi"]}:
<a href="/docs/asyncapi.json">/docs/asyncapi.json</a> · REST: <a href="/docs">/docs</a> ·
try it: <a href="/playground">/playground</a></p></header>
<nav><a href="#connect">Connect</a> · <a href="#client">Client frames</a> ·
<a href="#server">Server frames</a> · <a href="#replies">Replies</a> ·
<a href="#close">Close codes</a></nav>
<main>
<section id="connect"><h2>Connect</h2>{_blocks(info["description"])}</section>
<section id="client"><h2>Client → server frames</h2>{_frames(document, "client.")}</section>
<section id="server"><h2>Server → client frames</h2>{_frames(document, "server.")}</section>
<section id="replies"><h2>Replies</h2>{_replies(document)}</section>
<section id="close"><h2>Close codes</h2>
<table><tr><th>code</th><th>meaning</th><th>what a client does</th></tr>{codes}</table>
</section>
</main></body></html>
"""
