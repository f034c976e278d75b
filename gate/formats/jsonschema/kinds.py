"""Every kind of difference the registry's JSON Schema diff reports, and how each is judged.

The names are the registry's own (`Difference.Type` in Confluent Schema Registry). A change is
compatible under a policy exactly when every difference found is in that policy's compatible set.
Each kind that is incompatible under at least one policy is a rule `JSON_<NAME>`.
"""

from __future__ import annotations

import enum
from functools import cache

from gate.model import Category, JsonPolicy, Rule, Severity


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


STRICT_COMPATIBLE: frozenset[Kind] = frozenset({
    Kind.ID_CHANGED, Kind.DESCRIPTION_CHANGED, Kind.TITLE_CHANGED, Kind.DEFAULT_CHANGED,
    Kind.SCHEMA_REMOVED, Kind.TYPE_EXTENDED,
    Kind.MAX_LENGTH_INCREASED, Kind.MAX_LENGTH_REMOVED, Kind.MIN_LENGTH_DECREASED,
    Kind.MIN_LENGTH_REMOVED, Kind.PATTERN_REMOVED,
    Kind.MAXIMUM_INCREASED, Kind.MAXIMUM_REMOVED, Kind.MINIMUM_DECREASED, Kind.MINIMUM_REMOVED,
    Kind.EXCLUSIVE_MAXIMUM_INCREASED, Kind.EXCLUSIVE_MAXIMUM_REMOVED,
    Kind.EXCLUSIVE_MINIMUM_DECREASED, Kind.EXCLUSIVE_MINIMUM_REMOVED,
    Kind.MULTIPLE_OF_REDUCED, Kind.MULTIPLE_OF_REMOVED,
    Kind.REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED, Kind.REQUIRED_ATTRIBUTE_REMOVED,
    Kind.DEPENDENCY_ARRAY_NARROWED, Kind.DEPENDENCY_ARRAY_REMOVED, Kind.DEPENDENCY_SCHEMA_REMOVED,
    Kind.MAX_PROPERTIES_INCREASED, Kind.MAX_PROPERTIES_REMOVED,
    Kind.MIN_PROPERTIES_DECREASED, Kind.MIN_PROPERTIES_REMOVED,
    Kind.ADDITIONAL_PROPERTIES_ADDED, Kind.ADDITIONAL_PROPERTIES_EXTENDED,
    Kind.UNEVALUATED_PROPERTIES_ADDED, Kind.UNEVALUATED_PROPERTIES_EXTENDED,
    Kind.PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL,
    Kind.REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL,
    Kind.OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL,
    Kind.PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL,
    Kind.PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL,
    Kind.PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
    Kind.PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
    Kind.MAX_ITEMS_INCREASED, Kind.MAX_ITEMS_REMOVED, Kind.MIN_ITEMS_DECREASED,
    Kind.MIN_ITEMS_REMOVED, Kind.UNIQUE_ITEMS_REMOVED,
    Kind.ADDITIONAL_ITEMS_ADDED, Kind.ADDITIONAL_ITEMS_EXTENDED,
    Kind.UNEVALUATED_ITEMS_ADDED, Kind.UNEVALUATED_ITEMS_EXTENDED,
    Kind.ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL,
    Kind.ITEM_ADDED_TO_CLOSED_CONTENT_MODEL,
    Kind.ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL,
    Kind.ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL,
    Kind.ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
    Kind.ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
    Kind.ENUM_ARRAY_EXTENDED,
    Kind.COMBINED_TYPE_EXTENDED, Kind.PRODUCT_TYPE_NARROWED, Kind.SUM_TYPE_EXTENDED,
    Kind.NOT_TYPE_NARROWED,
    Kind.KEYWORD_NOT_COMPARED,
})

