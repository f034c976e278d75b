"""Protobuf changes the registry accepts but the wire does not: warnings that leave the
registry's verdict alone, and fail a build only with `--fail-on warning`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from gate.cli import cli
from tests.support.gitrepo import PINNED, RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

ORDER = (
    'syntax = "proto3";\npackage shop;\n\nmessage Order {{\n  {t} id = 1;\n  string note = 2;\n}}\n'
)


def _check(repo: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, list[dict]]:
    monkeypatch.chdir(repo)
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(
        cli,
        ["check", "--offline", "--base", "HEAD", "--report", "json", *extra],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


@pytest.fixture
def narrowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in PINNED.items():
        monkeypatch.setenv(name, value)
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": 'version: 1\nsubjects:\n  - files: "proto/*.proto"\n'
            '    subject: "{stem}-value"\n',
            "proto/order.proto": ORDER.format(t="int64"),
        },
    )
    repo.write("proto/order.proto", ORDER.format(t="int32"))
    return repo.root


def test_a_warning_leaves_the_registry_verdict_alone(
    narrowed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, findings = _check(narrowed, monkeypatch)
    assert code == 0
    assert [(f["rule"], f["severity"], f["path"]) for f in findings] == [
        ("PROTOBUF_NUMERIC_NARROWED", "warning", "/Order/1")
    ]
    assert findings[0]["location"] == {"path": "proto/order.proto", "line": 5}
    assert "1099511627779 reads as 3" in findings[0]["message"]


def test_fail_on_warning_fails_the_build(narrowed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, findings = _check(narrowed, monkeypatch, "--fail-on", "warning")
    assert code == 1
    assert {f["rule"] for f in findings} == {"PROTOBUF_NUMERIC_NARROWED"}


@pytest.mark.parametrize(
    ("old", "new", "mode", "expected"),
    [
        # a field added under FORWARD is no removal: the edit's warnings follow old -> new
        ("  int32 id = 1;\n", "  int32 id = 1;\n  string note = 2;\n", "FORWARD", []),
        (
            "  int32 id = 1;\n  string note = 2;\n",
            "  int32 id = 1;\n",
            "FORWARD",
            [("PROTOBUF_FIELD_REMOVED_NOT_RESERVED", "/Order/2")],
        ),
        (
            "  int32 id = 1;\n  string note = 2;\n",
            "  int32 id = 1;\n",
            "FULL",
            [("PROTOBUF_FIELD_REMOVED_NOT_RESERVED", "/Order/2")],
        ),
        (
            "  int32 id = 1;\n  string note = 2;\n",
            "  int32 id = 1;\n  reserved 2;\n",
            "BACKWARD",
            [],
        ),
        # widening is safe; narrowing only in the direction that reads the wider values
        ("  int32 id = 1;\n", "  int64 id = 1;\n", "BACKWARD", []),
        (
            "  int32 id = 1;\n",
            "  int64 id = 1;\n",
            "FORWARD",
            [("PROTOBUF_NUMERIC_NARROWED", "/Order/1")],
        ),
        (
            "  int32 id = 1;\n",
            "  uint64 id = 1;\n",
            "BACKWARD",
            [("PROTOBUF_NUMERIC_NARROWED", "/Order/1")],
        ),
        ("  bool id = 1;\n", "  int32 id = 1;\n", "BACKWARD", []),
        (
            "  sint64 id = 1;\n",
            "  sint32 id = 1;\n",
            "BACKWARD",
            [("PROTOBUF_NUMERIC_NARROWED", "/Order/1")],
        ),
        (
            "  sfixed32 id = 1;\n",
            "  fixed32 id = 1;\n",
            "BACKWARD",
            [("PROTOBUF_NUMERIC_NARROWED", "/Order/1")],
        ),
        (
            "  map<string, int64> id = 1;\n",
            "  map<string, int32> id = 1;\n",
            "BACKWARD",
            [("PROTOBUF_NUMERIC_NARROWED", "/Order/1")],
        ),
        ("  string id = 1;\n", "  bytes id = 1;\n", "BACKWARD", []),
        # repeated -> optional numeric is the registry's own error: no second finding
        (
            "  repeated int32 id = 1;\n",
            "  optional int32 id = 1;\n",
            "BACKWARD",
            [("PROTOBUF_FIELD_NUMERIC_LABEL_CHANGED", "/Order/1")],
        ),
        (
            "  repeated int32 id = 1;\n",
            "  int32 id = 1;\n",
            "BACKWARD",
            [("PROTOBUF_CARDINALITY_CHANGED", "/Order/1")],
        ),
        ("  int32 id = 1;\n", "  repeated int32 id = 1;\n", "BACKWARD", []),
    ],
)
def test_which_edits_warn(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    mode: str,
    expected: list[tuple[str, str]],
) -> None:
    head = 'syntax = "proto3";\npackage shop;\n\nmessage Order {\n'
    (tmp_path / "old.proto").write_text(head + old + "}\n")
    (tmp_path / "new.proto").write_text(head + new + "}\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["compat", "--mode", mode, "--format", "json", "--no-simulate", "old.proto", "new.proto"],
        catch_exceptions=False,
    )
    found = sorted((f["rule"], f["path"]) for f in json.loads(result.stdout)["findings"])
    assert found == sorted(expected)
