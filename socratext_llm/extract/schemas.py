"""Document types as data: JSON Schemas found in schemas/ and in user folders, validated on load.

Adding a document type is adding ``<name>.schema.json`` (and optionally ``prompts/<name>.j2``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError as JsonSchemaError
from jsonschema.exceptions import ValidationError
from referencing import Registry

from ..errors import SchemaError, SchemaNotFoundError
from ..settings import Settings
from . import user_patterns
from .hints import detection_problems, hint_problems
from .user_patterns import compile_user_pattern

PROJECT_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
SUFFIX = ".schema.json"
HINT = "x-socratext"
DETECTION = "x-socratext-detection"  # how `auto` recognises the type: titles, keywords, patterns
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_SCHEMA_BYTES = 256 * 1024
MAX_SCHEMA_DEPTH = 32
REFERENCE_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")


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


def _nodes(schema: dict) -> Iterator[tuple[tuple, dict]]:
    """Every object inside the schema with its path, depth first, without recursion."""
    stack: list[tuple[tuple, object]] = [((), schema)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            yield path, node
            stack.extend(((*path, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, index), value) for index, value in enumerate(node))


def _depth(schema: object) -> int:
    deepest, stack = 0, [(schema, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_SCHEMA_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _resolves(schema: dict, reference: str) -> bool:
    """Whether a local reference ('#', '#/$defs/x', '#anchor') points inside the schema."""
    fragment = unquote(reference[1:])
    if not fragment.startswith("/") and fragment:
        return any(node.get("$anchor") == fragment or node.get("$dynamicAnchor") == fragment
                   for _, node in _nodes(schema))
    node: object = schema
    for part in fragment.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return isinstance(node, (dict, bool))


def _where(path: tuple) -> str:
    return "/".join(str(p) for p in path) + "/" if path else ""


def _reference_problems(schema: dict) -> list[str]:
    """A schema may only point inside itself: no URL, no file, no embedded resource with its own base."""
    problems = []
    for path, node in _nodes(schema):
        if path and "$id" in node and path[-1] not in ("properties", "$defs", "definitions"):
            problems.append(f"{_where(path)}$id: only the root may have an $id")
        for key in REFERENCE_KEYS:
            if key not in node or (path and path[-1] in ("properties", "$defs", "definitions")):
                continue
            reference = node[key]
            if not isinstance(reference, str) or not reference.startswith("#"):
                problems.append(f"{_where(path)}{key}: {str(reference)[:80]!r} points outside the schema; "
                                "only local references such as '#/$defs/name' are followed")
            elif not _resolves(schema, reference):
                problems.append(f"{_where(path)}{key}: {reference[:80]!r} points to nothing in the schema")
    return problems


def _hint_problems(schema: dict) -> list[str]:
    """Our own extension keyword, checked so that a typo or a wrong type fails at load time."""
    problems = []
    fields = set(schema.get("properties", {}))
    for path, node in _nodes(schema):
        if HINT not in node or (path and path[-1] in ("properties", "$defs", "definitions")):
            continue
        hints = node[HINT]
        found = hint_problems(hints, _where(path), root=not path)
        problems += found
        if found or not isinstance(hints, dict):
            continue
        for key in ("pattern", "start_pattern"):
            if key in hints:
                problems += _pattern_problem(hints[key], f"{_where(path)}{HINT}/{key}")
        for key in ("strip_patterns", "skip_patterns"):
            for pattern in hints.get(key, []):
                problems += _pattern_problem(pattern, f"{_where(path)}{HINT}/{key}")
        if "after" in hints and hints["after"] not in fields:
            problems.append(f"{_where(path)}{HINT}/after names unknown field '{hints['after']}'")
        for check in hints.get("checks", []) if not path else []:
            named = [*check.get("fields", []), *(check[k] for k in ("total", "items") if k in check)]
            problems += [f"check names unknown field '{f}'" for f in named if f not in fields]
    return problems


def _detection_problems(schema: dict) -> list[str]:
    """The `auto` detection block, checked like the hints (its patterns run on every document)."""
    if DETECTION not in schema:
        return []
    problems = detection_problems(schema[DETECTION])
    if not problems:
        for pattern in schema[DETECTION].get("patterns", []):
            problems += _pattern_problem(pattern, f"{DETECTION}/patterns")
    return problems


def _pattern_problem(pattern: str, where: str) -> list[str]:
    try:
        compile_user_pattern(pattern, ignore_case=True)
    except SchemaError as error:
        return [f"{where}: {error.message}"]
    return []


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not user_patterns.search(pattern, instance):
        yield ValidationError(f"{instance[:80]!r} does not match {pattern[:80]!r}")


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if user_patterns.search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


# Draft 2020-12 with the user's patterns under a time bound; references resolved in an empty
# registry with no retriever, so nothing outside the schema is ever fetched or opened.
DataValidator = validators.extend(Draft202012Validator, {"pattern": _pattern, "patternProperties": _pattern_properties})


def data_validator(schema: dict) -> Draft202012Validator:
    """The validator that checks extracted data against a (validated) document type schema."""
    return DataValidator(schema, registry=Registry(), format_checker=FormatChecker())


def validate_schema(schema: object, origin: str) -> dict:
    """The schema if it is a usable document type, else a SchemaError naming the origin and the problem."""
    if not isinstance(schema, dict):
        raise SchemaError(f"{origin}: a schema must be a JSON object")
    if _depth(schema) > MAX_SCHEMA_DEPTH:
        raise SchemaError(f"{origin}: nested more than {MAX_SCHEMA_DEPTH} levels deep",
                          hint="flatten the schema; document types need a few levels at most")
    if len(json.dumps(schema, ensure_ascii=False)) > MAX_SCHEMA_BYTES:
        raise SchemaError(f"{origin}: larger than {MAX_SCHEMA_BYTES // 1024} KB")
    problems = _reference_problems(schema)
    if not problems:
        try:
            Draft202012Validator.check_schema(schema)
        except JsonSchemaError as error:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            raise SchemaError(f"{origin}: invalid JSON Schema at {where}: {error.message[:200]}") from None
        if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict) or not schema["properties"]:
            raise SchemaError(f"{origin}: the root must be an object schema with properties (the fields to extract)")
        problems = _hint_problems(schema) + _detection_problems(schema)
    if problems:
        raise SchemaError(f"{origin}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return schema


def parse_schema_text(text: str | bytes, origin: str) -> dict:
    """JSON text of a schema, bounded in size, as an object; SchemaError otherwise."""
    if len(text) > MAX_SCHEMA_BYTES:
        raise SchemaError(f"{origin}: larger than {MAX_SCHEMA_BYTES // 1024} KB")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SchemaError(f"{origin}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    except UnicodeDecodeError:
        raise SchemaError(f"{origin}: not UTF-8 text (a binary file?)") from None
    except RecursionError:
        raise SchemaError(f"{origin}: nested more than {MAX_SCHEMA_DEPTH} levels deep") from None


def load_schema_file(path: Path) -> DocumentType:
    """A schema file as a document type; parsed and validated once per version of the file (a request
    names its type each time, and `auto` scores every type)."""
    try:
        stat = Path(path).stat()
    except OSError as error:
        raise SchemaNotFoundError(f"{path}: cannot be read ({error.strerror})") from None
    if stat.st_size > MAX_SCHEMA_BYTES:
        raise SchemaError(f"{path}: larger than {MAX_SCHEMA_BYTES // 1024} KB")
    return _parse_schema_file(Path(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _parse_schema_file(path: Path, mtime_ns: int, size: int) -> DocumentType:
    try:
        text = path.read_bytes()[: MAX_SCHEMA_BYTES + 1]
    except OSError as error:
        raise SchemaNotFoundError(f"{path}: cannot be read ({error.strerror})") from None
    name = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem
    return DocumentType(name, path, validate_schema(parse_schema_text(text, str(path)), str(path)))


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

    def version(self) -> tuple[tuple[str, str, int, int], ...]:
        """Each schema file's name, path, modification time and size: what is built from the registry's
        types (the `auto` candidates, their labels) stays valid while this is unchanged."""
        found = []
        for name, path in sorted(self._files().items()):
            try:
                stat = path.stat()
            except OSError:
                continue  # removed meanwhile: as if never listed
            found.append((name, str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(found)

    def get(self, name_or_path: str | Path, allow_paths: bool = True) -> DocumentType:
        """A document type by name, or (command line only: ``allow_paths``) from a schema file's path.

        Over HTTP a schema is a registered name or an inline schema: a path is answered exactly like
        an unknown name, so a client learns nothing of the server's files."""
        text = str(name_or_path)
        if not NAME_PATTERN.fullmatch(text):
            if not allow_paths:
                raise SchemaNotFoundError(f"'{text[:80]}' is not a document type name",
                                          hint="GET /v1/schemas lists the names; or send an inline schema_json")
            candidate = Path(name_or_path)
            if not candidate.is_file():
                raise SchemaNotFoundError(f"{candidate}: no such schema file", hint="check the path")
            return load_schema_file(candidate)
        files = self._files()
        if text not in files:
            raise SchemaNotFoundError(f"unknown document type '{text}'",
                                      hint=f"choose one of: {', '.join(sorted(files))}"
                                           + (", or give a schema file" if allow_paths else ""))
        return load_schema_file(files[text])

    def inline(self, schema: dict, name: str = "inline") -> DocumentType:
        return DocumentType(name, None, validate_schema(schema, name))

    def built_in(self, name: str) -> bool:
        """Whether a name belongs to a type the project or an administrator's folder provides."""
        return any((Path(folder) / f"{name}{SUFFIX}").is_file()
                   for folder in self.folders if Path(folder) != Path(self.folders[1]))


def save_user_schema(name: str, schema: dict, settings: Settings, replace: bool = False) -> DocumentType:
    """Validate a schema and save it as a new document type in the user schema folder.

    A built-in type is never replaced (every entry point would silently use the copy); another
    user type only when ``replace`` says so."""
    if not NAME_PATTERN.fullmatch(name):
        raise SchemaError(f"'{name}' is not a usable document type name",
                          hint="use lower-case letters, digits and underscores, starting with a letter")
    registry = SchemaRegistry(settings)
    if registry.built_in(name):
        raise SchemaError(f"'{name}' is a built-in document type and cannot be replaced",
                          hint="choose another name, e.g. " + f"'{name}_local'"[:64])
    folder = Path(settings.user_schema_dir)
    path = folder / f"{name}{SUFFIX}"
    if path.exists() and not replace:
        raise SchemaError(f"a document type '{name}' already exists", hint="choose another name, or tick 'replace'")
    doctype = DocumentType(name, None, validate_schema(schema, name))
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return DocumentType(name, path, doctype.schema)
