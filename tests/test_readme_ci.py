"""The README's CI examples, read as what they are: YAML a CI system loads, and gate commands
whose options must exist. A copied example that cannot work is a first-contact failure."""

from __future__ import annotations

import itertools
import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from click.testing import CliRunner

from gate.cli import cli

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
HOOKS = {
    hook["id"]
    for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
}


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


CI = _section("CI")
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", CI, re.S)
SH_BLOCKS = re.findall(r"```sh\n(.*?)```", CI, re.S)
DOCUMENTS = [yaml.safe_load(block) for block in YAML_BLOCKS]


def _workflows() -> Iterator[dict[str, Any]]:
    for document in DOCUMENTS:
        jobs = document.get("jobs") if isinstance(document, dict) else None
        if isinstance(jobs, dict) and all("steps" in job for job in jobs.values()):
            yield document


def _gate_commands() -> Iterator[list[str]]:
    texts: list[str] = list(SH_BLOCKS)
    for document in DOCUMENTS:
        for job in (document or {}).values() if isinstance(document, dict) else ():
            if isinstance(job, dict):
                texts.extend(str(line) for line in job.get("script", []))
        for workflow in [document] if isinstance(document, dict) else []:
            for job in (workflow.get("jobs") or {}).values():
                texts.extend(str(step["run"]) for step in job.get("steps", []) if "run" in step)
    for text in texts:
        for line in re.split(r"\n|&&|;", text):
            words = shlex.split(line.replace("${{ matrix.shard }}", "1"), comments=True)
            if words[:1] == ["pre-commit"] or "gate" not in words:
                continue
            yield words[words.index("gate") :]


def test_there_are_examples_for_every_ci_system() -> None:
    assert len(list(_workflows())) >= 3  # complete workflow, monorepo, sharding
    assert any("schemas" in d and "script" in d["schemas"] for d in DOCUMENTS if d)  # GitLab
    assert SH_BLOCKS


@pytest.mark.parametrize("words", list(_gate_commands()), ids=" ".join)
def test_every_gate_command_uses_options_that_exist(words: list[str]) -> None:
    command = words[1]
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, words
    for word in words[2:]:
        option = word.split("=", 1)[0]
        if option.startswith("--"):
            assert re.search(rf"(?<![\w-]){re.escape(option)}\b", result.stdout), (option, words)
    from gate.report import ReportFormat

    formats = {f.value for f in ReportFormat}
    for option, value in itertools.pairwise(words):
        if option == "--report":
            assert value.split("=", 1)[0] in formats, (value, words)


def test_every_github_job_runs_somewhere_and_checks_out() -> None:
    for workflow in _workflows():
        for name, job in workflow["jobs"].items():
            assert "runs-on" in job, name
            assert any(
                str(step.get("uses", "")).startswith("actions/checkout@") for step in job["steps"]
            ), name


def test_the_action_is_used_with_its_real_inputs_and_outputs() -> None:
    inputs, outputs = set(ACTION["inputs"]), set(ACTION["outputs"])
    used = 0
    for workflow in _workflows():
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("OWNER/gate@"):
                    used += 1
                    assert step.get("id") == "gate"
                    assert set(step.get("with", {})) <= inputs, step
    assert used >= 2
    referenced = set(re.findall(r"steps\.gate\.outputs\.([\w-]+)", CI))
    assert referenced, referenced - outputs
    assert referenced <= outputs, referenced - outputs


def test_the_complete_workflow_uploads_sarif_with_the_permission_it_needs() -> None:
    complete = next(w for w in _workflows() if "permissions" in w)
    assert complete["permissions"]["security-events"] == "write"
    steps = [s for job in complete["jobs"].values() for s in job["steps"]]
    uses = [str(s.get("uses", "")) for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any("junit" in u for u in uses)


def test_no_example_installs_the_users_own_project_instead_of_gate() -> None:
    assert not re.search(r"pip install (-e )?\.(\s|$|\[)", CI)
    gitlab = next(d["schemas"] for d in DOCUMENTS if d and "schemas" in d)
    script = " ".join(gitlab["script"])
    assert "git+https://" in script
    assert "schema-contract-gate" in script
    assert set(gitlab["artifacts"]["reports"]) == {"junit", "codequality"}


def test_the_pre_commit_example_names_the_published_hooks() -> None:
    config = next(d for d in DOCUMENTS if d and "repos" in d)
    ids = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert ids == HOOKS
    assert "pre-commit install --hook-type pre-commit --hook-type pre-push" in CI
    assert re.search(r"pre-commit run gate-push --hook-stage manual --from-ref \S+ --to-ref", CI)


def test_the_dependency_table_names_every_declared_dependency() -> None:
    import tomllib

    table = _section("Dependencies")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]
        assert re.search(rf"\b{re.escape(name)}\b", table, re.I), name
    assert "GitPython | **Not used.**" in table
