"""vLLM's guided decoding of OpenAI's `response_format`, as faithfully as a scripted model can.

vLLM takes `{"type": "text" | "json_object" | "json_schema", "json_schema": {"name", "schema", ...}}`
and answers 400 for a malformed one or a schema it cannot compile (protocol.check_response_format).
Its output then matches the schema whatever the model would have written; here the scripted words
(the cited answer, markers and all) are poured into the schema's string fields, so a test sees the
evidence travel inside the JSON exactly as a real constrained answer would carry it.
"""

from __future__ import annotations

import json
from typing import Any


def constrain(text: str, req: dict) -> str:
    """The output guided decoding lets through: `text` itself, or JSON that matches the schema."""
    fmt = req.get("response_format") or {}
    if fmt.get("type") == "json_object":
        return json.dumps({"answer": text}, ensure_ascii=False)
    if fmt.get("type") != "json_schema":
        return text
    return json.dumps(instance(fmt["json_schema"]["schema"], text.strip()), ensure_ascii=False)


def instance(schema: Any, text: str) -> Any:
    """A value the schema accepts, its strings filled with `text`."""
    if not isinstance(schema, dict):
        return text
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return instance(schema[key][0], text)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return {name: instance(sub, text) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [instance(schema.get("items") or {}, text) for _ in range(max(1, int(schema.get("minItems") or 1)))]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return text
