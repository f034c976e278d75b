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


CORE_RULES: tuple[Rule, ...] = (
    Rule("SUBJECT_NEW", "A schema file with no previous version: a new subject.",
         Severity.INFO, "git"),
    Rule("SUBJECT_DELETED", "A schema file that existed at the base is gone: its consumers "
         "lose their schema.", Severity.ERROR, "git"),
    Rule("SCHEMA_UNREADABLE", "A schema file could not be decoded as text.",
         Severity.ERROR, "validity"),
)


@cache
def all_rules() -> dict[str, Rule]:
    """Every rule id known to gate, from the core and every registered format."""
    from gate.formats import format_rules

    table: dict[str, Rule] = {}
    for rule in (*CORE_RULES, *format_rules()):
        if rule.id in table:
            raise AssertionError(f"rule id defined twice: {rule.id}")
        table[rule.id] = rule
    return table


def rule(rule_id: str) -> Rule:
    return all_rules()[rule_id]
