from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import gate
from gate.model import CheckKind, CheckResult, Finding, Result, Severity, Witness
from gate.report import RenderOptions
from gate.report.json_report import render

SCHEMA_PATH = Path(gate.__file__).parent / "schemas" / "report.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _doc(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(result, RenderOptions(tool_version="1.2.3")))
    return data


def test_every_sample_validates_against_the_shipped_schema(
    any_result: Result, validator: jsonschema.Draft202012Validator
) -> None:
    validator.validate(_doc(any_result))


def test_the_schema_rejects_a_report_missing_a_documented_key(
    failing_result: Result, validator: jsonschema.Draft202012Validator
) -> None:
    document = _doc(failing_result)
    del document["findings"][0]["witness"]
    assert not validator.is_valid(document)


def test_top_level_keys_in_a_stable_order(failing_result: Result) -> None:
    document = _doc(failing_result)
    assert list(document) == [
        "report_version",
        "passed",
        "exit_code",
        "fail_on",
        "tool",
        "base",
        "head",
        "notes",
        "summary",
        "checks",
        "findings",
    ]
    assert list(document["findings"][0])[:10] == [
        "rule",
        "severity",
        "subject",
        "message",
        "path",
        "location",
        "versions",
        "witness",
        "fix",
        "fingerprint",
    ]
    assert render(failing_result, RenderOptions()) == render(failing_result, RenderOptions())


def test_failing_run(failing_result: Result) -> None:
    document = _doc(failing_result)
    assert document["passed"] is False
    assert document["exit_code"] == 1
    assert document["tool"] == {"name": "gate", "version": "1.2.3"}
    assert (document["base"], document["head"]) == ("main", "HEAD")
    assert document["summary"]["failing_findings"] == 2
    assert [c["passed"] for c in document["checks"]] == [False, True, True, True, True]
    first = document["findings"][0]
    assert first["location"] == {"path": "schemas/orders.avsc", "line": 12}
    assert first["versions"] == ["git:main", "git:HEAD"]
    assert first["fix"] == 'add "default": "EUR" to field currency'
    assert first["failing"] is True
    assert first["witness"]["payload"] == {
        "id": 7,
        "note": "é \u2603",
        "tags": ["a", "b"],
        "amount": None,
    }
    assert first["witness"]["wire_base64"] == "AAAAAAEODGhlbGxv"
    assert document["findings"][4]["location"] is None


def test_checks_refer_to_their_findings_by_fingerprint(failing_result: Result) -> None:
    document = _doc(failing_result)
    fingerprints = {f["fingerprint"]: f for f in document["findings"]}
    for check in document["checks"]:
        for fingerprint in check["findings"]:
            assert fingerprints[fingerprint]["check"] == check["id"]
    assert [f.fingerprint for f in failing_result.findings] == list(fingerprints)


def test_waived_and_skipped(failing_result: Result) -> None:
    document = _doc(failing_result)
    waived = [f for f in document["findings"] if f["waived"] is not None]
    assert [(f["subject"], f["waived"], f["failing"]) for f in waived] == [
        ("ünïcødé-événements", "consumers upgraded first, see the migration plan", False),
    ]
    skipped = [c for c in document["checks"] if c["skipped"] is not None]
    assert [(c["id"], c["skipped"]) for c in skipped] == [
        ("payments-value: drift", "no registry configured"),
    ]


def test_passed_warning_and_empty_runs(
    passed_result: Result,
    warning_result: Result,
    warning_fails_result: Result,
    empty_result: Result,
) -> None:
    assert (_doc(passed_result)["passed"], _doc(passed_result)["exit_code"]) == (True, 0)
    assert _doc(warning_result)["passed"] is True
    assert _doc(warning_result)["summary"]["warnings"] == 1
    failing = _doc(warning_fails_result)
    assert (failing["passed"], failing["fail_on"], failing["findings"][0]["failing"]) == (
        False,
        "warning",
        True,
    )
    empty = _doc(empty_result)
    assert (empty["checks"], empty["findings"], empty["base"]) == ([], [], None)


def test_unicode_and_special_characters_round_trip(failing_result: Result) -> None:
    text = render(failing_result, RenderOptions())
    assert "ünïcødé-événements" in text
    assert json.loads(text)["findings"][1]["message"] == failing_result.findings[1].message


def test_lone_surrogates_and_odd_payloads_still_give_valid_json(
    validator: jsonschema.Draft202012Validator,
) -> None:
    witness = Witness({"raw": b"\x01\xfe", "n": float("inf")}, "v1", "v2", "boom")
    finding = Finding("X", Severity.ERROR, "s", "bad byte \udcff", witness=witness)
    result = Result((CheckResult("c", "s", CheckKind.COMPAT, "c", (finding,)),))
    text = render(result, RenderOptions())
    text.encode("utf-8")
    document = json.loads(text)
    validator.validate(document)
    assert document["findings"][0]["message"] == "bad byte \udcff"
    assert document["findings"][0]["witness"]["payload"] == {"raw": "\x01\xfe", "n": "inf"}
