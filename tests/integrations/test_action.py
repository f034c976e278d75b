"""action.yml read as code: its inputs, its scripts, and its steps run as the Actions runner would.

The composite action's `run:` steps are executed by tests/support/action_harness.py. Its
install step (`pip install "$GITHUB_ACTION_PATH"`) is replaced by PYTHONPATH=<this checkout>:
the same code, without reinstalling into the interpreter the other tests share or fetching a
build backend. That install command is the one pre-commit's `language: python` runs on the same
checkout in test_precommit.py, so the packaging is exercised there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tests.support.action_harness import (
    ActionRun,
    CompositeAction,
    UnsupportedExpression,
    evaluate,
    parse_command_file,
    run_bash,
    substitute,
)
from tests.support.gitrepo import RepoBuilder
from tests.support.integrations import (
    BASE_FILES,
    BREAKING,
    BREAKING_RULE,
    COMPATIBLE,
    CURRENCY,
    ROOT,
    STEERING,
    build_repository,
    clean_environ,
    line_of,
    pull_request_event,
)
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / ".github" / "workflows" / "gate.yml"
INSTALL_STEP = "Install gate from this action's checkout"
# the environment variables gate reads for the registry (see gate/sources/registry.py)
GATE_ENV = (
    "GATE_REGISTRY_URL",
    "GATE_REGISTRY_USER",
    "GATE_REGISTRY_PASSWORD",
    "GATE_REGISTRY_TOKEN",
)
SECRET_INPUTS = ("registry-user", "registry-password", "registry-token")
INPUT_REFERENCE = re.compile(r"\binputs\.([A-Za-z0-9_-]+)")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
# read at collection time so that each script is its own test case
RUN_STEPS = [
    str(step.get("name"))
    for step in yaml.safe_load(ACTION.read_text(encoding="utf-8"))["runs"]["steps"]
    if "run" in step
]


@pytest.fixture(scope="module")
def action() -> CompositeAction:
    return CompositeAction.load(ACTION)


@pytest.fixture(scope="module")
def check_options() -> set[str]:
    done = subprocess.run(
        [sys.executable, "-m", "gate", "check", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return set(OPTION.findall(done.stdout))


def run_steps(action: CompositeAction) -> list[Mapping[str, Any]]:
    return [step for step in action.steps if "run" in step]


def gate_step(action: CompositeAction) -> Mapping[str, Any]:
    return next(step for step in action.steps if step.get("id") == "gate")


def references(action: CompositeAction) -> Iterator[tuple[str, str, Mapping[str, Any], str]]:
    """(input, place, step, key) for every `inputs.<name>` in the steps; place is with, env,
    working-directory or run."""
    for step in action.steps:
        for place in ("with", "env"):
            for key, value in (step.get(place) or {}).items():
                for name in INPUT_REFERENCE.findall(str(value)):
                    yield name, place, step, str(key)
        for place in ("working-directory", "run"):
            for name in INPUT_REFERENCE.findall(str(step.get(place, ""))):
                yield name, place, step, place


def derived_names(script: str, variable: str) -> set[str]:
    """`variable` and every shell variable assigned from it, transitively (`x="$(f "$VAR")"`)."""
    names = {variable}
    while True:
        found = {
            match.group(1)
            for name in names
            for match in re.finditer(
                r"^\s*(?:local\s+)?([A-Za-z_]\w*)=.*\$\{?" + re.escape(name) + r"\b", script, re.M
            )
        }
        if found <= names:
            return names
        names |= found


def destinations(script: str, variable: str) -> tuple[set[str], set[str]]:
    """(gate options, exported variables) on the script lines that use `variable`."""
    names = derived_names(script, variable)
    options: set[str] = set()
    exported: set[str] = set()
    for line in script.splitlines():
        if any(re.search(r"\$\{?" + re.escape(name) + r"\b", line) for name in names):
            options.update(OPTION.findall(line))
            exported.update(re.findall(r"\bexport\s+([A-Za-z_]\w*)=", line))
    return options, exported


# ------------------------------------------------------------------------ action.yml as code


def test_every_input_reaches_a_gate_option_or_variable(
    action: CompositeAction, check_options: set[str]
) -> None:
    seen: dict[str, list[str]] = {name: [] for name in action.inputs}
    for name, place, step, key in references(action):
        assert name in action.inputs, f"{step.get('name')!r} uses an undeclared input {name!r}"
        if place == "with":
            # the only input for another action: the Python that setup-python provides
            assert str(step["uses"]).startswith("actions/setup-python@"), (name, step)
            assert key == "python-version"
            seen[name].append("actions/setup-python python-version")
        elif place == "working-directory":
            seen[name].append("working directory of the gate step")
        elif place == "env" and key in GATE_ENV:
            seen[name].append(key)
        elif place == "env":
            options, exported = destinations(str(step["run"]), key)
            assert options or exported, f"{key} (input {name}) is set but never passed to gate"
            assert options <= check_options, f"{key}: {options - check_options} not in gate --help"
            assert exported <= set(GATE_ENV), f"{key}: exports {exported - set(GATE_ENV)}"
            seen[name].extend(sorted(options | exported))
        else:
            pytest.fail(f"input {name} is pasted into a run: script ({step.get('name')!r})")
    unused = [name for name, where in seen.items() if not where]
    assert not unused, f"inputs that reach nothing: {unused}"
    # the registry inputs land where gate reads them, and nowhere else
    assert seen["registry-url"] == ["--registry"]
    assert seen["registry-user"] == ["GATE_REGISTRY_USER"]
    assert seen["registry-password"] == ["GATE_REGISTRY_PASSWORD"]
    assert seen["registry-token"] == ["GATE_REGISTRY_TOKEN"]


def test_gate_reads_the_variables_the_action_exports() -> None:
    from gate.sources import registry

    assert (registry.ENV_URL, registry.ENV_USER, registry.ENV_PASSWORD, registry.ENV_TOKEN) == (
        GATE_ENV
    )


def test_every_option_the_script_passes_exists(
    action: CompositeAction, check_options: set[str]
) -> None:
    passed = set(OPTION.findall(str(gate_step(action)["run"])))
    assert passed, "the gate step passes no option at all"
    assert passed <= check_options, passed - check_options


def test_secrets_appear_only_in_env_mappings(action: CompositeAction) -> None:
    places = [(name, place) for name, place, _, _ in references(action) if name in SECRET_INPUTS]
    assert {name for name, _ in places} == set(SECRET_INPUTS)
    assert all(place == "env" for _, place in places), places
    for step in run_steps(action):
        text = str(step["run"])
        # no expression at all in a script: values arrive through the environment only
        assert "${{" not in text, step.get("name")
        assert not any(secret in text for secret in SECRET_INPUTS), step.get("name")
    for output in action.outputs.values():
        assert "inputs." not in str(output.get("value", ""))


def test_the_action_has_an_install_and_a_gate_step() -> None:
    assert INSTALL_STEP in RUN_STEPS, RUN_STEPS
    assert "Run gate check" in RUN_STEPS, RUN_STEPS


@pytest.mark.parametrize("name", RUN_STEPS)
def test_run_steps_are_valid_bash(action: CompositeAction, name: str) -> None:
    step = next(step for step in run_steps(action) if step.get("name") == name)
    assert step.get("shell") == "bash", name
    done = subprocess.run(
        ["bash", "-n"], input=str(step["run"]), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{step.get('name')}: {done.stderr}"


def test_the_install_step_installs_the_action_checkout_into_its_own_venv(
    action: CompositeAction,
) -> None:
    install = next(step for step in action.steps if step.get("name") == INSTALL_STEP)
    script = str(install["run"])
    assert re.search(r'-m venv "\$venv"', script)
    assert "RUNNER_TEMP" in script
    assert re.search(
        r'"\$python" -m pip install\b.* -c "\$GITHUB_ACTION_PATH/constraints.txt" '
        r'"\$GITHUB_ACTION_PATH"',
        script,
    )
    assert (ROOT / "constraints.txt").is_file()
    position = action.steps.index(install)
    setup = [
        s
        for s in action.steps[:position]
        if str(s.get("uses", "")).startswith("actions/setup-python@")
    ]
    assert setup, "python must be set up before the install step"
    # the job's `python` is left alone: setup-python does not put its Python on PATH
    assert setup[0]["with"]["update-environment"] is False
    assert install["env"]["GATE_SETUP_PYTHON"] == "${{ steps.python.outputs.python-path }}"
    cache = [
        s for s in action.steps[:position] if str(s.get("uses", "")).startswith("actions/cache@")
    ]
    assert cache
    assert cache[0]["with"]["path"] == "~/.cache/pip"
    assert "GATE_PYTHON" in gate_step(action)["env"]
    assert '"$GATE_PYTHON" -m gate' in str(gate_step(action)["run"])


def test_the_constraints_pin_every_runtime_dependency() -> None:
    import tomllib

    pinned = {
        line.split("==")[0].strip().lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {
        re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0].lower().replace("_", "-")
        for d in project["dependencies"]
    }
    assert declared <= pinned, declared - pinned


# ------------------------------------------------------------------------ the harness itself


def test_the_evaluator_returns_the_first_truthy_operand() -> None:
    contexts = {"inputs": {"base": ""}, "github": {"event": {"before": "abc"}}}
    assert (
        evaluate(
            " inputs.base || github.event.pull_request.base.sha || github.event.before ", contexts
        )
        == "abc"
    )
    assert evaluate("inputs.base || 'it''s'", contexts) == "it's"
    assert evaluate("inputs.base || github.event.after", contexts) is None
    with pytest.raises(UnsupportedExpression):
        evaluate("inputs.base == ''", contexts)
    with pytest.raises(UnsupportedExpression):
        evaluate("format('{0}', inputs.base)", contexts)


def test_command_files_are_read_like_the_runner() -> None:
    text = "passed=false\nnote<<EOF\nline one\nline=two\nEOF\nfindings=3\n"
    assert parse_command_file(text) == {
        "passed": "false",
        "note": "line one\nline=two",
        "findings": "3",
    }


# ------------------------------------------------------------------------ the action, executed


def run_action(
    action: CompositeAction,
    tmp_path: Path,
    workspace: Path,
    event: Mapping[str, Any],
    inputs: Mapping[str, str] | None = None,
    job_env: Mapping[str, str] | None = None,
    event_name: str = "pull_request",
) -> ActionRun:
    environ = clean_environ(tmp_path, python_path=True)
    if event_name == "pull_request":
        environ["GITHUB_BASE_REF"] = "main"
    environ.update(job_env or {})
    return action.run(
        inputs or {},
        workspace=workspace,
        event=event,
        environ=environ,
        runner_temp=tmp_path / "runner",
        event_name=event_name,
        replace={INSTALL_STEP: None},
    )


def github_annotations(stdout: str) -> list[re.Match[str]]:
    return [
        match
        for line in stdout.splitlines()
        if (match := re.match(r"::error file=([^,]+),line=(\d+),title=([A-Z0-9_]+)::", line))
    ]


def test_a_breaking_pull_request_fails_with_every_report(
    action: CompositeAction, tmp_path: Path
) -> None:
    origin, base = build_repository(tmp_path / "origin", BREAKING)
    # actions/checkout's default: one commit deep, without the pull request's base
    workspace = origin.clone(tmp_path / "workspace", "--depth=1")
    assert (
        subprocess.run(
            ["git", "cat-file", "-e", f"{base}^{{commit}}"],
            cwd=workspace.root,
            capture_output=True,
            check=False,
        ).returncode
        != 0
    )
    run = run_action(action, tmp_path, workspace.root, pull_request_event(base, origin.sha("HEAD")))

    assert run.exit_code == 1, run.stdout + run.stderr
    ran = {step.name: step.ran for step in run.steps}
    assert ran[INSTALL_STEP] is False
    assert ran["Run gate check"] is True
    # the base came from the event payload and was fetched into the shallow clone
    workspace.git("cat-file", "-e", f"{base}^{{commit}}")

    found = github_annotations(run.stdout)
    assert found, run.stdout
    expected_line = line_of(BREAKING["schemas/payments.avsc"], CURRENCY)
    assert ("schemas/payments.avsc", str(expected_line), BREAKING_RULE) in [
        m.groups() for m in found
    ]
    assert all(m.group(3).startswith("AVRO_") for m in found)

    # what the step wrote to GITHUB_OUTPUT, and the action's outputs mapped from it
    assert set(run.step("gate").outputs) == {
        "passed",
        "findings",
        "errors",
        "warnings",
        "junit-path",
        "sarif-path",
        "json-path",
        "markdown-path",
        "text-path",
    }
    outputs = run.outputs
    assert outputs == run.step("gate").outputs
    assert outputs["passed"] == "false"
    # every report under the runner's temp folder, none in the checkout
    for name in ("junit-path", "sarif-path", "json-path", "markdown-path", "text-path"):
        path = Path(outputs[name])
        assert path.is_file(), name
        assert path.is_relative_to(tmp_path / "runner"), name
    assert not [p for p in workspace.root.glob("gate*") if p.suffix in (".xml", ".sarif")]
    junit = Path(outputs["junit-path"])
    sarif = Path(outputs["sarif-path"])

    document = json.loads(sarif.read_text(encoding="utf-8"))
    assert document["version"] == "2.1.0"
    results = document["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {BREAKING_RULE}
    assert outputs["findings"] == str(len(results)) == str(len(found))
    assert outputs["errors"] == str(len(found))
    assert outputs["warnings"] == "0"
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "schemas/payments.avsc"

    from junitparser import JUnitXml

    xml = JUnitXml.fromfile(str(junit))
    suites = list(xml) if isinstance(xml, JUnitXml) else [xml]
    failed = [case for suite in suites for case in suite if not case.is_passed]
    assert failed, junit.read_text(encoding="utf-8")
    assert any(BREAKING_RULE in f"{r.message} {r.text}" for case in failed for r in case.result)

    summary = run.summary
    assert re.search(r"^\| Subject \| Verdict \|", summary, re.M), summary
    assert re.search(r"^\| payments\\?-value \| ❌ FAIL \|", summary, re.M), summary
    assert re.search(r"^\| customers\\?-value \| ✅ PASS \|", summary, re.M), summary
    assert "failed" in summary.splitlines()[0]
    # the human-readable text report is in the log too
    assert "payments-value" in run.stdout
    assert "fix:" in run.stdout


PROTO = (
    'syntax = "proto3";\npackage shop;\n\n'
    "message Refund {\n  string id = 1;\n  int64 cents = 2;\n}\n"
)


def test_a_breaking_protobuf_pull_request_is_annotated_and_reported(
    action: CompositeAction, tmp_path: Path
) -> None:
    repo = RepoBuilder(tmp_path / "workspace")
    gate_yaml = BASE_FILES["gate.yaml"] + (
        '  - files: "protos/*.proto"\n    subject: "{stem}-value"\n'
    )
    base = repo.commit(
        "base", {**BASE_FILES, "gate.yaml": gate_yaml, "protos/refunds.proto": PROTO}
    )
    repo.commit("cents as a double", {"protos/refunds.proto": PROTO.replace("int64", "double")})
    run = run_action(action, tmp_path, repo.root, pull_request_event(base, repo.sha("HEAD")))

    assert run.exit_code == 1, run.stdout + run.stderr
    rule = "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"
    assert [m.groups() for m in github_annotations(run.stdout)] == [
        ("protos/refunds.proto", "6", rule)
    ]
    outputs = run.outputs
    assert (outputs["passed"], outputs["errors"]) == ("false", "1")
    sarif = json.loads(Path(outputs["sarif-path"]).read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == [rule]
    assert re.search(r"^\| refunds\\?-value \| ❌ FAIL \|", run.summary, re.M), run.summary
    assert re.search(r"^\| payments\\?-value \| ✅ PASS \|", run.summary, re.M), run.summary


@pytest.mark.parametrize("event_name", ["pull_request", "push"])
def test_a_compatible_change_passes(
    action: CompositeAction, tmp_path: Path, event_name: str
) -> None:
    repo, base = build_repository(tmp_path / "workspace", COMPATIBLE)
    event = (
        pull_request_event(base, repo.sha("HEAD"))
        if event_name == "pull_request"
        else {"before": base, "after": repo.sha("HEAD")}
    )
    run = run_action(action, tmp_path, repo.root, event, event_name=event_name)

    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.outputs["passed"] == "true"
    assert run.outputs["findings"] == "0"
    assert Path(run.outputs["junit-path"]).is_file()
    assert Path(run.outputs["sarif-path"]).is_file()
    assert not github_annotations(run.stdout)
    assert re.search(r"^\| payments\\?-value \| ✅ PASS \|", run.summary, re.M), run.summary
    # it compared with the event's base: the changed subject got a real compatibility check
    (result_file,) = (tmp_path / "runner").glob("gate.*/result.json")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert base.startswith(result["base"].split()[0])
    compared = [
        c
        for c in result["checks"]
        if c["subject"] == "payments-value"
        and c["kind"] == "compat"
        and not c["notes"]
        and c["skipped"] is None
    ]
    assert compared, result["checks"]
    assert all(c["passed"] for c in compared), result["checks"]


def test_a_gate_error_is_annotated_and_reported_as_not_passed(
    action: CompositeAction, tmp_path: Path
) -> None:
    repo, _ = build_repository(tmp_path / "workspace", COMPATIBLE)
    run = run_action(
        action, tmp_path, repo.root, {}, inputs={"base": "no-such-revision", "fetch-base": "false"}
    )
    assert run.exit_code == 3, run.stdout + run.stderr
    assert "::error title=gate::" in run.stdout
    assert "no-such-revision" in run.stderr
    assert run.outputs["passed"] == "false"
    assert run.outputs["findings"] == "0"


@pytest.mark.parametrize("via", ["inputs", "job environment"])
def test_registry_credentials_reach_gate_and_stay_secret(
    action: CompositeAction, tmp_path: Path, via: str
) -> None:
    user, password = "ci-key", "s3cret-Registry-Passw0rd"
    with RegistryServer(auth=(user, password)) as server:
        server.register("payments-value", BASE_FILES["schemas/payments.avsc"])
        repo, base = build_repository(tmp_path / "workspace", COMPATIBLE)
        settings = {"url": server.url, "user": user, "password": password}
        if via == "inputs":
            inputs = {f"registry-{key}": value for key, value in settings.items()}
            job_env: dict[str, str] = {}
        else:
            # set on the job, not on the action: empty inputs must not hide them
            inputs = {}
            job_env = {f"GATE_REGISTRY_{key.upper()}": value for key, value in settings.items()}
        run = run_action(
            action,
            tmp_path,
            repo.root,
            pull_request_event(base, repo.sha("HEAD")),
            inputs=inputs,
            job_env=job_env,
        )
        log = server.log

    assert run.exit_code == 0, run.stdout + run.stderr
    assert any("payments-value" in entry.segments for entry in log), log
    assert all(entry.headers.get("authorization", "").startswith("Basic ") for entry in log)
    written = [
        run.stdout,
        run.stderr,
        run.summary,
        json.dumps(dict(run.outputs)),
        Path(run.outputs["junit-path"]).read_text(encoding="utf-8"),
        Path(run.outputs["sarif-path"]).read_text(encoding="utf-8"),
    ]
    assert not any(password in text for text in written)


# ------------------------------------------------------------------------ shallow clones, CLI


def gate_cli(args: list[str], cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gate", *args],
        cwd=cwd,
        env=clean_environ(tmp_path, python_path=True),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def shallow_clone(tmp_path: Path, name: str) -> tuple[RepoBuilder, str]:
    origin_root = tmp_path / "origin"
    if origin_root.exists():
        origin = RepoBuilder(origin_root, init=False)
        base = origin.sha("HEAD~1")
    else:
        origin, base = build_repository(origin_root, BREAKING)
    return origin.clone(tmp_path / name, "--depth=1"), base


def test_a_shallow_clone_without_the_base_names_the_fetch_command(tmp_path: Path) -> None:
    clone, base = shallow_clone(tmp_path, "clone")
    done = gate_cli(["check", "--base", base], clone.root, tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr
    command = f"git fetch --depth=1 origin {base}"
    assert f"`{command}`" in done.stderr
    assert "--fetch-base" in done.stderr

    # the command it names is the one that works
    subprocess.run(command.split(), cwd=clone.root, check=True, capture_output=True)
    after = gate_cli(["check", "--base", base], clone.root, tmp_path)
    assert after.returncode == 1, after.stdout + after.stderr
    assert BREAKING_RULE in after.stdout, after.stdout + after.stderr


def test_fetch_base_brings_the_base_into_a_shallow_clone(tmp_path: Path) -> None:
    clone, base = shallow_clone(tmp_path, "clone")
    done = gate_cli(["check", "--base", base, "--fetch-base"], clone.root, tmp_path)
    # the check ran against the fetched base: the breaking change is found, nothing else failed
    assert done.returncode == 1, done.stdout + done.stderr
    assert BREAKING_RULE in done.stdout
    assert "error:" not in done.stderr
    clone.git("cat-file", "-e", f"{base}^{{commit}}")
    assert clone.git("rev-parse", "--is-shallow-repository").strip() == "true"


# ------------------------------------------------------------------------ the workflow


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def all_steps(workflow: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    commands = [block.strip() for block in blocks if "pytest" in block]
    assert len(commands) == 1, commands
    return commands[0]


def test_the_workflow_runs_the_readme_tests_on_pull_requests(workflow: dict[Any, Any]) -> None:
    # PyYAML (YAML 1.1) reads the key `on` as True
    triggers: dict[str, Any] = workflow["on"] if "on" in workflow else workflow[True]
    assert "pull_request" in triggers
    scripts = [str(step.get("run", "")) for step in all_steps(workflow)]
    assert any(readme_test_command() in script for script in scripts), readme_test_command()


def test_the_workflow_uses_this_action_on_a_fixture_repository(
    workflow: dict[Any, Any], action: CompositeAction, tmp_path: Path
) -> None:
    (job,) = [
        job
        for job in workflow["jobs"].values()
        if any(step.get("uses") == "./" for step in job["steps"])
    ]
    steps = job["steps"]
    names = [str(step.get("uses", "")) for step in steps]
    assert names[0].startswith("actions/checkout@")
    assert any(n.startswith("github/codeql-action/upload-sarif@") for n in names)
    assert any(n.startswith("actions/upload-artifact@") for n in names)
    assert job["permissions"]["security-events"] == "write"
    gate = next(step for step in steps if step.get("uses") == "./")
    assert gate.get("id") == "gate"
    assert gate.get("continue-on-error") is True
    position = steps.index(gate)
    (build,) = [s for s in steps[:position] if "fixtures/example/run.py" in str(s.get("run", ""))]
    (verdict,) = [s for s in steps[position + 1 :] if "run" in s]
    sarif = next(
        s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")
    )
    assert sarif["with"]["sarif_file"] == "${{ steps.gate.outputs.sarif-path }}"
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert "steps.gate.outputs.junit-path" in upload["with"]["path"]

    # run the job's own steps: build the example, run the action on it, check the verdict
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    environ = clean_environ(tmp_path, python_path=True)
    contexts: dict[str, Any] = {"runner": {"temp": str(runner_temp)}, "steps": {}}
    script = tmp_path / "build.sh"
    script.write_text(str(build["run"]), encoding="utf-8")
    built = run_bash(script, ROOT, {**environ, "RUNNER_TEMP": str(runner_temp)})
    assert built.returncode == 0, built.stdout + built.stderr
    inputs = {key: substitute(str(value), contexts) for key, value in gate["with"].items()}
    example = Path(inputs["working-directory"])
    assert RepoBuilder(example, init=False).git("rev-list", "--count", "HEAD").strip() == "2"
    # a pull request of this repository: its base sha means nothing in the example repository,
    # so the workflow's `base:` input must win over the event payload
    event = pull_request_event("0123456789abcdef0123456789abcdef01234567", "f" * 40)
    run = action.run(
        inputs,
        workspace=ROOT,
        event=event,
        environ=environ,
        runner_temp=runner_temp,
        replace={INSTALL_STEP: None},
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    contexts["steps"]["gate"] = {
        "outcome": "failure" if run.exit_code else "success",
        "outputs": dict(run.outputs),
    }
    env = {
        **environ,
        **{key: substitute(str(value), contexts) for key, value in verdict["env"].items()},
    }
    script = tmp_path / "verdict.sh"
    script.write_text(str(verdict["run"]), encoding="utf-8")
    checked = run_bash(script, ROOT, env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert BREAKING_RULE in run.stdout


# ------------------------------------------------------------------------ real workflows

ZEROS = "0" * 40


def test_a_push_that_creates_a_branch_compares_with_the_default_branch(
    action: CompositeAction, tmp_path: Path
) -> None:
    """`before` is all zeros: the base is the default branch, fetched into the shallow clone."""
    origin, base = build_repository(tmp_path / "origin", None)
    origin.git("checkout", "-q", "-b", "feature")
    origin.commit("head: change payments", BREAKING)
    workspace = origin.clone(tmp_path / "workspace", "--depth=1", "--branch", "feature")
    assert (
        subprocess.run(
            ["git", "rev-parse", "--verify", "-q", "origin/main"],
            cwd=workspace.root,
            capture_output=True,
            check=False,
        ).returncode
        != 0
    )
    event = {
        "before": ZEROS,
        "after": workspace.sha("HEAD"),
        "created": True,
        "ref": "refs/heads/feature",
        "repository": {"default_branch": "main"},
    }
    run = run_action(action, tmp_path, workspace.root, event, event_name="push")
    assert run.exit_code == 1, run.stdout + run.stderr
    assert BREAKING_RULE in run.stdout
    assert workspace.git("rev-parse", "origin/main").strip() == base


@pytest.mark.parametrize(
    ("change", "expected"), [(BREAKING, 1), (COMPATIBLE, 0)], ids=["breaking", "compatible"]
)
def test_a_fork_pull_request_without_secrets_uses_the_snapshot(
    action: CompositeAction, tmp_path: Path, change: dict[str, str], expected: int
) -> None:
    """No credentials reach a fork's run: the committed snapshot stands in for the registry,
    with a notice, and the exit code is the verdict's, not 3."""
    with RegistryServer(auth=("ci-key", "secret")) as server:
        server.register("payments-value", BASE_FILES["schemas/payments.avsc"])
        repo, _ = build_repository(tmp_path / "workspace", None)
        export = gate_cli(
            ["registry", "export", "--registry", server.url, "registry-snapshot"],
            repo.root,
            tmp_path,
        )
        assert export.returncode == 3, "the registry needs credentials"
        snapshot_env = {
            **clean_environ(tmp_path, python_path=True),
            "GATE_REGISTRY_USER": "ci-key",
            "GATE_REGISTRY_PASSWORD": "secret",
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "gate",
                "registry",
                "export",
                "--registry",
                server.url,
                "registry-snapshot",
            ],
            cwd=repo.root,
            env=snapshot_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        gate_yaml = BASE_FILES["gate.yaml"] + "registry:\n  snapshot: registry-snapshot\n"
        base = repo.commit("snapshot", {"gate.yaml": gate_yaml})
        head = repo.commit("head: change payments", change)
        event = pull_request_event(base, head)
        event["pull_request"]["head"]["repo"] = {"fork": True}  # type: ignore[index]
        before = server.request_count
        run = run_action(action, tmp_path, repo.root, event, inputs={"registry-url": server.url})
        assert server.request_count == before, "a fork's run contacted the registry"
    assert run.exit_code == expected, run.stdout + run.stderr
    assert "::notice title=gate::a pull request from a fork has no registry credentials" in (
        run.stdout
    )
    result = json.loads(Path(run.outputs["json-path"]).read_text(encoding="utf-8"))
    against_snapshot = [
        c
        for c in result["checks"]
        if c["subject"] == "payments-value" and "snapshot:payments-value" in c["name"]
    ]
    assert against_snapshot, result["checks"]


