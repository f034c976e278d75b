"""Compile a `.proto` text with protoc, in-process, as grpcio-tools bundles it.

The schema and every file it imports are written into a fresh temporary folder, then compiled
with `--include_imports --include_source_info` into a `FileDescriptorSet`. Imports resolve, in
order, from the schema's registry references, the well-known `google/protobuf/*` files that
grpcio-tools ships, and the repository at the schema's own revision: first from the repository
root, then from the schema's folder. An import that leaves the repository is refused. protoc's
messages name the temporary folder; it is stripped from every message reported.
"""

from __future__ import annotations

import atexit
import functools
import os
import posixpath
import re
import shutil
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from gate.errors import SchemaInvalid
from gate.model import Origin, OriginKind, Schema

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import FileDescriptorSet

    from gate.formats import CheckOptions

INVALID_SCHEMA = "PROTOBUF_INVALID_SCHEMA"
UNRESOLVED_IMPORT = "PROTOBUF_UNRESOLVED_IMPORT"

_TREE_KINDS = frozenset({OriginKind.GIT, OriginKind.INDEX})
_FILE_KINDS = frozenset({OriginKind.FILE, OriginKind.WORKTREE})
# the name a schema with no file of its own (a registry version) is compiled under
DETACHED_NAME = "schema.proto"

# protoc writes its diagnostics to file descriptor 2 and keeps process-wide state: one
# compile at a time, with fd 2 pointed at a file meanwhile
_LOCK = threading.Lock()

_IMPORT = re.compile(r'\bimport\s+(?:public\s+|weak\s+)?"((?:[^"\\]|\\.)*)"\s*;')
_COMMENT = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"', re.DOTALL)
_EDITION = re.compile(r'^[ \t]*edition\s*=', re.MULTILINE)


# files read at a revision, per reader (a run's `CheckOptions.files`, gone with the run):
# (origin kind, revision, path) -> bytes, or None where there is no such file
_READ: weakref.WeakKeyDictionary[
    Callable[[Origin, str], bytes | None], dict[tuple[OriginKind, str | None, str], bytes | None]
] = weakref.WeakKeyDictionary()
_READ_LIMIT = 4096


class ProtoInvalid(SchemaInvalid):
    """A `.proto` file protoc rejects, or one whose imports cannot be resolved."""

    def __init__(self, message: str, line: int | None = None, rule: str = INVALID_SCHEMA) -> None:
        super().__init__(message, pointer="", line=line)
        self.rule = rule


@dataclass(frozen=True)
class Compiled:
    """A compiled schema: its descriptor set, the root file's name in it, and, for every
    imported file, where it came from (a registry reference name, `repo:<path>`, `wkt:<name>`)
    and its text, which decide whether two versions refer to the same file."""

    files: FileDescriptorSet
    root: str
    sources: dict[str, str]


