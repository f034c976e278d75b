"""Protobuf imports through the real command, in real git repositories: a subject whose `.proto`
imports (directly or through other files) a changed file is judged again, each side against its
own revision; `protobuf: import_paths:` in gate.yaml; the well-known files the registry resolves
without a reference."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner, Run

CONFIG = """version: 1
subjects:
  - files: "proto/*.proto"
    subject: "{stem}-value"
    type: PROTOBUF
"""

MONEY = 'syntax = "proto3";\npackage common;\n\nmessage Money {{\n  {units} units = 1;{extra}\n}}\n'
LINE = (
    'syntax = "proto3";\npackage common;\n\nimport "common/money.proto";\n\n'
    "message Line {\n  string sku = 1;\n  Money price = 2;\n}\n"
)
ORDER = (
    'syntax = "proto3";\npackage shop;\n\nimport "common/line.proto";\n\n'
    "message Order {\n  repeated common.Line lines = 1;\n}\n"
)
REFUND = (
    'syntax = "proto3";\npackage shop;\n\nimport "common/money.proto";\n\n'
    "message Refund {\n  common.Money amount = 1;\n}\n"
)
CATALOG = 'syntax = "proto3";\npackage shop;\n\nmessage Item {\n  string sku = 1;\n}\n'


def _money(units: str = "int64", extra: str = "") -> str:
    return MONEY.format(units=units, extra=extra)


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "base",
        {
            "gate.yaml": CONFIG,
            "common/money.proto": _money(),
            "common/line.proto": LINE,
            "proto/order.proto": ORDER,
            "proto/refund.proto": REFUND,
            "proto/catalog.proto": CATALOG,
        },
    )
    return builder


def _failed(run: Run) -> list[tuple[str, str]]:
    return sorted({(f["subject"], f["rule"]) for f in run.json()["findings"]})


BROKEN = [
    ("order-value", "PROTOBUF_FIELD_NAMED_TYPE_CHANGED"),
    ("order-value", "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"),
    ("refund-value", "PROTOBUF_FIELD_NAMED_TYPE_CHANGED"),
    ("refund-value", "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"),
]


def test_a_commit_changing_only_an_imported_file_judges_every_subject_importing_it(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.commit("money in floating point", {"common/money.proto": _money("double")})
    run = gate(
        ["check", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--report", "json"],
        cwd=repo.root,
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    # refund.proto imports money.proto; order.proto imports line.proto, which imports it
    assert _failed(run) == BROKEN
    paths = {
        f["subject"]: f["path"]
        for f in run.json()["findings"]
        if f["rule"] == "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"
    }
    assert paths == {"order-value": "/Money/1", "refund-value": "/Money/1"}
    notes = {c["subject"]: c["notes"] for c in run.json()["checks"] if c["notes"]}
    assert any("unchanged" in n for n in notes["catalog-value"])


def test_a_compatible_change_in_an_imported_file_passes(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.commit("currency", {"common/money.proto": _money(extra="\n  string currency = 2;")})
    run = gate(
        ["check", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--report", "json"],
        cwd=repo.root,
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    judged = {
        c["subject"]
        for c in run.json()["checks"]
        if c["kind"] == "compat" and not any("unchanged" in n for n in c["notes"])
    }
    assert {"order-value", "refund-value"} <= judged


def test_the_pre_commit_hook_judges_the_subjects_importing_a_staged_file(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("common/money.proto", _money("double"))
    repo.git("add", "common/money.proto")
    run = gate(
        [
            "check",
            "--staged",
            "--offline",
            "--base",
            "HEAD",
            "--report",
            "json",
            "common/money.proto",
        ],
        cwd=repo.root,
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _failed(run) == BROKEN
    # a subject that imports nothing changed is not part of the run
    assert {c["subject"] for c in run.json()["checks"]} == {"order-value", "refund-value"}


def test_an_unstaged_edit_of_an_imported_file_is_not_what_is_committed(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("common/money.proto", _money("double"))  # in the work tree only
    repo.write("common/line.proto", LINE.replace("}\n", "  string note = 3;\n}\n"))
    repo.git("add", "common/line.proto")
    run = gate(
        [
            "check",
            "--staged",
            "--offline",
            "--base",
            "HEAD",
            "--report",
            "json",
            "common/line.proto",
        ],
        cwd=repo.root,
    )
    # the index still holds int64 units: the staged line.proto only gained a field
    assert run.exit_code == 0, run.stdout + run.stderr
    assert {c["subject"] for c in run.json()["checks"]} == {"order-value"}


def test_a_run_restricted_to_a_changed_imported_file_judges_its_importers(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("common/money.proto", _money("double"))
    run = gate(
        ["check", "--offline", "--base", "HEAD", "--report", "json", "common/money.proto"],
        cwd=repo.root,
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _failed(run) == BROKEN


def test_import_paths_in_gate_yaml(gate: GateRunner, tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": CONFIG + "protobuf:\n  import_paths:\n    - third_party/protos\n",
            "third_party/protos/common/money.proto": _money(),
            "proto/refund.proto": REFUND,
        },
    )
    repo.commit(
        "money in floating point", {"third_party/protos/common/money.proto": _money("double")}
    )
    run = gate(
        ["check", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--report", "json"],
        cwd=repo.root,
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _failed(run) == [
        ("refund-value", "PROTOBUF_FIELD_NAMED_TYPE_CHANGED"),
        ("refund-value", "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"),
    ]


def test_import_paths_are_relative_to_the_folder_of_gate_yaml(
    gate: GateRunner, tmp_path: Path
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "svc/gate.yaml": CONFIG + "protobuf:\n  import_paths: [vendor]\n",
            "svc/vendor/common/money.proto": _money(),
            "svc/proto/refund.proto": REFUND,
        },
    )
    repo.commit("money in floating point", {"svc/vendor/common/money.proto": _money("double")})
    run = gate(
        ["check", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--report", "json"],
        cwd=repo.root / "svc",
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _failed(run) == [
        ("refund-value", "PROTOBUF_FIELD_NAMED_TYPE_CHANGED"),
        ("refund-value", "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"),
    ]


def test_without_the_import_path_the_import_is_unresolved(gate: GateRunner, tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"gate.yaml": CONFIG, "third_party/protos/common/money.proto": _money()})
    repo.write("proto/refund.proto", REFUND)
    run = gate(["check", "--offline", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "PROTOBUF_UNRESOLVED_IMPORT"
    assert finding["location"] == {"path": "proto/refund.proto", "line": 4}
    assert 'import "common/money.proto" cannot be resolved' in finding["message"]
    assert "proto/" in finding["message"]  # where it was looked for


def test_an_import_through_a_link_out_of_the_repository_is_refused(
    gate: GateRunner, tmp_path: Path
) -> None:
    (tmp_path / "secret.proto").write_text(_money())
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"gate.yaml": CONFIG, "proto/catalog.proto": CATALOG})
    (repo.root / "common").mkdir()
    (repo.root / "common" / "money.proto").symlink_to(tmp_path / "secret.proto")
    repo.write("proto/refund.proto", REFUND)
    run = gate(["check", "--offline", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "PROTOBUF_UNRESOLVED_IMPORT"
    assert "points outside the repository" in finding["message"]
    assert str(tmp_path) not in finding["message"]


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("../elsewhere", "leaves the repository"),
        ("/usr/include", "is an absolute path"),
        ("gate.yaml", "is a file"),
    ],
)
def test_an_import_path_outside_the_repository_is_a_config_error(
    gate: GateRunner, tmp_path: Path, entry: str, words: str
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": CONFIG + f"protobuf:\n  import_paths:\n    - proto\n    - {entry}\n",
            "proto/catalog.proto": CATALOG,
        },
    )
    run = gate(["check", "--offline", "--base", "HEAD"], cwd=repo.root)
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "gate.yaml:9: protobuf.import_paths[1]" in run.stderr
    assert words in run.stderr
    assert "Traceback" not in run.stderr


WELL_KNOWN = (
    'syntax = "proto3";\npackage shop;\n\n'
    'import "google/type/date.proto";\nimport "google/type/money.proto";\n'
    'import "google/type/latlng.proto";\nimport "confluent/meta.proto";\n'
    'import "confluent/type/decimal.proto";\n\n'
    "message Delivery {\n"
    '  option (confluent.message_meta).doc = "a delivery";\n'
    "  google.type.Date day = 1;\n"
    '  google.type.Money fee = 2 [(confluent.field_meta).doc = "charged"];\n'
    "  google.type.LatLng where = 3;\n"
    "  confluent.type.Decimal weight = 4;EXTRA\n"
    "}\n"
)


def _delivery(extra: str = "") -> str:
    return WELL_KNOWN.replace("EXTRA", extra)


def test_well_known_google_type_and_confluent_files_need_no_reference(
    gate: GateRunner, tmp_path: Path
) -> None:
    (tmp_path / "v1.proto").write_text(_delivery())
    (tmp_path / "v2.proto").write_text(_delivery("\n  string note = 5;"))
    run = gate(["compat", "--format", "json", "v1.proto", "v2.proto"], cwd=tmp_path)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.json()["findings"] == []


def test_a_change_inside_a_well_known_type_reference_is_judged(
    gate: GateRunner, tmp_path: Path
) -> None:
    old = _delivery()
    new = old.replace("google.type.Date day = 1;", "google.type.TimeOfDay day = 1;").replace(
        'import "google/type/date.proto";', 'import "google/type/timeofday.proto";'
    )
    (tmp_path / "v1.proto").write_text(old)
    (tmp_path / "v2.proto").write_text(new)
    run = gate(["compat", "--format", "json", "v1.proto", "v2.proto"], cwd=tmp_path)
    assert run.exit_code == 1, run.stdout + run.stderr
    assert [(f["rule"], f["path"]) for f in run.json()["findings"]] == [
        ("PROTOBUF_FIELD_NAMED_TYPE_CHANGED", "/Delivery/1")
    ]


def test_well_known_files_in_a_repository_check(gate: GateRunner, tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {"gate.yaml": CONFIG, "proto/delivery.proto": _delivery()},
    )
    repo.write("proto/delivery.proto", _delivery("\n  string note = 5;"))
    run = gate(["check", "--offline", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.json()["findings"] == []
