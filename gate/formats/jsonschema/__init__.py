"""JSON Schema, judged as Confluent Schema Registry judges it.

`FORMAT` implements `gate.formats.SchemaFormat`; `gate.formats.jsonschema.checker` explains the
STRICT and LENIENT policies and the open, closed and partially open content models. A `$ref`
that cannot be resolved raises `UnresolvedReference` (rule `JSON_UNRESOLVED_REF`); any other
invalid schema raises `gate.errors.SchemaInvalid` (rule `JSON_INVALID_SCHEMA`).

Inside this package `import jsonschema` still means the `jsonschema` library: every import here
is absolute.
"""

from __future__ import annotations

from gate.formats.jsonschema.exceptions import UnresolvedReference
from gate.formats.jsonschema.format import FORMAT, JsonSchemaFormat

__all__ = ["FORMAT", "JsonSchemaFormat", "UnresolvedReference"]
