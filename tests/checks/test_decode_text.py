"""Schema files are read as UTF-8, a BOM tolerated; a byte that is not UTF-8 is named."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from gate.judge import decode_text

if TYPE_CHECKING:
    from pathlib import Path

BOM = b"\xef\xbb\xbf"
SCHEMA = b'{"type": "record", "name": "R",\n "fields": [{"name": "\xc3\xa9", "type": "int"}]}\n'


@pytest.mark.parametrize("prefix", [b"", BOM], ids=["plain", "bom"])
def test_a_utf8_file_reads_without_its_bom(prefix: bytes) -> None:
    assert decode_text(prefix + SCHEMA) == (SCHEMA.decode("utf-8"), None)


@pytest.mark.parametrize("prefix", [b"", BOM], ids=["plain", "bom"])
def test_a_byte_that_is_not_utf8_is_named_with_its_offset_and_line(prefix: bytes) -> None:
    data = prefix + b'{"type":\n "string",\n "doc": "\xff"}\n'
    text, problem = decode_text(data)
    assert problem is not None
    offset = data.index(b"\xff")
    assert problem.message == f"the file is not UTF-8 text (byte 0xff at offset {offset})"
    assert problem.line == 3
    assert text == data.decode("utf-8", "replace")


def test_gate_names_the_file_and_line_of_a_byte_that_is_not_utf8(tmp_path: Path) -> None:
    old = tmp_path / "old.avsc"
    new = tmp_path / "new.avsc"
    old.write_bytes(b'{"type": "string"}\n')
    new.write_bytes(BOM + b'{"type":\n "string",\n "doc": "caf\xe9"}\n')
    done = subprocess.run(
        [sys.executable, "-m", "gate", "compat", str(old), str(new)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    offset = (BOM + b'{"type":\n "string",\n "doc": "caf').__len__()
    assert f"not UTF-8 text (byte 0xe9 at offset {offset})" in done.stdout
    assert "new.avsc:3" in done.stdout
