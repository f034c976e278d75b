from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest

from gate.model import CheckKind, CheckResult, Finding, Location, Result, Severity
from gate.report import RenderOptions
from gate.report.sarif import FINGERPRINT_KEY, render
from tests.support.paths import REPORT_SCHEMAS
from tests.support.reports import PROJECT, build_monorepo, multitool_problems

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

SARIF_SCHEMA = REPORT_SCHEMAS / "sarif-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    if not SARIF_SCHEMA.exists():
        pytest.fail(f"reference schema missing: {SARIF_SCHEMA}")
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def _log(result: Result, **options: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(result, RenderOptions(**options)))
    return data


def _run(result: Result, **options: Any) -> dict[str, Any]:
    (run,) = _log(result, **options)["runs"]
    data: dict[str, Any] = run
    return data


@pytest.mark.parametrize("root", [None, "/srv/checkout"])
def test_every_sample_validates_against_sarif_2_1_0(
    any_result: Result, root: str | None, validator: jsonschema.Draft4Validator
) -> None:
    log = _log(any_result, root=root)
    validator.validate(log)
    assert log["version"] == "2.1.0"


def test_the_validator_catches_a_broken_log(
    failing_result: Result, validator: jsonschema.Draft4Validator
) -> None:
    log = _log(failing_result)
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator.is_valid(log)


def test_driver_and_one_rule_per_rule_id(failing_result: Result) -> None:
    driver = _run(failing_result, tool_version="1.2.3")["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("gate", "1.2.3")
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == list(dict.fromkeys(f.rule for f in failing_result.findings))
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in driver["rules"]}
    assert levels["FIELD_DOC_CHANGED"] == "warning"


def test_rule_descriptions_come_from_the_catalogue(known_rule_result: Result) -> None:
    from gate.rules import all_rules

    known, unknown = known_rule_result.findings
    rules = {r["id"]: r for r in _run(known_rule_result)["tool"]["driver"]["rules"]}
    assert rules[known.rule]["shortDescription"]["text"] == all_rules()[known.rule].purpose
    assert rules[unknown.rule]["shortDescription"]["text"] == unknown.rule


def test_one_result_per_finding_with_level_location_and_fingerprint(
    failing_result: Result,
) -> None:
    run = _run(failing_result)
    results = run["results"]
    assert len(results) == len(failing_result.findings)
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for entry, finding in zip(results, failing_result.findings, strict=True):
        assert entry["ruleId"] == finding.rule
        assert rule_ids[entry["ruleIndex"]] == finding.rule
        assert entry["partialFingerprints"][FINGERPRINT_KEY] == finding.fingerprint
        assert entry["message"]["text"].startswith(finding.message)
    assert [r["level"] for r in results] == ["error", "error", "warning", "error", "note"]
    first = results[0]["locations"][0]["physicalLocation"]
    assert first == {
        "artifactLocation": {"uri": "schemas/orders.avsc"},
        "region": {"startLine": 12},
    }
    assert "Fix: add" in results[0]["message"]["text"]
    assert results[0]["properties"]["witness"]["avro_base64"] == "DgxoZWxsbw=="
    no_line = results[1]["locations"][0]["physicalLocation"]
    assert no_line == {
        "artifactLocation": {"uri": "schemas/dir%20with%20space/orders%2Cv2.avsc"},
        "region": {"startLine": 1},
    }
    assert "physicalLocation" not in results[4]["locations"][0]
    assert results[4]["locations"][0]["logicalLocations"][0]["name"] == "users-value"


def test_waived_findings_are_suppressed_not_dropped(failing_result: Result) -> None:
    results = _run(failing_result)["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["suppressions"] for r in suppressed] == [
        [{"kind": "external", "justification": "consumers upgraded first, see the migration plan"}]
    ]
    assert suppressed[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "schemas/%C3%A9v%C3%A9nements.avsc"
    )