# LENIENT also accepts changes to open and partially open object content models
LENIENT_COMPATIBLE: frozenset[Kind] = STRICT_COMPATIBLE | {
    Kind.ADDITIONAL_PROPERTIES_NARROWED, Kind.ADDITIONAL_PROPERTIES_REMOVED,
    Kind.UNEVALUATED_PROPERTIES_NARROWED, Kind.UNEVALUATED_PROPERTIES_REMOVED,
    Kind.PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, Kind.PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL,
    Kind.PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
    Kind.PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
}


def compatible_kinds(policy: JsonPolicy) -> frozenset[Kind]:
    """The kinds of difference the registry accepts under `policy`."""
    return LENIENT_COMPATIBLE if policy is JsonPolicy.LENIENT else STRICT_COMPATIBLE


# kinds whose subject exists only in the original (writer) schema: findings point there
WRITER_SIDE: frozenset[Kind] = frozenset({
    Kind.SCHEMA_REMOVED, Kind.MAX_LENGTH_REMOVED, Kind.MIN_LENGTH_REMOVED, Kind.PATTERN_REMOVED,
    Kind.MAXIMUM_REMOVED, Kind.MINIMUM_REMOVED, Kind.EXCLUSIVE_MAXIMUM_REMOVED,
    Kind.EXCLUSIVE_MINIMUM_REMOVED, Kind.MULTIPLE_OF_REMOVED, Kind.REQUIRED_ATTRIBUTE_REMOVED,
    Kind.MAX_PROPERTIES_REMOVED, Kind.MIN_PROPERTIES_REMOVED, Kind.DEPENDENCY_ARRAY_REMOVED,
    Kind.DEPENDENCY_SCHEMA_REMOVED, Kind.PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL,
    Kind.PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL,
    Kind.PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL,
    Kind.PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
    Kind.PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
    Kind.MAX_ITEMS_REMOVED, Kind.MIN_ITEMS_REMOVED, Kind.UNIQUE_ITEMS_REMOVED,
    Kind.ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL,
    Kind.ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL,
    Kind.ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL,
    Kind.ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
    Kind.ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL,
})

# the same change seen with the roles of original and update swapped
INVERSE: dict[Kind, Kind] = {}


def _pair(*pairs: tuple[Kind, Kind]) -> None:
    for one, other in pairs:
        INVERSE[one] = other
        INVERSE[other] = one


