"""The catalogue of rule ids: each with a one-line purpose and a default severity."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from gate.model import Severity


@dataclass(frozen=True)
class Rule:
    """A stable rule id, what it guards against, and how severe a finding of it is by default."""

    id: str
    purpose: str
    severity: Severity = Severity.ERROR
    category: str = "general"
    # the name the registry itself uses for this kind of difference, where there is one
    registry_name: str | None = None


SCHEMA_TYPE_CHANGED = "SCHEMA_TYPE_CHANGED"

CORE_RULES: tuple[Rule, ...] = (
    Rule(
        "SUBJECT_DELETED",
        "A schema file that existed at the base is gone: its consumers lose their schema.",
        Severity.ERROR,
        "git",
    ),
    Rule(
        "REGISTRY_VERDICT_DISAGREES",
        "The registry's own compatibility verdict differs from gate's (--verify-with-registry).",
        Severity.ERROR,
        "registry",
    ),
    Rule(
        SCHEMA_TYPE_CHANGED,
        "A version the candidate is judged against is of another schema type (e.g. AVRO, now "
        "PROTOBUF): the registry rejects the change under every level but NONE.",
        Severity.ERROR,
        "compatibility",
    ),
    Rule(
        "CONTRACT_SCHEMA_UNRESOLVED",
        "A producer's or consumer's schema in gate.yaml names a file or version that is not there.",
        Severity.ERROR,
        "contract",
    ),
)


@cache
def all_rules() -> dict[str, Rule]:
    """Every rule id known to gate, from the core and every registered format."""
    from gate.drift import DRIFT_RULES
    from gate.formats import format_rules
    from gate.policy import POLICY_RULES
    from gate.simulate import SIMULATION_RULES

    table: dict[str, Rule] = {}
    for rule in (*CORE_RULES, *POLICY_RULES, *DRIFT_RULES, *SIMULATION_RULES, *format_rules()):
        if rule.id in table:
            raise AssertionError(f"rule id defined twice: {rule.id}")
        table[rule.id] = rule
    return table


def rule(rule_id: str) -> Rule:
    return all_rules()[rule_id]
