"""Short human names of Avro types and places, for messages."""

from __future__ import annotations

import re

from gate.formats.avro.nodes import Array, Map, Named, Node, Union

_MAX_DEPTH = 3


def label(node: Node) -> str:
    """How a union names a branch: `string`, `User`, `array`, `map`."""
    if isinstance(node, Named):
        return node.name
    return node.kind


def union_labels(node: Union) -> str:
    return "[" + ", ".join(label(branch) for branch in node.branches) + "]"


def describe(node: Node, depth: int = 0) -> str:
    """A type in a few words: `int`, `long (timestamp-millis)`, `record User`, `array of int`."""
    if isinstance(node, Named):
        text = f"{node.kind} `{node.name}`"
        if node.logical is not None:
            text += f" ({node.logical})"
        return text
    if depth >= _MAX_DEPTH and node.kind in ("array", "map", "union"):
        return node.kind
    if isinstance(node, Array):
        return f"array of {describe(node.items, depth + 1)}"
    if isinstance(node, Map):
        return f"map of {describe(node.values, depth + 1)}"
    if isinstance(node, Union):
        return "union " + union_labels(node)
    if node.logical is not None:
        return f"{node.kind} ({node.logical})"
    return node.kind


def field_place(field_name: str, record_name: str) -> str:
    return f"field `{field_name}` (in record `{record_name}`)"


ROOT_PLACE = "the top-level schema"


_NESTED = r"(?s)a value (\d+) levels deep in (.*)"  # (compiled, and cached by `re`, when met)
_SHOWN_LEVELS = 2


def _inner_place(prefix: str, place: str) -> str:
    nested = re.fullmatch(_NESTED, place)
    if nested:
        return f"a value {int(nested.group(1)) + 1} levels deep in {nested.group(2)}"
    levels, base = 0, place
    while base.startswith(("the items of ", "the values of ")):
        base = base.split(" of ", 1)[1]
        levels += 1
    if levels >= _SHOWN_LEVELS:
        return f"a value {levels + 1} levels deep in {base}"
    return f"{prefix} {place}"


def items_place(place: str) -> str:
    return _inner_place("the items of", place)


def values_place(place: str) -> str:
    return _inner_place("the values of", place)
