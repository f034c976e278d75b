"""Hand-built `Result` values shared by the reporter tests, the in-process runner, and the
external validators (SARIF Multitool, Mermaid), installed on first use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gate.model import (
    CheckKind,
    CheckResult,
    Finding,
    Location,
    Result,
    RunInfo,
    Severity,
    Witness,
)
from tests.support.runner import GateRunner, in_process_runner

if TYPE_CHECKING:
    from collections.abc import Callable

SPECIAL_MESSAGE = 'field "a|b" <b>bold</b> & 100% done, key: value *x* _y_ `z`\r\nsecond line'
WAIVER_REASON = "consumers upgraded first, see the migration plan"


def _witness() -> Witness:
    return Witness(
        payload={"id": 7, "note": "é \u2603", "tags": ["a", "b"], "amount": None},
        writer="git:main:schemas/orders.avsc",
        reader="git:HEAD:schemas/orders.avsc",
        error="missing field 'currency' with no default",
        wire_base64="AAAAAAEODGhlbGxv",
        body_base64="DgxoZWxsbw==",
        body_encoding="avro",
    )


@pytest.fixture
def failing_result() -> Result:
    """Four subjects: failing findings (one with a witness), a warning, a waived finding, a
    skipped check, an info finding with a note, unicode and special characters."""
    compat = "orders-value: BACKWARD vs git:main"
    missing_default = Finding(
        rule="AVRO_READER_FIELD_MISSING_DEFAULT",
        severity=Severity.ERROR,
        subject="orders-value",
        message="reader field 'currency' has no default and the writer does not write it",
        path="/fields/3",
        location=Location("schemas/orders.avsc", 12),
        versions=("git:main", "git:HEAD"),
        witness=_witness(),
        fix='add "default": "EUR" to field currency',
        check=compat,
    )
    special = Finding(
        rule="AVRO_TYPE_MISMATCH",
        severity=Severity.ERROR,
        subject="orders-value",
        message=SPECIAL_MESSAGE,
        path="/fields/1/type",
        location=Location("schemas/dir with space/orders,v2.avsc"),
        check=compat,
    )
    warning = Finding(
        rule="FIELD_DOC_CHANGED",
        severity=Severity.WARNING,
        subject="orders-value",
        message="the doc of field id changed",
        path="/fields/0/doc",
        location=Location("schemas/orders.avsc", 5),
        check=compat,
    )
    waived = Finding(
        rule="AVRO_READER_FIELD_MISSING_DEFAULT",
        severity=Severity.ERROR,
        subject="ünïcødé-événements",
        message="reader field 'naïve' has no default",
        path="/fields/0",
        location=Location("schemas/événements.avsc", 3),
        check="events: simulation",
        waived_by=WAIVER_REASON,
    )
    new_subject = Finding(
        rule="SUBJECT_NEW",
        severity=Severity.INFO,
        subject="users-value",
        message="a new subject: no previous version",
        check="users-value: validity",
    )
    checks = (
        CheckResult(
            compat,
            "orders-value",
            CheckKind.COMPAT,
            "BACKWARD vs git:main",
            (missing_default, special, warning),
            seconds=0.1,
        ),
        CheckResult(
            "orders-value: contract fraud-detector",
            "orders-value",
            CheckKind.CONTRACT,
            "contract fraud-detector",
            seconds=0.2,
        ),
        CheckResult(
            "events: simulation",
            "ünïcødé-événements",
            CheckKind.SIMULATION,
            "simulation: 12 payloads",
            (waived,),
        ),
        CheckResult(
            "payments-value: drift",
            "payments-value",
            CheckKind.DRIFT,
            "drift vs registry",
            skipped="no registry configured",
        ),
        CheckResult(
            "users-value: validity",
            "users-value",
            CheckKind.VALIDITY,
            "valid Avro",
            (new_subject,),
            notes=("new subject",),
        ),
    )
    return Result(
        checks=checks,
        notes=("registry snapshot is 3 days old",),
        info=RunInfo(
            base="main",
            head="HEAD",
            graph=[
                ("checkout", "orders-value", "fraud-detector", False),
                ("checkout", "orders-value", 'analytics "prod"', True),
                ("billing", "orders-value", "fraud-detector", False),
            ],
        ),
    )


@pytest.fixture
def passed_result() -> Result:
    """Two subjects, every check passed; one info finding with a note."""
    info = Finding(
        rule="SUBJECT_NEW",
        severity=Severity.INFO,
        subject="users-value",
        message="a new subject: no previous version",
        location=Location("schemas/users.avsc"),
        check="users-value: validity",
    )
    return Result(
        checks=(
            CheckResult(
                "orders-value: BACKWARD vs git:main",
                "orders-value",
                CheckKind.COMPAT,
                "BACKWARD vs git:main",
            ),
            CheckResult(
                "users-value: validity",
                "users-value",
                CheckKind.VALIDITY,
                "valid Avro",
                (info,),
                notes=("new subject",),
            ),
        )
    )


def _warning_checks() -> tuple[CheckResult, ...]:
    warning = Finding(
        rule="FIELD_DOC_CHANGED",
        severity=Severity.WARNING,
        subject="orders-value",
        message="the doc of field id changed",
        path="/fields/0/doc",
        location=Location("schemas/orders.avsc", 5),
        check="orders-value: BACKWARD vs git:main",
    )
    return (
        CheckResult(
            "orders-value: BACKWARD vs git:main",
            "orders-value",
            CheckKind.COMPAT,
            "BACKWARD vs git:main",
            (warning,),
        ),
    )


@pytest.fixture
def warning_result() -> Result:
    """One warning below fail-on: the gate passes."""
    return Result(checks=_warning_checks())


@pytest.fixture
def warning_fails_result() -> Result:
    """The same warning with `--fail-on warning`: the gate fails."""
    return Result(checks=_warning_checks(), fail_on=Severity.WARNING)


@pytest.fixture
def empty_result() -> Result:
    return Result(checks=())


@pytest.fixture(params=["failing", "passed", "warning", "warning_fails", "empty"])
def any_result(request: pytest.FixtureRequest) -> Result:
    """Each sample result in turn."""
    value: Result = request.getfixturevalue(f"{request.param}_result")
    return value


@pytest.fixture
def known_rule_result() -> Result:
    """One finding of a rule the catalogue knows (whichever comes first) and one of an id it
    does not know, so that tests read purposes from the catalogue instead of copying them."""
    from gate.rules import all_rules

    rule = next(iter(all_rules().values()))
    known = Finding(
        rule.id,
        rule.severity,
        "orders-value",
        "known rule",
        location=Location("schemas/orders.avsc", 1),
        check="c",
    )
    unknown = Finding(
        "NOT_IN_THE_CATALOGUE", Severity.ERROR, "orders-value", "unknown rule", check="c"
    )
    return Result((CheckResult("c", "orders-value", CheckKind.COMPAT, "c", (known, unknown)),))


# ----------------------------------------------------------------- whole runs of the real command


@pytest.fixture
def gate_cli(monkeypatch: pytest.MonkeyPatch) -> GateRunner:
    """The real `gate` command in-process (click), in a chosen directory."""
    return in_process_runner(monkeypatch)


REPOSITORY = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------- Microsoft's SARIF Multitool (npm)

SARIF_MULTITOOL = "@microsoft/sarif-multitool@5.7.0"
MULTITOOL_CACHE = REPOSITORY / "tests" / ".cache" / "sarif-multitool"


@pytest.fixture(scope="session")
def sarif_multitool() -> Path:
    """The SARIF Multitool's native executable, installed from npm into tests/.cache on first
    use (about 100 MB; it runs offline afterwards). Skipped only where npm is missing."""
    import platform
    import shutil
    import subprocess

    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system())
    if system is None:
        pytest.skip(f"the SARIF Multitool has no build for {platform.system()}")
    name = "Sarif.Multitool.exe" if system == "win32" else "Sarif.Multitool"
    binary = MULTITOOL_CACHE / "node_modules" / "@microsoft" / f"sarif-multitool-{system}" / name
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip(
                "npm is not on PATH: cannot install the SARIF Multitool "
                f"({SARIF_MULTITOOL}) to validate SARIF with GitHub's rules"
            )
        MULTITOOL_CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(MULTITOOL_CACHE),
                SARIF_MULTITOOL,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if done.returncode != 0 or not binary.exists():
            pytest.fail(f"npm install {SARIF_MULTITOOL} failed:\n{done.stdout}\n{done.stderr}")
    # npm may skip the package's postinstall step, which only makes the binary executable
    binary.chmod(binary.stat().st_mode | 0o100)
    return binary


# ------------------------------------------------------------------- Mermaid, parsed by itself

MERMAID_PACKAGES = ("mermaid@11.17.2", "jsdom@29.1.1")
MERMAID_CACHE = REPOSITORY / "tests" / ".cache" / "mermaid"


@pytest.fixture(scope="session")
def mermaid_parse() -> Callable[[list[str]], list[dict[str, object]]]:
    """Mermaid's own parser (npm `mermaid` on a jsdom document, installed into tests/.cache on
    first use; offline afterwards): diagrams in, one verdict each out. A full render needs a
    browser, which the test suite does not install; the parser is what rejects a diagram's
    syntax, and it reports Mermaid's `maxTextSize`, the limit a render enforces."""
    import json
    import shutil
    import subprocess
    import tempfile

    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to parse Mermaid diagrams with Mermaid itself")
    script = MERMAID_CACHE / "mermaid_parse.mjs"
    if not (MERMAID_CACHE / "node_modules" / "mermaid").exists():
        MERMAID_CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(MERMAID_CACHE),
                *MERMAID_PACKAGES,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if done.returncode != 0:
            pytest.fail(f"npm install {' '.join(MERMAID_PACKAGES)} failed:\n{done.stderr}")
    shutil.copyfile(Path(__file__).with_name("mermaid_parse.mjs"), script)

    def parse(diagrams: list[str]) -> list[dict[str, object]]:
        with tempfile.TemporaryDirectory() as folder:
            files = []
            for n, text in enumerate(diagrams):
                path = Path(folder) / f"d{n}.mmd"
                path.write_text(text, encoding="utf-8")
                files.append(str(path))
            done = subprocess.run(
                [node, str(script), *files],
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
                cwd=MERMAID_CACHE,
            )
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    return parse
