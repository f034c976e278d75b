"""Every rule's fixture pair through the real `gate compat`: exactly the expected findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.runner import GateRunner

RULES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"
FOLDERS = sorted(p for p in RULES.glob("*/*") if (p / "expected.json").is_file())


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rule_fixture(gate: GateRunner, folder: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    (old,) = folder.glob("old.*")
    (new,) = folder.glob("new.*")
    run = gate(
        [
            "compat",
            "--mode",
            expected["mode"],
            "--policy",
            expected.get("policy", "STRICT"),
            "--format",
            "json",
            "--no-simulate",
            str(old),
            str(new),
        ]
    )
    assert run.exit_code in (0, 1), run.stderr
    findings = run.json()["findings"]
    assert sorted((f["rule"], f["path"]) for f in findings) == sorted(
        (f["rule"], f["path"]) for f in expected["findings"]
    )
    for want in expected["findings"]:
        messages = [
            f["message"]
            for f in findings
            if f["rule"] == want["rule"] and f["path"] == want["path"]
        ]
        assert any(want["message"] in m for m in messages), (want, messages)
    errors = [f for f in findings if f["severity"] == "error"]
    assert run.exit_code == (1 if errors else 0)


def test_every_rule_of_every_format_has_a_fixture() -> None:
    from gate.formats import get_format, supported_types

    covered = {f.name.split("-")[0] for f in FOLDERS}
    for schema_type in supported_types():
        missing = {r.id for r in get_format(schema_type).rules()} - covered
        assert not missing, f"rules without a fixture folder: {sorted(missing)}"