def test_a_fork_pull_request_with_credentials_in_the_job_still_uses_the_registry(
    action: CompositeAction, tmp_path: Path
) -> None:
    with RegistryServer() as server:
        server.register("payments-value", BASE_FILES["schemas/payments.avsc"])
        repo, base = build_repository(tmp_path / "workspace", COMPATIBLE)
        event = pull_request_event(base, repo.sha("HEAD"))
        event["pull_request"]["head"]["repo"] = {"fork": True}  # type: ignore[index]
        run = run_action(
            action,
            tmp_path,
            repo.root,
            event,
            inputs={"registry-url": server.url},
            job_env={"GATE_REGISTRY_TOKEN": "t0ken"},
        )
        assert server.request_count > 0
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "::notice title=gate::" not in run.stdout


def test_the_printed_text_report_cannot_issue_workflow_commands(
    action: CompositeAction, tmp_path: Path
) -> None:
    """Schema text in the log is fenced by ::stop-commands:: with a token nobody can predict."""
    runs = []
    for attempt in ("one", "two"):
        repo, base = build_repository(tmp_path / attempt, BREAKING)
        runs.append(
            run_action(
                action, tmp_path / attempt, repo.root, pull_request_event(base, repo.sha("HEAD"))
            )
        )
    tokens = []
    for run in runs:
        lines = run.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
        token = lines[start].removeprefix("::stop-commands::")
        assert re.fullmatch(r"[0-9a-f]{32}", token), token
        end = lines.index(f"::{token}::")
        fenced = lines[start + 1 : end]
        assert any("payments-value" in line for line in fenced)
        tokens.append(token)
    assert tokens[0] != tokens[1]


