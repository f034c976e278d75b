"""Every change kind's fixture pair through the real `gate diff` and `gate compat`.

A change kind is a difference the registry reports and accepts (Protobuf's compatible kinds);
it is no rule, so it has no folder in fixtures/rules/. Each folder in fixtures/changes/<format>/
holds `old.*`, `new.*` and an `expected.json`: the `changes` `gate diff --mode FULL` shows (kind,
path, a fragment of the message, the verdict of each direction) and the exit code of
`gate compat --no-simulate` at each level in `compat_exit`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.runner import GateRunner

CHANGES = Path(__file__).resolve().parents[2] / "fixtures" / "changes"
FOLDERS = sorted(p for p in CHANGES.glob("*/*") if (p / "expected.json").is_file())
KIND = re.compile(r"(\w+)(?: \(seen by FORWARD\))?: ")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_change_fixture(gate: GateRunner, folder: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    (old,) = folder.glob("old.*")
    (new,) = folder.glob("new.*")
    run = gate(["diff", "--mode", "FULL", "--format", "json", str(old), str(new)])
    assert run.exit_code in (0, 1), run.stderr
    shown = []
    for change in run.json()["changes"]:
        match = KIND.match(change["description"])
        assert match, change
        shown.append(
            (
                match.group(1),
                change["path"],
                change["description"][match.end() :],
                change["backward_compatible"],
                change["forward_compatible"],
            )
        )
    assert sorted(s[:2] for s in shown) == sorted(
        (c["kind"], c["path"]) for c in expected["changes"]
    )
    for want in expected["changes"]:
        (got,) = [s for s in shown if s[:2] == (want["kind"], want["path"])]
        assert want["message"] in got[2], (want, got)
        assert got[3:] == (want["backward_compatible"], want["forward_compatible"]), (want, got)
    # the folder's own kind is shown, and the registry accepts it under BACKWARD
    own = [s for s in shown if s[0] == folder.name.split("-")[0]]
    assert own, shown
    assert all(s[3] for s in own), shown
    assert run.exit_code == (0 if all(s[3] and s[4] for s in shown) else 1)
    for mode, code in expected["compat_exit"].items():
        compat = gate(
            ["compat", "--mode", mode, "--no-simulate", "--format", "json", str(old), str(new)]
        )
        assert compat.exit_code == code, (mode, compat.stdout, compat.stderr)
        errors = [f for f in compat.json()["findings"] if f["severity"] == "error"]
        assert bool(errors) == (code == 1), (mode, errors)


def test_every_change_kind_has_a_fixture() -> None:
    from gate.formats.protobuf.kinds import COMPATIBLE

    covered = {f.name.split("-")[0] for f in FOLDERS if f.parent.name == "protobuf"}
    missing = {kind.rule_id for kind in COMPATIBLE} - covered
    assert not missing, f"change kinds without a fixture folder: {sorted(missing)}"