def test_root_anchors_uris_and_relativises_absolute_paths(tmp_path: Path) -> None:
    inside = Finding(
        "X", Severity.ERROR, "s", "m", location=Location(str(tmp_path / "schemas" / "a.avsc"), 2)
    )
    outside = Finding("Y", Severity.ERROR, "s", "m", location=Location("/elsewhere/b.avsc"))
    relative = Finding("Z", Severity.ERROR, "s", "m", location=Location("c.avsc"))
    result = Result((CheckResult("c", "s", CheckKind.COMPAT, "c", (inside, outside, relative)),))
    run = _run(result, root=str(tmp_path))
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.as_uri() + "/"
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert artifacts == [
        {"uri": "schemas/a.avsc", "uriBaseId": "SRCROOT"},
        {"uri": "file:///elsewhere/b.avsc"},
        {"uri": "c.avsc", "uriBaseId": "SRCROOT"},
    ]


def test_warning_levels_follow_severity_not_fail_on(warning_fails_result: Result) -> None:
    (entry,) = _run(warning_fails_result)["results"]
    assert entry["level"] == "warning"
    assert entry["properties"]["failing"] is True


def test_empty_and_passed_runs(empty_result: Result, passed_result: Result) -> None:
    empty = _run(empty_result)
    assert (empty["results"], empty["tool"]["driver"]["rules"]) == ([], [])
    assert [r["level"] for r in _run(passed_result)["results"]] == ["note"]


def test_unicode_and_special_characters_survive(failing_result: Result) -> None:
    results = _run(failing_result)["results"]
    assert results[1]["message"]["text"] == failing_result.findings[1].message
    assert results[3]["locations"][0]["logicalLocations"][0]["name"] == "ünïcødé-événements"


