"""`gate check --shard K/N` partitions, and `gate merge-reports` puts the shards back together."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import junitparser
import pytest

from tests.support.avro_shapes import record
from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from tests.support.runner import GateRunner

OLD = record([("id", "string")])
OK = record([("id", "string"), ("x", ["null", "int"])], x=None)
BROKEN = record([("id", "string"), ("x", "int")])


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "base",
        {f"schemas/s{i:02d}.avsc": OLD for i in range(14)}
        | {
            "gate.yaml": "version: 1\nwaivers:\n  - rule: AVRO_READER_FIELD_MISSING_DEFAULT\n"
            "    subject: s03\n    fingerprint: '00000000'\n    reason: r\n"
            "    owner: o\n    expires: 2999-01-01\n",
        },
    )
    for i in range(14):
        builder.write(f"schemas/s{i:02d}.avsc", BROKEN if i % 3 == 0 else OK)
    return builder


def _run(gate: GateRunner, repo: RepoBuilder, out: Path, *args: str) -> Any:
    run = gate(
        [
            "check",
            "--base",
            "HEAD",
            "--report",
            f"json={out}.json",
            "--report",
            f"junit={out}.xml",
            *args,
        ],
        cwd=repo.root,
    )
    assert run.exit_code in (0, 1), run.stderr
    return json.loads(Path(f"{out}.json").read_text())


def _comparable(report: dict[str, Any]) -> Any:
    checks = sorted(
        (c["id"], c["subject"], c["passed"], tuple(c["findings"]), tuple(c["notes"]))
        for c in report["checks"]
    )
    findings = sorted(
        (f["fingerprint"], f["rule"], f["subject"], f["check"]) for f in report["findings"]
    )
    return report["passed"], report["exit_code"], report["summary"], checks, findings


def test_shards_are_disjoint_complete_and_merge_to_the_unsharded_report(
    gate: GateRunner, repo: RepoBuilder, tmp_path: Path
) -> None:
    whole = _run(gate, repo, tmp_path / "whole")
    shards = [_run(gate, repo, tmp_path / f"shard{k}", "--shard", f"{k}/3") for k in (1, 2, 3)]
    subjects = [{c["subject"] for c in s["checks"] if c["subject"] != "(waivers)"} for s in shards]
    assert all(subjects), "every shard gets some subjects"
    assert sum(len(s) for s in subjects) == len(set().union(*subjects)) == 14

    merged_path = tmp_path / "merged.json"
    merge = gate(
        [
            "merge-reports",
            "-o",
            str(merged_path),
            *(str(tmp_path / f"shard{k}.json") for k in (1, 2, 3)),
        ]
    )
    assert merge.exit_code == 1  # the merged run failed, as the whole one did
    merged = json.loads(merged_path.read_text())
    assert _comparable(merged) == _comparable(whole)

    junit = tmp_path / "merged.xml"
    merge_xml = gate(
        ["merge-reports", "-o", str(junit), *(str(tmp_path / f"shard{k}.xml") for k in (1, 2, 3))]
    )
    assert merge_xml.exit_code == 1
    merged_suites = {
        s.name: sorted(c.name for c in s) for s in junitparser.JUnitXml.fromfile(str(junit))
    }
    whole_suites = {
        s.name: sorted(c.name for c in s)
        for s in junitparser.JUnitXml.fromfile(str(tmp_path / "whole.xml"))
    }
    assert merged_suites == whole_suites


def test_bad_shard_values_are_usage_errors(gate: GateRunner, repo: RepoBuilder) -> None:
    for value in ("0/3", "4/3", "x", "1/0"):
        run = gate(["check", "--base", "HEAD", "--shard", value], cwd=repo.root)
        assert run.exit_code == 2, value
        assert "--shard" in run.stderr


def test_merging_nothing_readable_is_a_source_error(gate: GateRunner, tmp_path: Path) -> None:
    run = gate(["merge-reports", str(tmp_path / "missing.json")])
    assert run.exit_code == 3
    assert "missing.json" in run.stderr
