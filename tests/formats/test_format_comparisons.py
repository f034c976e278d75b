"""The formats' own comparison shortcuts agree with what the pipeline and drift decide."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.checks.registry import structurally_unlike
from gate.drift import canonical_form
from gate.formats import get_format
from gate.model import SchemaType
from tests.support.avro_shapes import Gen, parsed


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_avro_format_tells_schemas_apart_as_the_pipeline_does(data: st.DataObject) -> None:
    gen = Gen(data.draw)
    value = gen.schema()
    old, new = parsed(value), parsed(gen.mutate(value))
    if old is None or new is None:
        return
    avro = get_format(SchemaType.AVRO)
    assert avro.structurally_unlike(old.value, new.value) == structurally_unlike(old, new)
    if avro.structurally_unlike(old.value, new.value):
        assert avro.canonical(old.schema.text) != avro.canonical(new.schema.text)


@given(
    st.sampled_from(
        [
            '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}',
            '{"type":"record","fields":[{"type":"int","name":"a"}],"name":"R"}',
            '{"type": "record", "name": "R", "doc": "x", "fields": [{"name": "a", "type": "int"}]}',
            '{"type": "record", "name": "R", "fields": [{"name": "a", "type": {"type": "int"}}]}',
            '"string"',
            '{"type": "object", "properties": {"a": {"type": "string"}}}',
            '{"properties": {"a": {"type": "string"}}, "type": "object"}',
        ]
    ),
    st.sampled_from([SchemaType.AVRO, SchemaType.JSON]),
)
def test_texts_of_different_canonical_shapes_differ_in_canonical_form(
    text: str, schema_type: SchemaType
) -> None:
    fmt = get_format(schema_type)
    for other in (text, json.dumps(json.loads(text), indent=2), json.dumps(json.loads(text))):
        mine, theirs = fmt.canonical_shape(text), fmt.canonical_shape(other)
        if mine is not None and theirs is not None and mine != theirs:
            assert canonical_form(schema_type, text) != canonical_form(schema_type, other)
        if canonical_form(schema_type, text) == canonical_form(schema_type, other):
            assert mine is None or theirs is None or mine == theirs
