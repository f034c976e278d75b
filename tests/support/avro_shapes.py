"""Avro schemas whose payloads grow exponentially or very large with their size, unless payload
generation and witness shrinking are bounded."""

from __future__ import annotations

from typing import Any


def nested_arrays(levels: int, leaf: Any = "int") -> dict[str, Any]:
    """A record with one field: `levels` arrays, one inside the other, of `leaf`."""
    schema: Any = leaf
    for _ in range(levels):
        schema = {"type": "array", "items": schema}
    return {"type": "record", "name": "Grid", "fields": [{"name": "cells", "type": schema}]}


def record_used_twice(levels: int, leaf: str = "int") -> dict[str, Any]:
    """T0 holds one `leaf`; each T<i> holds two T<i-1> (the second by name): a schema that
    grows by one record a level, whose smallest value holds 2^levels leaves."""
    root: dict[str, Any] = {"type": "record", "name": "T0", "fields": [{"name": "v", "type": leaf}]}
    for level in range(1, levels + 1):
        root = {"type": "record", "name": f"T{level}",
                "fields": [{"name": "a", "type": root}, {"name": "b", "type": f"T{level - 1}"}]}
    return root


def unions_of_records(levels: int, width: int, leaf: str = "int") -> dict[str, Any]:
    """`width` records per level, each holding a union of the `width` records of the level
    below (named after their first use), `levels` deep: the union branches multiply level by
    level."""
    below: list[Any] = [
        {"type": "record", "name": f"L0_{j}", "fields": [{"name": "v", "type": leaf}]}
        for j in range(width)
    ]
    for level in range(1, levels + 1):
        names = [branch["name"] for branch in below]
        below = [{"type": "record", "name": f"L{level}_{j}",
                  "fields": [{"name": "u", "type": below if j == 0 else names}]}
                 for j in range(width)]
    return {"type": "record", "name": "Top", "fields": [{"name": "u", "type": below}]}


def enum_in_arrays(levels: int, symbols: int, drop: str | None = None) -> dict[str, Any]:
    """An enum of `symbols` symbols (S0, S1, ...; without `drop`) inside `levels` arrays."""
    enum = {"type": "enum", "name": "E",
            "symbols": [f"S{i}" for i in range(symbols) if f"S{i}" != drop]}
    return {**nested_arrays(levels, enum), "name": "R"}
