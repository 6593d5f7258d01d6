"""Document types as data: JSON Schemas found in schemas/ and in user folders, validated on load.

Adding a document type is adding ``<name>.schema.json`` (and optionally ``prompts/<name>.j2``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError as JsonSchemaError

from ..errors import SchemaError, SchemaNotFoundError
from ..settings import Settings
from .normalize import NORMALISERS
from .validators import VALIDATORS

PROJECT_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
SUFFIX = ".schema.json"
HINT = "x-socratext"
DETECTION = "x-socratext-detection"  # how `auto` recognises the type: titles, keywords, auto
STRATEGIES = {"label", "header", "block_after", "line_items", "mrz", "key_values", "largest_heading",
              "graded_statements"}
CHECK_KINDS = {"sum", "order"}
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class DocumentType:
    name: str
    path: Path | None
    schema: dict

    @property
    def title(self) -> str:
        return self.schema.get("title", self.name)

    @property
    def description(self) -> str:
        return self.schema.get("description", "")

    @property
    def fields(self) -> dict[str, dict]:
        return self.schema.get("properties", {})


def _problems_in_hints(schema: dict) -> list[str]:
    """Our own extension keyword, checked so that a typo fails loudly at load time."""
    problems = []
    for name, field in schema.get("properties", {}).items():
        hints = field.get(HINT, {})
        if not isinstance(hints, dict):
            problems.append(f"{name}: {HINT} must be an object")
            continue
        if "normalizer" in hints and hints["normalizer"] not in NORMALISERS:
            problems.append(f"{name}: unknown normalizer '{hints['normalizer']}' (known: {', '.join(sorted(NORMALISERS))})")
        if "validator" in hints and hints["validator"] not in VALIDATORS:
            problems.append(f"{name}: unknown validator '{hints['validator']}' (known: {', '.join(sorted(VALIDATORS))})")
        if "strategy" in hints and hints["strategy"] not in STRATEGIES:
            problems.append(f"{name}: unknown strategy '{hints['strategy']}' (known: {', '.join(sorted(STRATEGIES))})")
        for key in ("pattern",):
            if key in hints:
                try:
                    re.compile(hints[key])
                except re.error as error:
                    problems.append(f"{name}: bad regular expression in {key}: {error}")
        for key in ("labels", "exclude_labels", "keywords", "stop_labels"):
            if key in hints and not (isinstance(hints[key], list) and all(isinstance(v, str) for v in hints[key])):
                problems.append(f"{name}: {key} must be a list of strings")
    detection = schema.get(DETECTION, {})
    if not isinstance(detection, dict):
        problems.append(f"{DETECTION} must be an object")
    else:
        for key in ("titles", "keywords", "patterns"):
            if key in detection and not (isinstance(detection[key], list) and all(isinstance(v, str) for v in detection[key])):
                problems.append(f"{DETECTION}: {key} must be a list of strings")
        for pattern in detection.get("patterns", []) if isinstance(detection.get("patterns"), list) else []:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as error:
                problems.append(f"{DETECTION}: bad regular expression in patterns: {error}")
        if not isinstance(detection.get("specialises", ""), str):
            problems.append(f"{DETECTION}: specialises must be a document type name")
        if not isinstance(detection.get("auto", True), bool):
            problems.append(f"{DETECTION}: auto must be true or false")
    fields = set(schema.get("properties", {}))
    for check in schema.get(HINT, {}).get("checks", []):
        if check.get("kind") not in CHECK_KINDS:
            problems.append(f"check kind '{check.get('kind')}' unknown (known: {', '.join(sorted(CHECK_KINDS))})")
        named = [*check.get("fields", []), *(v for k, v in check.items() if k in ("total", "items"))]
        problems += [f"check names unknown field '{f}'" for f in named if f not in fields]
    return problems


def validate_schema(schema: object, origin: str) -> dict:
    """The schema if it is a usable document type, else a SchemaError naming the origin and the problem."""
    if not isinstance(schema, dict):
        raise SchemaError(f"{origin}: a schema must be a JSON object")
    try:
        Draft202012Validator.check_schema(schema)
    except JsonSchemaError as error:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise SchemaError(f"{origin}: invalid JSON Schema at {where}: {error.message}") from None
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict) or not schema["properties"]:
        raise SchemaError(f"{origin}: the root must be an object schema with properties (the fields to extract)")
    problems = _problems_in_hints(schema)
    if problems:
        raise SchemaError(f"{origin}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return schema


def load_schema_file(path: Path) -> DocumentType:
    """A schema file as a document type; parsed and validated once per version of the file (a request
    names its type each time, and `auto` scores every type)."""
    try:
        stat = Path(path).stat()
    except OSError as error:
        raise SchemaNotFoundError(f"{path}: cannot be read ({error.strerror})") from None
    return _parse_schema_file(Path(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _parse_schema_file(path: Path, mtime_ns: int, size: int) -> DocumentType:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SchemaError(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    except OSError as error:
        raise SchemaNotFoundError(f"{path}: cannot be read ({error.strerror})") from None
    name = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem
    return DocumentType(name, path, validate_schema(schema, str(path)))


class SchemaRegistry:
    """Document types by name: the project's schemas/, the user's saved ones, then each folder of
    SOCRATEXT_SCHEMAS (later wins)."""

    def __init__(self, settings: Settings):
        self.folders = [PROJECT_SCHEMAS, settings.user_schema_dir, *settings.schema_paths]

    def _files(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for folder in self.folders:
            if Path(folder).is_dir():
                for path in sorted(Path(folder).glob(f"*{SUFFIX}")):
                    found[path.name[: -len(SUFFIX)]] = path
        return found

    def names(self) -> list[str]:
        return sorted(self._files())

    def get(self, name_or_path: str | Path) -> DocumentType:
        """A document type by name, or from a schema file's path."""
        candidate = Path(name_or_path)
        if candidate.suffix == ".json" or candidate.is_file():
            if not candidate.is_file():
                raise SchemaNotFoundError(f"{candidate}: no such schema file", hint="check the path")
            return load_schema_file(candidate)
        files = self._files()
        if str(name_or_path) not in files:
            raise SchemaNotFoundError(f"unknown document type '{name_or_path}'",
                                      hint=f"choose one of: {', '.join(sorted(files))}, or give a schema file")
        return load_schema_file(files[str(name_or_path)])

    def inline(self, schema: dict, name: str = "inline") -> DocumentType:
        return DocumentType(name, None, validate_schema(schema, name))


def save_user_schema(name: str, schema: dict, settings: Settings) -> DocumentType:
    """Validate a schema and save it as a new document type in the user schema folder."""
    if not NAME_PATTERN.fullmatch(name):
        raise SchemaError(f"'{name}' is not a usable document type name",
                          hint="use lower-case letters, digits and underscores, starting with a letter")
    doctype = DocumentType(name, None, validate_schema(schema, name))
    folder = Path(settings.user_schema_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}{SUFFIX}"
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return DocumentType(name, path, doctype.schema)
