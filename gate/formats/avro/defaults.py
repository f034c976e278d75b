"""Field defaults checked the way the registry checks them (Avro's `Schema.isValidDefault`).

A union's default may match ANY of its branches (Avro 1.12, AVRO-3649; before it, the first).
Integers must fit the type's range, floats accept any JSON number, strings, bytes, enums and
fixed accept any JSON string (Avro checks neither enum symbols nor fixed lengths of defaults),
records need every field, from the default object or from the field's own default.
"""

from __future__ import annotations

import json
from typing import Any

from gate.formats.avro.nodes import Array, Map, Node, Record, Union

_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)
_MISSING = object()


def _integral(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def java_double(text: str) -> float | None:
    """What Java's `Double.parseDouble` makes of a string default of a float or double field."""
    body = text.strip()
    if body in ("NaN", "+NaN", "-NaN"):
        return float("nan")
    if body.lstrip("+-") == "Infinity":
        return float("-inf") if body.startswith("-") else float("inf")
    if body[-1:] in ("f", "F", "d", "D"):
        body = body[:-1]
    if not body or any(char.isalpha() and char not in "eE" for char in body):
        return None
    try:
        return float(body)
    except ValueError:
        return None


def invalid_default(node: Node, value: Any) -> str | None:
    """None when `value` is a valid default for `node`, else a short reason (may be empty)."""
    kind = node.kind
    if kind in ("string", "bytes", "enum", "fixed"):
        return None if isinstance(value, str) else ""
    if kind == "int":
        return None if _integral(value) and _INT_RANGE[0] <= value <= _INT_RANGE[1] else ""
    if kind == "long":
        return None if _integral(value) and _LONG_RANGE[0] <= value <= _LONG_RANGE[1] else ""
    if kind in ("float", "double"):
        return None if _number(value) else ""
    if kind == "boolean":
        return None if isinstance(value, bool) else ""
    if kind == "null":
        return None if value is None else ""
    if isinstance(node, Array):
        if not isinstance(value, list):
            return ""
        for index, element in enumerate(value):
            reason = invalid_default(node.items, element)
            if reason is not None:
                return f"item {index} is {short_json(element)}"
        return None
    if isinstance(node, Map):
        if not isinstance(value, dict):
            return ""
        for key, element in value.items():
            reason = invalid_default(node.values, element)
            if reason is not None:
                return f"value `{key}` is {short_json(element)}"
        return None
    if isinstance(node, Union):
        if not node.branches:
            return "an empty union has no default"
        for branch in node.branches:
            if invalid_default(branch, value) is None:
                return None
        shown = ", ".join(branch_label(branch) for branch in node.branches)
        return f"a union's default must match one of its branches ({shown})"
    if isinstance(node, Record):
        if not isinstance(value, dict):
            return ""
        for record_field in node.fields:
            element = value.get(record_field.name, _MISSING)
            if element is _MISSING:
                if not record_field.has_default:
                    return f"it has no value for field `{record_field.name}`"
                element = record_field.default
            if invalid_default(record_field.type, element) is not None:
                return f"its field `{record_field.name}` is {short_json(element)}"
        return None
    return ""


def branch_label(node: Node) -> str:
    from gate.formats.avro.describe import label

    return label(node)


def short_json(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 3] + "..."
