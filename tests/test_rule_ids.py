"""Each rule id is spelled once: a constant beside its `Rule`, imported wherever it is used."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from gate.rules import all_rules

GATE = Path(__file__).resolve().parents[1] / "gate"

# literals left in modules being restructured elsewhere; to be replaced by imports, then emptied
PENDING: frozenset[tuple[str, str]] = frozenset({
    ("gate/contracts.py", "CONTRACT_SCHEMA_UNRESOLVED"),
    ("gate/contracts.py", "SIMULATION_DECODE_FAILED"),
    ("gate/judge.py", "JSON_UNRESOLVED_REF"),
    ("gate/pipeline.py", "REGISTRY_VERDICT_DISAGREES"),
    ("gate/pipeline.py", "SIMULATION_DECODE_FAILED"),
    ("gate/pipeline.py", "SUBJECT_DELETED"),
})


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                found.add(id(first.value))
    return found


def _scan() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per rule id: the module-level constants defining it, and every other literal of it."""
    ids = set(all_rules())
    definitions: dict[str, list[str]] = defaultdict(list)
    others: dict[str, list[str]] = defaultdict(list)
    for path in sorted(GATE.rglob("*.py")):
        module = path.relative_to(GATE.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for statement in tree.body:
            if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name)
                    and isinstance(statement.value, ast.Constant)
                    and statement.value.value in ids):
                definitions[statement.value.value].append(f"{module}:{statement.lineno}")
                skip.add(id(statement.value))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and node.value in ids and id(node) not in skip):
                others[node.value].append(f"{module}:{node.lineno}")
    return definitions, others


def test_every_rule_id_is_defined_once() -> None:
    definitions, _ = _scan()
    twice = {rule: places for rule, places in definitions.items() if len(places) > 1}
    assert not twice, f"rule ids defined as constants more than once: {twice}"
    # ids derived from a registry kind (JSON Schema, Protobuf) are spelled by their kind's row
    missing = sorted(rule.id for rule in all_rules().values()
                     if rule.id not in definitions and rule.registry_name is None)
    assert not missing, f"rule ids without a constant beside their Rule: {missing}"


def test_no_rule_id_literal_outside_its_definition() -> None:
    _, others = _scan()
    stray = sorted(
        place for rule, places in others.items() for place in places
        if (place.partition(":")[0], rule) not in PENDING
    )
    assert not stray, f"rule id literals outside their defining constant: {stray}"


def test_pending_entries_are_still_needed() -> None:
    _, others = _scan()
    present = {(place.partition(":")[0], rule) for rule, places in others.items()
               for place in places}
    assert PENDING <= present, f"remove from PENDING: {sorted(PENDING - present)}"
