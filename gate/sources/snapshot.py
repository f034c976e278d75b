"""Registry snapshots: a registry's state written to a directory, read back offline.

The layout is stable and diff-friendly (sorted keys, two-space indent, trailing newline, no
timestamps), so a snapshot can be committed and reviewed:

    <dir>/snapshot.json                        format, global level, subjects and their folders
    <dir>/subjects/<folder>/config.json        the subject's own level (or null) and effective one
    <dir>/subjects/<folder>/v<version>.json    subject, version, id, schemaType, references,
                                               schema (the text), resolvedReferences (if any)

Folder names are the subject percent-encoded for any file system (`/`, `:`, a leading dot,
reserved device names, case-only differences, very long names); `snapshot.json` maps each subject
to its folder, so reading never has to decode a name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from gate.errors import SourceError, UsageError
from gate.model import Mode, OriginKind, Reference, SchemaType
from gate.sources.state import (
    RegisteredSchema,
    RegistryState,
    SubjectMap,
    SubjectState,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence

SNAPSHOT_FORMAT = "gate-registry-snapshot"
SNAPSHOT_VERSION = 1
INDEX_FILE = "snapshot.json"
SUBJECTS_DIR = "subjects"
CONFIG_FILE = "config.json"

_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.json$")
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}
_MAX_FOLDER = 120


def subject_folder(subject: str) -> str:
    """A file-system-safe folder name for `subject` (before collision handling)."""
    folder = quote(subject, safe="") or "%00"
    if folder.startswith(".") or folder.split(".")[0].upper() in _RESERVED:
        folder = f"%{ord(folder[0]):02X}{folder[1:]}"
    if len(folder) > _MAX_FOLDER:
        digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        folder = f"{folder[: _MAX_FOLDER - 17]}~{digest}"
    return folder


def _folders(subjects: Iterable[str]) -> dict[str, str]:
    taken: set[str] = set()
    out: dict[str, str] = {}
    for subject in sorted(subjects):
        base = subject_folder(subject)
        folder, n = base, 1
        # case-insensitive file systems would merge folders that differ only in case
        while folder.lower() in taken:
            n += 1
            folder = f"{base}~{n}"
        taken.add(folder.lower())
        out[subject] = folder
    return out


def _dump(data: object) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _write(path: Path, data: object) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(_dump(data))


def _version_document(version: RegisteredSchema) -> dict[str, object]:
    document: dict[str, object] = {
        "subject": version.subject,
        "version": version.version,
        "id": version.id,
        "schemaType": version.schema_type.value,
        "references": [
            {"name": r.name, "subject": r.subject, "version": r.version} for r in version.references
        ],
        "schema": version.text,
    }
    if version.resolved_references:
        document["resolvedReferences"] = [
            {"name": name, "schema": text} for name, text in version.resolved_references
        ]
    return document


def _is_snapshot(directory: Path) -> bool:
    return (directory / INDEX_FILE).is_file() or not any(directory.iterdir())


def export_snapshot(state: RegistryState, directory: Path) -> int:
    """Write `state` to `directory` atomically; return the number of versions written.

    The snapshot is built in a temporary folder next to `directory` and then moved into place,
    so a failed export leaves the previous snapshot (or nothing) behind, never half of one.
    """
    target = Path(directory).absolute()
    if target.exists() and (not target.is_dir() or not _is_snapshot(target)):
        raise UsageError(
            "refusing to replace something that is not a registry snapshot",
            str(target),
            hint="export to an empty or new directory, or to an earlier snapshot",
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    except OSError as error:
        raise _write_error(target, error) from None
    written = 0
    try:
        folders = _folders(state.subjects)
        _write(
            staging / INDEX_FILE,
            {
                "format": SNAPSHOT_FORMAT,
                "formatVersion": SNAPSHOT_VERSION,
                "globalCompatibility": state.global_compatibility.value,
                "subjects": [
                    {"name": name, "folder": folders[name]} for name in sorted(state.subjects)
                ],
            },
        )
        for name, subject in state.subjects.items():
            folder = staging / SUBJECTS_DIR / folders[name]
            folder.mkdir(parents=True)
            _write(
                folder / CONFIG_FILE,
                {
                    "compatibility": None
                    if subject.compatibility is None
                    else subject.compatibility.value,
                    "effective": subject.effective.value,
                },
            )
            for version in subject.versions:
                _write(folder / f"v{version.version}.json", _version_document(version))
                written += 1
        _replace(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise _write_error(target, error) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def _replace(staging: Path, target: Path) -> None:
    if not target.exists():
        os.replace(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    retired.rmdir()
    os.replace(target, retired)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _write_error(target: Path, error: OSError) -> SourceError:
    return SourceError(
        f"the registry snapshot could not be written ({error.strerror or error})",
        str(target),
        hint="check that the directory's parent exists and is writable",
    )


# --------------------------------------------------------------------------------------------
# Reading


class _Corrupt(Exception):
    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(detail)
        self.path = path
        self.detail = detail


def _within(path: Path, root: str) -> None:
    """Refuse `path` when symbolic links lead it out of the snapshot directory `root` (real)."""
    real = os.path.realpath(path)
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise _Corrupt(path, "a symbolic link leads out of the snapshot directory; not read")


def _read_json(path: Path, root: str, link: bool | None = None) -> Any:
    """The JSON in `path`, a file in a folder already known to be inside the snapshot (`link`:
    whether it is a symbolic link, when the folder's listing already said)."""
    if os.path.islink(path) if link is None else link:
        _within(path, root)
    try:
        # unbuffered: one read of the whole file, with no text layer in between
        with open(path, "rb", buffering=0) as handle:
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        raise _Corrupt(path, "the file is missing") from None
    except UnicodeDecodeError:
        raise _Corrupt(path, "the file is not UTF-8 text") from None
    except OSError as error:
        raise _Corrupt(path, f"the file cannot be read ({error.strerror or error})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _Corrupt(path, f"invalid JSON at line {error.lineno}: {error.msg}") from None
    except RecursionError:
        raise _Corrupt(path, "the JSON is nested too deeply") from None


_T = TypeVar("_T")


def _field(path: Path, data: Mapping[str, object], key: str, kind: type[_T]) -> _T:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Corrupt(path, f"`{key}` is missing or not of the right type")
    return value


def _mode(path: Path, value: object, key: str) -> Mode:
    try:
        return Mode.parse(str(value))
    except ValueError:
        raise _Corrupt(path, f"`{key}` is not a compatibility level: {value!r}") from None


class SnapshotRegistry:
    """A registry snapshot read offline; implements `RegistrySource`."""

    def __init__(self, path: Path, display: str | None = None) -> None:
        self.path = Path(path)
        self.display = display or str(path)  # how reports name it (repository-relative)
        self._state: RegistryState | None = None
        self._index_cache: tuple[Mode, list[tuple[str, str]]] | None = None
        self._root = ""  # the real path of the snapshot directory, while it is read

    def __repr__(self) -> str:
        return f"SnapshotRegistry({str(self.path)!r})"

    @property
    def label(self) -> str:
        return f"snapshot:{self.display}"

    def check_compatibility(
        self,
        subject: str,
        schema_text: str,
        schema_type: SchemaType,
        references: Sequence[Reference] = (),
    ) -> None:
        """A snapshot holds no verdicts: only a live registry judges."""
        return None

    def close(self) -> None:
        pass

    def view(self, subjects: Collection[str] | None = None) -> LazySnapshotState:
        """Read one subject at a time: memory stays flat on any repository size."""
        return LazySnapshotState(self, subjects)

    def load(self, subjects: Collection[str] | None = None) -> RegistryState:
        """The snapshot's state of `subjects` (None: every subject); unknown ones are absent."""
        if subjects is None:
            if self._state is None:
                self._state = self._read(None)
            return self._state
        # only the folders of the subjects asked about are read (the pre-commit case)
        wanted = frozenset(subjects)
        if self._state is not None:
            state = self._state
            return RegistryState(
                subjects=SubjectMap(s for name, s in state.subjects.items() if name in wanted),
                global_compatibility=state.global_compatibility,
                requests=0,
                source_label=self.label,
            )
        return self._read(wanted)

    def schema_by_id(self, schema_id: int) -> RegisteredSchema | None:
        return self.load().schema_by_id(schema_id)

    def _read(self, wanted: frozenset[str] | None) -> RegistryState:
        if not self.path.is_dir():
            raise SourceError(
                "the registry snapshot directory does not exist",
                str(self.path),
                hint="write one with `gate registry export DIR`, or fix the snapshot path",
            )
        try:
            return self._parse(wanted)
        except _Corrupt as corrupt:
            raise SourceError(
                f"the registry snapshot is corrupt: {corrupt.detail}",
                str(corrupt.path),
                hint="restore the file from version control, or export the snapshot again "
                "with `gate registry export DIR`",
            ) from None

    def _index(self) -> tuple[Mode, list[tuple[str, str]]]:
        """The global level and (subject, folder) of every subject, read once."""
        if self._index_cache is not None:
            return self._index_cache
        # the snapshot is self-contained: no link inside it may lead elsewhere
        self._root = os.path.realpath(self.path)
        index_path = self.path / INDEX_FILE
        index = _read_json(index_path, self._root)
        if not isinstance(index, dict) or index.get("format") != SNAPSHOT_FORMAT:
            raise _Corrupt(index_path, f"not a {SNAPSHOT_FORMAT} index")
        version = index.get("formatVersion")
        if version != SNAPSHOT_VERSION:
            raise _Corrupt(
                index_path,
                f"format version {version!r} is not supported (this gate reads "
                f"{SNAPSHOT_VERSION}); upgrade gate or export again",
            )
        global_level = _mode(index_path, index.get("globalCompatibility"), "globalCompatibility")
        entries = _field(index_path, index, "subjects", list)
        listed: list[tuple[str, str]] = []
        seen: set[str] = set()
        for entry in entries:
            if not isinstance(entry, dict):
                raise _Corrupt(index_path, "`subjects` must list objects")
            name = _field(index_path, entry, "name", str)
            folder = _field(index_path, entry, "folder", str)
            if folder in ("", ".", "..") or "/" in folder or "\\" in folder:
                raise _Corrupt(index_path, f"subject {name!r} has an unsafe folder {folder!r}")
            if name in seen:
                raise _Corrupt(index_path, f"subject {name!r} is listed twice")
            seen.add(name)
            listed.append((name, folder))
        self._index_cache = (global_level, listed)
        return self._index_cache

    def subject_names(self) -> list[str]:
        """Every subject the snapshot holds, without reading any version."""
        try:
            return [name for name, _ in self._index()[1]]
        except _Corrupt as corrupt:
            raise SourceError(
                f"the registry snapshot is corrupt: {corrupt.detail}", str(corrupt.path)
            ) from None

    def _parse(self, wanted: frozenset[str] | None) -> RegistryState:
        global_level, listed = self._index()
        states = [
            self._subject(name, self.path / SUBJECTS_DIR / folder)
            for name, folder in listed
            if wanted is None or name in wanted
        ]
        return RegistryState(
            subjects=SubjectMap(states),
            global_compatibility=global_level,
            requests=0,
            source_label=self.label,
        )

    def _subject(self, name: str, folder: Path) -> SubjectState:
        _within(folder, self._root)
        if not folder.is_dir():
            raise _Corrupt(folder, f"the folder of subject {name!r} is missing")
        config_path = folder / CONFIG_FILE
        config = _read_json(config_path, self._root)
        if not isinstance(config, dict):
            raise _Corrupt(config_path, "an object expected")
        own = config.get("compatibility")
        compatibility = None if own is None else _mode(config_path, own, "compatibility")
        effective = _mode(config_path, config.get("effective"), "effective")
        versions = []
        # one listing says which entries are links: no file needs a system call of its own
        with os.scandir(folder) as entries:
            listing = sorted((entry.name, entry.is_symlink()) for entry in entries)
        for file_name, link in listing:
            match = _VERSION_FILE.match(file_name)
            if match is None:
                continue
            versions.append(self._version(name, int(match.group(1)), folder / file_name, link))
        versions.sort(key=lambda v: v.version)
        return SubjectState(
            subject=name,
            versions=tuple(versions),
            compatibility=compatibility,
            effective=effective,
        )

    def _version(self, name: str, number: int, path: Path, link: bool) -> RegisteredSchema:
        data = _read_json(path, self._root, link)
        if not isinstance(data, dict):
            raise _Corrupt(path, "an object expected")
        if _field(path, data, "subject", str) != name:
            raise _Corrupt(path, f"`subject` is not {name!r}")
        if _field(path, data, "version", int) != number:
            raise _Corrupt(path, f"`version` is not {number} as the file name says")
        raw_type = _field(path, data, "schemaType", str)
        try:
            schema_type = SchemaType.parse(raw_type)
        except ValueError:
            raise _Corrupt(path, f"`schemaType` {raw_type!r} is not a schema type") from None
        references = []
        for item in _field(path, data, "references", list):
            if not isinstance(item, dict):
                raise _Corrupt(path, "`references` must list objects")
            references.append(
                Reference(
                    _field(path, item, "name", str),
                    _field(path, item, "subject", str),
                    _field(path, item, "version", int),
                )
            )
        resolved = []
        for item in data.get("resolvedReferences") or []:
            if not isinstance(item, dict):
                raise _Corrupt(path, "`resolvedReferences` must list objects")
            resolved.append((_field(path, item, "name", str), _field(path, item, "schema", str)))
        return RegisteredSchema(
            subject=name,
            version=number,
            id=_field(path, data, "id", int),
            schema_type=schema_type,
            text=_field(path, data, "schema", str),
            references=tuple(references),
            resolved_references=tuple(resolved),
            source=OriginKind.SNAPSHOT,
        )


class LazySnapshotState:
    """A snapshot's state that reads one subject's folder when it is asked for.

    Stands in for `RegistryState` where a whole-repository run would otherwise hold every
    registered text of every subject in memory at once.
    """

    def __init__(self, registry: SnapshotRegistry, subjects: Collection[str] | None) -> None:
        self.registry = registry
        names = registry.subject_names()
        self.names = names if subjects is None else [n for n in names if n in set(subjects)]
        self._known = frozenset(self.names)
        self.source_label = registry.label
        self.requests = 0
        self._recent: dict[str, SubjectState | None] = {}

    @property
    def global_compatibility(self) -> Mode:
        return self.registry._index()[0]

    def subject(self, name: str) -> SubjectState | None:
        if name not in self._known:
            return None
        if name not in self._recent:
            if len(self._recent) >= 8:
                self._recent.pop(next(iter(self._recent)))
            self._recent[name] = self.registry.load([name]).subject(name)
        return self._recent[name]

    @property
    def subjects(self) -> _LazySubjects:
        return _LazySubjects(self)

    def schema_by_id(self, schema_id: int) -> RegisteredSchema | None:
        return self.registry.schema_by_id(schema_id)


class _LazySubjects:
    """`state.subjects` of a `LazySnapshotState`: names known at once, states read on demand."""

    def __init__(self, state: LazySnapshotState) -> None:
        self._state = state

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._state.subject(name) is not None

    def __len__(self) -> int:
        return len(self._state.names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._state.names)

    def keys(self) -> list[str]:
        return list(self._state.names)

    def get(self, name: str) -> SubjectState | None:
        return self._state.subject(name)

    def items(self) -> Iterator[tuple[str, SubjectState]]:
        for name in self._state.names:
            state = self._state.subject(name)
            if state is not None:
                yield name, state
