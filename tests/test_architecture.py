"""The package's shape: format knowledge stays in `gate/formats/`, and no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import gate

PACKAGE = Path(gate.__file__).parent
FORMATS = PACKAGE / "formats"
NAMED_TYPES = ("SchemaType.AVRO", "SchemaType.JSON", "SchemaType.PROTOBUF")
FORMAT_PACKAGES = ("gate.formats.avro", "gate.formats.jsonschema", "gate.formats.protobuf")

# (module, line) of the places outside gate/formats/ still to be moved behind a format
ALLOWED: frozenset[tuple[str, int]] = frozenset()


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out.append((name, path))
    return out


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The modules an `import` or `from ... import` statement names (relative ones resolved)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join([*base, node.module] if node.module else base)
    else:
        prefix = node.module or ""
    return [prefix, *(f"{prefix}.{alias.name}" for alias in node.names)]


def _under(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_no_module_outside_formats_names_a_schema_type_or_imports_a_format() -> None:
    found = []
    for module, path in _modules():
        if path.is_relative_to(FORMATS):
            continue
        where = path.relative_to(PACKAGE.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if (isinstance(node, ast.Attribute) and ast.unparse(node) in NAMED_TYPES) or any(
                _under(name, FORMAT_PACKAGES)
                for name in _imported(node, module, path.name == "__init__.py")
            ):
                what = ast.unparse(node)
            else:
                continue
            if (where, line) not in ALLOWED:
                found.append(f"{where}:{line}: {what}")
    assert not found, "format knowledge outside gate/formats/:\n" + "\n".join(found)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(tree: ast.Module) -> list[ast.stmt]:
    """Imports run when the module is imported: not in functions or classes' methods, not under
    `if TYPE_CHECKING:`."""
    out: list[ast.stmt] = []
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
        elif isinstance(node, ast.If):
            if not _type_checking(node):
                stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                stack.extend(block)
            for handler in node.handlers:
                stack.extend(handler.body)
        elif isinstance(node, ast.ClassDef):
            stack.extend(
                n for n in node.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
        elif isinstance(node, (ast.With, ast.For, ast.While)):
            stack.extend(node.body)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = dict(_modules())
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _top_level_imports(tree):
            for name in _imported(node, module, path.name == "__init__.py"):
                if name in modules and name != module:
                    graph[module].add(name)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found is not None:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found is not None:
                return found
    return None


def test_the_module_level_imports_of_gate_have_no_cycle() -> None:
    cycle = _cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_registry_names_the_extensions_each_format_claims() -> None:
    """gate.formats knows each format's extensions without importing it (the built-in subject
    rules are made at start-up): the table says what the formats themselves say."""
    from gate.formats import _FORMAT_EXTENSIONS, _FORMAT_MODULES, get_format

    assert list(_FORMAT_EXTENSIONS) == list(_FORMAT_MODULES)
    for schema_type, extensions in _FORMAT_EXTENSIONS.items():
        assert get_format(schema_type).extensions == extensions
