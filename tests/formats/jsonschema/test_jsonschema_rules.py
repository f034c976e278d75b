"""Every JSON Schema rule has a fixture folder; each folder yields exactly its expected findings.

A folder `fixtures/rules/json/<RULE_ID>[-variant]/` holds `old.json`, `new.json` and
`expected.json` (`mode`, optional `policy`, `findings` with `rule`, `path` and a `message`
fragment). `new.json` is checked against `old.json` under `mode`, through the format and
`gate.compat.check_candidate`, as `gate compat` does.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from gate.compat import Version, check_candidate
from gate.errors import SchemaInvalid
from gate.formats import CheckOptions
from gate.formats.jsonschema import FORMAT, UnresolvedReference
from gate.model import JsonPolicy, Mode, Origin, OriginKind, Schema, SchemaType
from tests.support.paths import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

REPO = REPO_ROOT
FIXTURES = REPO / "fixtures" / "rules" / "json"
FOLDERS = sorted(path for path in FIXTURES.iterdir() if path.is_dir()) if FIXTURES.is_dir() else []


def _schema(path: Path) -> Schema:
    return Schema(
        SchemaType.JSON,
        path.read_text(encoding="utf-8"),
        Origin(OriginKind.FILE, path.relative_to(REPO).as_posix()),
    )


def _findings(folder: Path) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    options = CheckOptions(
        json_policy=JsonPolicy.parse(expected.get("policy", "STRICT")), root=REPO
    )
    old = FORMAT.parse(_schema(folder / "old.json"), options)
    try:
        new = FORMAT.parse(_schema(folder / "new.json"), options)
    except SchemaInvalid as error:
        rule = error.rule if isinstance(error, UnresolvedReference) else "JSON_INVALID_SCHEMA"
        return expected, [(rule, error.pointer, error.message)]
    violations = check_candidate(
        FORMAT, new, [Version("old", old)], Mode.parse(expected["mode"]), options
    )
    return expected, [
        (v.incompatibility.rule, v.incompatibility.path, v.incompatibility.message)
        for v in violations
    ]


@pytest.mark.parametrize("folder", FOLDERS, ids=[folder.name for folder in FOLDERS])
def test_fixture_yields_exactly_its_findings(folder: Path) -> None:
    expected, found = _findings(folder)
    want = sorted((item["rule"], item["path"]) for item in expected["findings"])
    assert sorted((rule, path) for rule, path, _ in found) == want, found
    for item in expected["findings"]:
        messages = [
            message for rule, path, message in found if (rule, path) == (item["rule"], item["path"])
        ]
        assert any(item["message"] in message for message in messages), (item, messages)


def test_every_rule_has_a_folder_that_triggers_it() -> None:
    triggered: dict[str, list[str]] = {}
    for folder in FOLDERS:
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        for item in expected["findings"]:
            triggered.setdefault(item["rule"], []).append(folder.name)
    for rule in FORMAT.rules():
        folders = [
            folder.name
            for folder in FOLDERS
            if folder.name == rule.id or folder.name.startswith(rule.id + "-")
        ]
        assert folders, f"no fixture folder for {rule.id}"
        assert rule.id in triggered, f"no fixture folder yields {rule.id}"


def test_every_folder_is_named_after_a_rule() -> None:
    ids = {rule.id for rule in FORMAT.rules()}
    for folder in FOLDERS:
        assert folder.name.split("-", 1)[0] in ids, folder.name
        assert {"old.json", "new.json", "expected.json"} <= {p.name for p in folder.iterdir()}


def test_kind_table_inverses_pair_up() -> None:
    from gate.formats.jsonschema.kinds import KINDS, ROWS, Kind

    assert [row.kind for row in KINDS] == list(Kind)
    for row in KINDS:
        if row.inverse is not None:
            assert ROWS[row.inverse].inverse is row.kind, row.kind
