"""protoc's scratch tree: one per process, reused across compiles, never serving a file of an
earlier compile in place of this one's, and gone when the process (or a forked worker) ends."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from gate.formats import CheckOptions, get_format
from gate.model import Origin, OriginKind, Schema, SchemaType
from tests.support.gitrepo import PINNED, RepoBuilder
from tests.support.paths import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

    from gate.formats.protobuf.model import ProtoSchema

ROOT = REPO_ROOT
FORMAT = get_format(SchemaType.PROTOBUF)


def _registered(text: str, references: dict[str, str], version: int = 1) -> Schema:
    return Schema(
        SchemaType.PROTOBUF,
        text,
        Origin(OriginKind.REGISTRY, subject="s", version=version),
        resolved_references=tuple(references.items()),
    )


USES_TIMESTAMP = (
    'syntax = "proto3";\nimport "google/protobuf/timestamp.proto";\n'
    "message Event {\n  google.protobuf.Timestamp at = 1;\n}\n"
)


def test_a_reference_named_like_a_well_known_file_does_not_stay_for_the_next_compile() -> None:
    impostor = (
        'syntax = "proto3";\npackage google.protobuf;\nmessage Timestamp {\n  string s = 1;\n}\n'
    )
    with_reference = _registered(USES_TIMESTAMP, {"google/protobuf/timestamp.proto": impostor})
    compiled = FORMAT.parse(with_reference, CheckOptions())
    # the next schema imports the real well-known file: protoc must not find the impostor
    plain = FORMAT.parse(_registered(USES_TIMESTAMP, {}, version=2), CheckOptions())
    assert _timestamp_fields(compiled) == {"s"}
    assert _timestamp_fields(plain) == {"seconds", "nanos"}


def _timestamp_fields(parsed: ProtoSchema) -> set[str]:
    return {f.name for f in parsed.all_messages["google.protobuf.Timestamp"].fields.values()}


def test_a_file_name_that_becomes_a_folder_is_compiled(tmp_path: Path) -> None:
    first = 'syntax = "proto3";\nimport "dep";\nmessage A {\n  D d = 1;\n}\n'
    second = 'syntax = "proto3";\nimport "dep/inner.proto";\nmessage B {\n  D d = 1;\n}\n'
    dep = 'syntax = "proto3";\nmessage D {\n  int32 x = 1;\n}\n'
    FORMAT.parse(_registered(first, {"dep": dep}), CheckOptions())
    FORMAT.parse(_registered(second, {"dep/inner.proto": dep}, version=2), CheckOptions())


@pytest.mark.parametrize("subjects", [3, 60])  # 60: judged by forked workers
def test_the_scratch_tree_is_gone_when_gate_ends(tmp_path: Path, subjects: int) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    files = {
        f"protos/s{i}.proto": f'syntax = "proto3";\nmessage S{i} {{\n  int32 a = 1;\n}}\n'
        for i in range(subjects)
    }
    env = {**os.environ, **PINNED}
    repo.commit("v1", files)
    for name, text in files.items():
        repo.write(name, text.replace("int32 a = 1;", "int32 a = 1;\n  string b = 2;"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "gate", "check", "--base", "HEAD", "--no-simulate", "-q"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=False,
        env={**env, "TMPDIR": str(scratch), "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{subjects} subjects" in done.stdout
    assert list(scratch.iterdir()) == []


def test_a_full_scratch_tree_starts_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    from gate.formats.protobuf import compile as compile_module

    monkeypatch.setattr(compile_module, "_SCRATCH_FILES", 2)
    dep = 'syntax = "proto3";\nmessage D {\n  int32 x = 1;\n}\n'
    for index in range(5):
        text = f'syntax = "proto3";\nimport "d{index}.proto";\nmessage M {{\n  D d = 1;\n}}\n'
        parsed = FORMAT.parse(
            _registered(text, {f"d{index}.proto": dep}, version=index), CheckOptions()
        )
        assert set(parsed.all_messages) == {"M", "D"}
    scratch = compile_module._scratch
    assert scratch is not None
    assert len(scratch.present) <= 4
