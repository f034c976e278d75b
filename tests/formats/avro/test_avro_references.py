"""Avro schemas sharing one list of references: each parse sees the referenced types afresh."""

from __future__ import annotations

import json

import pytest

from gate.errors import SchemaInvalid
from gate.formats.avro.parse import parse_schema
from gate.model import Origin, OriginKind, Schema, SchemaType

ADDRESS = json.dumps(
    {
        "type": "record",
        "name": "Address",
        "namespace": "shop",
        "fields": [{"name": "zip", "type": "string"}],
    }
)
CUSTOMER = json.dumps(
    {
        "type": "record",
        "name": "Customer",
        "namespace": "shop",
        "fields": [{"name": "home", "type": "shop.Address"}],
    }
)
REFERENCES = (("shop.Address", ADDRESS), ("shop.Customer", CUSTOMER))


def _parse(fields: list[dict[str, object]], name: str = "Order") -> object:
    text = json.dumps({"type": "record", "name": name, "namespace": "shop", "fields": fields})
    return parse_schema(
        Schema(
            SchemaType.AVRO,
            text,
            Origin(OriginKind.FILE, f"{name}.avsc"),
            resolved_references=REFERENCES,
        )
    )


def test_schemas_sharing_references_each_inline_them_at_their_own_first_use() -> None:
    first = _parse([{"name": "buyer", "type": "shop.Customer"}])
    # the same references, used in another order: Address inlined first this time
    second = _parse(
        [{"name": "ship_to", "type": "shop.Address"}, {"name": "buyer", "type": "shop.Customer"}],
        name="Invoice",
    )
    again = _parse([{"name": "buyer", "type": "shop.Customer"}])
    buyer = first.json["fields"][0]["type"]  # type: ignore[attr-defined]
    assert buyer["fields"][0]["type"]["name"] == "Address"
    invoice_fields = second.json["fields"]  # type: ignore[attr-defined]
    assert invoice_fields[0]["type"]["name"] == "Address"
    assert invoice_fields[1]["type"]["fields"][0]["type"] == "shop.Address"
    assert again.json == first.json  # type: ignore[attr-defined]


def test_a_clash_with_a_referenced_type_fails_every_time() -> None:
    differing = json.loads(ADDRESS)
    differing["fields"] = [*differing["fields"], {"name": "extra", "type": "int"}]
    redefined = [{"name": "a", "type": differing}]
    for _ in range(2):
        with pytest.raises(SchemaInvalid, match="defined twice"):
            _parse(redefined)
    assert _parse([{"name": "a", "type": "shop.Address"}])
