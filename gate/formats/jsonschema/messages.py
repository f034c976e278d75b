"""Words for differences: a finding's message and fix, and a changelog line.

Messages speak of data and of the two roles, never of a direction: the same check serves
BACKWARD (original = old version) and FORWARD (original = new version).
"""

from __future__ import annotations

import json
from typing import Any

from gate.formats.jsonschema.checker import Difference, Pos
from gate.formats.jsonschema.kinds import WRITER_SIDE, Kind
from gate.jsonpos import pointer_tokens
from gate.model import Incompatibility

# a keyword at the end of a pointer: the difference is about the schema holding it
_KEYWORDS = frozenset({
    "maxLength", "minLength", "pattern", "maximum", "minimum", "exclusiveMaximum",
    "exclusiveMinimum", "multipleOf", "type", "enum", "const", "not", "maxProperties",
    "minProperties", "maxItems", "minItems", "uniqueItems", "additionalProperties",
    "unevaluatedProperties", "additionalItems", "unevaluatedItems", "items", "title",
    "description", "default", "$id", "id", "format", "contains", "minContains", "maxContains",
    "propertyNames", "if", "then", "else", "readOnly", "writeOnly", "deprecated",
    "contentEncoding", "contentMediaType", "contentSchema", "required",
})
# two tokens at the end: `properties/<name>`, `items/<index>`, `dependencies/<name>`...
_MEMBERS = frozenset({"properties", "items", "prefixItems", "dependencies", "dependentRequired",
                      "dependentSchemas", "required"})

_INDISTINGUISHABLE = ("the registry flags it as incompatible, although no instance can tell "
                      "the two schemas apart here: {reason}")
# why no instance can tell, for the kinds where that can be established
_WHY_INDISTINGUISHABLE: dict[Kind, str] = {
    Kind.TYPE_CHANGED: "every value the original allows is valid under the update too; the "
    "registry compares kinds of schema, not the values they accept",
    Kind.COMBINED_TYPE_CHANGED: "no value can match two of these branches, so {old_text} and "
    "{new_text} accept the same values; the registry does not look at the branches",
}
_WHY_EMPTY = ("the added schema accepts every value; the registry compares schemas "
              "structurally, not the values they accept")
_FIX_INDISTINGUISHABLE = ("keep the original form to pass the registry's check (the change "
                          "does not affect data), or register it under a new subject")

