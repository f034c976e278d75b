"""The core rule ids (git, registry, compatibility, contract), beside their rules."""

from __future__ import annotations

from gate.model import Category, Rule, Severity

SUBJECT_DELETED = "SUBJECT_DELETED"
REGISTRY_VERDICT_DISAGREES = "REGISTRY_VERDICT_DISAGREES"
SCHEMA_TYPE_CHANGED = "SCHEMA_TYPE_CHANGED"
CONTRACT_SCHEMA_UNRESOLVED = "CONTRACT_SCHEMA_UNRESOLVED"

CORE_RULES: tuple[Rule, ...] = (
    Rule(
        SUBJECT_DELETED,
        "A schema file that existed at the base is gone: its consumers lose their schema.",
        Severity.ERROR,
        Category.GIT,
    ),
    Rule(
        REGISTRY_VERDICT_DISAGREES,
        "The registry's own compatibility verdict differs from gate's (--verify-with-registry).",
        Severity.ERROR,
        Category.REGISTRY,
    ),
    Rule(
        SCHEMA_TYPE_CHANGED,
        "A version the candidate is judged against is of another schema type (e.g. AVRO, now "
        "PROTOBUF): the registry rejects the change under every level but NONE.",
        Severity.ERROR,
        Category.COMPATIBILITY,
    ),
    Rule(
        CONTRACT_SCHEMA_UNRESOLVED,
        "A producer's or consumer's schema in gate.yaml names a file or version that is not there.",
        Severity.ERROR,
        Category.CONTRACT,
    ),
)
