from __future__ import annotations

import io

import pytest

from gate.errors import (
    ConfigError,
    ExitCode,
    GitError,
    RegistryError,
    SourceError,
    UsageError,
    error_handler,
)
from gate.secrets import Redactor


def _run(error: BaseException, verbosity: int = 0, secret: str = "") -> tuple[int, str]:
    codes: list[int] = []
    stream = io.StringIO()
    redact = Redactor((secret,)) if secret else Redactor()
    with error_handler(verbosity, stream=stream, redact=redact, exit=codes.append):
        raise error
    return codes[0], stream.getvalue()


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("bad option", "--x"), ExitCode.USAGE),
        (ConfigError("unknown key", "gate.yaml:3"), ExitCode.USAGE),
        (SourceError("missing", "a.avsc"), ExitCode.SOURCE),
        (GitError("no such revision", "abc"), ExitCode.SOURCE),
        (RegistryError("unreachable", "http://127.0.0.1:1"), ExitCode.SOURCE),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (ZeroDivisionError("boom"), ExitCode.INTERNAL),
    ],
)
def test_errors_map_to_exit_codes(error: BaseException, code: ExitCode) -> None:
    assert _run(error)[0] == code


def test_message_names_the_object_and_gives_a_hint() -> None:
    _, text = _run(SourceError("schema file not found", "a.avsc", "check the path"))
    assert text == "error: schema file not found: a.avsc\nhint: check the path\n"


def test_bugs_are_short_without_verbosity_and_traced_with_vv() -> None:
    _, short = _run(ZeroDivisionError("boom"))
    assert "Traceback" not in short
    assert "internal error: ZeroDivisionError: boom" in short
    _, long = _run(ZeroDivisionError("boom"), verbosity=2)
    assert "Traceback" in long


def test_secrets_are_redacted_even_in_tracebacks() -> None:
    _, text = _run(RuntimeError("token hunter2xyz leaked"), verbosity=2, secret="hunter2xyz")
    assert "hunter2xyz" not in text
    assert "***" in text


def test_redactor_hides_url_user_info_and_auth_headers() -> None:
    redact = Redactor.from_environ({"GATE_REGISTRY_PASSWORD": "pa55word"})
    text = redact("GET https://key:pa55word@sr.example.invalid/subjects Authorization: Basic a2V5")
    assert "pa55word" not in text
    assert "key:" not in text
    assert "a2V5" not in text
