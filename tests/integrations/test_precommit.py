""".pre-commit-hooks.yaml read as code, its entries run, and the hooks run by the real pre-commit.

pre-commit installs the hooks the way a user's repository gets them: `repo:` is a temporary git
repository holding the current state of this work tree (uncommitted changes included), and
`language: python` makes pre-commit create a virtualenv and pip-install gate from it (from the
package index, once per test module: PRE_COMMIT_HOME is shared by the module's tests).

The hooks must never reach a registry: GATE_REGISTRY_URL points at a registry server on
127.0.0.1 that counts requests, and the tests assert it got none (and, as a control, that gate
without --offline does contact it).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tests.support.gitrepo import PINNED, RepoBuilder
from tests.support.integrations import (
    BASE_FILES,
    BREAKING,
    BREAKING_RULE,
    COMPATIBLE,
    CURRENCY,
    GATE_YAML,
    ROOT,
    build_repository,
    clean_environ,
    line_of,
)
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
DOGFOOD = ROOT / ".pre-commit-config.yaml"
HOOKS: dict[str, Mapping[str, Any]] = {
    hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
}
HOOK_NAME = {hook_id: str(hook["name"]) for hook_id, hook in HOOKS.items()}


def pre_commit(
    args: list[str], cwd: Path, env: Mapping[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


# ------------------------------------------------------------------------ the manifest as code


def test_the_manifest_and_the_dogfood_config_are_valid(tmp_path: Path) -> None:
    env = clean_environ(tmp_path, python_path=False)
    for command, path in (("validate-manifest", MANIFEST), ("validate-config", DOGFOOD)):
        done = pre_commit([command, str(path)], ROOT, env, timeout=60)
        assert done.returncode == 0, output(done)
    assert set(HOOKS) == {"gate", "gate-push"}
    assert all(hook["language"] == "python" for hook in HOOKS.values())


def test_the_commit_hook_sees_what_gate_reads_and_nothing_else() -> None:
    pattern = re.compile(str(HOOKS["gate"]["files"]))
    read = (
        "schemas/orders.avsc",
        "a/b/c.json",
        "gate.yaml",
        "svc/gate.yml",
        "schemas/orders.schema.yaml",
        "samples/orders.jsonl",
        "samples/orders.ndjson",
        "samples/captured/orders-0001.bin",
        "protos/shop/orders.proto",
    )
    for path in read:
        assert pattern.search(path), path
    for path in (
        "README.md",
        "schemas/orders.avsc.bak",
        "gate.py",
        "src/Orders.java",
        "Dockerfile",
        "samples/orders.jsonl.orig",
    ):
        assert not pattern.search(path), path


def test_the_commit_hook_takes_its_range_from_pre_commit() -> None:
    """One entry for a commit (staged vs HEAD) and for `pre-commit run --from-ref/--to-ref`."""
    words = shlex.split(str(HOOKS["gate"]["entry"]))
    assert "--hook" in words
    assert "--offline" in words
    assert not {"--base", "--head", "--staged"} & set(words)
    assert set(HOOKS["gate"]["stages"]) == {"pre-commit", "manual"}


@pytest.mark.parametrize("extra", [["--base", "HEAD"], ["--staged"], ["--head", "HEAD"]])
def test_hook_refuses_a_range_of_its_own(tmp_path: Path, extra: list[str]) -> None:
    repo, _ = build_repository(tmp_path / "repo", None)
    done = subprocess.run(
        [*console_script("gate"), "check", "--hook", "--offline", *extra],
        cwd=repo.root,
        env=clean_environ(tmp_path, python_path=True),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, output(done)
    assert "--hook" in done.stderr
    assert extra[0] in done.stderr


def console_script(name: str) -> list[str]:
    """The command pip would install for console script `name` (from pyproject.toml)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = project["project"]["scripts"][name]
    module, _, function = target.partition(":")
    return [
        sys.executable,
        "-c",
        f"import sys; sys.argv[0] = {name!r}; from {module} import {function}; {function}()",
    ]


def entry_command(hook_id: str, filenames: list[str]) -> list[str]:
    """The hook's entry as pre-commit runs it: the entry's words, then the filenames."""
    hook = HOOKS[hook_id]
    program, *args = shlex.split(str(hook["entry"]))
    passed = filenames if hook.get("pass_filenames", True) else []
    if "files" in hook:
        passed = [f for f in passed if re.search(str(hook["files"]), f)]
    return [*console_script(program), *args, *passed]


