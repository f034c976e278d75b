"""Words for differences: a finding's message and fix, and a changelog line.

Messages speak of data and of the two roles, never of a direction: the same check serves
BACKWARD (original = old version) and FORWARD (original = new version).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gate.formats.jsonschema.kinds import ROWS, WRITER, Kind
from gate.jsonpos import pointer_tokens
from gate.model import Incompatibility, Side

if TYPE_CHECKING:
    from gate.formats.jsonschema.checker import Difference, Pos

# a keyword at the end of a pointer: the difference is about the schema holding it
_KEYWORDS = frozenset(
    {
        "maxLength",
        "minLength",
        "pattern",
        "maximum",
        "minimum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "multipleOf",
        "type",
        "enum",
        "const",
        "not",
        "maxProperties",
        "minProperties",
        "maxItems",
        "minItems",
        "uniqueItems",
        "additionalProperties",
        "unevaluatedProperties",
        "additionalItems",
        "unevaluatedItems",
        "items",
        "title",
        "description",
        "default",
        "$id",
        "id",
        "format",
        "contains",
        "minContains",
        "maxContains",
        "propertyNames",
        "if",
        "then",
        "else",
        "readOnly",
        "writeOnly",
        "deprecated",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
        "required",
    }
)
# two tokens at the end: `properties/<name>`, `items/<index>`, `dependencies/<name>`...
_MEMBERS = frozenset(
    {
        "properties",
        "items",
        "prefixItems",
        "dependencies",
        "dependentRequired",
        "dependentSchemas",
        "required",
    }
)

_INDISTINGUISHABLE = (
    "the registry flags it as incompatible, although no instance can tell "
    "the two schemas apart here: {reason}"
)
# why no instance can tell, for the kinds where that can be established
_WHY_INDISTINGUISHABLE: dict[Kind, str] = {
    Kind.TYPE_CHANGED: "every value the original allows is valid under the update too; the "
    "registry compares kinds of schema, not the values they accept",
    Kind.COMBINED_TYPE_CHANGED: "no value can match two of these branches, so {old_text} and "
    "{new_text} accept the same values; the registry does not look at the branches",
}
_WHY_EMPTY = (
    "the added schema accepts every value; the registry compares schemas "
    "structurally, not the values they accept"
)
_FIX_INDISTINGUISHABLE = (
    "keep the original form to pass the registry's check (the change "
    "does not affect data), or register it under a new subject"
)


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(f"`{item}`" for item in value) if value else "none"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return str(value)


_EXTRA_WORDS = {
    "additionalProperties": "undeclared properties",
    "unevaluatedProperties": "unevaluated properties",
    "additionalItems": "extra items",
    "unevaluatedItems": "unevaluated items",
}


def _words(pointer: str) -> str:
    """A short dotted name for a schema location: `lines[].sku`, `Money.amount`."""
    tokens = pointer_tokens(pointer)
    if tokens and tokens[-1] in _EXTRA_WORDS:
        from gate.jsonpos import join_pointer

        return f"the {_EXTRA_WORDS[tokens[-1]]} of {_words(join_pointer('', *tokens[:-1]))}"
    out = ""
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        step = 2
        if token == "properties" and following is not None:
            out += ("." if out else "") + following
        elif token in ("definitions", "$defs") and following is not None:
            out = following
        elif token == "patternProperties" and following is not None:
            out += f"[/{following}/]"
        elif token in ("items", "prefixItems") and following is not None and following.isdigit():
            out += f"[{following}]"
        elif token in ("allOf", "anyOf", "oneOf") and following is not None:
            out += f" ({token} #{following})"
        elif token in ("dependencies", "dependentSchemas") and following is not None:
            out += f" (when `{following}` is present)"
        else:
            step = 1
            out += {
                "items": "[]",
                "additionalItems": "[+]",
                "additionalProperties": ".*",
                "unevaluatedProperties": ".*",
                "unevaluatedItems": "[+]",
                "not": " (not)",
            }.get(token, f"/{token}")
        index += step
    return f"`{out.strip()}`" if out else "the top-level value"


# differences about one member of an object or tuple: their pointer ends `<keyword>/<member>`
_MEMBER_KINDS = frozenset(
    kind
    for kind in Kind
    if kind.name.startswith(
        ("REQUIRED_", "DEPENDENCY_", "PROPERTY_", "OPTIONAL_PROPERTY_", "ITEM_")
    )
)


def _owner(diff: Difference, pointer: str) -> str:
    """The pointer of the schema a difference is about (without keyword or member tokens)."""
    from gate.jsonpos import join_pointer

    tokens = pointer_tokens(pointer)
    if diff.kind in _MEMBER_KINDS:
        if len(tokens) >= 2 and tokens[-2] in _MEMBERS:
            tokens = tokens[:-2]
        elif tokens and tokens[-1] in _MEMBERS:
            tokens = tokens[:-1]
    elif tokens and tokens[-1] == diff.name and diff.name in _KEYWORDS | {"not", "const", "enum"}:
        tokens = tokens[:-1]
    return join_pointer("", *tokens)


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low} to {high}"


def _fields(diff: Difference, pos: Pos) -> dict[str, str]:
    owner = _owner(diff, pos.place.pointer)
    loc = _words(owner)
    if pos.place.document is not None:
        loc += f" (in {pos.place.document})"
    name = diff.name
    fields = {
        "loc": loc,
        "at": "" if not owner and pos.place.document is None else f" in {loc}",
        "name": name,
        "a_name": ("an" if name[:1].lower() in "aeiou" and name else "a") + f" `{name}`",
        "old": _text(diff.old),
        "new": _text(diff.new),
        "old_text": str(diff.old),
        "new_text": str(diff.new),
        "via": str(diff.new if diff.kind.name.startswith("PROPERTY_REMOVED") else diff.old),
        "new_above": "",
        "new_below": "",
        "above_new_to_old": "",
        "old_to_below_new": "",
    }
    if diff.kind is Kind.COMBINED_TYPE_SUBSCHEMAS_CHANGED:
        implicit = name == "keywords"
        fields["branches"] = "keywords" if implicit else f"{name} branches"
        fields["branch"] = "keyword" if implicit else "branch"
        reasons = list(dict.fromkeys(what(reason) for reason in diff.old or ()))
        fields["details"] = f" (here: {'; '.join(reasons[:3])})" if reasons else ""
    old, new = diff.old, diff.new
    if isinstance(new, int) and not isinstance(new, bool):
        fields["new_above"] = str(new + 1)
        fields["new_below"] = str(new - 1)
        if isinstance(old, int) and not isinstance(old, bool):
            fields["above_new_to_old"] = _span(new + 1, old)
            fields["old_to_below_new"] = _span(old, new - 1)
    return fields


def shown(diff: Difference) -> tuple[Side, Pos]:
    """Which schema a finding about `diff` points into, and where."""
    side = ROWS[diff.kind].side
    return side, diff.original if side == WRITER else diff.update


def what(diff: Difference) -> str:
    """The change in plain words, from the original to the update."""
    _side, pos = shown(diff)
    return ROWS[diff.kind].message[0].format(**_fields(diff, pos))


def incompatibility(diff: Difference) -> Incompatibility:
    """The finding for one incompatible difference."""
    side, pos = shown(diff)
    change, why, fix = ROWS[diff.kind].message
    fields = _fields(diff, pos)
    head = change.format(**fields)
    reason = why.format(**fields)
    if diff.indistinguishable:
        because = _WHY_INDISTINGUISHABLE.get(diff.kind, _WHY_EMPTY).format(**fields)
        message = f"{head}: " + _INDISTINGUISHABLE.format(reason=because)
        fix = _FIX_INDISTINGUISHABLE
    elif head.startswith(("adding ", "removing ")):
        message = f"{head} is incompatible: {reason}"
    else:
        message = f"{head}; that is incompatible: {reason}"
    return Incompatibility(
        rule=diff.kind.rule_id,
        message=message,
        path=pos.at,
        side=side,
        fix=(fix if diff.indistinguishable else fix.format(**fields)) or None,
    )