# what changed / why data breaks / what to do; fields: {loc} the schema concerned, {at} where a
# member lives (" in `x`" or ""), {name}, {old}, {new}, {via}, and {new_above}, {old_below}...
_TEXT: dict[Kind, tuple[str, str, str]] = {
    Kind.ID_CHANGED: ("$id of {loc} changed from {old} to {new}", "", ""),
    Kind.TITLE_CHANGED: ("title of {loc} changed", "", ""),
    Kind.DESCRIPTION_CHANGED: ("description of {loc} changed", "", ""),
    Kind.DEFAULT_CHANGED: ("default of {loc} changed from {old} to {new}", "", ""),
    Kind.SCHEMA_ADDED: (
        "`{name}` schema added to {loc}",
        "the original does not constrain `{name}` there, so data written with it may hold "
        "values the update's `{name}` schema rejects",
        "leave `{name}` out of the update, or give it an unconstrained schema ({{}})"),
    Kind.SCHEMA_REMOVED: ("`{name}` schema removed from {loc}", "", ""),
    Kind.TYPE_EXTENDED: ("{loc} widened from integer to number", "", ""),
    Kind.TYPE_NARROWED: (
        "{loc} narrowed from number to integer",
        "data written with the original may hold a fractional number such as 1.5 there, which "
        "the update rejects",
        "keep `\"type\": \"number\"` at {loc}"),
    Kind.TYPE_CHANGED: (
        "{loc} changed from {old_text} to {new_text}",
        "values valid under the original need not be valid under the update, and the registry "
        "judges any change of schema kind incompatible without comparing the values",
        "keep {old_text} at {loc}; to accept another form too, make it an anyOf whose first "
        "branch is the original schema"),
    Kind.MAX_LENGTH_ADDED: (
        "maxLength {new} added to {loc}",
        "the original accepts strings of any length there; strings longer than {new} characters "
        "written with it are rejected by the update",
        "leave maxLength out, or set it no lower than the longest value producers may have "
        "written"),
    Kind.MAX_LENGTH_REMOVED: ("maxLength {old} removed from {loc}", "", ""),
    Kind.MAX_LENGTH_INCREASED: ("maxLength of {loc} increased from {old} to {new}", "", ""),
    Kind.MAX_LENGTH_DECREASED: (
        "maxLength of {loc} decreased from {old} to {new}",
        "strings of {above_new_to_old} characters, valid under the original, are rejected by "
        "the update",
        "keep maxLength at {old} or more"),
    Kind.MIN_LENGTH_ADDED: (
        "minLength {new} added to {loc}",
        "the original accepts shorter strings there (down to the empty string); strings shorter "
        "than {new} characters written with it are rejected by the update",
        "leave minLength out"),
    Kind.MIN_LENGTH_REMOVED: ("minLength {old} removed from {loc}", "", ""),
    Kind.MIN_LENGTH_INCREASED: (
        "minLength of {loc} increased from {old} to {new}",
        "strings of {old_to_below_new} characters, valid under the original, are rejected by "
        "the update",
        "keep minLength at {old} or less"),
    Kind.MIN_LENGTH_DECREASED: ("minLength of {loc} decreased from {old} to {new}", "", ""),
    Kind.PATTERN_ADDED: (
        "pattern {new} added to {loc}",
        "the original accepts any string there; strings written with it that do not match {new} "
        "are rejected by the update",
        "leave the pattern out of the update and validate the format in the producer"),
    Kind.PATTERN_REMOVED: ("pattern {old} removed from {loc}", "", ""),
    Kind.PATTERN_CHANGED: (
        "pattern of {loc} changed from {old} to {new}",
        "strings matching the original pattern need not match the new one; the registry does "
        "not compare regular expressions, so it rejects any change to a pattern, even one that "
        "only accepts more strings (then no instance can tell the difference)",
        "keep the original pattern, or remove the pattern altogether (that is compatible)"),
    Kind.MAXIMUM_ADDED: (
        "maximum {new} added to {loc}",
        "the original accepts larger numbers there; values above {new} written with it are "
        "rejected by the update",
        "leave maximum out"),
    Kind.MAXIMUM_REMOVED: ("maximum {old} removed from {loc}", "", ""),
    Kind.MAXIMUM_INCREASED: ("maximum of {loc} increased from {old} to {new}", "", ""),
    Kind.MAXIMUM_DECREASED: (
        "maximum of {loc} decreased from {old} to {new}",
        "values above {new} up to {old}, valid under the original, are rejected by the update",
        "keep maximum at {old} or higher"),
    Kind.MINIMUM_ADDED: (
        "minimum {new} added to {loc}",
        "the original accepts smaller numbers there; values below {new} written with it are "
        "rejected by the update",
        "leave minimum out"),
    Kind.MINIMUM_REMOVED: ("minimum {old} removed from {loc}", "", ""),
    Kind.MINIMUM_INCREASED: (
        "minimum of {loc} increased from {old} to {new}",
        "values from {old} up to below {new}, valid under the original, are rejected by the "
        "update",
        "keep minimum at {old} or lower"),
    Kind.MINIMUM_DECREASED: ("minimum of {loc} decreased from {old} to {new}", "", ""),
    Kind.EXCLUSIVE_MAXIMUM_ADDED: (
        "exclusiveMaximum {new} added to {loc}",
        "the original accepts values of {new} and more there; the update rejects them",
        "leave exclusiveMaximum out"),
    Kind.EXCLUSIVE_MAXIMUM_REMOVED: ("exclusiveMaximum {old} removed from {loc}", "", ""),
    Kind.EXCLUSIVE_MAXIMUM_INCREASED: (
        "exclusiveMaximum of {loc} increased from {old} to {new}", "", ""),
    Kind.EXCLUSIVE_MAXIMUM_DECREASED: (
        "exclusiveMaximum of {loc} decreased from {old} to {new}",
        "values from {new} up to below {old}, valid under the original, are rejected by the "
        "update",
        "keep exclusiveMaximum at {old} or higher"),
    Kind.EXCLUSIVE_MINIMUM_ADDED: (
        "exclusiveMinimum {new} added to {loc}",
        "the original accepts values of {new} and less there; the update rejects them",
        "leave exclusiveMinimum out"),
    Kind.EXCLUSIVE_MINIMUM_REMOVED: ("exclusiveMinimum {old} removed from {loc}", "", ""),
    Kind.EXCLUSIVE_MINIMUM_INCREASED: (
        "exclusiveMinimum of {loc} increased from {old} to {new}",
        "values above {old} up to {new}, valid under the original, are rejected by the update",
        "keep exclusiveMinimum at {old} or lower"),
    Kind.EXCLUSIVE_MINIMUM_DECREASED: (
        "exclusiveMinimum of {loc} decreased from {old} to {new}", "", ""),
    Kind.MULTIPLE_OF_ADDED: (
        "multipleOf {new} added to {loc}",
        "values that are not multiples of {new}, valid under the original, are rejected by the "
        "update",
        "leave multipleOf out"),
    Kind.MULTIPLE_OF_REMOVED: ("multipleOf {old} removed from {loc}", "", ""),
    Kind.MULTIPLE_OF_EXPANDED: (
        "multipleOf of {loc} changed from {old} to {new}, a multiple of it",
        "multiples of {old} that are not multiples of {new} (such as {old} itself) are valid "
        "under the original and rejected by the update",
        "keep multipleOf at {old} (or a divisor of it)"),
    Kind.MULTIPLE_OF_REDUCED: ("multipleOf of {loc} changed from {old} to {new}, a divisor of it",
                               "", ""),
    Kind.MULTIPLE_OF_CHANGED: (
        "multipleOf of {loc} changed from {old} to {new}",
        "neither divides the other: {old} itself is valid under the original and rejected by "
        "the update",
        "keep multipleOf at {old}, or use a divisor of it"),
    Kind.REQUIRED_ATTRIBUTE_ADDED: (
        "property `{name}`{at} became required",
        "data written with the original may omit `{name}`, and the update rejects such data "
        "(it declares no default for it)",
        "keep `{name}` optional, or give it a `default` in the update"),
    Kind.REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED: (
        "property `{name}`{at} became required (it has a default)", "", ""),
    Kind.REQUIRED_ATTRIBUTE_REMOVED: ("property `{name}`{at} is no longer required", "", ""),
    Kind.MAX_PROPERTIES_ADDED: (
        "maxProperties {new} added to {loc}",
        "objects with more than {new} properties, valid under the original, are rejected by the "
        "update",
        "leave maxProperties out"),
    Kind.MAX_PROPERTIES_REMOVED: ("maxProperties {old} removed from {loc}", "", ""),
    Kind.MAX_PROPERTIES_INCREASED: ("maxProperties of {loc} increased from {old} to {new}", "",
                                    ""),
    Kind.MAX_PROPERTIES_DECREASED: (
        "maxProperties of {loc} decreased from {old} to {new}",
        "objects with {above_new_to_old} properties, valid under the original, are rejected "
        "by the update",
        "keep maxProperties at {old} or more"),
    Kind.MIN_PROPERTIES_ADDED: (
        "minProperties {new} added to {loc}",
        "objects with fewer than {new} properties, valid under the original, are rejected by "
        "the update",
        "leave minProperties out"),
    Kind.MIN_PROPERTIES_REMOVED: ("minProperties {old} removed from {loc}", "", ""),
    Kind.MIN_PROPERTIES_INCREASED: (
        "minProperties of {loc} increased from {old} to {new}",
        "objects with {old_to_below_new} properties, valid under the original, are rejected "
        "by the update",
        "keep minProperties at {old} or less"),
    Kind.MIN_PROPERTIES_DECREASED: ("minProperties of {loc} decreased from {old} to {new}", "",
                                    ""),
    Kind.ADDITIONAL_PROPERTIES_ADDED: ("{loc} now allows undeclared properties", "", ""),
    Kind.ADDITIONAL_PROPERTIES_REMOVED: (
        "{loc} no longer allows undeclared properties (`additionalProperties: false`)",
        "the original allows properties it does not declare, so data written with it may carry "
        "some, and the update rejects them",
        "keep additionalProperties open; if no producer ever wrote undeclared properties, the "
        "LENIENT policy accepts this change"),
    Kind.ADDITIONAL_PROPERTIES_EXTENDED: ("{loc} no longer constrains undeclared properties",
                                          "", ""),
    Kind.ADDITIONAL_PROPERTIES_NARROWED: (
        "{loc} now constrains undeclared properties with an `additionalProperties` schema",
        "the original allows undeclared properties with any value, so data written with it may "
        "carry values the update's additionalProperties schema rejects",
        "leave additionalProperties out; if no producer ever wrote undeclared properties, the "
        "LENIENT policy accepts this change"),
    Kind.UNEVALUATED_PROPERTIES_ADDED: ("{loc} now allows unevaluated properties", "", ""),
    Kind.UNEVALUATED_PROPERTIES_REMOVED: (
        "{loc} no longer allows unevaluated properties (`unevaluatedProperties: false`)",
        "the original allows properties no keyword evaluates, so data written with it may carry "
        "some, and the update rejects them",
        "keep unevaluatedProperties open; if no producer ever wrote such properties, the "
        "LENIENT policy accepts this change"),
    Kind.UNEVALUATED_PROPERTIES_EXTENDED: ("{loc} no longer constrains unevaluated properties",
                                           "", ""),
    Kind.UNEVALUATED_PROPERTIES_NARROWED: (
        "{loc} now constrains unevaluated properties with an `unevaluatedProperties` schema",
        "the original allows unevaluated properties with any value, so data written with it "
        "may carry values the update's unevaluatedProperties schema rejects",
        "leave unevaluatedProperties out; if no producer ever wrote such properties, the "
        "LENIENT policy accepts this change"),
    Kind.DEPENDENCY_ARRAY_ADDED: (
        "dependency added{at}: when `{name}` is present, {new} must be too",
        "data written with the original may carry `{name}` without {new}, which the update "
        "rejects",
        "leave the dependency out of the update"),
    Kind.DEPENDENCY_ARRAY_REMOVED: ("dependency of `{name}`{at} removed", "", ""),
    Kind.DEPENDENCY_ARRAY_EXTENDED: (
        "dependency of `{name}`{at} extended from {old} to {new}",
        "data written with the original may carry `{name}` with only {old}, which the update "
        "rejects",
        "keep the dependency of `{name}` at {old}"),
    Kind.DEPENDENCY_ARRAY_NARROWED: ("dependency of `{name}`{at} narrowed from {old} to {new}",
                                     "", ""),
    Kind.DEPENDENCY_ARRAY_CHANGED: (
        "dependency of `{name}`{at} changed from {old} to {new}",
        "data written with the original may carry `{name}` with {old} but without {new}, which "
        "the update rejects",
        "keep the dependency of `{name}` at {old}, or only remove names from it"),
    Kind.DEPENDENCY_SCHEMA_ADDED: (
        "schema dependency added{at} for `{name}`",
        "objects carrying `{name}` must now also satisfy the dependency schema; data written "
        "with the original need not",
        "leave the schema dependency out of the update"),
    Kind.DEPENDENCY_SCHEMA_REMOVED: ("schema dependency of `{name}`{at} removed", "", ""),
    Kind.PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: (
        "adding {new_text} property `{name}` to an open content model{at}",
        "data written with the original schema may already carry {a_name} of any type",
        "the original is registered and cannot be closed any more: if no producer ever wrote "
        "`{name}`, set `json_policy: LENIENT` for this subject in gate.yaml (`--policy LENIENT` "
        "for gate compat); else give `{name}` an unconstrained schema ({{}}), or register the "
        "schema closed (`additionalProperties: false`) under a new subject"),
    Kind.PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL: (
        "property `{name}` with an unconstrained schema added to an open content model{at}", "",
        ""),
    Kind.REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: (
        "adding required property `{name}` without a default to a closed or partially open "
        "content model{at}",
        "data written with the original schema need not carry `{name}`, and the update requires "
        "it",
        "make `{name}` optional, or give it a `default`"),
    Kind.REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL: (
        "required property `{name}` with a default added to a closed content model{at}", "", ""),
    Kind.OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: (
        "optional property `{name}` added to a closed content model{at}", "", ""),
    Kind.PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL: (
        "property `{name}` removed from an open content model{at}", "", ""),
    Kind.PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: (
        "property `{name}` declared `false` removed from a closed content model{at}", "", ""),
    Kind.PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: (
        "removing property `{name}` from a closed content model{at}",
        "data written with the original schema may carry `{name}`, and the update, which allows "
        "no undeclared properties, rejects it",
        "keep `{name}` declared in the update (it can stay optional and unused)"),
    Kind.PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: (
        "property `{name}` removed{at}; the update's {via} covers it", "", ""),
    Kind.PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: (
        "removing property `{name}` from a partially open content model{at}",
        "the update's {via} schema, which now governs `{name}`, does not accept every value the "
        "original allowed for it",
        "keep `{name}` declared, or widen the update's {via} schema to cover its original "
        "schema"),
    Kind.PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: (
        "property `{name}` added{at}; the original's {via} covers it", "", ""),
    Kind.PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: (
        "adding property `{name}` to a partially open content model{at}",
        "data written with the original may carry `{name}` under its {via} schema, and the new "
        "schema of `{name}` rejects some of those values",
        "give `{name}` a schema at least as wide as the original's {via} schema"),
    Kind.MAX_ITEMS_ADDED: (
        "maxItems {new} added to {loc}",
        "arrays with more than {new} items, valid under the original, are rejected by the update",
        "leave maxItems out"),
    Kind.MAX_ITEMS_REMOVED: ("maxItems {old} removed from {loc}", "", ""),
    Kind.MAX_ITEMS_INCREASED: ("maxItems of {loc} increased from {old} to {new}", "", ""),
    Kind.MAX_ITEMS_DECREASED: (
        "maxItems of {loc} decreased from {old} to {new}",
        "arrays with {above_new_to_old} items, valid under the original, are rejected by the "
        "update",
        "keep maxItems at {old} or more"),
    Kind.MIN_ITEMS_ADDED: (
        "minItems {new} added to {loc}",
        "arrays with fewer than {new} items (such as an empty one), valid under the original, "
        "are rejected by the update",
        "leave minItems out"),
    Kind.MIN_ITEMS_REMOVED: ("minItems {old} removed from {loc}", "", ""),
    Kind.MIN_ITEMS_INCREASED: (
        "minItems of {loc} increased from {old} to {new}",
        "arrays with {old_to_below_new} items, valid under the original, are rejected by the "
        "update",
        "keep minItems at {old} or less"),
    Kind.MIN_ITEMS_DECREASED: ("minItems of {loc} decreased from {old} to {new}", "", ""),
    Kind.UNIQUE_ITEMS_ADDED: (
        "uniqueItems added to {loc}",
        "arrays with repeated items, valid under the original, are rejected by the update",
        "leave uniqueItems out and remove duplicates in the consumer"),
    Kind.UNIQUE_ITEMS_REMOVED: ("uniqueItems removed from {loc}", "", ""),
    Kind.ADDITIONAL_ITEMS_ADDED: ("{loc} now allows items beyond its tuple positions", "", ""),
    Kind.ADDITIONAL_ITEMS_REMOVED: (
        "{loc} no longer allows items beyond its tuple positions",
        "the original allows extra items, so data written with it may carry some, and the "
        "update rejects them",
        "keep the tuple open to extra items"),
    Kind.ADDITIONAL_ITEMS_EXTENDED: ("{loc} no longer constrains items beyond its tuple "
                                     "positions", "", ""),
    Kind.ADDITIONAL_ITEMS_NARROWED: (
        "{loc} now constrains items beyond its tuple positions with a schema",
        "the original allows extra items with any value, so data written with it may carry "
        "values the update's schema for them rejects",
        "leave the schema for extra items out"),
    Kind.UNEVALUATED_ITEMS_ADDED: ("{loc} now allows unevaluated items", "", ""),
    Kind.UNEVALUATED_ITEMS_REMOVED: (
        "{loc} no longer allows unevaluated items (`unevaluatedItems: false`)",
        "the original allows items no keyword evaluates, so data written with it may carry "
        "some, and the update rejects them",
        "keep unevaluatedItems open"),
    Kind.UNEVALUATED_ITEMS_EXTENDED: ("{loc} no longer constrains unevaluated items", "", ""),
    Kind.UNEVALUATED_ITEMS_NARROWED: (
        "{loc} now constrains unevaluated items with an `unevaluatedItems` schema",
        "the original allows unevaluated items with any value, so data written with it may "
        "carry values the update's unevaluatedItems schema rejects",
        "leave unevaluatedItems out"),
    Kind.ITEM_ADDED_TO_OPEN_CONTENT_MODEL: (
        "adding tuple position {name} to an open tuple{at}",
        "data written with the original schema may already hold any value at position {name}",
        "the original is registered and cannot be closed any more: give position {name} an "
        "unconstrained schema ({{}}), or register the tuple closed (additional items `false`) "
        "under a new subject"),
    Kind.ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL: (
        "tuple position {name} with an unconstrained schema added to an open tuple{at}", "", ""),
    Kind.ITEM_ADDED_TO_CLOSED_CONTENT_MODEL: ("tuple position {name} added to a closed tuple{at}",
                                              "", ""),
    Kind.ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL: (
        "tuple position {name} removed from an open tuple{at}", "", ""),
    Kind.ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: (
        "tuple position {name} declared `false` removed from a closed tuple{at}", "", ""),
    Kind.ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL: (
        "removing tuple position {name} from a closed tuple{at}",
        "data written with the original schema may hold an item at position {name}, and the "
        "update, which allows no further items, rejects it",
        "keep position {name} in the update's tuple"),
    Kind.ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: (
        "tuple position {name} removed{at}; the update's schema for extra items covers it", "",
        ""),
    Kind.ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: (
        "removing tuple position {name} from a partially open tuple{at}",
        "the update's schema for extra items does not accept every value the original allowed "
        "at position {name}",
        "keep position {name}, or widen the update's schema for extra items"),
    Kind.ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: (
        "tuple position {name} added{at}; the original's schema for extra items covers it", "",
        ""),
    Kind.ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: (
        "adding tuple position {name} to a partially open tuple{at}",
        "data written with the original may hold an item at position {name} under its schema "
        "for extra items, and the new, narrower schema of position {name} rejects some of those",
        "give position {name} a schema at least as wide as the original's schema for extra "
        "items"),
    Kind.ENUM_ARRAY_EXTENDED: ("enum of {loc} gained {new}", "", ""),
    Kind.ENUM_ARRAY_NARROWED: (
        "enum of {loc} lost {old}",
        "data written with the original may hold {old}, which the update rejects",
        "keep {old} in the enum"),
    Kind.ENUM_ARRAY_CHANGED: (
        "{name} of {loc} changed: {old} no longer allowed, {new} allowed",
        "data written with the original may hold {old}, which the update rejects",
        "keep the original values in the update"),
    Kind.COMBINED_TYPE_EXTENDED: ("{loc} changed from {old_text} to {new_text}", "", ""),
    Kind.COMBINED_TYPE_CHANGED: (
        "{loc} changed from {old_text} to {new_text}",
        "values valid under the original's {old_text} need not be valid under {new_text} (a "
        "value matching several branches passes anyOf but fails oneOf)",
        "keep {old_text}"),
    Kind.PRODUCT_TYPE_EXTENDED: (
        "allOf of {loc} grew from {old} to {new} members",
        "every value must now also satisfy the new member, and data written with the original "
        "need not",
        "enforce the new constraint in the producer rather than in the schema"),
    Kind.PRODUCT_TYPE_NARROWED: ("allOf of {loc} shrank from {old} to {new} members", "", ""),
    Kind.SUM_TYPE_EXTENDED: ("{name} of {loc} gained a branch", "", ""),
    Kind.SUM_TYPE_NARROWED: (
        "{name} of {loc} shrank from {old} to {new} branches",
        "data written with the original may match only a removed branch, which the update "
        "rejects",
        "keep every branch of the original {name}"),
    Kind.COMBINED_TYPE_SUBSCHEMAS_CHANGED: (
        "the {branches} of {loc} changed",
        "not every {branch} of the original has a compatible counterpart in the update, so data "
        "matching it may be rejected{details}",
        "keep each original {branch} (only widen them, or add new branches to an anyOf/oneOf)"),
    Kind.NOT_TYPE_EXTENDED: (
        "the `not` schema of {loc} now excludes more",
        "values the original allowed may fall under the update's wider `not` schema and be "
        "rejected",
        "keep the `not` schema as narrow as the original's"),
    Kind.NOT_TYPE_NARROWED: ("the `not` schema of {loc} now excludes less", "", ""),
    Kind.KEYWORD_NOT_COMPARED: (
        "{name} of {loc} changed from {old} to {new} (the registry does not compare {name})",
        "", ""),
}


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


