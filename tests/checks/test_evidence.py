"""Witnesses shared between the version pairs of one subject (`WitnessMemo`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import gate.simulate
from gate.evidence import SimulationSettings, WitnessMemo, with_evidence
from gate.formats import CheckOptions
from gate.judge import Parser, compat_checks
from gate.model import Mode, Origin, OriginKind, Schema, SchemaType


def _object(**properties: Any) -> str:
    return json.dumps({"type": "object", "properties": properties, "required": sorted(properties)})


def _parsed(parser: Parser, text: str, kind: OriginKind, version: int | None = None) -> Any:
    origin = Origin(kind, path="s.json" if version is None else None, subject="s", version=version)
    return parser.parse(Schema(SchemaType.JSON, text, origin))


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = gate.simulate.simulate_pair

    def simulate_pair(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(gate.simulate, "simulate_pair", simulate_pair)
    return calls


def _judge(memo: WitnessMemo | None, history: list[str], candidate: str) -> list[Any]:
    parser = Parser(CheckOptions())
    versions = [_parsed(parser, text, OriginKind.SNAPSHOT, n + 1) for n, text in enumerate(history)]
    new = _parsed(parser, candidate, OriginKind.WORKTREE)
    settings = SimulationSettings()

    def evidence(check: Any, writer: Any, reader: Any) -> Any:
        return with_evidence(check, writer, reader, settings, memo=memo)

    return compat_checks("s", new, versions, Mode.FULL_TRANSITIVE, CheckOptions(), evidence)


# versions that differ only in their description: the candidate breaks each the same way
HISTORY = [
    json.dumps(
        {
            "description": f"version {n}",
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string"}, "n": {"type": "integer"}},
        }
    )
    for n in range(6)
]
BREAKS = json.dumps(
    {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "integer"}, "n": {"type": "integer"}},
    }
)


def test_a_witness_found_once_is_checked_on_each_other_version(counted: list[int]) -> None:
    checks = _judge(WitnessMemo(), HISTORY, BREAKS)
    witnessed = [f.witness for c in checks for f in c.findings if f.witness is not None]
    assert len(witnessed) == 2 * len(HISTORY)  # every pair, both directions
    # each witness names its own pair
    assert len({(w.writer, w.reader) for w in witnessed}) == 2 * len(HISTORY)
    assert len(counted) == 2  # one search a direction, not one a version


def test_without_a_memo_every_pair_is_searched(counted: list[int]) -> None:
    checks = _judge(None, HISTORY, BREAKS)
    assert all(f.witness is not None for c in checks for f in c.findings)
    assert len(counted) == 2 * len(HISTORY)


def test_a_search_that_found_nothing_is_not_repeated(counted: list[int]) -> None:
    # the registry flags any change of pattern, even to one that matches the same strings: no
    # payload can show it, so no witness, and no second search for the same errors
    history = [
        json.dumps(
            {
                "type": "object",
                "properties": {"id": {"type": "string", "pattern": "^a*$"}},
                "x-version": n,
            }
        )
        for n in range(4)
    ]
    candidate = json.dumps(
        {"type": "object", "properties": {"id": {"type": "string", "pattern": "^(a|aa)*$"}}}
    )
    checks = _judge(WitnessMemo(), history, candidate)
    findings = [f for c in checks for f in c.findings]
    assert any(f.rule == "JSON_PATTERN_CHANGED" for f in findings)
    assert all(f.witness is None for f in findings if f.rule == "JSON_PATTERN_CHANGED")
    assert len(counted) == 2  # one search a direction


def test_a_property_added_to_an_open_model_has_a_witness_carrying_it(counted: list[int]) -> None:
    # STRICT calls it incompatible: data written with the original may carry `new` with any
    # value; the witness is such data
    history = [
        json.dumps({"type": "object", "properties": {"id": {"type": "string"}}, "x-version": n})
        for n in range(4)
    ]
    candidate = json.dumps(
        {"type": "object", "properties": {"id": {"type": "string"}, "new": {"type": "string"}}}
    )
    checks = _judge(WitnessMemo(), history, candidate)
    added = [
        f
        for c in checks
        for f in c.findings
        if f.rule == "JSON_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
    ]
    assert added
    assert all(f.witness is not None and "new" in f.witness.payload for f in added)
    assert len(counted) == 1  # found once, then checked on each other version
