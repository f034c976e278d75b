"""No credential ever reaches an output: standard output, standard error, or a report file.

`gate check`, `gate drift` and `gate registry export` run against the fake registry on 127.0.0.1
with credentials from every place gate takes them (GATE_REGISTRY_USER/PASSWORD, GATE_REGISTRY_TOKEN,
the URL's user info, gate.yaml's `${VAR}` interpolation of other variables), with the registry
passing, failing, refusing the credentials (401), erroring (500), unreachable, and hostile (echoing
the request's credentials in its error messages), in every report format and with `-vv`
(tracebacks). Each test makes its own secrets, so that one test's redaction cannot hide another
test's leak.
"""

from __future__ import annotations

import base64
import json
import socket
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from tests.support.gitrepo import RepoBuilder
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.watched import GateRunner, Run

V1 = json.dumps(
    {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}, indent=2
)
V2_COMPATIBLE = json.dumps(
    {
        "type": "record",
        "name": "Order",
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "note", "type": ["null", "string"], "default": None},
        ],
    },
    indent=2,
)
V2_BREAKING = json.dumps(
    {
        "type": "record",
        "name": "Order",
        "fields": [{"name": "id", "type": "string"}, {"name": "total", "type": "long"}],
    },
    indent=2,
)
FORMATS = ("text", "json", "junit", "markdown", "sarif")
STATES = ("passing", "failing", "refused", "erroring", "unreachable", "hostile")
MODES = ("env-basic", "env-token", "url-userinfo", "url-raw-userinfo", "yaml-interpolation")


@dataclass(frozen=True)
class Secrets:
    """Distinctive credentials, new for every test."""

    user: str
    password: str
    token: str

    @classmethod
    def fresh(cls) -> Secrets:
        tag = uuid.uuid4().hex[:10]
        # the password holds characters that URL user info must percent-encode
        return cls(f"key-{tag}-U", f"pw/{tag}:@%+S", f"tok.{tag}.eyJhbGciOi.T")

    @property
    def forbidden(self) -> tuple[str, ...]:
        """Every form in which a credential could leak."""
        basic = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return (
            self.user,
            self.password,
            self.token,
            quote(self.password, safe=""),
            basic,
            basic.rstrip("="),
        )