def test_a_fetch_depth_1_pull_request_shows_no_false_drift(
    action: CompositeAction, tmp_path: Path
) -> None:
    """actions/checkout's default checkout, a registry whose history is older than the
    repository's and whose latest version is git's base: a pass, with no drift error."""
    origin, base = build_repository(tmp_path / "origin", None)
    for step in range(3):  # more history between the registered base and the pull request
        origin.commit(f"docs {step}", {"README.md": f"notes {step}\n"})
    origin.commit("head: change payments", COMPATIBLE)
    workspace = origin.clone(tmp_path / "workspace", "--depth=1")
    older = BASE_FILES["schemas/payments.avsc"].replace('"long"', '"int"')
    with RegistryServer() as server:
        server.register("payments-value", older)  # registered before the repository existed
        server.register("payments-value", BASE_FILES["schemas/payments.avsc"])
        server.register("customers-value", BASE_FILES["schemas/customers.avsc"])
        run = run_action(
            action,
            tmp_path,
            workspace.root,
            pull_request_event(base, origin.sha("HEAD")),
            inputs={"registry-url": server.url},
        )
    assert run.exit_code == 0, run.stdout + run.stderr
    result = json.loads(Path(run.outputs["json-path"]).read_text(encoding="utf-8"))
    drift_errors = [
        f for f in result["findings"] if f["rule"].startswith("DRIFT_") and f["severity"] == "error"
    ]
    assert not drift_errors, drift_errors
    assert run.outputs["errors"] == "0"


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """Wheels of every pinned dependency and of the build backend, provisioned once from the
    package index into tests/.cache (the install step itself then runs with no index at all)."""
    import hashlib

    constraints = (ROOT / "constraints.txt").read_bytes()
    key = hashlib.sha256(constraints).hexdigest()[:12]
    folder = ROOT / "tests" / ".cache" / f"wheelhouse-{key}"
    if not (folder / ".complete").exists():
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--disable-pip-version-check",
                "--only-binary",
                ":all:",
                "-d",
                str(folder),
                "-r",
                str(ROOT / "constraints.txt"),
                "setuptools>=77",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot provision the wheels from the package index: {done.stderr[-300:]}")
        (folder / ".complete").write_text("ok\n")
    return folder


