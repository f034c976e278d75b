"""A schema type no format supports is a usage error (exit 2); a format failing is a bug (4)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from click.testing import CliRunner

import gate.formats
from gate.cli import cli
from gate.errors import ExitCode, FormatError, UnsupportedFormat
from gate.model import SchemaType

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

OLD = {"type": "record", "name": "E", "fields": [{"name": "id", "type": "string"}]}


def _pair(tmp_path: Path, suffix: str) -> list[str]:
    for name in ("old", "new"):
        (tmp_path / f"{name}{suffix}").write_text(json.dumps(OLD))
    return [str(tmp_path / f"old{suffix}"), str(tmp_path / f"new{suffix}")]


def test_unsupported_format_is_a_usage_error_but_still_a_format_error() -> None:
    assert issubclass(UnsupportedFormat, FormatError)
    assert UnsupportedFormat("x").exit_code == ExitCode.USAGE
    assert FormatError("x").exit_code == ExitCode.INTERNAL


def test_a_type_no_format_supports_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modules = {t: m for t, m in gate.formats._FORMAT_MODULES.items() if t is not SchemaType.AVRO}
    monkeypatch.setattr(gate.formats, "_FORMAT_MODULES", modules)
    monkeypatch.setattr(gate.formats, "_loaded", {})
    args = ["compat", "--type", "avro", "--no-simulate", *_pair(tmp_path, ".avsc")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "schema type AVRO is not supported yet" in result.stderr


class _Failing:
    """The Avro format, except that checking fails unexpectedly."""

    def __init__(self, real: object) -> None:
        self._real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)

    def check(self, *args: object, **kwargs: object) -> object:
        raise FormatError("the checker broke")


def test_a_format_failing_unexpectedly_exits_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = gate.formats.get_format(SchemaType.AVRO)
    monkeypatch.setitem(gate.formats._loaded, SchemaType.AVRO, _Failing(real))
    result = CliRunner().invoke(cli, ["compat", "--no-simulate", *_pair(tmp_path, ".avsc")])
    assert result.exit_code == ExitCode.INTERNAL, result.output
    assert "error: the checker broke" in result.stderr
