"""What is sent to model servers and decoders: the schema without our extension keywords."""
from __future__ import annotations

from typing import Any


def wire_schema(schema: Any) -> Any:
    """The schema as sent to a server: x- hints and $id/$schema removed (servers reject unknown keys).

    Field names under ``properties`` are kept whatever they look like.
    """
    if isinstance(schema, dict):
        cleaned = {}
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                cleaned[key] = {name: wire_schema(field) for name, field in value.items()}
            elif not key.startswith("x-") and key not in ("$id", "$schema"):
                cleaned[key] = wire_schema(value)
        return cleaned
    if isinstance(schema, list):
        return [wire_schema(value) for value in schema]
    return schema
