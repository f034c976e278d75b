"""The suite reads nothing outside the repository, so it passes in anyone's clone.

Every test and benchmark module is scanned: a path built from `__file__` may not climb above the
repository's root (`parents[N]`, `.parent` chains, names bound to such paths, `/ ".."` joins), no
`Path` is built from a relative string that climbs (`Path("../x")`: the suite runs from the
repository's root), and no string names an absolute path of this machine (`/work/...`). Data the
tests need ships in `tests/conformance/` and `tests/schemas/`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.support.paths import CONFORMANCE, REPO_ROOT, REPORT_SCHEMAS

SCANNED = ("tests", "benchmarks")
# an absolute path on the machine the suite was written on
OUTSIDE_LITERAL = re.compile(r"^/work(/|$)")


def _is_file_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__file__"


def _is_path_constructor(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id in {"Path", "PurePath"}) or (
        isinstance(node, ast.Attribute) and node.attr in {"Path", "PurePath"}
    )


def _levels_up(node: ast.expr, names: dict[str, int]) -> int | None:
    """How many folders above the module's own file `node` points (0: the file itself, 1: its
    folder), or None when `node` is not a path derived from `__file__`."""
    if _is_file_name(node):
        return 0
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Call):
        func = node.func
        if _is_path_constructor(func) and node.args:
            return _levels_up(node.args[0], names)
        if isinstance(func, ast.Attribute) and func.attr in {"resolve", "absolute"}:
            return _levels_up(func.value, names)
        if (
            isinstance(func, ast.Attribute)
            and func.attr in {"dirname", "abspath", "realpath"}
            and node.args
        ):
            inner = _levels_up(node.args[0], names)
            return None if inner is None else inner + (func.attr == "dirname")
        return None
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        base = _levels_up(node.value, names)
        return None if base is None else base + 1
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "parents"
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, int)
    ):
        base = _levels_up(node.value.value, names)
        return None if base is None else base + node.slice.value + 1
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        base = _levels_up(node.left, names)
        if base is None:
            return None
        right = node.right
        if isinstance(right, ast.Constant) and isinstance(right.value, str):
            parts = [part for part in right.value.split("/") if part not in ("", ".")]
            for part in parts:
                base = base + 1 if part == ".." else base - 1
        return base
    return None


def outside_references(source: str, relative: Path) -> list[str]:
    """Each place in `source` (the module at `relative`, inside the repository) that refers to
    a path outside the repository, as 'line: what'."""
    tree = ast.parse(source)
    # a module at tests/a/b.py: its folder is 1 level up, the repository root 3
    root_level = len(relative.parts)
    names: dict[str, int] = {}
    problems: list[str] = []
    nodes = sorted(
        (node for node in ast.walk(tree) if hasattr(node, "lineno")),
        key=lambda node: (node.lineno, node.col_offset),
    )
    for node in nodes:
        if isinstance(node, ast.Assign):
            level = _levels_up(node.value, names)
            if level is not None:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        names[target.id] = level
        if isinstance(node, ast.expr):
            level = _levels_up(node, names)
            if level is not None and level > root_level:
                problems.append(
                    f"{node.lineno}: {ast.unparse(node)} climbs {level - root_level}"
                    " folder(s) above the repository"
                )
        if (
            isinstance(node, ast.Call)
            and _is_path_constructor(node.func)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and node.args[0].value.split("/", 1)[0] == ".."
        ):
            problems.append(f"{node.lineno}: {ast.unparse(node)} climbs above the repository")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and OUTSIDE_LITERAL.search(node.value)
        ):
            problems.append(f"{node.lineno}: {node.value!r} names a path outside the repository")
    return problems


def _modules() -> list[Path]:
    return sorted(
        path
        for folder in SCANNED
        for path in (REPO_ROOT / folder).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def test_the_scan_covers_the_whole_suite() -> None:
    modules = {path.relative_to(REPO_ROOT).as_posix() for path in _modules()}
    assert "tests/checks/test_simulate.py" in modules
    assert "tests/report/test_sarif.py" in modules
    assert "tests/formats/jsonschema/test_jsonschema.py" in modules
    assert "benchmarks/run.py" in modules


@pytest.mark.parametrize(
    "path", _modules(), ids=lambda path: path.relative_to(REPO_ROOT).as_posix()
)
def test_no_module_refers_to_a_path_outside_the_repository(path: Path) -> None:
    relative = path.relative_to(REPO_ROOT)
    problems = outside_references(path.read_text(encoding="utf-8"), relative)
    assert not problems, f"{relative} reads outside the repository:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        (
            "tests/test_simulate.py",
            'CONFORMANCE = Path(__file__).resolve().parents[2] / "corpus" / "conformance"',
        ),
        (
            "tests/report/test_junit.py",
            'XSD = Path(__file__).resolve().parents[3] / "corpus" / "schemas" / "junit.xsd"',
        ),
        (
            "tests/formats/test_jsonschema.py",
            "REPO = Path(__file__).resolve().parents[2]\n"
            'CONFORMANCE = REPO.parent / "corpus" / "conformance"',
        ),
        ("tests/x.py", "HERE = Path(__file__).parent.parent.parent"),
        ("tests/x.py", 'ROOT = Path(__file__).resolve().parents[1] / ".." / "corpus"'),
        ("tests/x.py", "ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))"),
        ("tests/x.py", 'CORPUS = "/work/corpus/conformance"'),
        ("tests/x.py", 'CORPUS = Path("../corpus/schemas/junit.xsd")'),
    ],
)
def test_the_scan_catches_each_way_out(relative: str, source: str) -> None:
    assert outside_references(source, Path(relative))


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("tests/x.py", "ROOT = Path(__file__).resolve().parents[1]"),
        ("tests/formats/x.py", 'FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"'),
        (
            "tests/formats/x.py",
            "REPO = Path(__file__).resolve().parents[2]\nDATA = REPO / 'tests'"
            "\nBACK = Path(__file__).parent / '..' / '..'",
        ),
        ("tests/x.py", 'CONFIG = "subjects:\\n  - {subject: a, file: ../outside.avsc}"'),
    ],
)
def test_the_scan_lets_in_repository_paths_through(relative: str, source: str) -> None:
    assert outside_references(source, Path(relative)) == []


def test_the_data_the_tests_read_ships_with_the_repository() -> None:
    for path in (
        CONFORMANCE / "README.md",
        CONFORMANCE / "avro" / "NOTICE.md",
        CONFORMANCE / "avro" / "apache-avro-py.json",
        CONFORMANCE / "jsonschema" / "confluent-strict.json",
        REPORT_SCHEMAS / "README.md",
        REPORT_SCHEMAS / "sarif-2.1.0.json",
        REPORT_SCHEMAS / "junit.xsd",
    ):
        assert path.is_file(), path
        assert REPO_ROOT in path.resolve().parents