def test_file_names_undecodable_as_utf8_keep_their_bytes_in_the_uri() -> None:
    name = b"caf\xe9.avsc".decode("utf-8", "surrogateescape")
    finding = Finding("X", Severity.ERROR, "s", "m", location=Location(name, 0))
    result = Result((CheckResult("c", "s", CheckKind.COMPAT, "c", (finding,)),))
    (entry,) = _run(result)["results"]
    physical = entry["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "caf%E9.avsc"}, "region": {"startLine": 1}}


def test_rules_carry_a_full_description_and_help_in_text_and_markdown(
    known_rule_result: Result,
) -> None:
    from gate.rules import all_rules

    known, unknown = known_rule_result.findings
    rules = {r["id"]: r for r in _run(known_rule_result)["tool"]["driver"]["rules"]}
    purpose = all_rules()[known.rule].purpose
    for rule in rules.values():
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["help"]["markdown"]
    assert rules[known.rule]["fullDescription"]["text"].startswith(purpose)
    assert purpose in rules[known.rule]["help"]["markdown"]
    assert "gate waive FINGERPRINT" in rules[known.rule]["help"]["text"]
    assert unknown.rule in rules[unknown.rule]["help"]["text"]


def test_driver_names_where_to_learn_more_and_a_semantic_version(failing_result: Result) -> None:
    driver = _run(failing_result, tool_version="1.2.3")["tool"]["driver"]
    assert driver["informationUri"].startswith("https://")
    assert driver["semanticVersion"] == "1.2.3"
    assert "semanticVersion" not in _run(failing_result, tool_version="1.2")["tool"]["driver"]


# ------------------------------------------------------------------ the real command, end to end


@pytest.fixture
def monorepo_sarif(gate_cli: GateRunner, tmp_path: Path) -> tuple[Path, Path]:
    """A SARIF log written by `gate check` run in `services/orders/` of a monorepo, where a
    breaking change breaks the git base and the registry snapshot alike, a consumer breaks, a
    schema file was deleted and the simulation shows a renamed field's values lost."""
    repo = build_monorepo(tmp_path / "repo")
    sarif = tmp_path / "reports" / "gate.sarif"
    run = gate_cli(
        ["check", "--base", "HEAD", "--report", f"sarif={sarif}"], cwd=repo.root / PROJECT
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    return repo.root, sarif


def test_github_rules_of_the_sarif_multitool_find_no_error(
    monorepo_sarif: tuple[Path, Path], sarif_multitool: Path, validator: jsonschema.Draft4Validator
) -> None:
    _, sarif = monorepo_sarif
    assert multitool_problems(sarif_multitool, sarif) == []
    validator.validate(json.loads(sarif.read_text(encoding="utf-8")))


def test_the_multitool_check_catches_what_github_rejects(
    monorepo_sarif: tuple[Path, Path], sarif_multitool: Path, tmp_path: Path
) -> None:
    # the log as gate wrote it before: rules without fullDescription and help
    _, sarif = monorepo_sarif
    log = json.loads(sarif.read_text(encoding="utf-8"))
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        del rule["fullDescription"], rule["help"]
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(log), encoding="utf-8")
    problems = multitool_problems(sarif_multitool, broken)
    assert problems
    assert all(p.startswith("GH2012") for p in problems)


def test_one_result_per_finding_naming_every_baseline_it_breaks(
    monorepo_sarif: tuple[Path, Path],
) -> None:
    _, sarif = monorepo_sarif
    (run,) = json.loads(sarif.read_text(encoding="utf-8"))["runs"]
    keys = [
        (
            r["ruleId"],
            r["partialFingerprints"][FINGERPRINT_KEY],
            json.dumps(r["locations"], sort_keys=True),
        )
        for r in run["results"]
    ]
    assert len(keys) == len(set(keys))
    (broken,) = [
        r
        for r in run["results"]
        if r["ruleId"] == "AVRO_READER_FIELD_MISSING_DEFAULT"
        and r["properties"]["subject"] == "orders-value"
        and "fraud" not in r["message"]["text"]
    ]
    assert broken["properties"]["baselines"] == [
        "backward vs git base",
        "backward vs registry latest",
    ]
    assert "Breaks: backward vs git base; backward vs registry latest" in broken["message"]["text"]
    assert any("snapshot:orders-value@1" in v for v in broken["properties"]["versions"])
    assert any(v.startswith("writer: git:HEAD:") for v in broken["properties"]["versions"])


def test_every_result_has_a_file_and_a_line_relative_to_the_repository_root(
    monorepo_sarif: tuple[Path, Path],
) -> None:
    root, sarif = monorepo_sarif
    (run,) = json.loads(sarif.read_text(encoding="utf-8"))["runs"]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == root.resolve().as_uri() + "/"
    rules = set()
    for result in run["results"]:
        physical = result["locations"][0]["physicalLocation"]
        artifact = physical["artifactLocation"]
        assert artifact["uriBaseId"] == "SRCROOT"
        assert artifact["uri"].startswith(f"{PROJECT}/")
        # resolved against SRCROOT as a consumer following the spec does: the file is there
        # (or, for the deleted schema, was there at the base)
        assert (root / artifact["uri"]).exists() or result["ruleId"] == "SUBJECT_DELETED"
        assert physical["region"]["startLine"] >= 1
        rules.add(result["ruleId"])
    # the simulation's finding and the file-level ones among them
    assert {"SIMULATION_VALUE_LOST", "SUBJECT_DELETED", "DRIFT_NOT_REGISTERED"} <= rules
    (lost,) = [r for r in run["results"] if r["ruleId"] == "SIMULATION_VALUE_LOST"]
    assert lost["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        f"{PROJECT}/schemas/events/payment.avsc"
    )
    # its pointer is into the reader, the work tree's file: the line of the renamed field
    assert lost["locations"][0]["physicalLocation"]["region"] == {"startLine": 8}


def test_automation_id_tells_the_projects_of_a_monorepo_apart(
    gate_cli: GateRunner, tmp_path: Path
) -> None:
    repo = build_monorepo(tmp_path / "repo")
    inner = tmp_path / "inner.sarif"
    run = gate_cli(
        ["check", "--base", "HEAD", "--report", f"sarif={inner}"],
        cwd=repo.root / PROJECT / "schemas",
    )  # gate.yaml is found one folder up
    assert run.exit_code == 1
    (config_run,) = json.loads(inner.read_text(encoding="utf-8"))["runs"]
    assert config_run["automationDetails"]["id"] == f"gate/{PROJECT}/"
    repo.write(
        "gate.yaml", "version: 1\nsubjects:\n  - files: 'top/*.avsc'\n    subject: '{stem}-value'\n"
    )
    top = tmp_path / "top.sarif"
    gate_cli(["check", "--base", "HEAD", "--report", f"sarif={top}"], cwd=repo.root)
    (root_run,) = json.loads(top.read_text(encoding="utf-8"))["runs"]
    assert root_run["automationDetails"]["id"] == "gate/"
