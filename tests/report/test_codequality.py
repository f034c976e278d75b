"""GitLab Code Quality reports written by the real command, and read back as GitLab does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gate.model import CheckKind, CheckResult, Finding, Location, Result, RunInfo, Severity
from gate.report import RenderOptions
from gate.report.codequality import render
from tests.support.reports import ORDERS_BROKEN, PROJECT, build_monorepo

if TYPE_CHECKING:
    from tests.support.runner import GateRunner

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def assert_gitlab_format(entries: Any) -> None:
    """What GitLab requires of each entry (docs: ci/testing/code_quality, "Code Quality report
    format"), and unique fingerprints (GitLab shows one entry per fingerprint)."""
    assert isinstance(entries, list)
    for entry in entries:
        assert isinstance(entry["description"], str)
        assert entry["description"]
        assert isinstance(entry["check_name"], str)
        assert entry["check_name"]
        assert isinstance(entry["fingerprint"], str)
        assert entry["fingerprint"]
        assert entry["severity"] in SEVERITIES
        location = entry["location"]
        assert isinstance(location["path"], str)
        assert not location["path"].startswith("/")
        assert isinstance(location["lines"]["begin"], int)
        assert location["lines"]["begin"] >= 1
    fingerprints = [entry["fingerprint"] for entry in entries]
    assert len(fingerprints) == len(set(fingerprints))


def _report(gate_cli: GateRunner, cwd: Path, path: Path, *args: str) -> Any:
    run = gate_cli(["check", "--base", "HEAD", "--report", f"codequality={path}", *args], cwd=cwd)
    assert run.exit_code == 1, run.stdout + run.stderr
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_real_run_writes_gitlabs_format_with_fingerprints_stable_across_runs(
    gate_cli: GateRunner, tmp_path: Path
) -> None:
    repo = build_monorepo(tmp_path / "repo")
    project = repo.root / PROJECT
    first = _report(gate_cli, project, tmp_path / "first.json")
    assert_gitlab_format(first)
    by_rule = {(e["check_name"], e["location"]["path"]): e for e in first}
    broken = by_rule[("AVRO_READER_FIELD_MISSING_DEFAULT", f"{PROJECT}/schemas/orders.avsc")]
    assert broken["severity"] == "critical"
    assert broken["location"]["lines"]["begin"] == 8
    assert "breaks: backward vs git base; backward vs registry latest" in broken["description"]
    deleted = by_rule[("SUBJECT_DELETED", f"{PROJECT}/schemas/events/refund.avsc")]
    assert deleted["location"]["lines"]["begin"] == 1
    assert (
        by_rule[("SIMULATION_VALUE_LOST", f"{PROJECT}/schemas/events/payment.avsc")]["severity"]
        == "minor"
    )

    # another base commit, and a line added above the break: the same problems, the same
    # fingerprints (GitLab would otherwise call each one fixed and new again)
    repo.git("commit", "-q", "--allow-empty", "-m", "an unrelated commit")
    repo.write(f"{PROJECT}/schemas/orders.avsc", "\n" + ORDERS_BROKEN)
    second = _report(gate_cli, project, tmp_path / "second.json")
    assert_gitlab_format(second)
    assert sorted(e["fingerprint"] for e in second) == sorted(e["fingerprint"] for e in first)
    moved = {(e["check_name"], e["location"]["path"]): e for e in second}[
        ("AVRO_READER_FIELD_MISSING_DEFAULT", f"{PROJECT}/schemas/orders.avsc")
    ]
    assert moved["location"]["lines"]["begin"] == 9

    # with --fail-on warning the warning fails the pipeline and says so
    strict = _report(gate_cli, project, tmp_path / "strict.json", "--fail-on", "warning")
    assert {e["severity"] for e in strict if e["check_name"] == "SIMULATION_VALUE_LOST"} == {
        "major"
    }


def test_fingerprints_differ_by_problem_and_waived_findings_are_left_out() -> None:
    def finding(message: str, path: str, waived: str | None = None) -> Finding:
        return Finding(
            "R",
            Severity.ERROR,
            "s",
            message,
            location=Location(path, 3),
            check="s: c",
            waived_by=waived,
        )

    findings = (
        finding("a", "x.avsc"),
        finding("b", "x.avsc"),
        finding("a", "y.avsc"),
        finding("c", "x.avsc", waived="accepted"),
    )
    result = Result((CheckResult("s: c", "s", CheckKind.COMPAT, "c", findings),))
    entries = json.loads(render(result, RenderOptions()))
    assert_gitlab_format(entries)
    assert [e["description"].split(" — ")[0] for e in entries] == ["s: a", "s: b", "s: a"]


def test_a_finding_without_a_file_points_at_its_subjects_file() -> None:
    finding = Finding(
        "CONTRACT_SCHEMA_UNRESOLVED",
        Severity.ERROR,
        "orders-value",
        "m",
        check="orders-value: reader",
    )
    check = CheckResult("orders-value: reader", "orders-value", CheckKind.CONTRACT, "r", (finding,))
    result = Result(
        (check,), info=RunInfo(files={"orders-value": "svc/schemas/orders.avsc"}, prefix="svc/")
    )
    (entry,) = json.loads(render(result, RenderOptions()))
    assert entry["location"] == {"path": "svc/schemas/orders.avsc", "lines": {"begin": 1}}
    other = Result((check,), info=RunInfo(prefix="svc/"))
    (entry,) = json.loads(render(other, RenderOptions()))
    assert entry["location"]["path"] == "svc/gate.yaml"


def test_the_readme_gitlab_job_publishes_what_it_writes(
    gate_cli: GateRunner, tmp_path: Path
) -> None:
    import shlex

    import yaml
    from junitparser import JUnitXml

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### GitLab CI\n", 1)[1]
    job = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])["schemas"]
    (install,) = [line for line in job["script"] if "pip install" in line]
    (command,) = [line for line in job["script"] if line.startswith("gate ")]
    assert "schema-contract-gate" in install
    assert "pip install ." not in install
    reports = job["artifacts"]["reports"]
    assert set(reports) == {"junit", "codequality"}
    assert job["artifacts"]["when"] == "always"

    # run the job's command in a merge request's checkout (no remote to fetch from)
    repo = build_monorepo(tmp_path / "repo")
    words = shlex.split(command.replace("$CI_MERGE_REQUEST_DIFF_BASE_SHA", repo.sha("HEAD")))
    assert words[:2] == ["gate", "check"]
    args = [word for word in words[1:] if word != "--fetch-base"]
    run = gate_cli(args, cwd=repo.root / PROJECT)
    assert run.exit_code == 1, run.stderr
    produced = repo.root / PROJECT
    assert_gitlab_format(json.loads((produced / reports["codequality"]).read_text("utf-8")))
    suites = JUnitXml.fromfile(str(produced / reports["junit"]))
    assert {case.name for suite in suites for case in suite} >= {"backward vs git base"}