class EchoingRegistry(RegistryServer):
    """A registry (or a proxy in front of one) whose errors repeat the request's credentials."""

    def route(
        self, method: str, segments: tuple[str, ...], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        header = self.log[-1].headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        decoded = ""
        if scheme.lower() == "basic":
            decoded = base64.b64decode(value).decode("utf-8", "replace")
        return 400, {
            "error_code": 40001,
            "message": f"rejected {scheme} credentials {value} ({decoded}) for "
            + "/".join(segments),
        }


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Setup:
    """A repository, the environment of a run, and where the registry is."""

    repo: RepoBuilder
    env: dict[str, str]
    url: str
    secrets: Secrets


@pytest.fixture
def secrets() -> Secrets:
    return Secrets.fresh()


@pytest.fixture
def registry(request: pytest.FixtureRequest, secrets: Secrets) -> Iterator[RegistryServer | None]:
    state, mode = request.param
    if state == "unreachable":
        yield None
        return
    if state == "refused":
        server: RegistryServer = RegistryServer(auth=("someone", "else"), token="another")
    elif state == "hostile":
        server = EchoingRegistry()
    elif mode == "env-token":
        server = RegistryServer(token=secrets.token)
    else:
        server = RegistryServer(auth=(secrets.user, secrets.password))
    server.register("orders", V1)
    if state == "erroring":
        server.fail(500, times=None)
    with server:
        yield server


def _setup(
    tmp_path: Path, mode: str, state: str, server: RegistryServer | None, secrets: Secrets
) -> Setup:
    origin = server.url if server is not None else f"http://127.0.0.1:{_closed_port()}"
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/orders.avsc": V1})
    repo.write("schemas/orders.avsc", V2_BREAKING if state == "failing" else V2_COMPATIBLE)
    registry_yaml = ["registry:", "  retries: 0", "  timeout: 5"]
    env: dict[str, str] = {}
    if mode == "env-basic":
        env.update(
            GATE_REGISTRY_URL=origin,
            GATE_REGISTRY_USER=secrets.user,
            GATE_REGISTRY_PASSWORD=secrets.password,
        )
    elif mode == "env-token":
        env.update(GATE_REGISTRY_URL=origin, GATE_REGISTRY_TOKEN=secrets.token)
    elif mode == "url-userinfo":
        user, password = quote(secrets.user, safe=""), quote(secrets.password, safe="")
        env["GATE_REGISTRY_URL"] = origin.replace("://", f"://{user}:{password}@", 1)
    elif mode == "url-raw-userinfo":
        # as Confluent Cloud secrets are often pasted: `/`, `:` and `@` not percent-encoded
        env["GATE_REGISTRY_URL"] = origin.replace(
            "://", f"://{secrets.user}:{secrets.password}@", 1
        )
    else:
        env.update(
            ORDERS_REGISTRY=origin,
            ORDERS_REGISTRY_KEY=secrets.user,
            ORDERS_REGISTRY_SECRET=secrets.password,
        )
        registry_yaml += [
            "  url: ${ORDERS_REGISTRY}",
            "  user: ${ORDERS_REGISTRY_KEY}",
            "  password: ${ORDERS_REGISTRY_SECRET}",
        ]
    repo.write("gate.yaml", "version: 1\n" + "\n".join(registry_yaml) + "\n")
    return Setup(repo, env, origin, secrets)


def _report_args(folder: Path) -> list[str]:
    args = [f"--report={name}={folder / f'gate.{name}'}" for name in FORMATS]
    return [*args, "--report", "github"]


def _outputs(run: Run, *folders: Path) -> dict[str, str]:
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def assert_no_secret(run: Run, secrets: Secrets, *folders: Path) -> None:
    for where, text in _outputs(run, *folders).items():
        for secret in secrets.forbidden:
            assert secret not in text, f"{secret!r} leaked into {where}:\n{text}"


# `gate registry export` retries with backoff (7.5 s in all) whatever gate.yaml says
SLOW = pytest.mark.slow

EXPECTED_EXIT = {
    "passing": 0,
    "failing": 1,
    "refused": 3,
    "erroring": 3,
    "unreachable": 3,
    "hostile": 3,
}


def _params(commands: tuple[str, ...]) -> list[Any]:
    return [
        pytest.param((state, mode), command, id=f"{command}-{state}-{mode}")
        for command in commands
        for state in STATES
        for mode in MODES
    ]


@pytest.mark.parametrize(
    ("registry", "command"), _params(("check", "drift")), indirect=["registry"]
)
def test_no_secret_in_any_output(
    gate: GateRunner,
    tmp_path: Path,
    registry: RegistryServer | None,
    command: str,
    secrets: Secrets,
    request: pytest.FixtureRequest,
) -> None:
    state, mode = request.node.callspec.params["registry"]
    setup = _setup(tmp_path, mode, state, registry, secrets)
    reports = tmp_path / "reports"
    args = [command, "-vv", *_report_args(reports)]
    if command == "check":
        args[1:1] = ["--base", "HEAD"]
    run = gate(args, cwd=setup.repo.root, env=setup.env)
    expected = EXPECTED_EXIT[state]
    if command == "drift" and state == "failing":
        expected = 0  # drift does not judge compatibility
    assert run.exit_code == expected, run.output
    if expected in (0, 1):
        assert {p.name for p in reports.iterdir()} == {f"gate.{name}" for name in FORMATS}
        assert registry is not None
        assert registry.request_count > 0
        auth = registry.log[0].headers.get("authorization", "")
        assert auth.startswith("Bearer " if mode == "env-token" else "Basic "), auth
    else:
        assert "error:" in run.stderr
        assert "hint:" in run.stderr
        assert "127.0.0.1" in run.stderr  # the registry is named, without its user info
    assert_no_secret(run, secrets, reports, setup.repo.root)


@pytest.mark.parametrize(
    ("registry", "command"),
    [
        pytest.param((state, mode), "export", id=f"export-{state}-{mode}")
        for state in ("passing", "refused", "hostile")
        for mode in ("env-basic", "env-token", "url-userinfo", "url-raw-userinfo")
    ]
    + [
        pytest.param((state, "url-userinfo"), "export", id=f"export-{state}", marks=SLOW)
        for state in ("erroring", "unreachable")
    ],
    indirect=["registry"],
)
def test_no_secret_in_a_registry_export(
    gate: GateRunner,
    tmp_path: Path,
    registry: RegistryServer | None,
    command: str,
    secrets: Secrets,
    request: pytest.FixtureRequest,
) -> None:
    state, mode = request.node.callspec.params["registry"]
    setup = _setup(tmp_path, mode, state, registry, secrets)
    run = gate(["registry", "export", "-vv", "snapshot"], cwd=setup.repo.root, env=setup.env)
    assert run.exit_code == (0 if state == "passing" else 3), run.output
    if state == "passing":
        assert (setup.repo.root / "snapshot" / "snapshot.json").is_file()
    assert_no_secret(run, secrets, setup.repo.root / "snapshot")
    assert_no_secret(run, secrets)


@pytest.mark.parametrize("registry", [("passing", "yaml-interpolation")], indirect=True)
def test_registry_export_uses_the_configured_credentials(
    gate: GateRunner, tmp_path: Path, registry: RegistryServer | None, secrets: Secrets
) -> None:
    setup = _setup(tmp_path, "yaml-interpolation", "passing", registry, secrets)
    check = gate(["check", "--base", "HEAD"], cwd=setup.repo.root, env=setup.env)
    assert check.exit_code == 0, check.output
    run = gate(["registry", "export", "snapshot"], cwd=setup.repo.root, env=setup.env)
    assert_no_secret(run, secrets)
    assert run.exit_code == 0, run.output


@pytest.mark.parametrize("registry", [("hostile", "env-basic")], indirect=True)
def test_the_hostile_registry_does_echo_the_credentials(
    tmp_path: Path, registry: RegistryServer | None, secrets: Secrets
) -> None:
    """The control: without redaction, the hostile registry's answer would leak them."""
    import httpx

    assert registry is not None
    auth = (secrets.user, secrets.password)
    answer = httpx.get(f"{registry.url}/subjects", auth=auth, timeout=5).text
    assert secrets.password in answer
    assert base64.b64encode(f"{secrets.user}:{secrets.password}".encode()).decode() in answer


def test_secrets_in_a_broken_configuration_stay_hidden(
    gate: GateRunner, tmp_path: Path, secrets: Secrets
) -> None:
    """A configuration error around interpolated credentials names keys, never their values."""
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/orders.avsc": V1})
    repo.write(
        "gate.yaml",
        "version: 1\nregistry:\n  url: ${ORDERS_REGISTRY}\n  user: ${ORDERS_REGISTRY_KEY}\n"
        '  password: ["${ORDERS_REGISTRY_SECRET}"]\n  token: ${ORDERS_REGISTRY_TOKEN}\n',
    )
    env = {
        "ORDERS_REGISTRY": f"ftp://{secrets.user}:{quote(secrets.password, safe='')}@h",
        "ORDERS_REGISTRY_KEY": secrets.user,
        "ORDERS_REGISTRY_SECRET": secrets.password,
        "ORDERS_REGISTRY_TOKEN": secrets.token,
    }
    run = gate(["check", "-vv", "--base", "HEAD"], cwd=repo.root, env=env)
    assert run.exit_code == 2, run.output
    assert "gate.yaml:" in run.stderr
    assert "registry.password" in run.stderr
    assert_no_secret(run, secrets)


class EchoingVerdictRegistry(RegistryServer):
    """A registry whose compatibility answers repeat the request's credentials in `messages`."""

    def route(
        self, method: str, segments: tuple[str, ...], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        status, answer = super().route(method, segments, query, body)
        if segments[:1] == ("compatibility",) and status == 200:
            header = self.log[-1].headers.get("authorization", "")
            _scheme, _, value = header.partition(" ")
            decoded = base64.b64decode(value).decode("utf-8", "replace") if value else ""
            return 200, {
                "is_compatible": False,
                "messages": [
                    f"denied for {header} ({decoded})",
                    {"user": decoded.partition(":")[0], "auth": value},
                ],
            }
        return status, answer


@pytest.mark.parametrize("mode", ["env-basic", "url-userinfo", "url-raw-userinfo"])
def test_credentials_echoed_in_a_registry_verdict_reach_no_report(
    gate: GateRunner, tmp_path: Path, secrets: Secrets, mode: str
) -> None:
    with EchoingVerdictRegistry(auth=(secrets.user, secrets.password)) as server:
        server.register("orders", V1)
        setup = _setup(tmp_path, mode, "passing", server, secrets)
        reports = tmp_path / "reports"
        run = gate(
            ["check", "--base", "HEAD", "--verify-with-registry", "-vv", *_report_args(reports)],
            cwd=setup.repo.root,
            env=setup.env,
        )
        assert server.count("POST") > 0
    assert run.exit_code == 1, run.output
    report = json.loads((reports / "gate.json").read_text(encoding="utf-8"))
    (finding,) = [f for f in report["findings"] if f["rule"] == "REGISTRY_VERDICT_DISAGREES"]
    assert "denied for" in finding["message"]
    assert "***" in finding["message"]
    assert_no_secret(run, secrets, reports)


def test_redaction_is_linear_in_the_text() -> None:
    """A 100 KB registry message of letters once took 30-40 s (quadratic: each letter started a
    scheme match). 500 KB would take about 20 minutes that way; the guard is a generous minute."""
    import subprocess
    import sys

    code = (
        "from gate.secrets import Redactor\n"
        "r = Redactor(('s3cret-value',))\n"
        "for text in ('a' * 500_000, 'ab:' * 170_000 + '@', 'https://' * 60_000 + '@h'):\n"
        "    assert 's3cret' not in r(text + ' s3cret-value')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


def test_user_info_ends_at_the_last_at_sign_before_the_host() -> None:
    from gate.secrets import redact_url, split_userinfo

    assert redact_url("x https://key:se/cr@t@host.example:8081/p y") == (
        "x https://***@host.example:8081/p y"
    )
    assert split_userinfo("https://key:se/cr@t@host:8081/ctx") == (
        "https://host:8081/ctx",
        "key:se/cr@t",
    )
    assert split_userinfo("https://host:8081/ctx") == ("https://host:8081/ctx", None)
