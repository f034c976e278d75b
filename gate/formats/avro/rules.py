"""The Avro rule ids: one line of purpose each, and their default severities.

The error rules are the incompatibility kinds of Apache Avro's Java `SchemaCompatibility` (the
checker Confluent Schema Registry runs); the warnings flag changes the wire format accepts but
whose meaning changes for a consumer.
"""

from __future__ import annotations

from gate.model import Category, Rule, Severity

INVALID_SCHEMA = "AVRO_INVALID_SCHEMA"
READER_FIELD_MISSING_DEFAULT = "AVRO_READER_FIELD_MISSING_DEFAULT"
TYPE_MISMATCH = "AVRO_TYPE_MISMATCH"
MISSING_ENUM_SYMBOLS = "AVRO_MISSING_ENUM_SYMBOLS"
MISSING_UNION_BRANCH = "AVRO_MISSING_UNION_BRANCH"
NAME_MISMATCH = "AVRO_NAME_MISMATCH"
FIXED_SIZE_MISMATCH = "AVRO_FIXED_SIZE_MISMATCH"
DECIMAL_PRECISION_CHANGED = "AVRO_DECIMAL_PRECISION_CHANGED"
DECIMAL_SCALE_CHANGED = "AVRO_DECIMAL_SCALE_CHANGED"
TIMESTAMP_PRECISION_CHANGED = "AVRO_TIMESTAMP_PRECISION_CHANGED"
LOGICAL_TYPE_CHANGED = "AVRO_LOGICAL_TYPE_CHANGED"

_CATEGORY = Category.AVRO

RULES: tuple[Rule, ...] = (
    Rule(
        INVALID_SCHEMA,
        "The schema is not valid Avro, so the registry would refuse it.",
        Severity.ERROR,
        _CATEGORY,
    ),
    Rule(
        READER_FIELD_MISSING_DEFAULT,
        "A reader field has no default and the writer does not write it.",
        Severity.ERROR,
        _CATEGORY,
        "READER_FIELD_MISSING_DEFAULT_VALUE",
    ),
    Rule(
        TYPE_MISMATCH,
        "The reader's type cannot read the writer's type, not even by promotion.",
        Severity.ERROR,
        _CATEGORY,
        "TYPE_MISMATCH",
    ),
    Rule(
        MISSING_ENUM_SYMBOLS,
        "The writer's enum has symbols the reader's lacks, and the reader's enum has no default.",
        Severity.ERROR,
        _CATEGORY,
        "MISSING_ENUM_SYMBOLS",
    ),
    Rule(
        MISSING_UNION_BRANCH,
        "A type the writer may write has no readable branch in the reader's union.",
        Severity.ERROR,
        _CATEGORY,
        "MISSING_UNION_BRANCH",
    ),
    Rule(
        NAME_MISMATCH,
        "A named type (or field) of the reader does not match the writer's by name or alias.",
        Severity.ERROR,
        _CATEGORY,
        "NAME_MISMATCH",
    ),
    Rule(
        FIXED_SIZE_MISMATCH,
        "A fixed type has a different size in the reader and the writer.",
        Severity.ERROR,
        _CATEGORY,
        "FIXED_SIZE_MISMATCH",
    ),
    Rule(
        DECIMAL_PRECISION_CHANGED,
        "A decimal's precision differs between reader and writer: values may not fit.",
        Severity.WARNING,
        _CATEGORY,
    ),
    Rule(
        DECIMAL_SCALE_CHANGED,
        "A decimal's scale differs between reader and writer: the same bytes read as other values.",
        Severity.WARNING,
        _CATEGORY,
    ),
    Rule(
        TIMESTAMP_PRECISION_CHANGED,
        "A time or timestamp changes unit (millis, micros, nanos): values shift by powers of 1000.",
        Severity.WARNING,
        _CATEGORY,
    ),
    Rule(
        LOGICAL_TYPE_CHANGED,
        "A logical type is added, removed or changed on wire-compatible types: values change "
        "meaning.",
        Severity.WARNING,
        _CATEGORY,
    ),
)

ERROR_RULES = frozenset(rule.id for rule in RULES if rule.severity is Severity.ERROR)