_EXTRA_WORDS = {"additionalProperties": "undeclared properties",
                "unevaluatedProperties": "unevaluated properties",
                "additionalItems": "extra items", "unevaluatedItems": "unevaluated items"}


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
            out += {"items": "[]", "additionalItems": "[+]", "additionalProperties": ".*",
                    "unevaluatedProperties": ".*", "unevaluatedItems": "[+]",
                    "not": " (not)"}.get(token, f"/{token}")
        index += step
    return f"`{out.strip()}`" if out else "the top-level value"


# differences about one member of an object or tuple: their pointer ends `<keyword>/<member>`
_MEMBER_KINDS = frozenset(kind for kind in Kind if kind.name.startswith((
    "REQUIRED_", "DEPENDENCY_", "PROPERTY_", "OPTIONAL_PROPERTY_", "ITEM_")))


def _owner(diff: Difference, pointer: str) -> str:
    """The pointer of the schema a difference is about (without keyword or member tokens)."""
    from gate.jsonpos import join_pointer

    tokens = pointer_tokens(pointer)
    if diff.kind in _MEMBER_KINDS:
        if len(tokens) >= 2 and tokens[-2] in _MEMBERS:
            tokens = tokens[:-2]
        elif tokens and tokens[-1] in _MEMBERS:
            tokens = tokens[:-1]
    elif tokens and tokens[-1] == diff.name and diff.name in _KEYWORDS | {"not", "const",
                                                                           "enum"}:
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
        "new_above": "", "new_below": "", "above_new_to_old": "", "old_to_below_new": "",
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


def shown(diff: Difference) -> tuple[str, Pos]:
    """Which schema a finding about `diff` points into, and where."""
    if diff.kind in WRITER_SIDE:
        return "writer", diff.original
    return "reader", diff.update


def what(diff: Difference) -> str:
    """The change in plain words, from the original to the update."""
    side, pos = shown(diff)
    return _TEXT[diff.kind][0].format(**_fields(diff, pos))


def incompatibility(diff: Difference) -> Incompatibility:
    """The finding for one incompatible difference."""
    side, pos = shown(diff)
    change, why, fix = _TEXT[diff.kind]
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
