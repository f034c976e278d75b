"""The caches that share fields between versions keep what was used lately, and a bounded number.

Counted, not timed: how many entries each cache holds, and which fields are still shared.
"""

from __future__ import annotations

import json
from typing import Any

from gate.formats.avro import parse as avro_parse
from gate.formats.avro.nodes import Record
from gate.formats.avro.parse import _Recent, clear_caches, parse_schema
from gate.model import Origin, OriginKind, Schema, SchemaType


def schema_of(value: Any) -> Schema:
    return Schema(SchemaType.AVRO, json.dumps(value), Origin(OriginKind.FILE, "s.avsc"))


def test_recent_keeps_what_was_used_within_the_last_limit_insertions() -> None:
    cache: _Recent[str, int] = _Recent(3)
    for number, key in enumerate("abc"):
        cache.put(key, number)
    assert len(cache) == 3
    cache.put("d", 3)  # young is full: it becomes old
    assert (cache.young, cache.old) == ({"d": 3}, {"a": 0, "b": 1, "c": 2})
    assert cache.get("a") == 0  # used: moved back to young
    assert (cache.young, cache.old) == ({"d": 3, "a": 0}, {"b": 1, "c": 2})
    cache.put("e", 4)
    cache.put("f", 5)  # young is full again: b and c, unused since, are let go
    assert (cache.young, cache.old) == ({"f": 5}, {"d": 3, "a": 0, "e": 4})
    assert cache.get("b") is None
    assert cache.get("missing") is None
    assert len(cache) == 4
    cache.clear()
    assert len(cache) == 0


def test_recent_never_holds_more_than_twice_its_limit() -> None:
    cache: _Recent[int, int] = _Recent(10)
    for key in range(1000):
        cache.put(key, key)
        cache.get(key // 2)
        assert len(cache.young) <= 10
        assert len(cache) <= 20


def subject(index: int, extra: bool = False) -> dict[str, Any]:
    """A subject whose fields are its own (distinct names), one of them a nested record."""
    fields: list[dict[str, Any]] = [
        {"name": f"f{index}_{k}", "type": ["null", "string"], "default": None} for k in range(4)
    ]
    inner = [{"name": "a", "type": "string"}]
    fields.append(
        {"name": f"n{index}", "type": {"type": "record", "name": f"N{index}", "fields": inner}}
    )
    if extra:
        fields.append({"name": "added", "type": ["null", "int"], "default": None})
    return {"type": "record", "name": f"E{index}", "fields": fields}


def test_the_caches_stay_bounded_over_many_subjects_and_still_share_a_subjects_versions() -> None:
    clear_caches()
    caches = (avro_parse._SHARED_FIELDS, avro_parse._SHARED_SUBTREES)
    try:
        subjects = 3 * avro_parse._SHARED_LIMIT // 4 + 3 * avro_parse._SUBTREES_LIMIT
        for index in range(subjects):
            head = parse_schema(schema_of(subject(index, extra=True)))
            base = parse_schema(schema_of(subject(index)), registered=True)
            # the base takes every field the candidate did not change
            assert isinstance(head.root, Record)
            assert isinstance(base.root, Record)
            for k in range(5):
                assert base.root.fields[k] is head.root.fields[k]
            for cache in caches:
                assert len(cache) <= 2 * cache.limit
        # many generations have passed: the first subjects' fields are let go
        assert avro_parse._SHARED_FIELDS.get(("/fields/", 0, "f0_0", "null", "string")) is None
    finally:
        clear_caches()


def test_a_field_every_version_uses_outlives_many_generations() -> None:
    clear_caches()
    try:
        shared = {"name": "id", "type": ["null", "long"], "default": None}
        first = parse_schema(schema_of(subject(0) | {"fields": [shared]}))
        for index in range(4 * avro_parse._SHARED_LIMIT // 5):
            value = subject(index)
            value["fields"] = [shared, *value["fields"]]
            parse_schema(schema_of(value))
        last = parse_schema(schema_of(subject(0) | {"fields": [shared]}))
        assert isinstance(first.root, Record)
        assert isinstance(last.root, Record)
        assert last.root.fields[0] is first.root.fields[0]
    finally:
        clear_caches()
