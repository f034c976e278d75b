"""`structurally_unlike`: registered Avro versions whose parsed structure differs from the
candidate's are not decoded again by the already-registered check and by drift. It must never
call two schemas unlike when their JSON, or drift's canonical forms, are equal."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gate.canonical import canonical_json
from gate.checks.registry import structurally_unlike
from gate.drift import canonical_form
from gate.errors import SchemaInvalid
from gate.formats.avro.nodes import AvroSchema
from gate.judge import Parsed
from gate.model import Origin, OriginKind, Schema, SchemaType
from tests.support.avro_shapes import PRIMITIVES, Gen, parsed

_TYPE_KEYS = ("type", "items", "values")


def respelled(value: Any, draw: Any) -> Any:
    """`value` as someone else may write the same schema: docs added, primitives wrapped as
    `{"type": "int"}`, keys in another order."""

    def type_of(item: Any) -> Any:
        if isinstance(item, str) and item in PRIMITIVES and draw(st.booleans()):
            return {"type": item}
        return walk(item)

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [type_of(member) for member in item]
        if not isinstance(item, dict):
            return item
        out = {}
        for key, member in item.items():
            if key in _TYPE_KEYS:
                out[key] = type_of(member)
            elif key == "fields" and isinstance(member, list):
                out[key] = [walk(field) for field in member]
            else:
                out[key] = member
        if ("name" in out or out.get("type") in ("record", "enum", "fixed")) and draw(
            st.booleans()
        ):
            out["doc"] = draw(st.sampled_from(["", "a note", "name", "type"]))
        keys = list(out)
        return {key: out[key] for key in draw(st.permutations(keys))}

    return type_of(value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_schema_spelled_otherwise_is_never_called_unlike(data: st.DataObject) -> None:
    gen = Gen(data.draw)
    value = gen.schema()
    original = parsed(value)
    if original is None:
        event("invalid")
        return
    other = respelled(value, data.draw)
    event("respelled" if other != value else "unchanged")
    text = json.dumps(other, indent=data.draw(st.sampled_from([None, 2])))
    again = parsed(other, text)
    assert again is not None
    assert canonical_form(SchemaType.AVRO, text) == canonical_form(
        SchemaType.AVRO, original.schema.text
    )
    assert not structurally_unlike(original, again)
    assert not structurally_unlike(again, original)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_schemas_called_unlike_differ_as_json_and_in_canonical_form(
    data: st.DataObject,
) -> None:
    gen = Gen(data.draw)
    value = gen.schema()
    changed = gen.mutate(value)
    old, new = parsed(value), parsed(changed)
    if old is None or new is None:
        return
    if not structurally_unlike(old, new):
        event("not told apart")
        return
    event("told apart")
    assert canonical_json(old.schema.text) != canonical_json(new.schema.text)
    assert canonical_form(SchemaType.AVRO, old.schema.text) != canonical_form(
        SchemaType.AVRO, new.schema.text
    )


def test_schemas_with_references_or_of_another_type_are_never_told_apart() -> None:
    record = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}
    other = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "long"}]}
    one, two = parsed(record), parsed(other)
    assert one is not None
    assert two is not None
    assert structurally_unlike(one, two)
    # its references may resolve differently on each side: only the texts can tell
    with_reference = Parsed(
        two.schema,
        value=AvroSchema(
            two.value.text, two.value.json, two.value.root, two.value.names, ("Other",)
        ),
    )
    assert not structurally_unlike(one, with_reference)
    assert not structurally_unlike(one, Parsed(two.schema, invalid=SchemaInvalid("bad", "")))
    assert not structurally_unlike(one, None)
    as_json = Parsed(Schema(SchemaType.JSON, "{}", Origin(OriginKind.SNAPSHOT)), value=two.value)
    assert not structurally_unlike(one, as_json)
