"""Nothing runs unbounded: hostile patterns, nesting and registry answers end in seconds with a
note or a clear error, never a hang. Each run is a child process killed after a generous hang
guard (no speed claim: the guard only turns a hang into a failure)."""

from __future__ import annotations

import json

from tests.support.gitrepo import RepoBuilder

from .conftest import BAD, SubprocessRunner

GUARD = 120.0  # seconds; a hang guard only
BOMB = "^(a|a)*$"  # backtracks 2^n times on n `a`s followed by a character it cannot match
VICTIM = "a" * 40 + "!"


def _notes(report: dict) -> list[str]:
    return [note for check in report["checks"] for note in check["notes"]]


def test_regex_bomb_against_a_writer_enum_is_a_note(gate_process: SubprocessRunner) -> None:
    folder = BAD / "compat" / "json-regex-bomb-enum"
    run = gate_process(["compat", "--format", "json", "old.json", "new.json"], cwd=folder,
                       timeout=GUARD)
    assert run.exit_code == 1, run.output
    report = run.json()
    assert [f["rule"] for f in report["findings"]] == ["JSON_TYPE_CHANGED"]
    assert any(BOMB in note and "could not be evaluated" in note for note in _notes(report))


def test_regex_bomb_against_a_sample_is_a_note_in_check(
    gate_process: SubprocessRunner, repo: RepoBuilder
) -> None:
    schema = {"type": "object", "properties": {"code": {"type": "string"}}}
    repo.write("gate.yaml", "version: 1\nsubjects:\n  - subject: codes-value\n"
               "    file: schemas/codes.json\n    samples: [samples/codes.jsonl]\n")
    repo.write("schemas/codes.json", json.dumps(schema))
    repo.write("samples/codes.jsonl", json.dumps({"code": VICTIM}) + "\n")
    repo.commit("codes")
    schema["properties"]["code"]["pattern"] = BOMB
    repo.write("schemas/codes.json", json.dumps(schema))
    run = gate_process(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root,
                       timeout=GUARD)
    assert run.exit_code == 1, run.output
    report = run.json()
    assert "JSON_PATTERN_ADDED" in {f["rule"] for f in report["findings"]}
    notes = _notes(report)
    assert any(BOMB in note for note in notes), notes
    assert "Traceback" not in run.output


def test_regex_bomb_in_pattern_properties_is_judged(gate_process: SubprocessRunner) -> None:
    folder = BAD / "compat" / "json-regex-bomb-property-name"
    run = gate_process(["compat", "--format", "json", "old.json", "new.json"], cwd=folder,
                       timeout=GUARD)
    assert run.exit_code == 1, run.output
    assert "JSON_ADDITIONAL_PROPERTIES_REMOVED" in {f["rule"] for f in run.json()["findings"]}


