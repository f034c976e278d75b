"""Registry snapshots: export, the on-disk layout, offline reading, corruption."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from gate.errors import ExitCode, SourceError, UsageError
from gate.model import Mode, OriginKind, Reference, SchemaType
from gate.sources.registry import (
    HttpRegistry,
    RegisteredSchema,
    RegistrySettings,
    RegistryState,
    SubjectMap,
    SubjectState,
)
from gate.sources.snapshot import SnapshotRegistry, export_snapshot, subject_folder
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from pathlib import Path


def avro(name: str, *fields: str) -> str:
    body = [{"name": "id", "type": "long"}] + [
        {"name": f, "type": "string", "default": ""} for f in fields
    ]
    return json.dumps({"type": "record", "name": name, "fields": body})


def version(subject: str, number: int, schema_id: int, text: str, **extra: Any) -> RegisteredSchema:
    return RegisteredSchema(subject, number, schema_id, SchemaType.AVRO, text, **extra)


def small_state() -> RegistryState:
    orders = SubjectState(
        "orders-value",
        (
            version("orders-value", 1, 1, avro("Order")),
            version("orders-value", 2, 2, avro("Order", "n")),
        ),
        Mode.FULL,
        Mode.FULL,
    )
    payments = SubjectState(
        "payments-value", (version("payments-value", 1, 3, avro("Payment")),), None, Mode.BACKWARD
    )
    return RegistryState(SubjectMap([orders, payments]), Mode.BACKWARD)


def test_export_then_load_gives_an_equal_state_from_a_live_registry(tmp_path: Path) -> None:
    with RegistryServer() as server:
        server.register("common", avro("Common"))
        server.register("orders-value", avro("Order"))
        server.register("orders-value", avro("Order", "note"))
        server.register("Orders-value", avro("Loud"))  # differs only in case
        server.register("com.acme/orders:v1", avro("Slashed"))
        server.register(".hidden", avro("Hidden"))
        server.register("events-value", '{"type": "object"}', schema_type="JSON")
        server.register("top-value", avro("Top"), references=(("Common", "common", 1),))
        server.set_compatibility("FORWARD")
        server.set_compatibility("FULL_TRANSITIVE", "orders-value")
        with HttpRegistry(RegistrySettings(server.url)) as registry:
            live = registry.load()
    written = export_snapshot(live, tmp_path / "snapshot")
    assert written == sum(len(s.versions) for s in live.subjects.values()) == 8
    offline = SnapshotRegistry(tmp_path / "snapshot").load()
    assert offline == live
    assert offline.requests == 0
    assert offline.source_label.startswith("snapshot:")
    top = offline.subjects["top-value"].versions[0]
    assert top.resolved_references == (("Common", avro("Common")),)
    assert top.references == (Reference("Common", "common", 1),)
    schema = top.to_schema()
    assert schema.origin.kind is OriginKind.SNAPSHOT
    assert (schema.origin.subject, schema.origin.version, schema.origin.schema_id) == (
        "top-value",
        1,
        top.id,
    )


def test_the_layout_is_stable_and_diff_friendly(tmp_path: Path) -> None:
    target = tmp_path / "snap"
    export_snapshot(small_state(), target)
    index_text = (target / "snapshot.json").read_text(encoding="utf-8")
    assert index_text.endswith("}\n")
    index = json.loads(index_text)
    assert index == {
        "format": "gate-registry-snapshot",
        "formatVersion": 1,
        "globalCompatibility": "BACKWARD",
        "subjects": [
            {"folder": "orders-value", "name": "orders-value"},
            {"folder": "payments-value", "name": "payments-value"},
        ],
    }
    assert index_text == json.dumps(index, sort_keys=True, indent=2) + "\n"
    folder = target / "subjects" / "orders-value"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "v1.json", "v2.json"]
    assert json.loads((folder / "config.json").read_text()) == {
        "compatibility": "FULL",
        "effective": "FULL",
    }
    v2_text = (folder / "v2.json").read_text(encoding="utf-8")
    assert json.loads(v2_text) == {
        "id": 2,
        "references": [],
        "schema": avro("Order", "n"),
        "schemaType": "AVRO",
        "subject": "orders-value",
        "version": 2,
    }
    assert v2_text == json.dumps(json.loads(v2_text), sort_keys=True, indent=2) + "\n"
    config = json.loads((target / "subjects" / "payments-value" / "config.json").read_text())
    assert config == {"compatibility": None, "effective": "BACKWARD"}


def test_exporting_twice_gives_identical_bytes(tmp_path: Path) -> None:
    export_snapshot(small_state(), tmp_path / "a")
    export_snapshot(small_state(), tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*"))
    assert files_a == files_b
    for relative in files_a:
        if (tmp_path / "a" / relative).is_file():
            assert (tmp_path / "a" / relative).read_bytes() == (
                tmp_path / "b" / relative
            ).read_bytes()


@pytest.mark.parametrize(
    ("subject", "folder"),
    [
        ("orders-value", "orders-value"),
        ("com.acme/orders:v1", "com.acme%2Forders%3Av1"),
        (":.staging:orders", "%3A.staging%3Aorders"),
        (".hidden", "%2Ehidden"),
        ("..", "%2E."),
        ("CON", "%43ON"),
        ("nul.avsc", "%6Eul.avsc"),
        ("a b\\c", "a%20b%5Cc"),
    ],
)
def test_subject_folders_are_safe_on_any_file_system(subject: str, folder: str) -> None:
    assert subject_folder(subject) == folder


def test_long_and_case_colliding_subjects_get_distinct_short_folders(tmp_path: Path) -> None:
    long_a, long_b = "x" * 300 + "a", "x" * 300 + "b"
    names = [long_a, long_b, "Orders", "orders", "ORDERS"]
    states = [
        SubjectState(n, (version(n, 1, i + 1, avro("R")),), None, Mode.NONE)
        for i, n in enumerate(names)
    ]
    state = RegistryState(SubjectMap(states), Mode.NONE)
    export_snapshot(state, tmp_path / "snap")
    index = json.loads((tmp_path / "snap" / "snapshot.json").read_text())
    folders = [entry["folder"] for entry in index["subjects"]]
    assert len({f.lower() for f in folders}) == len(names)
    assert all(len(f) <= 120 for f in folders)
    assert SnapshotRegistry(tmp_path / "snap").load() == state


def test_re_export_replaces_the_previous_snapshot(tmp_path: Path) -> None:
    target = tmp_path / "snap"
    export_snapshot(small_state(), target)
    only_orders = RegistryState(SubjectMap([small_state().subjects["orders-value"]]), Mode.BACKWARD)
    assert export_snapshot(only_orders, target) == 2
    assert not (target / "subjects" / "payments-value").exists()
    assert SnapshotRegistry(target).load() == only_orders
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"], "no temporary folders left"


class _Unwritable:
    """A schema type whose value cannot be read: makes an export fail half-way."""

    @property
    def value(self) -> str:
        raise OSError(28, "No space left on device")


def test_a_failed_export_leaves_the_previous_snapshot_untouched(tmp_path: Path) -> None:
    target = tmp_path / "snap"
    export_snapshot(small_state(), target)
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    broken = RegisteredSchema("zz-value", 1, 9, _Unwritable(), "{}")  # type: ignore[arg-type]
    states = [
        *small_state().subjects.values(),
        SubjectState("zz-value", (broken,), None, Mode.NONE),
    ]
    with pytest.raises(SourceError) as caught:
        export_snapshot(RegistryState(SubjectMap(states), Mode.BACKWARD), target)
    assert "could not be written" in caught.value.what
    after = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]


def test_a_failed_first_export_leaves_nothing(tmp_path: Path) -> None:
    broken = RegisteredSchema("zz-value", 1, 9, _Unwritable(), "{}")  # type: ignore[arg-type]
    state = RegistryState(
        SubjectMap([SubjectState("zz-value", (broken,), None, Mode.NONE)]), Mode.NONE
    )
    with pytest.raises(SourceError):
        export_snapshot(state, tmp_path / "snap")
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_to_replace_a_directory_that_is_not_a_snapshot(tmp_path: Path) -> None:
    target = tmp_path / "src"
    target.mkdir()
    (target / "main.py").write_text("print('precious')\n")
    with pytest.raises(UsageError) as caught:
        export_snapshot(small_state(), target)
    assert caught.value.subject == str(target)
    assert (target / "main.py").read_text() == "print('precious')\n"


def test_export_into_an_empty_directory_is_fine(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert export_snapshot(small_state(), tmp_path / "empty") == 3


def test_load_selects_subjects_and_finds_ids(tmp_path: Path) -> None:
    export_snapshot(small_state(), tmp_path / "snap")
    source = SnapshotRegistry(tmp_path / "snap")
    state = source.load(["payments-value", "unknown-value"])
    assert list(state.subjects) == ["payments-value"]
    assert state.global_compatibility is Mode.BACKWARD
    found = source.schema_by_id(2)
    assert found is not None
    assert (found.subject, found.version) == ("orders-value", 2)
    assert found.source is OriginKind.SNAPSHOT
    assert source.schema_by_id(42) is None


# --------------------------------------------------------------------------------------------
# Corruption: every failure is a SourceError naming the file


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    target = tmp_path / "snap"
    export_snapshot(small_state(), target)
    return target


def corrupt_error(path: Path) -> SourceError:
    with pytest.raises(SourceError) as caught:
        SnapshotRegistry(path).load()
    assert caught.value.exit_code == ExitCode.SOURCE
    assert "gate registry export" in caught.value.hint
    return caught.value


def test_invalid_json_names_the_file_and_line(snapshot: Path) -> None:
    broken = snapshot / "subjects" / "orders-value" / "v2.json"
    broken.write_text('{\n  "id": 2,\n  oops\n}\n')
    error = corrupt_error(snapshot)
    assert error.subject == str(broken)
    assert "line 3" in error.what


@pytest.mark.parametrize(
    ("relative", "content", "fragment"),
    [
        ("snapshot.json", '{"format": "something-else"}', "not a gate-registry-snapshot"),
        ("snapshot.json", '{"format": "gate-registry-snapshot", "formatVersion": 99}', "99"),
        ("subjects/orders-value/config.json", '{"effective": "SIDEWAYS"}', "SIDEWAYS"),
        ("subjects/orders-value/config.json", "[]", "object expected"),
        ("subjects/orders-value/v1.json", '{"subject": "other"}', "`subject`"),
        ("subjects/orders-value/v1.json", "\udcff", "UTF-8"),
    ],
)
def test_corrupt_files_are_source_errors_naming_the_file(
    snapshot: Path, relative: str, content: str, fragment: str
) -> None:
    broken = snapshot / relative
    broken.write_bytes(content.encode("utf-8", "surrogateescape"))
    error = corrupt_error(snapshot)
    assert error.subject == str(broken)
    assert fragment in error.what


def test_a_version_file_must_agree_with_its_name(snapshot: Path) -> None:
    v1 = snapshot / "subjects" / "orders-value" / "v1.json"
    document = json.loads(v1.read_text())
    document["version"] = 7
    v1.write_text(json.dumps(document))
    error = corrupt_error(snapshot)
    assert error.subject == str(v1)
    assert "file name" in error.what


def test_a_missing_config_file_is_named(snapshot: Path) -> None:
    config = snapshot / "subjects" / "payments-value" / "config.json"
    config.unlink()
    error = corrupt_error(snapshot)
    assert error.subject == str(config)
    assert "missing" in error.what


def test_an_unsafe_folder_in_the_index_is_refused(snapshot: Path) -> None:
    index_path = snapshot / "snapshot.json"
    index = json.loads(index_path.read_text())
    index["subjects"][0]["folder"] = "../../etc"
    index_path.write_text(json.dumps(index))
    error = corrupt_error(snapshot)
    assert error.subject == str(index_path)
    assert "unsafe" in error.what


def test_a_missing_snapshot_directory_is_a_source_error(tmp_path: Path) -> None:
    error = corrupt_error(tmp_path / "nowhere")
    assert error.subject == str(tmp_path / "nowhere")


def test_a_directory_without_an_index_names_the_index(tmp_path: Path) -> None:
    (tmp_path / "snap").mkdir()
    error = corrupt_error(tmp_path / "snap")
    assert error.subject == str(tmp_path / "snap" / "snapshot.json")


def test_a_state_accepts_a_dict_or_a_list_of_subjects_and_stays_hashable() -> None:
    states = list(small_state().subjects.values())
    from_dict = RegistryState({s.subject: s for s in states}, Mode.BACKWARD)  # type: ignore[arg-type]
    from_list = RegistryState(states, Mode.BACKWARD)  # type: ignore[arg-type]
    assert from_dict == from_list == small_state()
    assert hash(from_dict) == hash(small_state())
    assert list(from_list.subjects) == ["orders-value", "payments-value"]