_pair(
    (Kind.SCHEMA_ADDED, Kind.SCHEMA_REMOVED), (Kind.TYPE_EXTENDED, Kind.TYPE_NARROWED),
    (Kind.MAX_LENGTH_ADDED, Kind.MAX_LENGTH_REMOVED),
    (Kind.MAX_LENGTH_INCREASED, Kind.MAX_LENGTH_DECREASED),
    (Kind.MIN_LENGTH_ADDED, Kind.MIN_LENGTH_REMOVED),
    (Kind.MIN_LENGTH_INCREASED, Kind.MIN_LENGTH_DECREASED),
    (Kind.PATTERN_ADDED, Kind.PATTERN_REMOVED),
    (Kind.MAXIMUM_ADDED, Kind.MAXIMUM_REMOVED), (Kind.MAXIMUM_INCREASED, Kind.MAXIMUM_DECREASED),
    (Kind.MINIMUM_ADDED, Kind.MINIMUM_REMOVED), (Kind.MINIMUM_INCREASED, Kind.MINIMUM_DECREASED),
    (Kind.EXCLUSIVE_MAXIMUM_ADDED, Kind.EXCLUSIVE_MAXIMUM_REMOVED),
    (Kind.EXCLUSIVE_MAXIMUM_INCREASED, Kind.EXCLUSIVE_MAXIMUM_DECREASED),
    (Kind.EXCLUSIVE_MINIMUM_ADDED, Kind.EXCLUSIVE_MINIMUM_REMOVED),
    (Kind.EXCLUSIVE_MINIMUM_INCREASED, Kind.EXCLUSIVE_MINIMUM_DECREASED),
    (Kind.MULTIPLE_OF_ADDED, Kind.MULTIPLE_OF_REMOVED),
    (Kind.MULTIPLE_OF_EXPANDED, Kind.MULTIPLE_OF_REDUCED),
    (Kind.REQUIRED_ATTRIBUTE_ADDED, Kind.REQUIRED_ATTRIBUTE_REMOVED),
    (Kind.MAX_PROPERTIES_ADDED, Kind.MAX_PROPERTIES_REMOVED),
    (Kind.MAX_PROPERTIES_INCREASED, Kind.MAX_PROPERTIES_DECREASED),
    (Kind.MIN_PROPERTIES_ADDED, Kind.MIN_PROPERTIES_REMOVED),
    (Kind.MIN_PROPERTIES_INCREASED, Kind.MIN_PROPERTIES_DECREASED),
    (Kind.ADDITIONAL_PROPERTIES_ADDED, Kind.ADDITIONAL_PROPERTIES_REMOVED),
    (Kind.ADDITIONAL_PROPERTIES_EXTENDED, Kind.ADDITIONAL_PROPERTIES_NARROWED),
    (Kind.UNEVALUATED_PROPERTIES_ADDED, Kind.UNEVALUATED_PROPERTIES_REMOVED),
    (Kind.UNEVALUATED_PROPERTIES_EXTENDED, Kind.UNEVALUATED_PROPERTIES_NARROWED),
    (Kind.DEPENDENCY_ARRAY_ADDED, Kind.DEPENDENCY_ARRAY_REMOVED),
    (Kind.DEPENDENCY_ARRAY_EXTENDED, Kind.DEPENDENCY_ARRAY_NARROWED),
    (Kind.DEPENDENCY_SCHEMA_ADDED, Kind.DEPENDENCY_SCHEMA_REMOVED),
    (Kind.MAX_ITEMS_ADDED, Kind.MAX_ITEMS_REMOVED), (Kind.MAX_ITEMS_INCREASED,
                                                     Kind.MAX_ITEMS_DECREASED),
    (Kind.MIN_ITEMS_ADDED, Kind.MIN_ITEMS_REMOVED), (Kind.MIN_ITEMS_INCREASED,
                                                     Kind.MIN_ITEMS_DECREASED),
    (Kind.UNIQUE_ITEMS_ADDED, Kind.UNIQUE_ITEMS_REMOVED),
    (Kind.ADDITIONAL_ITEMS_ADDED, Kind.ADDITIONAL_ITEMS_REMOVED),
    (Kind.ADDITIONAL_ITEMS_EXTENDED, Kind.ADDITIONAL_ITEMS_NARROWED),
    (Kind.UNEVALUATED_ITEMS_ADDED, Kind.UNEVALUATED_ITEMS_REMOVED),
    (Kind.UNEVALUATED_ITEMS_EXTENDED, Kind.UNEVALUATED_ITEMS_NARROWED),
    (Kind.ENUM_ARRAY_EXTENDED, Kind.ENUM_ARRAY_NARROWED),
    (Kind.PRODUCT_TYPE_EXTENDED, Kind.PRODUCT_TYPE_NARROWED),
    (Kind.SUM_TYPE_EXTENDED, Kind.SUM_TYPE_NARROWED),
    (Kind.NOT_TYPE_EXTENDED, Kind.NOT_TYPE_NARROWED),
)


