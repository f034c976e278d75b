"""The JSON Schema rules that are not a kind of difference (light: no kind table)."""

from __future__ import annotations

from gate.model import Category, Rule, Severity

INVALID_SCHEMA_RULE = "JSON_INVALID_SCHEMA"
UNRESOLVED_REF_RULE = "JSON_UNRESOLVED_REF"

RULES: tuple[Rule, ...] = (
    Rule(
        INVALID_SCHEMA_RULE,
        "The JSON Schema is invalid: malformed JSON, duplicate keys, "
        "or a keyword its draft's metaschema rejects.",
        Severity.ERROR,
        Category.JSON,
    ),
    Rule(
        UNRESOLVED_REF_RULE,
        "A `$ref` cannot be resolved: missing target, a file outside "
        "the repository, or a remote document while remote references are off.",
        Severity.ERROR,
        Category.JSON,
    ),
)