def test_the_real_install_step_leaves_the_callers_python_untouched(
    action: CompositeAction, tmp_path: Path, wheelhouse: Path
) -> None:
    """The install step run as it is (no replacement), offline from a wheelhouse: gate lands
    in a virtual environment under the runner's temp folder, the gate step runs it, and the
    job's own python has exactly the packages it had."""

    def freeze() -> str:
        # the job's python as the runner starts it: without this suite's PYTHONPATH
        env = {key: value for key, value in os.environ.items() if key not in STEERING}
        return subprocess.run(
            [sys.executable, "-m", "pip", "freeze", "--all"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout

    before = freeze()
    repo, base = build_repository(tmp_path / "workspace", BREAKING)
    environ = clean_environ(tmp_path, python_path=False)
    environ.update(GITHUB_BASE_REF="main", PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheelhouse))
    run = action.run(
        {},
        workspace=repo.root,
        event=pull_request_event(base, repo.sha("HEAD")),
        environ=environ,
        runner_temp=tmp_path / "runner",
        event_name="pull_request",
        replace={},
    )
    installed = run.step("install").outputs.get("python", "")
    assert run.step("install").exit_code == 0, run.stdout + run.stderr
    assert Path(installed).is_file()
    assert Path(installed).is_relative_to(tmp_path / "runner")
    assert run.exit_code == 1, run.stdout + run.stderr  # the verdict, from the installed gate
    assert BREAKING_RULE in run.stdout
    assert freeze() == before
