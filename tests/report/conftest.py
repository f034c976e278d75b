"""Hand-built `Result` values shared by the reporter tests, and a real monorepo to run the
real command in."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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

if TYPE_CHECKING:
    from tests.support.gitrepo import RepoBuilder

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
        CheckResult(compat, "orders-value", CheckKind.COMPAT, "BACKWARD vs git:main",
                    (missing_default, special, warning), seconds=0.1),
        CheckResult("orders-value: contract fraud-detector", "orders-value", CheckKind.CONTRACT,
                    "contract fraud-detector", seconds=0.2),
        CheckResult("events: simulation", "ünïcødé-événements", CheckKind.SIMULATION,
                    "simulation: 12 payloads", (waived,)),
        CheckResult("payments-value: drift", "payments-value", CheckKind.DRIFT,
                    "drift vs registry", skipped="no registry configured"),
        CheckResult("users-value: validity", "users-value", CheckKind.VALIDITY, "valid Avro",
                    (new_subject,), notes=("new subject",)),
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
            CheckResult("orders-value: BACKWARD vs git:main", "orders-value", CheckKind.COMPAT,
                        "BACKWARD vs git:main"),
            CheckResult("users-value: validity", "users-value", CheckKind.VALIDITY,
                        "valid Avro", (info,), notes=("new subject",)),
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
        CheckResult("orders-value: BACKWARD vs git:main", "orders-value", CheckKind.COMPAT,
                    "BACKWARD vs git:main", (warning,)),
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
    known = Finding(rule.id, rule.severity, "orders-value", "known rule",
                    location=Location("schemas/orders.avsc", 1), check="c")
    unknown = Finding("NOT_IN_THE_CATALOGUE", Severity.ERROR, "orders-value", "unknown rule",
                      check="c")
    return Result((CheckResult("c", "orders-value", CheckKind.COMPAT, "c", (known, unknown)),))


# ----------------------------------------------------------------- whole runs of the real command

ORDERS_V1 = """{
  "type": "record",
  "name": "Order",
  "namespace": "shop",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "amount", "type": "long"},
    {"name": "email", "type": "string"}
  ]
}
"""
# renames `email` to `contact` without a default: breaks the base, the registered versions and
# the fraud-detector consumer, which reads `email`
ORDERS_BROKEN = ORDERS_V1.replace('"email", "type": "string"', '"contact", "type": "string"')
FRAUD_READER = """{
  "type": "record",
  "name": "Order",
  "namespace": "shop",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "email", "type": "string"}
  ]
}
"""
MONOREPO_CONFIG = """version: 1
registry:
  snapshot: registry-snapshot/
subjects:
  - subject: orders-value
    file: schemas/orders.avsc
    samples: ["samples/*.jsonl"]
  - files: "schemas/events/*.avsc"
    subject: "{stem}-value"
contracts:
  - subject: orders-value
    producers:
      - name: checkout
    consumers:
      - name: fraud-detector
        reader: readers/fraud.avsc