def _blank_comments(text: str) -> str:
    """`text` with comments replaced by spaces (newlines kept, so offsets keep their lines)."""

    def blank(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith('"'):
            return token
        return re.sub(r"[^\n]", " ", token)

    return _COMMENT.sub(blank, text)


def imports_of(text: str) -> list[tuple[str, int]]:
    """Every import of a `.proto` text, with the line it is on."""
    clean = _blank_comments(text)
    return [
        (match.group(1), clean.count("\n", 0, match.start()) + 1)
        for match in _IMPORT.finditer(clean)
    ]


@functools.lru_cache(maxsize=1)
def well_known_dir() -> Path:
    """The folder of `google/protobuf/*.proto` that grpcio-tools ships."""
    import grpc_tools

    return Path(grpc_tools.__file__).resolve().parent / "_proto"


class _Resolver:
    """Finds the text of each imported file where the schema came from."""

    def __init__(self, schema: Schema, options: CheckOptions) -> None:
        self.schema = schema
        self.options = options
        self.references = dict(schema.resolved_references)
        origin = schema.origin
        path = origin.path
        self.root_dir: Path | None = None
        self.folder = ""  # the schema's folder, relative to the repository root
        self.name = DETACHED_NAME
        if path is None:
            return
        file_path = Path(path)
        if origin.kind in _TREE_KINDS:
            self.name = PurePosixPath(path).as_posix()
            self.folder = posixpath.dirname(self.name)
            return
        root = options.root
        absolute = (file_path if file_path.is_absolute() else Path.cwd() / file_path).resolve()
        if root is not None:
            root_dir = Path(root).resolve()
            try:
                relative = absolute.relative_to(root_dir)
            except ValueError:
                root_dir, relative = absolute.parent, Path(absolute.name)
        else:
            root_dir, relative = absolute.parent, Path(absolute.name)
        self.root_dir = root_dir
        self.name = relative.as_posix()
        self.folder = posixpath.dirname(self.name)

    def where(self) -> str:
        origin = self.schema.origin
        if origin.kind is OriginKind.INDEX:
            return "the index"
        if origin.kind is OriginKind.GIT:
            return f"revision {origin.rev}"
        if origin.kind in (OriginKind.REGISTRY, OriginKind.SNAPSHOT):
            return "the schema's references"
        return "the repository"

    def read(self, relative: str) -> str | None:
        """A repository file's text at the schema's revision, or None."""
        origin = self.schema.origin
        if origin.kind in _TREE_KINDS:
            if self.options.files is None:
                return None
            # a revision's (or the index's) files do not change during a run, and every
            # subject at that revision imports the same few: each is read once
            known = _READ.setdefault(self.options.files, {})
            key = (origin.kind, origin.rev, relative)
            if key in known:
                data = known[key]
            else:
                data = self.options.files(origin, relative)
                if len(known) >= _READ_LIMIT:
                    known.clear()
                known[key] = data
        elif self.root_dir is not None:
            path = self.root_dir / relative
            if not path.is_file():
                return None
            try:
                data = path.read_bytes()
            except OSError:
                return None
        else:
            return None
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtoInvalid(
                f"imported file {relative} is not UTF-8 text", rule=UNRESOLVED_IMPORT
            ) from None

    def resolve(self, name: str) -> tuple[str, str, str] | None:
        """(the name protoc will see, the file's text, where it came from) or None when the
        import is a well-known file protoc finds by itself."""
        if name in self.references:
            return name, self.references[name], f"ref:{name}"
        if name.startswith("google/protobuf/") and (well_known_dir() / name).is_file():
            return None
        for base in ("", self.folder):
            relative = posixpath.join(base, name) if base else name
            text = self.read(relative)
            if text is not None:
                return name, text, f"repo:{relative}"
        raise LookupError(name)


def _escapes(name: str) -> bool:
    if name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in PurePosixPath(name).parts


def compile_schema(schema: Schema, options: CheckOptions) -> Compiled:
    """The schema compiled with its imports; raises `ProtoInvalid` for what protoc rejects."""
    text = schema.text
    edition = _EDITION.search(_blank_comments(text))
    if edition is not None:
        raise ProtoInvalid(
            "editions (`edition = ...`) are not supported: Confluent Schema Registry's "
            'Protobuf parser rejects them; use `syntax = "proto3"` or `syntax = "proto2"`',
            line=text.count("\n", 0, edition.start()) + 1,
        )
    resolver = _Resolver(schema, options)
    files: dict[str, str] = {resolver.name: text}
    sources: dict[str, str] = {}
    pending = [(resolver.name, text)]
    while pending:
        importer, importer_text = pending.pop()
        for name, line in imports_of(importer_text):
            where = line if importer == resolver.name else None
            via = "" if importer == resolver.name else f" (imported by {importer})"
            if _escapes(name):
                raise ProtoInvalid(
                    f'import "{name}"{via} points outside the repository: imports are '
                    "resolved only from the repository, the schema's references and the "
                    "well-known files",
                    line=where,
                    rule=UNRESOLVED_IMPORT,
                )
            if name in files:
                continue
            try:
                found = resolver.resolve(name)
            except LookupError:
                folder = f" or {resolver.folder}/" if resolver.folder else ""
                raise ProtoInvalid(
                    f'import "{name}"{via} cannot be resolved: no such file in '
                    f"{resolver.where()} (looked in the repository root{folder}, the "
                    "registry references and the well-known google/protobuf files)",
                    line=where,
                    rule=UNRESOLVED_IMPORT,
                ) from None
            if found is None:
                continue
            virtual, imported, source = found
            files[virtual] = imported
            sources[virtual] = f"{source}\x00{imported}"
            pending.append((virtual, imported))
    return _run_protoc(files, resolver.name, sources)


class _Scratch:
    """The folder protoc compiles in, one per process, kept for the process's life.

    Making and removing a folder per compile costs more than protoc itself on many disks
    (a removed folder is a journal write), so each process keeps one tree and, under `_LOCK`,
    writes into it only the files whose text differs from what it already holds. protoc opens
    only the files it is given and the ones they import, each of which this compile wrote,
    except the well-known files: a stale file of such a name is removed first. The folder goes
    when the process ends (a forked worker's too)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.root = Path(tempfile.mkdtemp(prefix="gate-proto-"))
        self.tree = self.root / "src"
        self.out = self.root / "out.pb"
        self.log = self.root / "protoc.log"
        self.present: dict[str, str] = {}
        atexit.register(self.remove)
        if "multiprocessing" in sys.modules:
            # a forked pool worker ends through multiprocessing's exit, not atexit's
            from multiprocessing.util import Finalize

            Finalize(None, self.remove, exitpriority=10)

    def remove(self) -> None:
        if os.getpid() == self.pid:
            shutil.rmtree(self.root, ignore_errors=True)

    def write(self, files: dict[str, str]) -> None:
        if len(self.present) > _SCRATCH_FILES:
            self.clear()  # a long-lived process: the tree holds no more than this
        try:
            self._write(files)
        except OSError:
            # a name that was a file is now a folder, or the other way round: start afresh
            self.clear()
            self._write(files)

    def clear(self) -> None:
        shutil.rmtree(self.tree, ignore_errors=True)
        self.present.clear()

    def _write(self, files: dict[str, str]) -> None:
        for name in [n for n in self.present if n not in files and n.startswith("google/")]:
            (self.tree / name).unlink(missing_ok=True)
            del self.present[name]
        for name, content in files.items():
            if self.present.get(name) == content:
                continue
            target = self.tree / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            self.present[name] = content


_scratch: _Scratch | None = None
_SCRATCH_FILES = 4096


def _scratch_tree() -> _Scratch:
    """This process's scratch tree (a forked worker makes its own). Call under `_LOCK`."""
    global _scratch
    if _scratch is None or _scratch.pid != os.getpid():
        _scratch = _Scratch()
    return _scratch


def _run_protoc(files: dict[str, str], root: str, sources: dict[str, str]) -> Compiled:
    from google.protobuf.descriptor_pb2 import FileDescriptorSet
    from grpc_tools import _protoc_compiler

    with _LOCK:
        scratch = _scratch_tree()
        scratch.write(files)
        args = [
            "protoc",
            f"-I{scratch.tree}",
            f"-I{well_known_dir()}",
            f"--descriptor_set_out={scratch.out}",
            "--include_imports",
            "--include_source_info",
            root,
        ]
        code, errors = _run_quietly(_protoc_compiler, [a.encode() for a in args], scratch.log)
        if code != 0:
            raise _protoc_error(errors, str(scratch.tree), root)
        descriptors = FileDescriptorSet.FromString(scratch.out.read_bytes())
    for proto in descriptors.file:
        if proto.name == root and proto.syntax == "editions":
            raise ProtoInvalid("editions are not supported by Confluent Schema Registry")
    return Compiled(descriptors, root, sources)


def _run_quietly(compiler: object, args: list[bytes], log: Path) -> tuple[int, str]:
    """Run protoc with its fd 2 sent to `log`; its exit code and what it wrote."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(log, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                code = compiler.run_main(args)  # type: ignore[attr-defined]
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
    return int(code), log.read_text(encoding="utf-8", errors="replace")


_LOCATED = re.compile(r"^(?P<file>[^:\n]+?):(?P<line>\d+):(?P<column>\d+): (?P<text>.*)$")


def _protoc_error(errors: str, tree: str, root: str) -> ProtoInvalid:
    """protoc's first diagnostic, without the temporary folder, as a finding."""
    lines = [
        line.replace(tree + os.sep, "").replace(tree, "").strip()
        for line in errors.splitlines()
        if line.strip()
    ]
    lines = [line for line in lines if not line.startswith("warning:")] or lines
    if not lines:
        return ProtoInvalid("protoc rejected the file without saying why")
    first = lines[0]
    rule = UNRESOLVED_IMPORT if "File not found" in errors or "Import " in first else INVALID_SCHEMA
    match = _LOCATED.match(first)
    line: int | None = None
    if match and match.group("file") == root:
        line = int(match.group("line"))
    message = first if len(lines) == 1 else f"{first} (and {len(lines) - 1} more)"
    return ProtoInvalid(message, line=line, rule=rule)