@pytest.mark.parametrize(
    ("change", "expected"), [(BREAKING, 1), (COMPATIBLE, 0)], ids=["breaking", "compatible"]
)
def test_the_commit_hook_entry_judges_the_staged_change(
    tmp_path: Path, change: dict[str, str], expected: int
) -> None:
    repo, _ = build_repository(tmp_path / "repo", None)
    for path, text in change.items():
        repo.write(path, text)
    repo.git("add", "-A")
    staged = repo.git("diff", "--cached", "--name-only").split()
    done = subprocess.run(
        entry_command("gate", staged),
        cwd=repo.root,
        env=clean_environ(tmp_path, python_path=True),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == expected, output(done)
    assert (BREAKING_RULE in done.stdout) is (expected == 1)


@pytest.mark.parametrize(
    ("change", "expected"), [(BREAKING, 1), (COMPATIBLE, 0)], ids=["breaking", "compatible"]
)
def test_the_push_hook_entry_judges_the_pushed_range(
    tmp_path: Path, change: dict[str, str], expected: int
) -> None:
    repo, base = build_repository(tmp_path / "repo", change)
    # the work tree goes back to the base: the hook must read the pushed range, not the files
    repo.git("checkout", "-q", base, "--", "schemas")
    env = clean_environ(tmp_path, python_path=True)
    env.update(PRE_COMMIT_FROM_REF=base, PRE_COMMIT_TO_REF=repo.sha("HEAD"))
    done = subprocess.run(
        entry_command("gate-push", ["schemas/payments.avsc"]),
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == expected, output(done)
    assert (BREAKING_RULE in done.stdout) is (expected == 1)


# ------------------------------------------------------------------------ the real pre-commit


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository with the work tree's current files (tracked or new, not ignored)."""
    target = tmp_path_factory.mktemp("hook-repository")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in PINNED.items():
            patch.setenv(name, value)
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        for name in listed.stdout.decode().split("\0"):
            source = ROOT / name
            if name and source.is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
        repo = RepoBuilder(target)
        sha = repo.commit("the work tree under test")
    return target, sha


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServer]:
    """A registry on 127.0.0.1 that the hooks must never contact."""
    with RegistryServer() as server:
        yield server


@pytest.fixture
def hook_env(tmp_path: Path, pre_commit_home: Path, registry: RegistryServer) -> dict[str, str]:
    env = clean_environ(tmp_path, python_path=False)
    env["PRE_COMMIT_HOME"] = str(pre_commit_home)
    env["GATE_REGISTRY_URL"] = registry.url
    return env


@pytest.fixture
def consumer(
    tmp_path: Path,
    hook_repository: tuple[Path, str],
    hook_env: dict[str, str],
    registry: RegistryServer,
) -> Iterator[RepoBuilder]:
    """A repository that uses the published hooks, with both hook types installed."""
    path, sha = hook_repository
    config = {
        "repos": [{"repo": str(path), "rev": sha, "hooks": [{"id": "gate"}, {"id": "gate-push"}]}]
    }
    repo = RepoBuilder(tmp_path / "consumer")
    repo.write(".pre-commit-config.yaml", yaml.safe_dump(config, sort_keys=False))
    repo.commit("base: two subjects", BASE_FILES)
    done = pre_commit(
        ["install", "--hook-type", "pre-commit", "--hook-type", "pre-push"], repo.root, hook_env
    )
    assert done.returncode == 0, output(done)
    before = registry.request_count
    yield repo
    assert registry.request_count == before, "a hook contacted the registry"


def git_with_hooks(
    repo: RepoBuilder, env: Mapping[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """git as a user runs it: the installed hooks run (no --no-verify)."""
    return subprocess.run(
        ["git", *args],
        cwd=repo.root,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def commit_without_hooks(repo: RepoBuilder, message: str, files: Mapping[str, str]) -> str:
    """`git commit --no-verify`: RepoBuilder.commit would run the installed hooks."""
    for path, text in files.items():
        repo.write(path, text)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", message)
    return repo.sha("HEAD")


def test_a_breaking_staged_change_blocks_the_commit(
    consumer: RepoBuilder, hook_env: dict[str, str]
) -> None:
    head = consumer.sha("HEAD")
    consumer.write("schemas/payments.avsc", BREAKING["schemas/payments.avsc"])
    consumer.git("add", "-A")
    done = git_with_hooks(consumer, hook_env, "commit", "-m", "add currency")
    text = output(done)
    assert done.returncode == 1, text
    assert re.search(re.escape(HOOK_NAME["gate"]) + r"\.*Failed", text), text
    line = line_of(BREAKING["schemas/payments.avsc"], CURRENCY)
    assert BREAKING_RULE in text
    assert f"schemas/payments.avsc:{line}" in text
    assert "payments-value" in text
    assert "fix:" in text
    assert consumer.sha("HEAD") == head


PROTO = (
    'syntax = "proto3";\npackage shop;\n\n'
    "message Refund {\n  string id = 1;\n  int64 cents = 2;\n}\n"
)
PROTO_RULES = (
    GATE_YAML
    + """  - files: "protos/*.proto"
    subject: "{stem}-value"
"""
)


def test_a_breaking_staged_proto_change_blocks_the_commit(
    consumer: RepoBuilder, hook_env: dict[str, str]
) -> None:
    commit_without_hooks(
        consumer, "refunds", {"gate.yaml": PROTO_RULES, "protos/refunds.proto": PROTO}
    )
    head = consumer.sha("HEAD")
    # a field that changes type breaks the refunds' readers
    consumer.write("protos/refunds.proto", PROTO.replace("int64 cents", "double cents"))
    consumer.git("add", "-A")
    done = git_with_hooks(consumer, hook_env, "commit", "-m", "cents as a double")
    text = output(done)
    assert done.returncode == 1, text
    assert re.search(re.escape(HOOK_NAME["gate"]) + r"\.*Failed", text), text
    assert "PROTOBUF_FIELD_SCALAR_KIND_CHANGED" in text
    assert "protos/refunds.proto:6" in text
    assert consumer.sha("HEAD") == head


def test_a_compatible_staged_change_is_committed(
    consumer: RepoBuilder, hook_env: dict[str, str]
) -> None:
    head = consumer.sha("HEAD")
    consumer.write("schemas/payments.avsc", COMPATIBLE["schemas/payments.avsc"])
    consumer.git("add", "-A")
    done = git_with_hooks(consumer, hook_env, "commit", "-m", "add currency with a default")
    text = output(done)
    assert done.returncode == 0, text
    assert re.search(re.escape(HOOK_NAME["gate"]) + r"\.*Passed", text), text
    assert consumer.sha("HEAD~1") == head


def test_a_push_of_a_breaking_commit_is_blocked(
    consumer: RepoBuilder, hook_env: dict[str, str], tmp_path: Path
) -> None:
    remote = RepoBuilder(tmp_path / "remote.git", bare=True)
    consumer.git("remote", "add", "origin", str(remote.root))
    consumer.git("push", "-q", "--no-verify", "origin", "main")
    pushed = consumer.sha("HEAD")
    # committed without the commit hook, as happens with `git commit --no-verify`
    commit_without_hooks(consumer, "add currency", BREAKING)
    done = git_with_hooks(consumer, hook_env, "push", "origin", "main")
    text = output(done)
    assert done.returncode != 0, text
    assert re.search(re.escape(HOOK_NAME["gate-push"]) + r"\.*Failed", text), text
    assert BREAKING_RULE in text
    assert remote.git("rev-parse", "main").strip() == pushed


@pytest.mark.parametrize(
    ("change", "expected"), [(BREAKING, 1), (COMPATIBLE, 0)], ids=["breaking", "compatible"]
)
def test_the_pre_push_stage_checks_the_range_it_is_given(
    consumer: RepoBuilder, hook_env: dict[str, str], change: dict[str, str], expected: int
) -> None:
    base = consumer.sha("HEAD")
    head = commit_without_hooks(consumer, "change payments", change)
    # the work tree is back at the base: only the range can show the change
    consumer.git("checkout", "-q", base, "--", "schemas")
    env = {**hook_env, "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head}
    done = pre_commit(
        ["run", "--hook-stage", "pre-push", "--from-ref", base, "--to-ref", head],
        consumer.root,
        env,
    )
    text = output(done)
    assert done.returncode == expected, text
    verdict = "Failed" if expected else "Passed"
    assert re.search(re.escape(HOOK_NAME["gate-push"]) + r"\.*" + verdict, text), text
    assert (BREAKING_RULE in text) is (expected == 1)


@pytest.mark.parametrize(
    ("change", "expected"), [(BREAKING, 1), (COMPATIBLE, 0)], ids=["breaking", "compatible"]
)
def test_run_over_a_range_judges_the_range_with_the_commit_hook(
    consumer: RepoBuilder, hook_env: dict[str, str], change: dict[str, str], expected: int
) -> None:
    """`pre-commit run gate --from-ref A --to-ref B`: what pre-commit.ci and CI jobs run."""
    base = consumer.sha("HEAD")
    head = commit_without_hooks(consumer, "change payments", change)
    done = pre_commit(
        ["run", "gate", "--from-ref", base, "--to-ref", head], consumer.root, hook_env
    )
    text = output(done)
    assert done.returncode == expected, text
    verdict = "Failed" if expected else "Passed"
    assert re.search(re.escape(HOOK_NAME["gate"]) + r"\.*" + verdict, text), text
    assert (BREAKING_RULE in text) is (expected == 1)


def test_a_commit_of_unrelated_files_is_not_blocked_by_a_breaking_history(
    consumer: RepoBuilder, hook_env: dict[str, str]
) -> None:
    """A breaking change already committed (--no-verify) does not block the next, unrelated
    commit: the commit hook judges what is staged, not the branch."""
    commit_without_hooks(consumer, "add currency", BREAKING)
    consumer.write("README.md", "notes\n")
    consumer.write("package.json", '{"name": "svc", "version": "1.0.0"}\n')
    consumer.git("add", "-A")
    done = git_with_hooks(consumer, hook_env, "commit", "-m", "docs")
    text = output(done)
    assert done.returncode == 0, text
    assert BREAKING_RULE not in text


def test_without_offline_gate_would_contact_the_registry(
    tmp_path: Path, registry: RegistryServer
) -> None:
    """The control for the hooks' `registry got no request`: the same setup does reach it."""
    repo, _ = build_repository(tmp_path / "repo", None)
    repo.write("schemas/payments.avsc", COMPATIBLE["schemas/payments.avsc"])
    repo.git("add", "-A")
    env = clean_environ(tmp_path, python_path=True)
    env["GATE_REGISTRY_URL"] = registry.url
    entry = entry_command("gate", ["schemas/payments.avsc"])
    assert "--offline" in entry
    entry.remove("--offline")
    before = registry.request_count
    done = subprocess.run(
        entry, cwd=repo.root, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, output(done)
    assert registry.request_count > before


# ------------------------------------------------------------------------ this repository's hooks


def test_the_dogfood_gate_hook_is_the_published_one_on_gates_schemas() -> None:
    config = yaml.safe_load(DOGFOOD.read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert all(repo["repo"] == "local" for repo in config["repos"])
    gate = hooks["gate"]
    assert gate["entry"] == HOOKS["gate"]["entry"]
    assert gate["language"] == "system"
    pattern = re.compile(gate["files"])
    assert pattern.search("gate/schemas/report.schema.json")
    assert not any(pattern.search(str(p.relative_to(ROOT))) for p in (ROOT / "fixtures").rglob("*"))
    assert "--force-exclude" in hooks["ruff"]["entry"]


def test_the_dogfood_hooks_pass_on_this_work_tree(
    hook_repository: tuple[Path, str], tmp_path: Path, pre_commit_home: Path
) -> None:
    path, _ = hook_repository
    env = clean_environ(tmp_path, python_path=True)
    env["PRE_COMMIT_HOME"] = str(pre_commit_home)
    mine = sorted(str(p.relative_to(ROOT)) for p in Path(__file__).parent.glob("*.py"))
    gate = pre_commit(["run", "gate", "--all-files"], path, env)
    assert gate.returncode == 0, output(gate)
    name = re.escape("gate (gate's own JSON Schemas, offline)")
    assert re.search(name + r"\.*Passed", gate.stdout), gate.stdout
    ruff = pre_commit(["run", "ruff", "--files", *mine], path, env)
    assert ruff.returncode == 0, output(ruff)
    assert re.search(r"ruff check\.*Passed", ruff.stdout), ruff.stdout
