"""Every kind of difference the registry's JSON Schema diff reports, and how each is judged.

The names are the registry's own (`Difference.Type` in Confluent Schema Registry). A change is
compatible under a policy exactly when every difference found is in that policy's compatible set.
Each kind that is incompatible under at least one policy is a rule `JSON_<NAME>`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache

from gate.formats.jsonschema.rules import RULES
from gate.model import Category, JsonPolicy, Rule, Severity, Side


class Kind(enum.Enum):
    """A kind of difference between an original schema and its update."""

    ID_CHANGED = enum.auto()
    DESCRIPTION_CHANGED = enum.auto()
    TITLE_CHANGED = enum.auto()
    DEFAULT_CHANGED = enum.auto()
    SCHEMA_ADDED = enum.auto()
    SCHEMA_REMOVED = enum.auto()
    TYPE_EXTENDED = enum.auto()
    TYPE_NARROWED = enum.auto()
    TYPE_CHANGED = enum.auto()

    MAX_LENGTH_ADDED = enum.auto()
    MAX_LENGTH_REMOVED = enum.auto()
    MAX_LENGTH_INCREASED = enum.auto()
    MAX_LENGTH_DECREASED = enum.auto()
    MIN_LENGTH_ADDED = enum.auto()
    MIN_LENGTH_REMOVED = enum.auto()
    MIN_LENGTH_INCREASED = enum.auto()
    MIN_LENGTH_DECREASED = enum.auto()
    PATTERN_ADDED = enum.auto()
    PATTERN_REMOVED = enum.auto()
    PATTERN_CHANGED = enum.auto()

    MAXIMUM_ADDED = enum.auto()
    MAXIMUM_REMOVED = enum.auto()
    MAXIMUM_INCREASED = enum.auto()
    MAXIMUM_DECREASED = enum.auto()
    MINIMUM_ADDED = enum.auto()
    MINIMUM_REMOVED = enum.auto()
    MINIMUM_INCREASED = enum.auto()
    MINIMUM_DECREASED = enum.auto()
    EXCLUSIVE_MAXIMUM_ADDED = enum.auto()
    EXCLUSIVE_MAXIMUM_REMOVED = enum.auto()
    EXCLUSIVE_MAXIMUM_INCREASED = enum.auto()
    EXCLUSIVE_MAXIMUM_DECREASED = enum.auto()
    EXCLUSIVE_MINIMUM_ADDED = enum.auto()
    EXCLUSIVE_MINIMUM_REMOVED = enum.auto()
    EXCLUSIVE_MINIMUM_INCREASED = enum.auto()
    EXCLUSIVE_MINIMUM_DECREASED = enum.auto()
    MULTIPLE_OF_ADDED = enum.auto()
    MULTIPLE_OF_REMOVED = enum.auto()
    MULTIPLE_OF_EXPANDED = enum.auto()
    MULTIPLE_OF_REDUCED = enum.auto()
    MULTIPLE_OF_CHANGED = enum.auto()

    REQUIRED_ATTRIBUTE_ADDED = enum.auto()
    REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED = enum.auto()
    REQUIRED_ATTRIBUTE_REMOVED = enum.auto()
    MAX_PROPERTIES_ADDED = enum.auto()
    MAX_PROPERTIES_REMOVED = enum.auto()
    MAX_PROPERTIES_INCREASED = enum.auto()
    MAX_PROPERTIES_DECREASED = enum.auto()
    MIN_PROPERTIES_ADDED = enum.auto()
    MIN_PROPERTIES_REMOVED = enum.auto()
    MIN_PROPERTIES_INCREASED = enum.auto()
    MIN_PROPERTIES_DECREASED = enum.auto()
    ADDITIONAL_PROPERTIES_ADDED = enum.auto()
    ADDITIONAL_PROPERTIES_REMOVED = enum.auto()
    ADDITIONAL_PROPERTIES_EXTENDED = enum.auto()
    ADDITIONAL_PROPERTIES_NARROWED = enum.auto()
    UNEVALUATED_PROPERTIES_ADDED = enum.auto()
    UNEVALUATED_PROPERTIES_REMOVED = enum.auto()
    UNEVALUATED_PROPERTIES_EXTENDED = enum.auto()
    UNEVALUATED_PROPERTIES_NARROWED = enum.auto()
    DEPENDENCY_ARRAY_ADDED = enum.auto()
    DEPENDENCY_ARRAY_REMOVED = enum.auto()
    DEPENDENCY_ARRAY_EXTENDED = enum.auto()
    DEPENDENCY_ARRAY_NARROWED = enum.auto()
    DEPENDENCY_ARRAY_CHANGED = enum.auto()
    DEPENDENCY_SCHEMA_ADDED = enum.auto()
    DEPENDENCY_SCHEMA_REMOVED = enum.auto()
    PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL = enum.auto()
    PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL = enum.auto()
    REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL = enum.auto()
    REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL = enum.auto()
    OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL = enum.auto()
    PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL = enum.auto()
    PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL = enum.auto()
    PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL = enum.auto()
    PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = enum.auto()
    PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = enum.auto()
    PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = enum.auto()
    PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = enum.auto()

    MAX_ITEMS_ADDED = enum.auto()
    MAX_ITEMS_REMOVED = enum.auto()
    MAX_ITEMS_INCREASED = enum.auto()
    MAX_ITEMS_DECREASED = enum.auto()
    MIN_ITEMS_ADDED = enum.auto()
    MIN_ITEMS_REMOVED = enum.auto()
    MIN_ITEMS_INCREASED = enum.auto()
    MIN_ITEMS_DECREASED = enum.auto()
    UNIQUE_ITEMS_ADDED = enum.auto()
    UNIQUE_ITEMS_REMOVED = enum.auto()
    ADDITIONAL_ITEMS_ADDED = enum.auto()
    ADDITIONAL_ITEMS_REMOVED = enum.auto()
    ADDITIONAL_ITEMS_EXTENDED = enum.auto()
    ADDITIONAL_ITEMS_NARROWED = enum.auto()
    UNEVALUATED_ITEMS_ADDED = enum.auto()
    UNEVALUATED_ITEMS_REMOVED = enum.auto()
    UNEVALUATED_ITEMS_EXTENDED = enum.auto()
    UNEVALUATED_ITEMS_NARROWED = enum.auto()
    ITEM_ADDED_TO_OPEN_CONTENT_MODEL = enum.auto()
    ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL = enum.auto()
    ITEM_ADDED_TO_CLOSED_CONTENT_MODEL = enum.auto()
    ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL = enum.auto()
    ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL = enum.auto()
    ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL = enum.auto()
    ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = enum.auto()
    ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = enum.auto()
    ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = enum.auto()
    ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL = enum.auto()

    ENUM_ARRAY_EXTENDED = enum.auto()
    ENUM_ARRAY_NARROWED = enum.auto()
    ENUM_ARRAY_CHANGED = enum.auto()

    COMBINED_TYPE_EXTENDED = enum.auto()
    COMBINED_TYPE_CHANGED = enum.auto()
    PRODUCT_TYPE_EXTENDED = enum.auto()
    PRODUCT_TYPE_NARROWED = enum.auto()
    SUM_TYPE_EXTENDED = enum.auto()
    SUM_TYPE_NARROWED = enum.auto()
    COMBINED_TYPE_SUBSCHEMAS_CHANGED = enum.auto()
    NOT_TYPE_EXTENDED = enum.auto()
    NOT_TYPE_NARROWED = enum.auto()

    # not a registry kind: a keyword the registry does not compare at all (`format`,
    # `contains`, `if`...) changed; reported by `diff` only, never incompatible
    KEYWORD_NOT_COMPARED = enum.auto()

    @property
    def rule_id(self) -> str:
        return f"JSON_{self.name}"


READER = Side.READER
WRITER = Side.WRITER


@dataclass(frozen=True)
class KindRow:
    """How the registry judges one kind of difference, and the words gate uses for it."""

    kind: Kind
    strict: bool  # compatible under the STRICT policy
    # compatible under LENIENT, which also accepts changes to open and partially open objects
    lenient: bool
    side: Side  # the schema a finding points into: READER (the update) or WRITER (the original)
    inverse: Kind | None  # the same change seen with original and update swapped
    purpose: str | None  # the rule's purpose, for kinds incompatible under some policy
    # what changed / why data breaks / what to do; fields: {loc} the schema concerned, {at}
    # where a member lives (" in `x`" or ""), {name}, {old}, {new}, {via}, {new_above}...
    message: tuple[str, str, str]


# one row per kind: kind, STRICT-compatible, LENIENT-compatible, side, inverse, purpose, message
# fmt: off
KINDS: tuple[KindRow, ...] = (
    KindRow(
        Kind.ID_CHANGED, True, True, READER, None, None,
        ("$id of {loc} changed from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.DESCRIPTION_CHANGED, True, True, READER, None, None,
        ("description of {loc} changed", "", ""),
    ),
    KindRow(
        Kind.TITLE_CHANGED, True, True, READER, None, None,
        ("title of {loc} changed", "", ""),
    ),
    KindRow(
        Kind.DEFAULT_CHANGED, True, True, READER, None, None,
        ("default of {loc} changed from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.SCHEMA_ADDED, False, False, READER, Kind.SCHEMA_REMOVED,
        "A subschema (such as `items`) appears where the original had none, constraining values "
        "that were unconstrained.",
        ("`{name}` schema added to {loc}",
         "the original does not constrain `{name}` there, so data written with it may hold "
         "values the update's `{name}` schema rejects",
         "leave `{name}` out of the update, or give it an unconstrained schema ({{}})"),
    ),
    KindRow(
        Kind.SCHEMA_REMOVED, True, True, WRITER, Kind.SCHEMA_ADDED, None,
        ("`{name}` schema removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.TYPE_EXTENDED, True, True, READER, Kind.TYPE_NARROWED, None,
        ("{loc} widened from integer to number", "", ""),
    ),
    KindRow(
        Kind.TYPE_NARROWED, False, False, READER, Kind.TYPE_EXTENDED,
        "A number schema becomes integer-only: fractional values written with the original are "
        "rejected.",
        ("{loc} narrowed from number to integer",
         "data written with the original may hold a fractional number such as 1.5 there, which "
         "the update rejects",
         "keep `\"type\": \"number\"` at {loc}"),
    ),
    KindRow(
        Kind.TYPE_CHANGED, False, False, READER, None,
        "A schema changes kind (type, enum, const, combination...): the registry treats that as "
        "incompatible.",
        ("{loc} changed from {old_text} to {new_text}",
         "values valid under the original need not be valid under the update, and the registry "
         "judges any change of schema kind incompatible without comparing the values",
         "keep {old_text} at {loc}; to accept another form too, make it an anyOf whose first "
         "branch is the original schema"),
    ),
    KindRow(
        Kind.MAX_LENGTH_ADDED, False, False, READER, Kind.MAX_LENGTH_REMOVED,
        "A string gains a maxLength: longer strings are rejected.",
        ("maxLength {new} added to {loc}",
         "the original accepts strings of any length there; strings longer than {new} characters "
         "written with it are rejected by the update",
         "leave maxLength out, or set it no lower than the longest value producers may have "
         "written"),
    ),
    KindRow(
        Kind.MAX_LENGTH_REMOVED, True, True, WRITER, Kind.MAX_LENGTH_ADDED, None,
        ("maxLength {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.MAX_LENGTH_INCREASED, True, True, READER, Kind.MAX_LENGTH_DECREASED, None,
        ("maxLength of {loc} increased from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.MAX_LENGTH_DECREASED, False, False, READER, Kind.MAX_LENGTH_INCREASED,
        "A string's maxLength decreases: longer strings are rejected.",
        ("maxLength of {loc} decreased from {old} to {new}",
         "strings of {above_new_to_old} characters, valid under the original, are rejected by "
         "the update",
         "keep maxLength at {old} or more"),
    ),
    KindRow(
        Kind.MIN_LENGTH_ADDED, False, False, READER, Kind.MIN_LENGTH_REMOVED,
        "A string gains a minLength: shorter strings are rejected.",
        ("minLength {new} added to {loc}",
         "the original accepts shorter strings there (down to the empty string); strings shorter "
         "than {new} characters written with it are rejected by the update",
         "leave minLength out"),
    ),
    KindRow(
        Kind.MIN_LENGTH_REMOVED, True, True, WRITER, Kind.MIN_LENGTH_ADDED, None,
        ("minLength {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.MIN_LENGTH_INCREASED, False, False, READER, Kind.MIN_LENGTH_DECREASED,
        "A string's minLength increases: shorter strings are rejected.",
        ("minLength of {loc} increased from {old} to {new}",
         "strings of {old_to_below_new} characters, valid under the original, are rejected by "
         "the update",
         "keep minLength at {old} or less"),
    ),
    KindRow(
        Kind.MIN_LENGTH_DECREASED, True, True, READER, Kind.MIN_LENGTH_INCREASED, None,
        ("minLength of {loc} decreased from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.PATTERN_ADDED, False, False, READER, Kind.PATTERN_REMOVED,
        "A string gains a pattern: non-matching strings are rejected.",
        ("pattern {new} added to {loc}",
         "the original accepts any string there; strings written with it that do not match {new} "
         "are rejected by the update",
         "leave the pattern out of the update and validate the format in the producer"),
    ),
    KindRow(
        Kind.PATTERN_REMOVED, True, True, WRITER, Kind.PATTERN_ADDED, None,
        ("pattern {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.PATTERN_CHANGED, False, False, READER, None,
        "A string's pattern changes; regular expressions are not compared, so any change counts.",
        ("pattern of {loc} changed from {old} to {new}",
         "strings matching the original pattern need not match the new one; the registry does "
         "not compare regular expressions, so it rejects any change to a pattern, even one that "
         "only accepts more strings (then no instance can tell the difference)",
         "keep the original pattern, or remove the pattern altogether (that is compatible)"),
    ),
    KindRow(
        Kind.MAXIMUM_ADDED, False, False, READER, Kind.MAXIMUM_REMOVED,
        "A number gains a maximum: larger values are rejected.",
        ("maximum {new} added to {loc}",
         "the original accepts larger numbers there; values above {new} written with it are "
         "rejected by the update",
         "leave maximum out"),
    ),
    KindRow(
        Kind.MAXIMUM_REMOVED, True, True, WRITER, Kind.MAXIMUM_ADDED, None,
        ("maximum {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.MAXIMUM_INCREASED, True, True, READER, Kind.MAXIMUM_DECREASED, None,
        ("maximum of {loc} increased from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.MAXIMUM_DECREASED, False, False, READER, Kind.MAXIMUM_INCREASED,
        "A number's maximum decreases: larger values are rejected.",
        ("maximum of {loc} decreased from {old} to {new}",
         "values above {new} up to {old}, valid under the original, are rejected by the update",
         "keep maximum at {old} or higher"),
    ),
    KindRow(
        Kind.MINIMUM_ADDED, False, False, READER, Kind.MINIMUM_REMOVED,
        "A number gains a minimum: smaller values are rejected.",
        ("minimum {new} added to {loc}",
         "the original accepts smaller numbers there; values below {new} written with it are "
         "rejected by the update",
         "leave minimum out"),
    ),
    KindRow(
        Kind.MINIMUM_REMOVED, True, True, WRITER, Kind.MINIMUM_ADDED, None,
        ("minimum {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.MINIMUM_INCREASED, False, False, READER, Kind.MINIMUM_DECREASED,
        "A number's minimum increases: smaller values are rejected.",
        ("minimum of {loc} increased from {old} to {new}",
         "values from {old} up to below {new}, valid under the original, are rejected by the "
         "update",
         "keep minimum at {old} or lower"),
    ),
    KindRow(
        Kind.MINIMUM_DECREASED, True, True, READER, Kind.MINIMUM_INCREASED, None,
        ("minimum of {loc} decreased from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.EXCLUSIVE_MAXIMUM_ADDED, False, False, READER, Kind.EXCLUSIVE_MAXIMUM_REMOVED,
        "A number gains an exclusiveMaximum: values at or above it are rejected.",
        ("exclusiveMaximum {new} added to {loc}",
         "the original accepts values of {new} and more there; the update rejects them",
         "leave exclusiveMaximum out"),
    ),
    KindRow(
        Kind.EXCLUSIVE_MAXIMUM_REMOVED, True, True, WRITER, Kind.EXCLUSIVE_MAXIMUM_ADDED, None,
        ("exclusiveMaximum {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.EXCLUSIVE_MAXIMUM_INCREASED, True, True, READER, Kind.EXCLUSIVE_MAXIMUM_DECREASED,
        None,
        ("exclusiveMaximum of {loc} increased from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.EXCLUSIVE_MAXIMUM_DECREASED, False, False, READER, Kind.EXCLUSIVE_MAXIMUM_INCREASED,
        "A number's exclusiveMaximum decreases: larger values are rejected.",
        ("exclusiveMaximum of {loc} decreased from {old} to {new}",
         "values from {new} up to below {old}, valid under the original, are rejected by the "
         "update",
         "keep exclusiveMaximum at {old} or higher"),
    ),
    KindRow(
        Kind.EXCLUSIVE_MINIMUM_ADDED, False, False, READER, Kind.EXCLUSIVE_MINIMUM_REMOVED,
        "A number gains an exclusiveMinimum: values at or below it are rejected.",
        ("exclusiveMinimum {new} added to {loc}",
         "the original accepts values of {new} and less there; the update rejects them",
         "leave exclusiveMinimum out"),
    ),
    KindRow(
        Kind.EXCLUSIVE_MINIMUM_REMOVED, True, True, WRITER, Kind.EXCLUSIVE_MINIMUM_ADDED, None,
        ("exclusiveMinimum {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.EXCLUSIVE_MINIMUM_INCREASED, False, False, READER, Kind.EXCLUSIVE_MINIMUM_DECREASED,
        "A number's exclusiveMinimum increases: smaller values are rejected.",
        ("exclusiveMinimum of {loc} increased from {old} to {new}",
         "values above {old} up to {new}, valid under the original, are rejected by the update",
         "keep exclusiveMinimum at {old} or lower"),
    ),
    KindRow(
        Kind.EXCLUSIVE_MINIMUM_DECREASED, True, True, READER, Kind.EXCLUSIVE_MINIMUM_INCREASED,
        None,
        ("exclusiveMinimum of {loc} decreased from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.MULTIPLE_OF_ADDED, False, False, READER, Kind.MULTIPLE_OF_REMOVED,
        "A number gains a multipleOf: other values are rejected.",
        ("multipleOf {new} added to {loc}",
         "values that are not multiples of {new}, valid under the original, are rejected by the "
         "update",
         "leave multipleOf out"),
    ),
    KindRow(
        Kind.MULTIPLE_OF_REMOVED, True, True, WRITER, Kind.MULTIPLE_OF_ADDED, None,
        ("multipleOf {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.MULTIPLE_OF_EXPANDED, False, False, READER, Kind.MULTIPLE_OF_REDUCED,
        "A number's multipleOf becomes a multiple of the old one: fewer values are accepted.",
        ("multipleOf of {loc} changed from {old} to {new}, a multiple of it",
         "multiples of {old} that are not multiples of {new} (such as {old} itself) are valid "
         "under the original and rejected by the update",
         "keep multipleOf at {old} (or a divisor of it)"),
    ),
    KindRow(
        Kind.MULTIPLE_OF_REDUCED, True, True, READER, Kind.MULTIPLE_OF_EXPANDED, None,
        ("multipleOf of {loc} changed from {old} to {new}, a divisor of it", "", ""),
    ),
    KindRow(
        Kind.MULTIPLE_OF_CHANGED, False, False, READER, None,
        "A number's multipleOf changes to an unrelated factor.",
        ("multipleOf of {loc} changed from {old} to {new}",
         "neither divides the other: {old} itself is valid under the original and rejected by "
         "the update",
         "keep multipleOf at {old}, or use a divisor of it"),
    ),
    KindRow(
        Kind.REQUIRED_ATTRIBUTE_ADDED, False, False, READER, Kind.REQUIRED_ATTRIBUTE_REMOVED,
        "An existing property becomes required without a default.",
        ("property `{name}`{at} became required",
         "data written with the original may omit `{name}`, and the update rejects such data (it "
         "declares no default for it)",
         "keep `{name}` optional, or give it a `default` in the update"),
    ),
    KindRow(
        Kind.REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED, True, True, READER, None, None,
        ("property `{name}`{at} became required (it has a default)", "", ""),
    ),
    KindRow(
        Kind.REQUIRED_ATTRIBUTE_REMOVED, True, True, WRITER, Kind.REQUIRED_ATTRIBUTE_ADDED, None,
        ("property `{name}`{at} is no longer required", "", ""),
    ),
    KindRow(
        Kind.MAX_PROPERTIES_ADDED, False, False, READER, Kind.MAX_PROPERTIES_REMOVED,
        "An object gains a maxProperties: larger objects are rejected.",
        ("maxProperties {new} added to {loc}",
         "objects with more than {new} properties, valid under the original, are rejected by the "
         "update",
         "leave maxProperties out"),
    ),
    KindRow(
        Kind.MAX_PROPERTIES_REMOVED, True, True, WRITER, Kind.MAX_PROPERTIES_ADDED, None,
        ("maxProperties {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.MAX_PROPERTIES_INCREASED, True, True, READER, Kind.MAX_PROPERTIES_DECREASED, None,
        ("maxProperties of {loc} increased from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.MAX_PROPERTIES_DECREASED, False, False, READER, Kind.MAX_PROPERTIES_INCREASED,
        "An object's maxProperties decreases.",
        ("maxProperties of {loc} decreased from {old} to {new}",
         "objects with {above_new_to_old} properties, valid under the original, are rejected by "
         "the update",
         "keep maxProperties at {old} or more"),
    ),
    KindRow(
        Kind.MIN_PROPERTIES_ADDED, False, False, READER, Kind.MIN_PROPERTIES_REMOVED,
        "An object gains a minProperties: smaller objects are rejected.",
        ("minProperties {new} added to {loc}",
         "objects with fewer than {new} properties, valid under the original, are rejected by "
         "the update",
         "leave minProperties out"),
    ),
    KindRow(
        Kind.MIN_PROPERTIES_REMOVED, True, True, WRITER, Kind.MIN_PROPERTIES_ADDED, None,
        ("minProperties {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.MIN_PROPERTIES_INCREASED, False, False, READER, Kind.MIN_PROPERTIES_DECREASED,
        "An object's minProperties increases.",
        ("minProperties of {loc} increased from {old} to {new}",
         "objects with {old_to_below_new} properties, valid under the original, are rejected by "
         "the update",
         "keep minProperties at {old} or less"),
    ),
    KindRow(
        Kind.MIN_PROPERTIES_DECREASED, True, True, READER, Kind.MIN_PROPERTIES_INCREASED, None,
        ("minProperties of {loc} decreased from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.ADDITIONAL_PROPERTIES_ADDED, True, True, READER, Kind.ADDITIONAL_PROPERTIES_REMOVED,
        None,
        ("{loc} now allows undeclared properties", "", ""),
    ),
    KindRow(
        Kind.ADDITIONAL_PROPERTIES_REMOVED, False, True, READER, Kind.ADDITIONAL_PROPERTIES_ADDED,
        "An object stops allowing undeclared properties (`additionalProperties: false`).",
        ("{loc} no longer allows undeclared properties (`additionalProperties: false`)",
         "the original allows properties it does not declare, so data written with it may carry "
         "some, and the update rejects them",
         "keep additionalProperties open; if no producer ever wrote undeclared properties, the "
         "LENIENT policy accepts this change"),
    ),
    KindRow(
        Kind.ADDITIONAL_PROPERTIES_EXTENDED, True, True, READER,
        Kind.ADDITIONAL_PROPERTIES_NARROWED, None,
        ("{loc} no longer constrains undeclared properties", "", ""),
    ),
    KindRow(
        Kind.ADDITIONAL_PROPERTIES_NARROWED, False, True, READER,
        Kind.ADDITIONAL_PROPERTIES_EXTENDED,
        "An object constrains its undeclared properties with an `additionalProperties` schema.",
        ("{loc} now constrains undeclared properties with an `additionalProperties` schema",
         "the original allows undeclared properties with any value, so data written with it may "
         "carry values the update's additionalProperties schema rejects",
         "leave additionalProperties out; if no producer ever wrote undeclared properties, the "
         "LENIENT policy accepts this change"),
    ),
    KindRow(
        Kind.UNEVALUATED_PROPERTIES_ADDED, True, True, READER, Kind.UNEVALUATED_PROPERTIES_REMOVED,
        None,
        ("{loc} now allows unevaluated properties", "", ""),
    ),
    KindRow(
        Kind.UNEVALUATED_PROPERTIES_REMOVED, False, True, READER,
        Kind.UNEVALUATED_PROPERTIES_ADDED,
        "An object stops allowing unevaluated properties (`unevaluatedProperties: false`).",
        ("{loc} no longer allows unevaluated properties (`unevaluatedProperties: false`)",
         "the original allows properties no keyword evaluates, so data written with it may carry "
         "some, and the update rejects them",
         "keep unevaluatedProperties open; if no producer ever wrote such properties, the "
         "LENIENT policy accepts this change"),
    ),
    KindRow(
        Kind.UNEVALUATED_PROPERTIES_EXTENDED, True, True, READER,
        Kind.UNEVALUATED_PROPERTIES_NARROWED, None,
        ("{loc} no longer constrains unevaluated properties", "", ""),
    ),
    KindRow(
        Kind.UNEVALUATED_PROPERTIES_NARROWED, False, True, READER,
        Kind.UNEVALUATED_PROPERTIES_EXTENDED,
        "An object constrains its unevaluated properties with an `unevaluatedProperties` schema.",
        ("{loc} now constrains unevaluated properties with an `unevaluatedProperties` schema",
         "the original allows unevaluated properties with any value, so data written with it may "
         "carry values the update's unevaluatedProperties schema rejects",
         "leave unevaluatedProperties out; if no producer ever wrote such properties, the "
         "LENIENT policy accepts this change"),
    ),
    KindRow(
        Kind.DEPENDENCY_ARRAY_ADDED, False, False, READER, Kind.DEPENDENCY_ARRAY_REMOVED,
        "A property dependency (`dependencies` / `dependentRequired`) is added.",
        ("dependency added{at}: when `{name}` is present, {new} must be too",
         "data written with the original may carry `{name}` without {new}, which the update "
         "rejects",
         "leave the dependency out of the update"),
    ),
    KindRow(
        Kind.DEPENDENCY_ARRAY_REMOVED, True, True, WRITER, Kind.DEPENDENCY_ARRAY_ADDED, None,
        ("dependency of `{name}`{at} removed", "", ""),
    ),
    KindRow(
        Kind.DEPENDENCY_ARRAY_EXTENDED, False, False, READER, Kind.DEPENDENCY_ARRAY_NARROWED,
        "A property dependency requires more properties.",
        ("dependency of `{name}`{at} extended from {old} to {new}",
         "data written with the original may carry `{name}` with only {old}, which the update "
         "rejects",
         "keep the dependency of `{name}` at {old}"),
    ),
    KindRow(
        Kind.DEPENDENCY_ARRAY_NARROWED, True, True, READER, Kind.DEPENDENCY_ARRAY_EXTENDED, None,
        ("dependency of `{name}`{at} narrowed from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.DEPENDENCY_ARRAY_CHANGED, False, False, READER, None,
        "A property dependency requires different properties.",
        ("dependency of `{name}`{at} changed from {old} to {new}",
         "data written with the original may carry `{name}` with {old} but without {new}, which "
         "the update rejects",
         "keep the dependency of `{name}` at {old}, or only remove names from it"),
    ),
    KindRow(
        Kind.DEPENDENCY_SCHEMA_ADDED, False, False, READER, Kind.DEPENDENCY_SCHEMA_REMOVED,
        "A schema dependency (`dependencies` / `dependentSchemas`) is added.",
        ("schema dependency added{at} for `{name}`",
         "objects carrying `{name}` must now also satisfy the dependency schema; data written "
         "with the original need not",
         "leave the schema dependency out of the update"),
    ),
    KindRow(
        Kind.DEPENDENCY_SCHEMA_REMOVED, True, True, WRITER, Kind.DEPENDENCY_SCHEMA_ADDED, None,
        ("schema dependency of `{name}`{at} removed", "", ""),
    ),
    KindRow(
        Kind.PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, False, True, READER, None,
        "A typed property is added to an open object: old data may already carry it with any "
        "value.",
        ("adding {new_text} property `{name}` to an open content model{at}",
         "data written with the original schema may already carry {a_name} of any type",
         "the original is registered and cannot be closed any more: if no producer ever wrote "
         "`{name}`, set `json_policy: LENIENT` for this subject in gate.yaml (`--policy "
         "LENIENT` for gate compat); else give `{name}` an unconstrained schema ({{}}), or "
         "register the schema closed (`additionalProperties: false`) under a new subject"),
    ),
    KindRow(
        Kind.PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL, True, True, READER, None,
        None,
        ("property `{name}` with an unconstrained schema added to an open content model{at}",
         "", ""),
    ),
    KindRow(
        Kind.REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL, False, False, READER, None,
        "A required property without a default is added to a closed or partially open object.",
        ("adding required property `{name}` without a default to a closed or partially open "
         "content model{at}",
         "data written with the original schema need not carry `{name}`, and the update requires "
         "it",
         "make `{name}` optional, or give it a `default`"),
    ),
    KindRow(
        Kind.REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL, True, True, READER,
        None,
        None,
        ("required property `{name}` with a default added to a closed content model{at}", "", ""),
    ),
    KindRow(
        Kind.OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL, True, True, READER, None, None,
        ("optional property `{name}` added to a closed content model{at}", "", ""),
    ),
    KindRow(
        Kind.PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL, True, True, WRITER, None, None,
        ("property `{name}` removed from an open content model{at}", "", ""),
    ),
    KindRow(
        Kind.PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL, True, True, WRITER, None, None,
        ("property `{name}` declared `false` removed from a closed content model{at}", "", ""),
    ),
    KindRow(
        Kind.PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL, False, False, WRITER, None,
        "A property is removed from a closed object: old data carrying it is rejected.",
        ("removing property `{name}` from a closed content model{at}",
         "data written with the original schema may carry `{name}`, and the update, which allows "
         "no undeclared properties, rejects it",
         "keep `{name}` declared in the update (it can stay optional and unused)"),
    ),
    KindRow(
        Kind.PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, True, True, WRITER, None,
        None,
        ("property `{name}` removed{at}; the update's {via} covers it", "", ""),
    ),
    KindRow(
        Kind.PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, False, True, WRITER,
        None,
        "A property is removed and the remaining additionalProperties / patternProperties schema "
        "does not accept its values.",
        ("removing property `{name}` from a partially open content model{at}",
         "the update's {via} schema, which now governs `{name}`, does not accept every value the "
         "original allowed for it",
         "keep `{name}` declared, or widen the update's {via} schema to cover its original "
         "schema"),
    ),
    KindRow(
        Kind.PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, True, True, READER, None,
        None,
        ("property `{name}` added{at}; the original's {via} covers it", "", ""),
    ),
    KindRow(
        Kind.PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, False, True, READER, None,
        "A property is added whose schema is narrower than the additionalProperties / "
        "patternProperties schema it replaces.",
        ("adding property `{name}` to a partially open content model{at}",
         "data written with the original may carry `{name}` under its {via} schema, and the new "
         "schema of `{name}` rejects some of those values",
         "give `{name}` a schema at least as wide as the original's {via} schema"),
    ),
    KindRow(
        Kind.MAX_ITEMS_ADDED, False, False, READER, Kind.MAX_ITEMS_REMOVED,
        "An array gains a maxItems: longer arrays are rejected.",
        ("maxItems {new} added to {loc}",
         "arrays with more than {new} items, valid under the original, are rejected by the update",
         "leave maxItems out"),
    ),
    KindRow(
        Kind.MAX_ITEMS_REMOVED, True, True, WRITER, Kind.MAX_ITEMS_ADDED, None,
        ("maxItems {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.MAX_ITEMS_INCREASED, True, True, READER, Kind.MAX_ITEMS_DECREASED, None,
        ("maxItems of {loc} increased from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.MAX_ITEMS_DECREASED, False, False, READER, Kind.MAX_ITEMS_INCREASED,
        "An array's maxItems decreases.",
        ("maxItems of {loc} decreased from {old} to {new}",
         "arrays with {above_new_to_old} items, valid under the original, are rejected by the "
         "update",
         "keep maxItems at {old} or more"),
    ),
    KindRow(
        Kind.MIN_ITEMS_ADDED, False, False, READER, Kind.MIN_ITEMS_REMOVED,
        "An array gains a minItems: shorter arrays are rejected.",
        ("minItems {new} added to {loc}",
         "arrays with fewer than {new} items (such as an empty one), valid under the original, "
         "are rejected by the update",
         "leave minItems out"),
    ),
    KindRow(
        Kind.MIN_ITEMS_REMOVED, True, True, WRITER, Kind.MIN_ITEMS_ADDED, None,
        ("minItems {old} removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.MIN_ITEMS_INCREASED, False, False, READER, Kind.MIN_ITEMS_DECREASED,
        "An array's minItems increases.",
        ("minItems of {loc} increased from {old} to {new}",
         "arrays with {old_to_below_new} items, valid under the original, are rejected by the "
         "update",
         "keep minItems at {old} or less"),
    ),
    KindRow(
        Kind.MIN_ITEMS_DECREASED, True, True, READER, Kind.MIN_ITEMS_INCREASED, None,
        ("minItems of {loc} decreased from {old} to {new}", "", ""),
    ),
    KindRow(
        Kind.UNIQUE_ITEMS_ADDED, False, False, READER, Kind.UNIQUE_ITEMS_REMOVED,
        "An array gains `uniqueItems: true`: arrays with repeats are rejected.",
        ("uniqueItems added to {loc}",
         "arrays with repeated items, valid under the original, are rejected by the update",
         "leave uniqueItems out and remove duplicates in the consumer"),
    ),
    KindRow(
        Kind.UNIQUE_ITEMS_REMOVED, True, True, WRITER, Kind.UNIQUE_ITEMS_ADDED, None,
        ("uniqueItems removed from {loc}", "", ""),
    ),
    KindRow(
        Kind.ADDITIONAL_ITEMS_ADDED, True, True, READER, Kind.ADDITIONAL_ITEMS_REMOVED, None,
        ("{loc} now allows items beyond its tuple positions", "", ""),
    ),
    KindRow(
        Kind.ADDITIONAL_ITEMS_REMOVED, False, False, READER, Kind.ADDITIONAL_ITEMS_ADDED,
        "A tuple stops allowing items beyond its positions.",
        ("{loc} no longer allows items beyond its tuple positions",
         "the original allows extra items, so data written with it may carry some, and the "
         "update rejects them",
         "keep the tuple open to extra items"),
    ),
    KindRow(
        Kind.ADDITIONAL_ITEMS_EXTENDED, True, True, READER, Kind.ADDITIONAL_ITEMS_NARROWED, None,
        ("{loc} no longer constrains items beyond its tuple positions", "", ""),
    ),
    KindRow(
        Kind.ADDITIONAL_ITEMS_NARROWED, False, False, READER, Kind.ADDITIONAL_ITEMS_EXTENDED,
        "A tuple constrains the items beyond its positions with a schema.",
        ("{loc} now constrains items beyond its tuple positions with a schema",
         "the original allows extra items with any value, so data written with it may carry "
         "values the update's schema for them rejects",
         "leave the schema for extra items out"),
    ),
    KindRow(
        Kind.UNEVALUATED_ITEMS_ADDED, True, True, READER, Kind.UNEVALUATED_ITEMS_REMOVED, None,
        ("{loc} now allows unevaluated items", "", ""),
    ),
    KindRow(
        Kind.UNEVALUATED_ITEMS_REMOVED, False, False, READER, Kind.UNEVALUATED_ITEMS_ADDED,
        "An array stops allowing unevaluated items (`unevaluatedItems: false`).",
        ("{loc} no longer allows unevaluated items (`unevaluatedItems: false`)",
         "the original allows items no keyword evaluates, so data written with it may carry "
         "some, and the update rejects them",
         "keep unevaluatedItems open"),
    ),
    KindRow(
        Kind.UNEVALUATED_ITEMS_EXTENDED, True, True, READER, Kind.UNEVALUATED_ITEMS_NARROWED, None,
        ("{loc} no longer constrains unevaluated items", "", ""),
    ),
    KindRow(
        Kind.UNEVALUATED_ITEMS_NARROWED, False, False, READER, Kind.UNEVALUATED_ITEMS_EXTENDED,
        "An array constrains its unevaluated items with an `unevaluatedItems` schema.",
        ("{loc} now constrains unevaluated items with an `unevaluatedItems` schema",
         "the original allows unevaluated items with any value, so data written with it may "
         "carry values the update's unevaluatedItems schema rejects",
         "leave unevaluatedItems out"),
    ),
    KindRow(
        Kind.ITEM_ADDED_TO_OPEN_CONTENT_MODEL, False, False, READER, None,
        "A typed position is added to an open tuple: old data may already hold any value there.",
        ("adding tuple position {name} to an open tuple{at}",
         "data written with the original schema may already hold any value at position {name}",
         "the original is registered and cannot be closed any more: give position {name} an "
         "unconstrained schema ({{}}), or register the tuple closed (additional items `false`) "
         "under a new subject"),
    ),
    KindRow(
        Kind.ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL, True, True, READER, None, None,
        ("tuple position {name} with an unconstrained schema added to an open tuple{at}", "", ""),
    ),
    KindRow(
        Kind.ITEM_ADDED_TO_CLOSED_CONTENT_MODEL, True, True, READER, None, None,
        ("tuple position {name} added to a closed tuple{at}", "", ""),
    ),
    KindRow(
        Kind.ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL, True, True, WRITER, None, None,
        ("tuple position {name} removed from an open tuple{at}", "", ""),
    ),
    KindRow(
        Kind.ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL, True, True, WRITER, None, None,
        ("tuple position {name} declared `false` removed from a closed tuple{at}", "", ""),
    ),
    KindRow(
        Kind.ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL, False, False, WRITER, None,
        "A position is removed from a closed tuple: old data holding it is rejected.",
        ("removing tuple position {name} from a closed tuple{at}",
         "data written with the original schema may hold an item at position {name}, and the "
         "update, which allows no further items, rejects it",
         "keep position {name} in the update's tuple"),
    ),
    KindRow(
        Kind.ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, True, True, WRITER, None,
        None,
        ("tuple position {name} removed{at}; the update's schema for extra items covers it",
         "", ""),
    ),
    KindRow(
        Kind.ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, False, False, WRITER, None,
        "A tuple position is removed and the additional-items schema does not accept its values.",
        ("removing tuple position {name} from a partially open tuple{at}",
         "the update's schema for extra items does not accept every value the original allowed "
         "at position {name}",
         "keep position {name}, or widen the update's schema for extra items"),
    ),
    KindRow(
        Kind.ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, True, True, READER, None, None,
        ("tuple position {name} added{at}; the original's schema for extra items covers it",
         "", ""),
    ),
    KindRow(
        Kind.ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, False, False, READER, None,
        "A tuple position is added whose schema is narrower than the additional-items schema it "
        "replaces.",
        ("adding tuple position {name} to a partially open tuple{at}",
         "data written with the original may hold an item at position {name} under its schema "
         "for extra items, and the new, narrower schema of position {name} rejects some of those",
         "give position {name} a schema at least as wide as the original's schema for extra "
         "items"),
    ),
    KindRow(
        Kind.ENUM_ARRAY_EXTENDED, True, True, READER, Kind.ENUM_ARRAY_NARROWED, None,
        ("enum of {loc} gained {new}", "", ""),
    ),
    KindRow(
        Kind.ENUM_ARRAY_NARROWED, False, False, READER, Kind.ENUM_ARRAY_EXTENDED,
        "An enum loses values.",
        ("enum of {loc} lost {old}",
         "data written with the original may hold {old}, which the update rejects",
         "keep {old} in the enum"),
    ),
    KindRow(
        Kind.ENUM_ARRAY_CHANGED, False, False, READER, None,
        "An enum or const changes its values (neither a superset nor a subset).",
        ("{name} of {loc} changed: {old} no longer allowed, {new} allowed",
         "data written with the original may hold {old}, which the update rejects",
         "keep the original values in the update"),
    ),
    KindRow(
        Kind.COMBINED_TYPE_EXTENDED, True, True, READER, None, None,
        ("{loc} changed from {old_text} to {new_text}", "", ""),
    ),
    KindRow(
        Kind.COMBINED_TYPE_CHANGED, False, False, READER, None,
        "allOf / anyOf / oneOf changes to a stricter combination.",
        ("{loc} changed from {old_text} to {new_text}",
         "values valid under the original's {old_text} need not be valid under {new_text} (a "
         "value matching several branches passes anyOf but fails oneOf)",
         "keep {old_text}"),
    ),
    KindRow(
        Kind.PRODUCT_TYPE_EXTENDED, False, False, READER, Kind.PRODUCT_TYPE_NARROWED,
        "An allOf gains a member: one more constraint to satisfy.",
        ("allOf of {loc} grew from {old} to {new} members",
         "every value must now also satisfy the new member, and data written with the original "
         "need not",
         "enforce the new constraint in the producer rather than in the schema"),
    ),
    KindRow(
        Kind.PRODUCT_TYPE_NARROWED, True, True, READER, Kind.PRODUCT_TYPE_EXTENDED, None,
        ("allOf of {loc} shrank from {old} to {new} members", "", ""),
    ),
    KindRow(
        Kind.SUM_TYPE_EXTENDED, True, True, READER, Kind.SUM_TYPE_NARROWED, None,
        ("{name} of {loc} gained a branch", "", ""),
    ),
    KindRow(
        Kind.SUM_TYPE_NARROWED, False, False, READER, Kind.SUM_TYPE_EXTENDED,
        "An anyOf / oneOf loses a branch.",
        ("{name} of {loc} shrank from {old} to {new} branches",
         "data written with the original may match only a removed branch, which the update "
         "rejects",
         "keep every branch of the original {name}"),
    ),
    KindRow(
        Kind.COMBINED_TYPE_SUBSCHEMAS_CHANGED, False, False, READER, None,
        "The branches of an allOf / anyOf / oneOf cannot be matched one to one with compatible "
        "branches.",
        ("the {branches} of {loc} changed",
         "not every {branch} of the original has a compatible counterpart in the update, so data "
         "matching it may be rejected{details}",
         "keep each original {branch} (only widen them, or add new branches to an anyOf/oneOf)"),
    ),
    KindRow(
        Kind.NOT_TYPE_EXTENDED, False, False, READER, Kind.NOT_TYPE_NARROWED,
        "A `not` schema excludes more values.",
        ("the `not` schema of {loc} now excludes more",
         "values the original allowed may fall under the update's wider `not` schema and be "
         "rejected",
         "keep the `not` schema as narrow as the original's"),
    ),
    KindRow(
        Kind.NOT_TYPE_NARROWED, True, True, READER, Kind.NOT_TYPE_EXTENDED, None,
        ("the `not` schema of {loc} now excludes less", "", ""),
    ),
    KindRow(
        Kind.KEYWORD_NOT_COMPARED, True, True, READER, None, None,
        ("{name} of {loc} changed from {old} to {new} (the registry does not compare {name})",
         "", ""),
    ),
)
# fmt: on


ROWS: dict[Kind, KindRow] = {row.kind: row for row in KINDS}
if (
    len(ROWS) != len(KINDS)
    or set(ROWS) != set(Kind)
    or any((row.purpose is None) != row.strict or (row.strict and not row.lenient) for row in KINDS)
):
    raise AssertionError("one row per kind; a purpose exactly for the incompatible kinds")

STRICT_COMPATIBLE: frozenset[Kind] = frozenset(row.kind for row in KINDS if row.strict)
LENIENT_COMPATIBLE: frozenset[Kind] = frozenset(row.kind for row in KINDS if row.lenient)
INVERSE: dict[Kind, Kind] = {row.kind: row.inverse for row in KINDS if row.inverse is not None}


def compatible_kinds(policy: JsonPolicy) -> frozenset[Kind]:
    """The kinds of difference the registry accepts under `policy`."""
    return LENIENT_COMPATIBLE if policy is JsonPolicy.LENIENT else STRICT_COMPATIBLE


@cache
def json_rules() -> tuple[Rule, ...]:
    """Every JSON Schema rule, as `gate rules` lists them."""
    rules = list(RULES)
    rules.extend(
        Rule(row.kind.rule_id, row.purpose, Severity.ERROR, Category.JSON, row.kind.name)
        for row in KINDS
        if row.purpose is not None
    )
    return tuple(rules)
