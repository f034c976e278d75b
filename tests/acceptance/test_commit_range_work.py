"""A commit-range check does the work of what changed: a file that both revisions list as the
same git object is neither read nor parsed, unless a later stage compares it with something else
than its base (the registry, a contract, samples), and then it is read in one batch.

Reads are counted at git itself: `GIT_PYTHON_GIT_EXECUTABLE` names a wrapper that logs every
request written to `git cat-file`; parses are counted at the parser.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from gate.judge import Parser
from tests.support.gitrepo import RepoBuilder, git_commands

if TYPE_CHECKING:
    from tests.support.runner import GateRunner

ROOT = Path(__file__).resolve().parents[2]
SUBJECTS = 60
GATE_YAML = 'version: 1\nsubjects:\n  - files: "schemas/*.avsc"\n    subject: "{stem}"\n'
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="a shell script wraps git")


def schema(index: int, extra: bool = False) -> str:
    """An Avro record of 20 fields, every fifth one a nested record (as repositories hold them)."""
    fields: list[dict[str, Any]] = []
    for k in range(20):
        if k % 5 == 4:
            nested = {
                "type": "record",
                "name": f"N{index}x{k}",
                "fields": [{"name": "a", "type": "string"}, {"name": "b", "type": "long"}],
            }
            fields.append({"name": f"n{k}", "type": nested})
        else:
            fields.append({"name": f"f{k}", "type": ["null", "string"], "default": None})
    if extra:
        fields.append({"name": "added", "type": ["null", "int"], "default": None})
    document = {"type": "record", "name": f"E{index}", "namespace": "shop", "fields": fields}
    return json.dumps(document, indent=2) + "\n"


def logging_git(tmp_path: Path) -> tuple[Path, Path]:
    """A git that appends what is asked of `git cat-file` to a log, then runs the real git."""
    real = shutil.which("git")
    assert real is not None
    log = tmp_path / "cat-file.log"
    script = tmp_path / "logging-git"
    script.write_text(
        "#!/bin/sh\n"
        'for argument in "$@"; do\n'
        '  if [ "$argument" = cat-file ]; then\n'
        f'    tee -a "{log}" | "{real}" "$@"\n'
        "    exit $?\n"
        "  fi\n"
        "done\n"
        f'exec "{real}" "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script, log


def requested(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").split() if log.exists() else []


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, str | None]]:
    """(path, revision) of every schema text the run parses."""
    seen: list[tuple[str | None, str | None]] = []
    original = Parser.parse

    def parse(self: Parser, schema: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((schema.origin.path, schema.origin.rev))
        return original(self, schema, *args, **kwargs)

    monkeypatch.setattr(Parser, "parse", parse)
    return seen


@pytest.fixture
def catalog(tmp_path: Path) -> RepoBuilder:
    """60 subjects, no gate.yaml; then a commit that changes one of them compatibly."""
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("catalog", {f"schemas/s{i:02d}.avsc": schema(i) for i in range(SUBJECTS)})
    repo.commit("one more field", {"schemas/s07.avsc": schema(7, extra=True)})
    return repo


@posix_only
def test_one_changed_subject_of_many_reads_and_parses_only_its_two_texts(
    gate: GateRunner,
    catalog: RepoBuilder,
    tmp_path: Path,
    parses: list[tuple[str | None, str | None]],
) -> None:
    wrapper, log = logging_git(tmp_path)
    run = gate(
        ["check", "--base", "HEAD~1", "--head", "HEAD", "--report", "json"],
        cwd=catalog.root,
        env={"GIT_PYTHON_GIT_EXECUTABLE": str(wrapper)},
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    changed = "schemas/s07.avsc"
    blobs = {catalog.sha(f"HEAD~1:{changed}"), catalog.sha(f"HEAD:{changed}")}
    # read by object id, the changed file's two versions and nothing else
    assert sorted(requested(log)) == sorted(blobs)
    assert sorted(parses) == [(changed, "HEAD"), (changed, "HEAD~1")]
    report = run.json()
    assert report["passed"] is True
    # every subject is still in the run: the unchanged ones with a note from the listings alone
    compat = {c["subject"]: c for c in report["checks"] if c["kind"] == "compat"}
    assert len(compat) == SUBJECTS
    base = report["base"]
    for subject, check in compat.items():
        if subject != "s07":
            assert check["notes"] == [f"unchanged since {base}"], subject
    assert compat["s07"]["passed"] is True
    assert compat["s07"]["notes"] == []


def test_one_changed_subject_of_many_builds_origins_for_its_file_only(
    gate: GateRunner, catalog: RepoBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an unchanged subject is a note from the listings: no Origin is built for its file
    from gate.model import Origin

    built: list[str | None] = []
    original = Origin.__init__

    def counting(self: Origin, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        built.append(self.path)

    monkeypatch.setattr(Origin, "__init__", counting)
    run = gate(
        ["check", "--base", "HEAD~1", "--head", "HEAD", "--report", "json"], cwd=catalog.root
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    assert {path for path in built if path is not None and path.endswith(".avsc")} == {
        "schemas/s07.avsc"
    }
    assert len(run.json()["checks"]) == SUBJECTS + 1  # s07's validity, every compat check


@pytest.mark.parametrize("configured", [False, True], ids=["no-gate-yaml", "gate-yaml"])
def test_one_changed_subject_of_many_starts_five_git_processes(
    gate: GateRunner, tmp_path: Path, configured: bool
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    files = {f"schemas/s{i:02d}.avsc": schema(i) for i in range(SUBJECTS)}
    if configured:
        files["gate.yaml"] = GATE_YAML
    repo.commit("catalog", files)
    repo.commit("one more field", {"schemas/s07.avsc": schema(7, extra=True)})
    trace = tmp_path / "trace"
    run = gate(
        ["check", "--base", "HEAD~1", "--head", "HEAD", "-q"],
        cwd=repo.root,
        env={"GIT_TRACE": str(trace)},
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    commands = git_commands(trace)
    # find the repository and HEAD while the base is looked up, list both revisions at once,
    # then read the changed file's two versions in one batch
    assert sorted(command.split()[0] for command in commands) == [
        "cat-file",
        "ls-tree",
        "ls-tree",
        "rev-parse",
        "rev-parse",
    ], commands
    assert "rev-parse --verify --quiet 'HEAD~1^{commit}'" in commands


@posix_only
def test_unchanged_subjects_are_read_when_a_registry_compares_them(
    gate: GateRunner, catalog: RepoBuilder, tmp_path: Path
) -> None:
    # the snapshot holds s03 as it was before a field was dropped by hand in the registry: the
    # file is unchanged in the range, and the registry's version is what it is compared with
    from gate.model import Mode, OriginKind, SchemaType
    from gate.sources.registry import RegisteredSchema, RegistryState, SubjectState
    from gate.sources.snapshot import export_snapshot

    registered = json.loads(schema(3))
    registered["fields"] = registered["fields"][:-2]
    text = json.dumps(registered)
    state = RegistryState(
        [
            SubjectState(
                "s03",
                (RegisteredSchema("s03", 1, 1, SchemaType.AVRO, text, source=OriginKind.SNAPSHOT),),
                Mode.BACKWARD,
                Mode.BACKWARD,
            )
        ],
        Mode.BACKWARD,
    )
    export_snapshot(state, tmp_path / "snapshot")
    wrapper, log = logging_git(tmp_path)
    args = [
        "check",
        "--base",
        "HEAD~1",
        "--snapshot",
        str(tmp_path / "snapshot"),
        "--report",
        "json",
    ]
    in_work_tree = gate(args, cwd=catalog.root)  # the work tree is HEAD: every file is read
    ranged = gate(
        [*args, "--head", "HEAD"], cwd=catalog.root, env={"GIT_PYTHON_GIT_EXECUTABLE": str(wrapper)}
    )
    assert ranged.exit_code == in_work_tree.exit_code == 1, ranged.stdout
    assert _verdicts(ranged.json()) == _verdicts(in_work_tree.json())
    assert ("s03", "AVRO_READER_FIELD_MISSING_DEFAULT") in {
        (f["subject"], f["rule"]) for f in ranged.json()["findings"]
    }
    # each text was asked for once, by object id (the changed file's two, the others' one each),
    # but s03's: drift reads its history too, to tell whether git ever held the registry's text
    asked = Counter(requested(log))
    expected = {catalog.sha(f"HEAD:schemas/s{i:02d}.avsc") for i in range(SUBJECTS)}
    expected.add(catalog.sha("HEAD~1:schemas/s07.avsc"))
    assert set(asked) == expected
    assert {blob for blob, count in asked.items() if count > 1} == {
        catalog.sha("HEAD:schemas/s03.avsc")
    }
    assert asked[catalog.sha("HEAD:schemas/s03.avsc")] == 2


def _verdicts(report: dict[str, Any]) -> tuple[Any, ...]:
    """What a run decided, without how it names the head's files (`git:HEAD:` or the work
    tree's path, which witnesses and so fingerprints carry)."""
    checks = sorted(
        (c["id"], c["kind"], c["passed"], c["skipped"] is None, len(c["notes"]), len(c["findings"]))
        for c in report["checks"]
    )
    findings = sorted(
        (f["subject"], f["rule"], f["severity"], f["path"], f["check"]) for f in report["findings"]
    )
    return report["exit_code"], checks, findings


