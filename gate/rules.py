"""The catalogue of rule ids: each with a one-line purpose and a default severity."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gate.model import Rule


@cache
def all_rules() -> dict[str, Rule]:
    """Every rule id known to gate, from the core and every registered format."""
    from gate.corerules import CORE_RULES
    from gate.drift import DRIFT_RULES
    from gate.formats import format_rules
    from gate.policy import POLICY_RULES
    from gate.simulationrules import SIMULATION_RULES

    table: dict[str, Rule] = {}
    for rule in (*CORE_RULES, *POLICY_RULES, *DRIFT_RULES, *SIMULATION_RULES, *format_rules()):
        if rule.id in table:
            raise AssertionError(f"rule id defined twice: {rule.id}")
        table[rule.id] = rule
    return table


def rule(rule_id: str) -> Rule:
    return all_rules()[rule_id]
