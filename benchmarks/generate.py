"""Deterministic generators of schema histories for the benchmarks."""

from __future__ import annotations

import copy
import json
import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

_PRIMITIVES = ["int", "long", "string", "boolean", "double", "float", "bytes"]


def avro_record(
    rng: random.Random,
    name: str,
    n_fields: int,
    depth: int = 0,
    defined: list[str] | None = None,
) -> dict[str, Any]:
    """A record of `n_fields` fields. With `defined` (names of the types defined so far in the
    schema, filled as it goes), some fields refer to an earlier named type by its name."""
    fields: list[dict[str, Any]] = []
    for index in range(n_fields):
        roll = rng.random()
        field_name = f"f{index}"
        if defined and rng.random() < 0.05:
            fields.append({"name": field_name, "type": rng.choice(defined)})
            continue
        if roll < 0.55:
            field_type: Any = rng.choice(_PRIMITIVES)
        elif roll < 0.7:
            field_type = ["null", rng.choice(_PRIMITIVES)]
            fields.append({"name": field_name, "type": field_type, "default": None})
            continue
        elif roll < 0.8:
            field_type = {
                "type": "enum",
                "name": f"{name}E{index}",
                "symbols": [f"S{k}" for k in range(rng.randint(2, 6))],
                "default": "S0",
            }
            if defined is not None:
                defined.append(field_type["name"])
        elif roll < 0.88:
            field_type = {"type": "array", "items": rng.choice(_PRIMITIVES)}
        elif roll < 0.94:
            field_type = {"type": "map", "values": rng.choice(_PRIMITIVES)}
        elif depth < 2:
            field_type = avro_record(rng, f"{name}R{index}", rng.randint(2, 6), depth + 1, defined)
            if defined is not None:
                defined.append(field_type["name"])
        else:
            field_type = {"type": "fixed", "name": f"{name}X{index}", "size": rng.randint(1, 16)}
            if defined is not None:
                defined.append(field_type["name"])
        fields.append({"name": field_name, "type": field_type})
    return {"type": "record", "name": name, "namespace": "bench.events", "fields": fields}


def avro_history(
    rng: random.Random, name: str, versions: int, n_fields: int, references: bool = False
) -> list[str]:
    """`versions` texts of one subject, each adding an optional field (FULL-compatible).
    With `references`, some fields reuse a named type defined earlier in the schema."""
    schema = avro_record(rng, name, n_fields, defined=[] if references else None)
    out = [json.dumps(schema, indent=2)]
    for step in range(1, versions):
        schema = copy.deepcopy(schema)
        schema["fields"].append(
            {"name": f"added{step}", "type": ["null", rng.choice(_PRIMITIVES)], "default": None}
        )
        out.append(json.dumps(schema, indent=2))
    return out


_JSON_TYPES = ["string", "integer", "number", "boolean"]


def json_object(rng: random.Random, n_props: int, depth: int = 0) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for index in range(n_props):
        roll = rng.random()
        if roll < 0.7:
            prop: dict[str, Any] = {"type": rng.choice(_JSON_TYPES)}
        elif roll < 0.85:
            prop = {"type": "array", "items": {"type": rng.choice(_JSON_TYPES)}}
        elif depth < 2:
            prop = json_object(rng, rng.randint(2, 6), depth + 1)
        else:
            prop = {"enum": [f"V{k}" for k in range(rng.randint(2, 5))]}
        properties[f"p{index}"] = prop
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(rng.sample(sorted(properties), k=min(3, len(properties)))),
        "additionalProperties": False,
    }


def json_history(
    rng: random.Random, versions: int, n_props: int, references: bool = False
) -> list[str]:
    """`versions` texts of one JSON Schema subject, each FULL-compatible with all before it
    under the STRICT policy (as a FULL_TRANSITIVE registry would have accepted them): the top
    object is open, and each version declares one more property with an unconstrained schema.
    With `references`, some properties are `$ref`s to shared `definitions`."""
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", **json_object(rng, n_props)}
    del schema["additionalProperties"]
    if references:
        definitions = {f"d{k}": json_object(rng, rng.randint(2, 6), 1) for k in range(3)}
        schema["definitions"] = definitions
        for key in list(schema["properties"]):
            if rng.random() < 0.05:
                target = rng.choice(sorted(definitions))
                schema["properties"][key] = {"$ref": f"#/definitions/{target}"}
    out = [json.dumps(schema, indent=2)]
    for step in range(1, versions):
        schema = copy.deepcopy(schema)
        schema["properties"][f"added{step}"] = {}
        out.append(json.dumps(schema, indent=2))
    return out


def subjects(
    count: int,
    versions: int,
    *,
    seed: int = 7,
    json_share: float = 0.0,
    min_fields: int = 20,
    max_fields: int = 200,
    references: bool = False,
) -> Iterator[tuple[str, str, list[str]]]:
    """(subject name, file extension, version texts oldest first) for `count` subjects."""
    rng = random.Random(seed)
    for index in range(count):
        n_fields = rng.randint(min_fields, max_fields)
        if rng.random() < json_share:
            yield f"event{index:05d}", ".json", json_history(rng, versions, n_fields, references)
        else:
            yield (
                f"event{index:05d}",
                ".avsc",
                avro_history(rng, f"Event{index}", versions, n_fields, references),
            )
