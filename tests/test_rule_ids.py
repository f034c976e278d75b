"""Each rule id is spelled once: a constant beside its `Rule`, imported wherever it is used."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from gate.rules import all_rules

GATE = Path(__file__).resolve().parents[1] / "gate"

# literals left in modules being restructured elsewhere; to be replaced by imports, then emptied
PENDING: frozenset[tuple[str, str]] = frozenset()


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
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
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Constant)
                and statement.value.value in ids
            ):
                definitions[statement.value.value].append(f"{module}:{statement.lineno}")
                skip.add(id(statement.value))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in ids
                and id(node) not in skip
            ):
                others[node.value].append(f"{module}:{node.lineno}")
    return definitions, others


def test_every_rule_id_is_defined_once() -> None:
    definitions, _ = _scan()
    twice = {rule: places for rule, places in definitions.items() if len(places) > 1}
    assert not twice, f"rule ids defined as constants more than once: {twice}"
    # ids derived from a registry kind (JSON Schema, Protobuf) are spelled by their kind's row
    missing = sorted(
        rule.id
        for rule in all_rules().values()
        if rule.id not in definitions and rule.registry_name is None
    )
    assert not missing, f"rule ids without a constant beside their Rule: {missing}"


def test_no_rule_id_literal_outside_its_definition() -> None:
    _, others = _scan()
    stray = sorted(
        place
        for rule, places in others.items()
        for place in places
        if (place.partition(":")[0], rule) not in PENDING
    )
    assert not stray, f"rule id literals outside their defining constant: {stray}"


def test_pending_entries_are_still_needed() -> None:
    _, others = _scan()
    present = {
        (place.partition(":")[0], rule) for rule, places in others.items() for place in places
    }
    assert present >= PENDING, f"remove from PENDING: {sorted(PENDING - present)}"


def test_the_catalogue_is_at_the_top_of_the_import_graph() -> None:
    """No module gate.rules reaches (its imports, and theirs at module level) imports it back."""

    def module_of(path: Path) -> str:
        parts = path.relative_to(GATE.parent).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    modules = {module_of(path): path for path in GATE.rglob("*.py")}

    def imported(name: str, everywhere: bool) -> set[str]:
        tree = ast.parse(modules[name].read_text(encoding="utf-8"))
        nodes: list[ast.stmt] = []
        pending = list(tree.body)
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Import | ast.ImportFrom):
                nodes.append(node)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            elif isinstance(node, ast.If | ast.Try):
                pending.extend(ast.iter_child_nodes(node))  # type: ignore[arg-type]
            elif everywhere:
                kinds = ast.Import | ast.ImportFrom
                pending.extend(inner for inner in ast.walk(node) if isinstance(inner, kinds))
        found = set()
        for node in nodes:
            targets = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [f"{node.module}.{alias.name}" for alias in node.names]
            )
            for target in targets:
                parts = target.split(".")
                found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & modules.keys()
        return found - {name}

    reached: set[str] = set()
    pending = list(imported("gate.rules", everywhere=True))
    while pending:
        name = pending.pop()
        if name not in reached:
            reached.add(name)
            pending.extend(imported(name, everywhere=False))
    back = sorted(name for name in reached if "gate.rules" in imported(name, everywhere=False))
    assert not back, f"import gate.rules at module level, though gate.rules imports them: {back}"
