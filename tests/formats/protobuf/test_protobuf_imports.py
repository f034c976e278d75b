"""What each format says a schema file reads (`file_references`), and the files gate ships for
the imports the registry resolves without a reference."""

from __future__ import annotations

import fnmatch
import tomllib

import pytest

from gate.formats import CheckOptions, get_format
from gate.model import SchemaType
from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT
PROTO = 'syntax = "proto3";\npackage shop;\n'


@pytest.mark.parametrize(
    ("path", "text", "import_paths", "expected"),
    [
        (
            "proto/shop/order.proto",
            PROTO + 'import "common/money.proto";\n',
            (),
            ["common/money.proto", "proto/shop/common/money.proto"],
        ),
        ("order.proto", PROTO + 'import public "money.proto";\n', (), ["money.proto"]),
        (
            "proto/order.proto",
            PROTO + 'import "common/money.proto";\n',
            ("third_party/", "."),
            ["third_party/common/money.proto", "common/money.proto", "proto/common/money.proto"],
        ),
        (
            "proto/order.proto",
            PROTO + '// import "old.proto";\n/* import "older.proto"; */\n',
            (),
            [],
        ),
        (
            "proto/order.proto",
            PROTO + 'import "../../etc/passwd.proto";\nimport "/abs.proto";\n',
            (),
            [],
        ),
        (
            "proto/order.proto",
            PROTO + 'import "google/protobuf/timestamp.proto";\n',
            (),
            ["google/protobuf/timestamp.proto", "proto/google/protobuf/timestamp.proto"],
        ),
    ],
    ids=["root-and-folder", "public", "import-paths-first", "comments", "escaping", "well-known"],
)
def test_protobuf_file_references_are_every_place_an_import_may_resolve(
    path: str, text: str, import_paths: tuple[str, ...], expected: list[str]
) -> None:
    options = CheckOptions(import_paths=import_paths)
    assert get_format(SchemaType.PROTOBUF).file_references(path, text, options) == expected


def test_avro_reads_no_file_and_json_schema_its_relative_refs() -> None:
    options = CheckOptions()
    avro = get_format(SchemaType.AVRO)
    assert not avro.reads_files
    assert avro.file_references("a.avsc", '{"type": "string"}', options) == []
    json_schema = get_format(SchemaType.JSON)
    assert json_schema.reads_files
    assert json_schema.file_references(
        "schemas/a.json", '{"$ref": "../defs/b.json#/x"}', options
    ) == ["defs/b.json"]


def test_the_confluent_files_are_shipped_with_their_notice() -> None:
    from gate.formats.protobuf.compile import CONFLUENT_DIR, is_well_known

    shipped = sorted(
        p.relative_to(CONFLUENT_DIR).as_posix() for p in CONFLUENT_DIR.rglob("*") if p.is_file()
    )
    assert shipped == [
        "NOTICE",
        "confluent/meta.proto",
        "confluent/type/decimal.proto",
        "confluent/type/variant.proto",
    ]
    assert "Apache License, Version 2.0" in (CONFLUENT_DIR / "NOTICE").read_text()
    # every one of them is in the wheel: pyproject's package-data names it
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = project["tool"]["setuptools"]["package-data"]["gate"]
    for name in shipped:
        inside = f"formats/protobuf/wellknown/{name}"
        assert any(fnmatch.fnmatch(inside, glob) for glob in globs), inside
    for name in (
        "confluent/meta.proto",
        "confluent/type/decimal.proto",
        "google/type/date.proto",
        "google/type/money.proto",
        "google/type/latlng.proto",
        "google/protobuf/timestamp.proto",
    ):
        assert is_well_known(name), name
    assert not is_well_known("google/api/annotations.proto")  # not known to the registry
    assert not is_well_known("confluent/other.proto")
