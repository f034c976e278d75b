"""Run a composite GitHub Action's `run:` steps here, the way the Actions runner would.

    action = CompositeAction.load(ROOT / "action.yml")
    run = action.run({"fail-on": "error"}, workspace=repo, event=payload, environ=env,
                     runner_temp=tmp_path / "runner", replace={"Install gate ...": None})

What it does like the runner: inputs take their defaults; `${{ ... }}` in `env:`,
`working-directory:` and the action's `outputs:` are evaluated; each bash step runs as
`bash --noprofile --norc -eo pipefail <script file>` in its working directory (relative to
GITHUB_WORKSPACE) with the job's environment plus the step's `env:`; each step gets a fresh
GITHUB_OUTPUT file whose `name=value` and `name<<DELIMITER` records become
`steps.<id>.outputs`; GITHUB_STEP_SUMMARY is shared; the first failing step stops the rest.

What it does not: `uses:` steps are recorded and skipped (the caller prepares what they would
have provided, e.g. a `python` on PATH for actions/setup-python); steps named in `replace` are
skipped too (the caller explains why). The expression evaluator knows exactly the forms
composite actions like ours use: a context path (`inputs.fail-on`,
`github.event.pull_request.base.sha`, `steps.gate.outputs.passed`), a single-quoted string, and
`a || b || ...` (the first truthy operand, as GitHub's `||` returns). Anything else (functions,
comparisons, `&&`, `!`, indexing) raises UnsupportedExpression, so a new form in the action
fails the tests loudly instead of being evaluated wrongly. Step keys the harness does not
implement (`if:`, `continue-on-error:`, another `shell:`) raise UnsupportedStep for the same
reason.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*")
_LITERAL = re.compile(r"'((?:[^']|'')*)'")
# the keys of a composite `run:` step this harness implements
_RUN_KEYS = {"name", "id", "shell", "run", "env", "working-directory"}
_USES_KEYS = {"name", "id", "uses", "with", "env"}
# how the runner starts a `shell: bash` step (documented default for bash)
BASH = ("bash", "--noprofile", "--norc", "-eo", "pipefail")


class UnsupportedExpression(ValueError):
    """An expression form this harness does not evaluate."""


class UnsupportedStep(ValueError):
    """A step key or shell this harness does not implement."""


def _truthy(value: Any) -> bool:
    # GitHub: null, false, 0, -0, NaN and '' are falsy; objects and arrays are truthy
    if value is None or value is False or value == "":
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == value and value != 0
    return True


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _split_or(expression: str) -> list[str]:
    """Split on `||` outside single-quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    index = 0
    while index < len(expression):
        char = expression[index]
        if char == "'":
            quoted = not quoted
        if not quoted and expression.startswith("||", index):
            parts.append("".join(current))
            current = []
            index += 2
            continue
        current.append(char)
        index += 1
    if quoted:
        raise UnsupportedExpression(f"unterminated string in {expression!r}")
    parts.append("".join(current))
    return parts


def evaluate(expression: str, contexts: Mapping[str, Any]) -> Any:
    """The value of one expression (the text between `${{` and `}}`)."""
    value: Any = None
    for operand in _split_or(expression):
        text = operand.strip()
        literal = _LITERAL.fullmatch(text)
        if literal:
            value = literal.group(1).replace("''", "'")
        elif _PATH.fullmatch(text):
            head, *rest = text.split(".")
            if head not in contexts:
                raise UnsupportedExpression(f"unknown context {head!r} in {expression!r}")
            value = contexts[head]
            for key in rest:
                value = value.get(key) if isinstance(value, dict) else None
        else:
            raise UnsupportedExpression(f"cannot evaluate {text!r} (in {expression!r})")
        if _truthy(value):
            return value
    return value


def substitute(text: str, contexts: Mapping[str, Any]) -> str:
    """`text` with every `${{ ... }}` replaced by its value, as the runner renders strings."""
    return EXPRESSION.sub(lambda match: _as_text(evaluate(match.group(1), contexts)), text)


def parse_command_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV records: `name=value` lines and `name<<DELIMITER` blocks."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        heredoc = re.fullmatch(r"([^=<]+)<<(.+)", line)
        if heredoc and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = heredoc.group(1), heredoc.group(2)
            block: list[str] = []
            while index < len(lines) and lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            if index == len(lines):
                raise ValueError(f"{name}<<{delimiter} is never closed")
            index += 1
            values[name] = "\n".join(block)
        elif "=" in line:
            name, _, value = line.partition("=")
            values[name] = value
        else:
            raise ValueError(f"not a command file record: {line!r}")
    return values


@dataclass(frozen=True)
class StepRun:
    """What one step did; `ran` is False for `uses:` and replaced steps."""

    name: str
    id: str | None
    ran: bool
    exit_code: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionRun:
    """The whole action: its steps, its evaluated outputs and the step summary it wrote."""

    steps: tuple[StepRun, ...]
    outputs: Mapping[str, str]
    summary: str

    @property
    def exit_code(self) -> int:
        """The first failing step's exit code (the action's conclusion), else 0."""
        return next((step.exit_code for step in self.steps if step.exit_code != 0), 0)

    @property
    def stdout(self) -> str:
        return "".join(step.stdout for step in self.steps)

    @property
    def stderr(self) -> str:
        return "".join(step.stderr for step in self.steps)

    def step(self, step_id: str) -> StepRun:
        return next(step for step in self.steps if step.id == step_id)