"""
PROJECT = "services/orders"


@dataclass(frozen=True)
class CliRun:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def gate_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliRun]:
    """The real `gate` command in-process (click), in a chosen directory, with git pinned."""
    from click.testing import CliRunner

    from gate.cli import cli
    from tests.support.gitrepo import CLEARED, PINNED

    for name, value in PINNED.items():
        monkeypatch.setenv(name, value)
    for name in (*CLEARED, "GITHUB_BASE_REF", "GITHUB_EVENT_PATH", "PRE_COMMIT_FROM_REF",
                 "PRE_COMMIT_TO_REF", "CI_MERGE_REQUEST_DIFF_BASE_SHA", "GATE_REGISTRY_URL",
                 "GATE_REGISTRY_USER", "GATE_REGISTRY_PASSWORD", "GATE_REGISTRY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")

    def run(args: Sequence[str], cwd: Path) -> CliRun:
        monkeypatch.chdir(cwd)
        done = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        return CliRun(done.exit_code, done.stdout, done.stderr)

    return run


def export_snapshot(target: Path, versions: Sequence[tuple[str, str]], unrelated: int = 0) -> None:
    """A registry snapshot written by the real `gate registry export` from a registry on
    127.0.0.1 that holds `versions` ((subject, text), registered in order) after `unrelated`
    other schemas (which shift the schema ids)."""
    import subprocess
    import sys

    from tests.support.registry_server import RegistryServer

    with RegistryServer() as server:
        for n in range(unrelated):
            server.register(f"unrelated-{n}-value", f'{{"type": "fixed", "name": "F{n}", '
                                                    f'"size": {n + 1}}}')
        for subject, text in versions:
            server.register(subject, text)
        done = subprocess.run(
            [sys.executable, "-m", "gate", "registry", "export", str(target),
             "--registry", server.url,
             *(option for subject in dict(versions) for option in ("--subject", subject))],
            capture_output=True, text=True, check=False, cwd=target.parent,
            env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        )
    assert done.returncode == 0, done.stderr


REPOSITORY = Path(__file__).resolve().parents[2]


def build_monorepo(root: Path, unrelated: int = 0) -> RepoBuilder:
    """A repository whose gate project lives in `services/orders/`: a subject with samples and a
    contract, three event subjects, a committed registry snapshot; two commits (the base
    `HEAD~1` and `HEAD`) and, left in the work tree, a breaking change to `orders.avsc` (against
    the base, the registry and a consumer), a deleted event schema and a renamed event field
    whose values the simulation shows lost."""
    from tests.support.gitrepo import RepoBuilder

    repo = RepoBuilder(root)
    project = root / PROJECT
    events = {f"{PROJECT}/schemas/events/{name}.avsc": ORDERS_V1.replace("Order", name.title())
              for name in ("payment", "refund", "shipment")}
    repo.commit("orders and events", {
        "README.md": "monorepo\n",
        f"{PROJECT}/gate.yaml": MONOREPO_CONFIG,
        f"{PROJECT}/schemas/orders.avsc": ORDERS_V1,
        f"{PROJECT}/readers/fraud.avsc": FRAUD_READER,
        f"{PROJECT}/samples/orders.jsonl":
            '{"id": "o-1", "amount": 5, "email": "a@example.com"}\n',
        **events,
    })
    project.mkdir(parents=True, exist_ok=True)
    export_snapshot(project / "registry-snapshot", [("orders-value", ORDERS_V1)], unrelated)
    repo.commit("registry snapshot")
    repo.write(f"{PROJECT}/schemas/orders.avsc", ORDERS_BROKEN)
    repo.write(f"{PROJECT}/samples/orders.jsonl", '{"id": "o-1", "amount": 5, "contact": "c"}\n')
    (project / "schemas" / "events" / "refund.avsc").unlink()
    # a rename with a default: compatible, but a payment's email is silently lost
    repo.write(f"{PROJECT}/schemas/events/payment.avsc", events[
        f"{PROJECT}/schemas/events/payment.avsc"
    ].replace('"email", "type": "string"', '"contact", "type": "string", "default": ""'))
    return repo


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
            pytest.skip("npm is not on PATH: cannot install the SARIF Multitool "
                        f"({SARIF_MULTITOOL}) to validate SARIF with GitHub's rules")
        MULTITOOL_CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix",
             str(MULTITOOL_CACHE), SARIF_MULTITOOL],
            capture_output=True, text=True, check=False, timeout=900,
        )
        if done.returncode != 0 or not binary.exists():
            pytest.fail(f"npm install {SARIF_MULTITOOL} failed:\n{done.stdout}\n{done.stderr}")
    # npm may skip the package's postinstall step, which only makes the binary executable
    binary.chmod(binary.stat().st_mode | 0o100)
    return binary


def multitool_problems(binary: Path, sarif: Path, rule_kinds: str = "Gh;Sarif") -> list[str]:
    """What `Sarif.Multitool validate --rule-kind RULE_KINDS` reports about `sarif` at level
    error, as `RULE: message` lines (the tool exits 0 whatever it finds)."""
    import json
    import subprocess

    output = sarif.with_name(sarif.name + ".validation.sarif")
    output.unlink(missing_ok=True)
    done = subprocess.run(
        [str(binary), "validate", "--rule-kind", rule_kinds, "--output", str(output),
         str(sarif)],
        capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"},
    )
    assert done.returncode == 0 and output.exists(), done.stdout + done.stderr
    log = json.loads(output.read_text(encoding="utf-8-sig"))
    problems = []
    for run in log["runs"]:
        problems.extend(
            f"tool: {n['message'].get('text')}"
            for i in run.get("invocations", [])
            for n in i.get("toolExecutionNotifications", [])
            if n.get("level") == "error"
        )
        for result in run.get("results", []):
            if result.get("level", "warning") == "error":
                message = result["message"]
                problems.append(
                    f"{result['ruleId']}: {message.get('text') or message.get('arguments')}"
                )
    return problems


def build_many_breaks(root: Path, broken: int, renamed: int) -> RepoBuilder:
    """A repository with `broken` subjects whose work-tree change breaks both the git base and
    the registry snapshot (each finding made twice), and `renamed` subjects with a field renamed
    with a default (a simulation warning each)."""
    from tests.support.gitrepo import RepoBuilder

    repo = RepoBuilder(root)
    config = ("version: 1\nregistry:\n  snapshot: registry-snapshot/\nsubjects:\n"
              "  - files: 'schemas/*.avsc'\n    subject: '{stem}-value'\n")
    names = [f"broken{n:02d}" for n in range(broken)] + [f"renamed{n:02d}" for n in range(renamed)]
    texts = {name: ORDERS_V1.replace('"Order"', f'"{name.title()}"') for name in names}
    repo.commit("schemas", {"gate.yaml": config,
                            **{f"schemas/{name}.avsc": text for name, text in texts.items()}})
    export_snapshot(root / "registry-snapshot",
                    [(f"{name}-value", text) for name, text in texts.items()])
    repo.commit("registry snapshot")
    for name, text in texts.items():
        new = ('"contact", "type": "string"' if name.startswith("broken")
               else '"contact", "type": "string", "default": ""')
        repo.write(f"schemas/{name}.avsc", text.replace('"email", "type": "string"', new))
    return repo


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
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix",
             str(MERMAID_CACHE), *MERMAID_PACKAGES],
            capture_output=True, text=True, check=False, timeout=900,
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
            done = subprocess.run([node, str(script), *files], capture_output=True, text=True,
                                  check=False, timeout=300, cwd=MERMAID_CACHE)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    return parse
