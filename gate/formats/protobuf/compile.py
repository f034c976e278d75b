"""Compile a `.proto` text with protoc, in-process, as grpcio-tools bundles it.

The schema and every file it imports are written into a fresh temporary folder, then compiled
with `--include_imports --include_source_info` into a `FileDescriptorSet`. Imports resolve, in
order, from the schema's registry references, the well-known files the registry knows without a
reference (`google/protobuf/*` as grpcio-tools ships them, `google/type/*` from
googleapis-common-protos, `confluent/*` shipped with gate), and the repository at the schema's
own revision: each configured import path (`protobuf: import_paths:` in gate.yaml), then the
repository root, then the importing file's folder. An import that leaves the repository is
refused. protoc's messages name the temporary folder; it is stripped from every message reported.
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
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from gate.errors import SchemaInvalid
from gate.formats.protobuf.kinds import INVALID_SCHEMA, UNRESOLVED_IMPORT
from gate.model import Origin, OriginKind, Schema

if TYPE_CHECKING:
    from collections.abc import Callable

    from google.protobuf.descriptor_pb2 import FileDescriptorSet

    from gate.formats import CheckOptions

_TREE_KINDS = frozenset({OriginKind.GIT, OriginKind.INDEX})
_FILE_KINDS = frozenset({OriginKind.FILE, OriginKind.WORKTREE})
# the name a schema with no file of its own (a registry version) is compiled under
DETACHED_NAME = "schema.proto"

# protoc writes its diagnostics to file descriptor 2 and keeps process-wide state: one
# compile at a time, with fd 2 pointed at a file meanwhile
_LOCK = threading.Lock()

_IMPORT = re.compile(r'\bimport\s+(?:public\s+|weak\s+)?"((?:[^"\\]|\\.)*)"\s*;')
_COMMENT = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"', re.DOTALL)
_EDITION = re.compile(r"^[ \t]*edition\s*=", re.MULTILINE)


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


# the vendored `confluent/meta.proto` and `confluent/type/*.proto` (see its NOTICE)
CONFLUENT_DIR = Path(__file__).resolve().parent / "wellknown"


@functools.lru_cache(maxsize=1)
def _google_types_dir() -> Path | None:
    """The folder holding `google/type/*.proto` as googleapis-common-protos ships them."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("google.type")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        folder = Path(location)
        if (folder / "date.proto").is_file():
            return folder.parent.parent
    return None


_WELL_KNOWN_PREFIXES = ("google/protobuf/", "google/type/", "confluent/")


@functools.lru_cache(maxsize=1)
def well_known_dirs() -> tuple[Path, ...]:
    """Every folder protoc is given for the files the registry resolves without a reference."""
    google_types = _google_types_dir()
    return (
        well_known_dir(),
        *((google_types,) if google_types is not None else ()),
        CONFLUENT_DIR,
    )


@functools.lru_cache(maxsize=256)
def is_well_known(name: str) -> bool:
    """An import the registry resolves without a reference: `google/protobuf/*`,
    `google/type/*` and `confluent/*` files that exist."""
    if not name.startswith(_WELL_KNOWN_PREFIXES) or not name.endswith(".proto"):
        return False
    return any((folder / name).is_file() for folder in well_known_dirs())


class _Resolver:
    """Finds the text of each imported file where the schema came from."""

    def __init__(self, schema: Schema, options: CheckOptions) -> None:
        self.schema = schema
        self.options = options
        self.references = dict(schema.resolved_references)
        # repository-relative folders searched before the root ("" is the root itself)
        self.import_paths = tuple(p for p in (_folder(path) for path in options.import_paths) if p)
        origin = schema.origin
        path = origin.path
        self.root_dir: Path | None = None
        self.folder = ""  # the schema's folder, relative to the repository root
        self.name = DETACHED_NAME
        if path is None:
            return
        file_path = Path(path)
        if origin.kind in _TREE_KINDS:
            relative_name = PurePosixPath(path).as_posix()
        else:
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
            relative_name = relative.as_posix()
        self.folder = posixpath.dirname(relative_name)
        self.name = self.virtual(relative_name)

    def virtual(self, relative: str) -> str:
        """The name protoc knows a repository file by: its path below the first import path
        that holds it, else its path from the repository root."""
        for base in self.import_paths:
            if relative.startswith(base + "/"):
                return relative[len(base) + 1 :]
        return relative

    def where(self) -> str:
        origin = self.schema.origin
        if origin.kind is OriginKind.INDEX:
            return "the index"
        if origin.kind is OriginKind.GIT:
            return f"revision {origin.rev}"
        if origin.kind in (OriginKind.REGISTRY, OriginKind.SNAPSHOT):
            return "the schema's references"
        return "the repository"

    def looked_in(self, folder: str) -> str:
        places = [f"{base}/" for base in self.import_paths]
        places.append("the repository root")
        if folder and f"{folder}/" not in places:
            places.append(f"{folder}/")
        return ", ".join(places)

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
            path = (self.root_dir / relative).resolve()
            if not path.is_file():
                return None
            if not path.is_relative_to(self.root_dir):
                raise ProtoInvalid(
                    f"imported file {relative} is a link that points outside the repository: "
                    "imports are read only from the repository",
                    rule=UNRESOLVED_IMPORT,
                )
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

    def resolve(self, name: str, folder: str | None) -> tuple[str, str, str, str | None] | None:
        """(the name protoc will see, the file's text, where it came from, its repository
        folder) or None when the import is a well-known file protoc finds by itself. `folder`
        is the importing file's repository folder (None: it is no repository file)."""
        if name in self.references:
            return name, self.references[name], f"ref:{name}", None
        if is_well_known(name):
            return None
        bases = [*self.import_paths, ""]
        if folder:
            bases.append(folder)
        for base in dict.fromkeys(bases):
            relative = posixpath.join(base, name) if base else name
            text = self.read(relative)
            if text is not None:
                return name, text, f"repo:{relative}", posixpath.dirname(relative)
        raise LookupError(name)