def _example(tmp_path: Path) -> Path:
    spec = importlib.util.spec_from_file_location(
        "gate_example_run", ROOT / "fixtures" / "example" / "run.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    repo: Path = module.build_repository(tmp_path, tmp_path / "shop")
    return repo


@pytest.mark.parametrize("registry", [True, False], ids=["snapshot", "no-registry"])
def test_a_range_judges_unchanged_contract_and_sample_subjects_as_the_work_tree_does(
    gate: GateRunner, tmp_path: Path, registry: bool
) -> None:
    # the bundled example, then a commit that changes customers only: orders (a contract's
    # subject, with samples) and payments (a contract's) are the same objects at both sides
    root = _example(tmp_path)
    repo = RepoBuilder(root, init=False)
    config = (root / "gate.yaml").read_text(encoding="utf-8")
    if not registry:
        config = (
            config.replace("registry:\n", "unused:\n")
            .replace("  snapshot: registry-snapshot\n", "")
            .replace("unused:\n", "")
        )
        repo.commit("no registry", {"gate.yaml": config})
    customers = json.loads((root / "schemas/customers.avsc").read_text(encoding="utf-8"))
    customers["fields"].append({"name": "nickname", "type": ["null", "string"], "default": None})
    repo.commit("customers: a nickname", {"schemas/customers.avsc": json.dumps(customers)})
    args = ["check", "--base", "HEAD~1", "--report", "json"]
    ranged = gate([*args, "--head", "HEAD"], cwd=root)
    in_work_tree = gate(args, cwd=root)
    assert ranged.exit_code == in_work_tree.exit_code, ranged.stdout + ranged.stderr
    assert _verdicts(ranged.json()) == _verdicts(in_work_tree.json())
    ids = {c["id"] for c in ranged.json()["checks"]}
    assert any(i.startswith("orders-value: checkout -> fraud-detector") for i in ids), ids
    assert any(i.startswith("payments-value: billing -> ledger") for i in ids), ids