# one line per rule: what the rule guards against (shown by `gate rules` and in reports)
PURPOSES: dict[Kind, str] = {
    Kind.SCHEMA_ADDED: "A subschema (such as `items`) appears where the original had none, "
    "constraining values that were unconstrained.",
    Kind.TYPE_NARROWED: "A number schema becomes integer-only: fractional values written with "
    "the original are rejected.",
    Kind.TYPE_CHANGED: "A schema changes kind (type, enum, const, combination...): the registry "
    "treats that as incompatible.",
    Kind.MAX_LENGTH_ADDED: "A string gains a maxLength: longer strings are rejected.",
    Kind.MAX_LENGTH_DECREASED: "A string's maxLength decreases: longer strings are rejected.",
    Kind.MIN_LENGTH_ADDED: "A string gains a minLength: shorter strings are rejected.",
    Kind.MIN_LENGTH_INCREASED: "A string's minLength increases: shorter strings are rejected.",
    Kind.PATTERN_ADDED: "A string gains a pattern: non-matching strings are rejected.",
    Kind.PATTERN_CHANGED: "A string's pattern changes; regular expressions are not compared, so "
    "any change counts.",
    Kind.MAXIMUM_ADDED: "A number gains a maximum: larger values are rejected.",
    Kind.MAXIMUM_DECREASED: "A number's maximum decreases: larger values are rejected.",
    Kind.MINIMUM_ADDED: "A number gains a minimum: smaller values are rejected.",
    Kind.MINIMUM_INCREASED: "A number's minimum increases: smaller values are rejected.",
    Kind.EXCLUSIVE_MAXIMUM_ADDED: "A number gains an exclusiveMaximum: values at or above it "
    "are rejected.",
    Kind.EXCLUSIVE_MAXIMUM_DECREASED: "A number's exclusiveMaximum decreases: larger values are "
    "rejected.",
    Kind.EXCLUSIVE_MINIMUM_ADDED: "A number gains an exclusiveMinimum: values at or below it "
    "are rejected.",
    Kind.EXCLUSIVE_MINIMUM_INCREASED: "A number's exclusiveMinimum increases: smaller values are "
    "rejected.",
    Kind.MULTIPLE_OF_ADDED: "A number gains a multipleOf: other values are rejected.",
    Kind.MULTIPLE_OF_EXPANDED: "A number's multipleOf becomes a multiple of the old one: fewer "
    "values are accepted.",
    Kind.MULTIPLE_OF_CHANGED: "A number's multipleOf changes to an unrelated factor.",
    Kind.REQUIRED_ATTRIBUTE_ADDED: "An existing property becomes required without a default.",
    Kind.MAX_PROPERTIES_ADDED: "An object gains a maxProperties: larger objects are rejected.",
    Kind.MAX_PROPERTIES_DECREASED: "An object's maxProperties decreases.",
    Kind.MIN_PROPERTIES_ADDED: "An object gains a minProperties: smaller objects are rejected.",
    Kind.MIN_PROPERTIES_INCREASED: "An object's minProperties increases.",
    Kind.ADDITIONAL_PROPERTIES_REMOVED: "An object stops allowing undeclared properties "
    "(`additionalProperties: false`).",
    Kind.ADDITIONAL_PROPERTIES_NARROWED: "An object constrains its undeclared properties with an "
    "`additionalProperties` schema.",
    Kind.UNEVALUATED_PROPERTIES_REMOVED: "An object stops allowing unevaluated properties "
    "(`unevaluatedProperties: false`).",
    Kind.UNEVALUATED_PROPERTIES_NARROWED: "An object constrains its unevaluated properties with "
    "an `unevaluatedProperties` schema.",
    Kind.DEPENDENCY_ARRAY_ADDED: "A property dependency (`dependencies` / `dependentRequired`) "
    "is added.",
    Kind.DEPENDENCY_ARRAY_EXTENDED: "A property dependency requires more properties.",
    Kind.DEPENDENCY_ARRAY_CHANGED: "A property dependency requires different properties.",
    Kind.DEPENDENCY_SCHEMA_ADDED: "A schema dependency (`dependencies` / `dependentSchemas`) is "
    "added.",
    Kind.PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: "A typed property is added to an open object: old "
    "data may already carry it with any value.",
    Kind.REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: "A required property without a default "
    "is added to a closed or partially open object.",
    Kind.PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: "A property is removed from a closed object: "
    "old data carrying it is rejected.",
    Kind.PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: "A property is removed and "
    "the remaining additionalProperties / patternProperties schema does not accept its values.",
    Kind.PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: "A property is added whose "
    "schema is narrower than the additionalProperties / patternProperties schema it replaces.",
    Kind.MAX_ITEMS_ADDED: "An array gains a maxItems: longer arrays are rejected.",
    Kind.MAX_ITEMS_DECREASED: "An array's maxItems decreases.",
    Kind.MIN_ITEMS_ADDED: "An array gains a minItems: shorter arrays are rejected.",
    Kind.MIN_ITEMS_INCREASED: "An array's minItems increases.",
    Kind.UNIQUE_ITEMS_ADDED: "An array gains `uniqueItems: true`: arrays with repeats are "
    "rejected.",
    Kind.ADDITIONAL_ITEMS_REMOVED: "A tuple stops allowing items beyond its positions.",
    Kind.ADDITIONAL_ITEMS_NARROWED: "A tuple constrains the items beyond its positions with a "
    "schema.",
    Kind.UNEVALUATED_ITEMS_REMOVED: "An array stops allowing unevaluated items "
    "(`unevaluatedItems: false`).",
    Kind.UNEVALUATED_ITEMS_NARROWED: "An array constrains its unevaluated items with an "
    "`unevaluatedItems` schema.",
    Kind.ITEM_ADDED_TO_OPEN_CONTENT_MODEL: "A typed position is added to an open tuple: old data "
    "may already hold any value there.",
    Kind.ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL: "A position is removed from a closed tuple: old "
    "data holding it is rejected.",
    Kind.ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: "A tuple position is removed "
    "and the additional-items schema does not accept its values.",
    Kind.ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: "A tuple position is added whose "
    "schema is narrower than the additional-items schema it replaces.",
    Kind.ENUM_ARRAY_NARROWED: "An enum loses values.",
    Kind.ENUM_ARRAY_CHANGED: "An enum or const changes its values (neither a superset nor a "
    "subset).",
    Kind.COMBINED_TYPE_CHANGED: "allOf / anyOf / oneOf changes to a stricter combination.",
    Kind.PRODUCT_TYPE_EXTENDED: "An allOf gains a member: one more constraint to satisfy.",
    Kind.SUM_TYPE_NARROWED: "An anyOf / oneOf loses a branch.",
    Kind.COMBINED_TYPE_SUBSCHEMAS_CHANGED: "The branches of an allOf / anyOf / oneOf cannot be "
    "matched one to one with compatible branches.",
    Kind.NOT_TYPE_EXTENDED: "A `not` schema excludes more values.",
}

INVALID_SCHEMA_RULE = "JSON_INVALID_SCHEMA"
UNRESOLVED_REF_RULE = "JSON_UNRESOLVED_REF"


def incompatible_kinds() -> list[Kind]:
    """The kinds that are incompatible under at least one policy (STRICT is the stricter)."""
    return [kind for kind in Kind if kind not in STRICT_COMPATIBLE]


@cache
def json_rules() -> tuple[Rule, ...]:
    """Every JSON Schema rule, as `gate rules` lists them."""
    rules = [
        Rule(INVALID_SCHEMA_RULE, "The JSON Schema is invalid: malformed JSON, duplicate keys, "
             "or a keyword its draft's metaschema rejects.", Severity.ERROR, Category.JSON),
        Rule(UNRESOLVED_REF_RULE, "A `$ref` cannot be resolved: missing target, a file outside "
             "the repository, or a remote document while remote references are off.",
             Severity.ERROR, Category.JSON),
    ]
    rules.extend(
        Rule(kind.rule_id, PURPOSES[kind], Severity.ERROR, Category.JSON, registry_name=kind.name)
        for kind in incompatible_kinds()
    )
    return tuple(rules)