@dataclass(frozen=True)
class CompositeAction:
    """action.yml, loaded."""

    path: Path
    document: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path) -> CompositeAction:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if document.get("runs", {}).get("using") != "composite":
            raise UnsupportedStep(f"{path} is not a composite action")
        return cls(path, document)

    @property
    def inputs(self) -> Mapping[str, Mapping[str, Any]]:
        return self.document.get("inputs") or {}

    @property
    def outputs(self) -> Mapping[str, Mapping[str, Any]]:
        return self.document.get("outputs") or {}

    @property
    def steps(self) -> list[Mapping[str, Any]]:
        return list(self.document["runs"]["steps"])

    def resolve_inputs(self, given: Mapping[str, str]) -> dict[str, str]:
        unknown = set(given) - set(self.inputs)
        if unknown:
            raise KeyError(f"not inputs of the action: {sorted(unknown)}")
        values: dict[str, str] = {}
        for name, spec in self.inputs.items():
            if name in given:
                values[name] = given[name]
            elif spec.get("required") and "default" not in spec:
                raise KeyError(f"input {name!r} is required")
            else:
                values[name] = _as_text(spec.get("default", ""))
        return values

    def run(
        self,
        inputs: Mapping[str, str],
        *,
        workspace: Path,
        event: Mapping[str, Any],
        environ: Mapping[str, str],
        runner_temp: Path,
        event_name: str = "pull_request",
        replace: Mapping[str, None] | None = None,
        timeout: float = 120,
    ) -> ActionRun:
        """Run the steps; `environ` is the job's environment (PATH included)."""
        replace = dict(replace or {})
        names = {step.get("name") for step in self.steps}
        missing = set(replace) - names
        if missing:
            raise KeyError(f"no step named {sorted(missing)} in {self.path}")
        runner_temp.mkdir(parents=True, exist_ok=True)
        event_path = runner_temp / "event.json"
        event_path.write_text(json.dumps(event), encoding="utf-8")
        summary = runner_temp / "step_summary.md"
        summary.touch()
        job_env = {
            **environ,
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_ACTION_PATH": str(self.path.parent),
            "RUNNER_TEMP": str(runner_temp),
        }
        contexts: dict[str, Any] = {
            "inputs": self.resolve_inputs(inputs),
            "github": {
                "event": dict(event),
                "event_name": event_name,
                "workspace": str(workspace),
                "action_path": str(self.path.parent),
            },
            "steps": {},
            "runner": {"temp": str(runner_temp)},
        }
        done: list[StepRun] = []
        for number, step in enumerate(self.steps, start=1):
            name = str(step.get("name") or step.get("uses") or f"step {number}")
            step_id = step.get("id")
            if "uses" in step:
                _only_keys(step, _USES_KEYS)
                done.append(StepRun(name, step_id, ran=False))
                continue
            _only_keys(step, _RUN_KEYS)
            if name in replace:
                done.append(StepRun(name, step_id, ran=False))
                continue
            result = self._run_step(
                step, name, number, contexts, job_env, workspace, runner_temp, timeout
            )
            done.append(result)
            if step_id:
                contexts["steps"][step_id] = {
                    "outputs": dict(result.outputs),
                    "outcome": "success" if result.exit_code == 0 else "failure",
                }
            if result.exit_code != 0:
                break
        outputs = {
            name: substitute(str(spec.get("value", "")), contexts)
            for name, spec in self.outputs.items()
        }
        return ActionRun(tuple(done), outputs, summary.read_text(encoding="utf-8"))

    def _run_step(
        self,
        step: Mapping[str, Any],
        name: str,
        number: int,
        contexts: Mapping[str, Any],
        job_env: Mapping[str, str],
        workspace: Path,
        runner_temp: Path,
        timeout: float,
    ) -> StepRun:
        if step.get("shell") != "bash":
            raise UnsupportedStep(f"step {name!r}: only `shell: bash` is implemented")
        script = str(step["run"])
        if EXPRESSION.search(script):
            # the runner would paste values into the script; our action never does (injection)
            script = substitute(script, contexts)
        script_path = runner_temp / f"step-{number}.sh"
        script_path.write_text(script, encoding="utf-8")
        output_path = runner_temp / f"output-{number}"
        output_path.write_text("", encoding="utf-8")
        env = dict(job_env)
        for key, value in (step.get("env") or {}).items():
            env[str(key)] = substitute(_as_text(value), contexts)
        env["GITHUB_OUTPUT"] = str(output_path)
        directory = substitute(str(step.get("working-directory") or "."), contexts)
        cwd = (workspace / directory).resolve()
        done = run_bash(script_path, cwd, env, timeout)
        outputs = parse_command_file(output_path.read_text(encoding="utf-8"))
        return StepRun(
            name, step.get("id"), True, done.returncode, done.stdout, done.stderr, outputs
        )


def run_bash(
    script: Path, cwd: Path, env: Mapping[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a script file the way the runner runs a `shell: bash` step."""
    return subprocess.run(
        [*BASH, str(script)],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _only_keys(step: Mapping[str, Any], allowed: set[str]) -> None:
    extra = set(step) - allowed
    if extra:
        raise UnsupportedStep(f"step {step.get('name')!r}: keys not implemented: {sorted(extra)}")
