"""A JSON Schema made self-contained for the payload simulator: referenced documents embedded."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gate.formats import CheckOptions
from gate.formats.jsonschema.loader import bundle
from gate.formats.jsonschema.nodes import ParsedJsonSchema
from gate.formats.jsonschema.payloads import validation_errors
from gate.model import Origin, OriginKind, Schema, SchemaType

if TYPE_CHECKING:
    from pathlib import Path


def _parse(document: dict[str, Any], references: dict[str, Any], tmp_path: Path) -> Any:
    from gate.formats import get_format

    schema = Schema(
        SchemaType.JSON,
        json.dumps(document),
        Origin(OriginKind.FILE, "schemas/order.json"),
        resolved_references=tuple((k, json.dumps(v)) for k, v in references.items()),
    )
    parsed = get_format(SchemaType.JSON).parse(schema, CheckOptions(root=tmp_path))
    assert isinstance(parsed, ParsedJsonSchema)
    return parsed


CUSTOMER = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "address": {"$ref": "#/definitions/address"}},
    "definitions": {"address": {"type": "object", "properties": {"zip": {"type": "integer"}}}},
}


def test_a_referenced_document_is_embedded_with_its_local_references(tmp_path: Path) -> None:
    order = {
        "type": "object",
        "properties": {
            "customer": {"$ref": "customer.json"},
            "zip": {"$ref": "customer.json#/definitions/address"},
        },
    }
    bundled = bundle(_parse(order, {"customer.json": CUSTOMER}, tmp_path))
    key = next(iter(bundled["$defs"]))
    assert bundled["properties"]["customer"] == {"$ref": f"#/$defs/{key}"}
    assert bundled["properties"]["zip"] == {"$ref": f"#/$defs/{key}/definitions/address"}
    inner = bundled["$defs"][key]["properties"]["address"]
    assert inner == {"$ref": f"#/$defs/{key}/definitions/address"}
    # a plain validator, that knows no other document, reads it as the checker did
    assert validation_errors({"customer": {"address": {"zip": 1}}}, bundled) == []
    assert validation_errors({"customer": {"address": {"zip": "x"}}}, bundled)


def test_an_embedded_documents_own_id_is_its_base(tmp_path: Path) -> None:
    customer = {"$id": "https://example.com/schemas/customer.json", **CUSTOMER}
    order = {"type": "object", "properties": {"customer": {"$ref": "customer.json"}}}
    bundled = bundle(_parse(order, {"customer.json": customer}, tmp_path))
    (embedded,) = bundled["$defs"].values()
    assert "$id" not in embedded
    assert validation_errors({"customer": {"id": 3}}, bundled)


def test_references_between_referenced_documents_are_embedded_once(tmp_path: Path) -> None:
    a = {"type": "object", "properties": {"b": {"$ref": "b.json"}}}
    b = {"type": "object", "properties": {"a": {"$ref": "a.json"}, "n": {"type": "integer"}}}
    order = {"type": "object", "properties": {"a": {"$ref": "a.json"}, "b": {"$ref": "b.json"}}}
    bundled = bundle(_parse(order, {"a.json": a, "b.json": b}, tmp_path))
    assert len(bundled["$defs"]) == 2
    assert validation_errors({"a": {"b": {"a": {"b": {"n": "x"}}}}}, bundled)


def test_a_schema_without_other_documents_is_returned_as_it_is(tmp_path: Path) -> None:
    document = {
        "type": "object",
        "properties": {"a": {"$ref": "#/definitions/a"}},
        "definitions": {"a": {"type": "string"}},
    }
    parsed = _parse(document, {}, tmp_path)
    assert bundle(parsed) is parsed.document


def test_an_anchor_in_a_referenced_document_leaves_the_schema_as_it_is(tmp_path: Path) -> None:
    customer = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {"id": {"$anchor": "ident", "type": "string"}},
    }
    order = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"customer": {"$ref": "customer.json"}},
    }
    parsed = _parse(order, {"customer.json": customer}, tmp_path)
    assert bundle(parsed) is parsed.document
