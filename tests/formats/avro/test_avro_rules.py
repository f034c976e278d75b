"""Every Avro rule has fixture pairs in fixtures/rules/avro/, each giving exactly its findings.

A folder holds `old.avsc`, `new.avsc` and `expected.json` ({"mode", "findings": [{"rule", "path",
"message"}]}); `new` is judged against `old` under `mode` through `gate.compat.check_candidate`,
or, for AVRO_INVALID_SCHEMA, `new` must fail to parse at the expected pointer.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from gate.compat import Version, check_candidate
from gate.errors import SchemaInvalid
from gate.formats import CheckOptions
from gate.formats.avro import FORMAT
from gate.jsonpos import line_of
from gate.model import Mode, Origin, OriginKind, Schema, SchemaType
from tests.support.paths import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

FIXTURES = REPO_ROOT / "fixtures" / "rules" / "avro"
OPTIONS = CheckOptions()


def _folders() -> list[Path]:
    return sorted(path for path in FIXTURES.iterdir() if path.is_dir())


def _schema(path: Path) -> Schema:
    return Schema(
        SchemaType.AVRO, path.read_text(encoding="utf-8"), Origin(OriginKind.FILE, str(path))
    )


def _rule_of(folder: Path) -> str:
    return folder.name.split("-", 1)[0]


def _found(folder: Path, mode: Mode) -> list[tuple[str, str, str, str]]:
    """(rule, path, message, text of the schema the path points into) of new against old."""
    old_schema, new_schema = _schema(folder / "old.avsc"), _schema(folder / "new.avsc")
    old = FORMAT.parse(old_schema, OPTIONS)
    try:
        new = FORMAT.parse(new_schema, OPTIONS)
    except SchemaInvalid as error:
        return [("AVRO_INVALID_SCHEMA", error.pointer, error.message, new_schema.text)]
    out = []
    for violation in check_candidate(FORMAT, new, [Version("old", old)], mode, OPTIONS):
        reader = new_schema if violation.direction.value == "backward" else old_schema
        found = violation.incompatibility
        out.append((found.rule, found.path, found.message, reader.text))
    return out


def test_the_fixture_folder_exists() -> None:
    assert len(_folders()) >= len(FORMAT.rules())


def test_every_rule_has_a_fixture_folder() -> None:
    covered = {_rule_of(folder) for folder in _folders()}
    missing = [rule.id for rule in FORMAT.rules() if rule.id not in covered]
    assert not missing


def test_every_folder_is_named_after_a_rule() -> None:
    known = {rule.id for rule in FORMAT.rules()}
    assert [f.name for f in _folders() if _rule_of(f) not in known] == []


def test_every_rule_is_shown_firing_by_a_fixture() -> None:
    fired: set[str] = set()
    for folder in _folders():
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        fired.update(finding["rule"] for finding in expected["findings"])
    assert fired == {rule.id for rule in FORMAT.rules()}


@pytest.mark.parametrize("folder", _folders(), ids=lambda folder: folder.name)
def test_fixture_gives_exactly_its_findings(folder: Path) -> None:
    expected: dict[str, Any] = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    found = _found(folder, Mode.parse(expected["mode"]))
    assert Counter((rule, path) for rule, path, _, _ in found) == Counter(
        (finding["rule"], finding["path"]) for finding in expected["findings"]
    )
    unmatched = list(found)
    for finding in expected["findings"]:
        match = next(
            (
                item
                for item in unmatched
                if item[0] == finding["rule"]
                and item[1] == finding["path"]
                and finding["message"] in item[2]
            ),
            None,
        )
        assert match is not None, (finding, found)
        unmatched.remove(match)
        # the pointer names a place in the file, so the finding gets a real line
        line = line_of(match[3], match[1])
        assert line is not None
        assert match[1] == "" or line > 1
