"""Canonical JSON: one text for every spelling of one JSON value (key order, whitespace)."""

from __future__ import annotations

import json
from collections import OrderedDict
from functools import lru_cache


def canonical_dumps(value: object) -> str:
    """`value` as JSON with sorted keys and no whitespace."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_json(text: str) -> str:
    """Whitespace- and key-order-insensitive form of a JSON text (the text itself if invalid)."""
    try:
        return canonical_dumps(json.loads(text))
    except (ValueError, RecursionError):
        return text.strip()


_KEYS: OrderedDict[int, tuple[object, str]] = OrderedDict()


def content_key(schema_json: object, *, remember: bool = False) -> str:
    """A key that is equal for equal schema JSON values; with `remember`, kept for the most
    recent schema objects (a run hands the same parsed schema to every pair it is part of)."""
    if not remember:
        return canonical_dumps(schema_json)
    known = _KEYS.get(id(schema_json))
    if known is not None and known[0] is schema_json:
        _KEYS.move_to_end(id(schema_json))
        return known[1]
    key = canonical_dumps(schema_json)
    if isinstance(schema_json, (dict, list)):
        _KEYS[id(schema_json)] = (schema_json, key)
        if len(_KEYS) > 64:
            _KEYS.popitem(last=False)
    return key


@lru_cache(maxsize=256)
def json_shape(text: str) -> tuple[int, int] | None:
    """Counts that every text of one JSON document shares, whatever its whitespace and key
    order: a cheap test that two texts differ before decoding both. None when escapes could
    spell the same strings differently."""
    return None if "\\" in text else (text.count(":"), text.count(","))
