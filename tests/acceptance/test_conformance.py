"""The conformance corpora (`tests/conformance`), run through the real `gate compat` command."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.paths import CONFORMANCE

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner


def _cases(relative: str) -> list[Any]:
    path = CONFORMANCE / relative
    if not path.is_file():
        pytest.fail(f"conformance corpus missing: {path}")
    cases = json.loads(path.read_text(encoding="utf-8"))
    return [
        pytest.param(case, mode, expected, id=f"{case['id']}-{mode}")
        for case in cases
        for mode, expected in sorted(case["expect"].items())
    ]


def _run(gate: GateRunner, tmp_path: Path, case: Any, mode: str, schema_type: str, ext: str) -> Any:
    old = tmp_path / f"old{ext}"
    new = tmp_path / f"new{ext}"
    old.write_text(json.dumps(case["old"], indent=2), encoding="utf-8")
    new.write_text(json.dumps(case["new"], indent=2), encoding="utf-8")
    run = gate(
        [
            "compat",
            "--type",
            schema_type,
            "--mode",
            mode,
            "--format",
            "json",
            "--no-simulate",
            str(old),
            str(new),
        ]
    )
    assert run.exit_code in (0, 1), run.stderr
    report = run.json()
    assert report["exit_code"] == run.exit_code
    return report


@pytest.mark.parametrize(("case", "mode", "expected"), _cases("avro/apache-avro-py.json"))
def test_avro_conformance(
    gate: GateRunner, tmp_path: Path, case: Any, mode: str, expected: bool
) -> None:
    report = _run(gate, tmp_path, case, mode, "avro", ".avsc")
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert (not errors) is expected, errors


@pytest.mark.parametrize(("case", "mode", "expected"), _cases("jsonschema/confluent-strict.json"))
def test_jsonschema_conformance(
    gate: GateRunner, tmp_path: Path, case: Any, mode: str, expected: bool
) -> None:
    report = _run(gate, tmp_path, case, mode, "json", ".json")
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert (not errors) is expected, (case.get("why"), errors)