def _folder(path: str) -> str:
    """A configured import path as a repository folder without a trailing slash ("" = root)."""
    parts = [part for part in path.replace("\\", "/").split("/") if part not in ("", ".")]
    return "/".join(parts)


def import_candidates(path: str, text: str, import_paths: tuple[str, ...]) -> list[str]:
    """The repository paths each `import` of `text` (the file at repository path `path`) may
    name, in the order `_Resolver` looks for them (a well-known file's name too: one the
    registry does not know is read from the repository); imports leaving it name none."""
    if "import" not in text:
        return []
    bases = [folder for folder in (_folder(p) for p in import_paths) if folder]
    bases.append("")
    own = posixpath.dirname(path)
    if own:
        bases.append(own)
    out: list[str] = []
    for name, _ in imports_of(text):
        if _escapes(name):
            continue
        out.extend(posixpath.join(base, name) if base else name for base in bases)
    return list(dict.fromkeys(out))


def _escapes(name: str) -> bool:
    if name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in PurePosixPath(name).parts


def compile_schema(schema: Schema, options: CheckOptions) -> Compiled:
    """The schema compiled with its imports; raises `ProtoInvalid` for what protoc rejects."""
    text = schema.text
    if not _blank_comments(text).strip():
        raise ProtoInvalid(
            "the file is empty (nothing but whitespace and comments): it declares no message, "
            "so there is nothing to register or to read data with; write the schema's "
            "messages, or delete the file",
            line=1,
        )
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
    root_folder: str | None = resolver.folder if schema.origin.path is not None else None
    folders: dict[str, str | None] = {resolver.name: root_folder}
    imports: dict[str, list[str]] = {}  # file -> the files it imports (well-known ones too)
    pending = [(resolver.name, text)]
    while pending:
        importer, importer_text = pending.pop()
        for name, line in imports_of(importer_text):
            imports.setdefault(importer, []).append(name)
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
            folder = folders.get(importer)
            try:
                found = resolver.resolve(name, folder)
            except LookupError:
                raise ProtoInvalid(
                    f'import "{name}"{via} cannot be resolved: no such file in '
                    f"{resolver.where()} (looked in {resolver.looked_in(folder or '')}, the "
                    "registry references and the well-known google/protobuf, google/type "
                    "and confluent files)",
                    line=where,
                    rule=UNRESOLVED_IMPORT,
                ) from None
            if found is None:
                continue
            virtual, imported, source, imported_folder = found
            files[virtual] = imported
            folders[virtual] = imported_folder
            sources[virtual] = f"{source}\x00{imported}"
            pending.append((virtual, imported))
    return _run_protoc(files, resolver.name, _with_imports(sources, imports))


def _with_imports(sources: dict[str, str], imports: dict[str, list[str]]) -> dict[str, str]:
    """Each imported file's origin and text, followed by those of every file it imports in
    turn: a file is the same at two sides only when what it imports is too (the registry's
    references name a version, which fixes its own references)."""
    done: dict[str, str] = {}

    def identity(name: str, visiting: frozenset[str]) -> str:
        if name in done:
            return done[name]
        parts = [sources[name]]
        parts.extend(
            identity(imported, visiting | {name})
            for imported in imports.get(name, ())
            if imported in sources and imported not in visiting
        )
        done[name] = "\x01".join(parts)
        return done[name]

    return {name: identity(name, frozenset()) for name in sources}


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
        stale = [n for n in self.present if n not in files and n.startswith(_WELL_KNOWN_PREFIXES)]
        for name in stale:
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
            *(f"-I{folder}" for folder in well_known_dirs()),
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
    # the first error in the file's own text: protoc reports a type's members before a second
    # definition of the type itself ("id" already defined before "Order" already defined)
    located = [
        (int(m.group("line")), int(m.group("column")), index)
        for index, m in enumerate(map(_LOCATED.match, lines))
        if m and m.group("file") == root
    ]
    first = lines[min(located)[2]] if located else lines[0]
    rule = UNRESOLVED_IMPORT if "File not found" in errors or "Import " in first else INVALID_SCHEMA
    match = _LOCATED.match(first)
    line: int | None = None
    if match and match.group("file") == root:
        line = int(match.group("line"))
    message = first if len(lines) == 1 else f"{first} (and {len(lines) - 1} more)"
    return ProtoInvalid(message, line=line, rule=rule)
