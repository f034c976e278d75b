"""Logical types as Apache Avro reads them: a valid one annotates its type, an invalid one is
ignored (the type falls back to its underlying type), never an error.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, TypeGuard

from gate.formats.avro.nodes import Logical

if TYPE_CHECKING:
    from collections.abc import Mapping

# logical type -> the underlying types it may annotate
_UNDERLYING: dict[str, frozenset[str]] = {
    "decimal": frozenset({"bytes", "fixed"}),
    "big-decimal": frozenset({"bytes"}),
    "uuid": frozenset({"string", "fixed"}),
    "date": frozenset({"int"}),
    "time-millis": frozenset({"int"}),
    "time-micros": frozenset({"long"}),
    "timestamp-millis": frozenset({"long"}),
    "timestamp-micros": frozenset({"long"}),
    "timestamp-nanos": frozenset({"long"}),
    "local-timestamp-millis": frozenset({"long"}),
    "local-timestamp-micros": frozenset({"long"}),
    "local-timestamp-nanos": frozenset({"long"}),
    "duration": frozenset({"fixed"}),
}

# logical types that count the same thing in different units
UNIT_FAMILIES: dict[str, str] = {
    "timestamp-millis": "timestamp",
    "timestamp-micros": "timestamp",
    "timestamp-nanos": "timestamp",
    "local-timestamp-millis": "local-timestamp",
    "local-timestamp-micros": "local-timestamp",
    "local-timestamp-nanos": "local-timestamp",
    "time-millis": "time",
    "time-micros": "time",
}

_INT_MAX = 2**31 - 1


def _java_int(value: Any) -> TypeGuard[int]:
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return -_INT_MAX - 1 <= value <= _INT_MAX


def max_decimal_precision(size: int) -> int:
    """The most decimal digits a fixed of `size` bytes holds, by Java's formula."""
    if size <= 0:
        return 0
    return math.floor(math.log10(2) * (8 * size - 1))


def interpret(
    kind: str, props: Mapping[str, Any], size: int | None = None
) -> tuple[Logical | None, bool]:
    """The logical type of a schema object, and whether a known logical type was invalid.

    Unknown logical type names are ignored silently (Avro keeps them as plain properties).
    """
    name = props.get("logicalType")
    if not isinstance(name, str) or name not in _UNDERLYING:
        return None, False
    if kind not in _UNDERLYING[name]:
        return None, True
    if name == "decimal":
        precision = props.get("precision")
        scale = props.get("scale", 0)
        if not _java_int(precision) or precision <= 0:
            return None, True
        if not _java_int(scale) or scale < 0 or scale > precision:
            return None, True
        if kind == "fixed" and size is not None and precision > max_decimal_precision(size):
            return None, True
        return Logical(name, precision, scale), False
    if name == "uuid" and kind == "fixed" and size != 16:
        return None, True
    if name == "duration" and size != 12:
        return None, True
    return Logical(name), False
