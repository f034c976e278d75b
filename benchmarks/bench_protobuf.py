"""Protobuf's cost against Avro's and against protoc's own: two figures, each the real command
in a subprocess.

- `gate compat old.proto new.proto` against `gate compat old.avsc new.avsc` on a pair of the
  same size (one message / record of F fields of the same kinds, a field added), side by side
  in this run. Target: at most 2x.
- `gate check` of a repository of N `.proto` subjects that import two shared files and a
  well-known type, every subject changed in the work tree (a field added), against the floor of
  reading the N files and compiling each once with protoc alone (in-process, as grpcio-tools
  bundles it, its imports from the same folder). gate compiles each subject at the base and in
  the work tree, simulation included as users run it. Target: at most 5x.

Usage: python benchmarks/bench_protobuf.py [--subjects 500] [--fields 20,200] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import Figure, best_of, fast_import, make_repository, print_table, run_gate

# (proto type, avro type) of the same kind, cycled through a message's fields
KINDS = [
    ("string", "string"),
    ("int64", "long"),
    ("int32", "int"),
    ("double", "double"),
    ("bool", "boolean"),
    ("bytes", "bytes"),
    ("float", "float"),
]
MONEY = (
    'syntax = "proto3";\npackage shop.common;\n\n'
    "message Money {\n  int64 units = 1;\n  int32 nanos = 2;\n  string currency = 3;\n}\n"
)
ADDRESS = (
    'syntax = "proto3";\npackage shop.common;\n\n'
    "message Address {\n  string street = 1;\n  string city = 2;\n  string country = 3;\n}\n"
)
CONFIG = """version: 1
defaults:
  compatibility: BACKWARD
subjects:
  - files: "protos/*.proto"
    subject: "{stem}-value"
"""


def proto_message(name: str, fields: int, added: bool, imports: bool = False) -> str:
    lines = ['syntax = "proto3";', f"package shop.{name.lower()};", ""]
    if imports:
        lines += [
            'import "common/money.proto";',
            'import "common/address.proto";',
            'import "google/protobuf/timestamp.proto";',
            "",
        ]
    lines.append(f"message {name} {{")
    number = 0
    if imports:
        lines += [
            "  shop.common.Money total = 1;",
            "  shop.common.Address shipping = 2;",
            "  google.protobuf.Timestamp created = 3;",
        ]
        number = 3
    for index in range(fields):
        number += 1
        kind = KINDS[index % len(KINDS)][0]
        lines.append(f"  {kind} field_{index} = {number};")
    if added:
        lines.append(f"  string note = {number + 1};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def avro_record(name: str, fields: int, added: bool) -> str:
    items = [{"name": f"field_{i}", "type": KINDS[i % len(KINDS)][1]} for i in range(fields)]
    if added:
        items.append({"name": "note", "type": ["null", "string"], "default": None})
    record = {"type": "record", "name": name, "namespace": "shop", "fields": items}
    return json.dumps(record, indent=2) + "\n"


def compat_figures(fields: int, runs: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="gate-bench-protobuf-") as tmp:
        root = Path(tmp)
        for folder, added in (("old", False), ("new", True)):
            (root / folder).mkdir()
            (root / folder / "order.proto").write_text(proto_message("Order", fields, added))
            (root / folder / "order.avsc").write_text(avro_record("Order", fields, added))

        def compat(suffix: str) -> None:
            done = run_gate(["compat", f"old/order{suffix}", f"new/order{suffix}"], root)
            if done.returncode != 0:
                sys.exit(f"gate compat {suffix} failed:\n{done.stdout}{done.stderr}")

        # alternate the two so that both see the same load on a shared machine
        proto, avro = float("inf"), float("inf")
        for _ in range(runs):
            proto = min(proto, best_of(1, lambda: compat(".proto")))
            avro = min(avro, best_of(1, lambda: compat(".avsc")))
    return [Figure(f"compat {fields} fields: .proto vs .avsc", proto, avro, target=2)]


def build_repository(root: Path, count: int) -> list[Path]:
    """N subjects importing two shared files; version 1 committed, version 2 in the work
    tree. Returns the work tree's subject files."""
    repo = make_repository(root)
    shared = {
        "gate.yaml": CONFIG,
        "protos/common/money.proto": MONEY,
        "protos/common/address.proto": ADDRESS,
    }
    base = dict(shared)
    for index in range(count):
        base[f"protos/svc{index:04d}.proto"] = proto_message(f"Svc{index}", 8, False, True)
    fast_import(repo, [base])
    from common import git

    git(repo, "checkout", "-q", "main")
    paths = []
    for index in range(count):
        path = repo / f"protos/svc{index:04d}.proto"
        path.write_text(proto_message(f"Svc{index}", 8, True, True), encoding="utf-8")
        paths.append(path)
    return paths


def compile_floor(paths: list[Path], folder: Path) -> float:
    """Read each file and compile it once with protoc (in-process), its imports found in
    `folder` and among the well-known files: the least any Protobuf checker must do."""
    from grpc_tools import _protoc_compiler

    from gate.formats.protobuf.compile import well_known_dir

    wkt = well_known_dir()
    with tempfile.TemporaryDirectory(prefix="gate-bench-protoc-") as out:
        target = Path(out) / "out.pb"
        started = time.perf_counter()
        for path in paths:
            path.read_bytes()
            args = [
                "protoc",
                f"-I{folder}",
                f"-I{wkt}",
                f"--descriptor_set_out={target}",
                "--include_imports",
                "--include_source_info",
                path.name,
            ]
            if _protoc_compiler.run_main([a.encode() for a in args]) != 0:
                sys.exit(f"protoc rejected {path}")
            target.read_bytes()
        return time.perf_counter() - started


def check_figure(count: int, runs: int) -> Figure:
    root = Path(tempfile.mkdtemp(prefix="gate-bench-protobuf-repo-"))
    try:
        paths = build_repository(root / "repo", count)
        repo = root / "repo"
        floor = min(compile_floor(paths, repo / "protos") for _ in range(runs))

        def check() -> None:
            done = run_gate(["check", "--base", "HEAD", "-q"], repo)
            if done.returncode != 0:
                sys.exit(f"gate check failed:\n{done.stdout}{done.stderr}")

        measured = best_of(runs, check)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return Figure(
        f"check {count} .proto subjects with imports vs protoc", measured, floor, target=5
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=500)
    parser.add_argument("--fields", default="20,200")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    figures = [f for size in args.fields.split(",") for f in compat_figures(int(size), args.runs)]
    figures.append(check_figure(args.subjects, args.runs))
    print_table(figures)


if __name__ == "__main__":
    main()
