"""From configuration and two trees of files to the subjects a run judges."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gate.errors import ConfigError
from gate.formats import infer_type
from gate.model import JsonPolicy, Mode, Origin, SchemaType


class Tree(Protocol):
    """A set of files at one point: a git revision, the index, the work tree."""

    label: str

    def list_paths(self) -> list[str]: ...

    def read(self, paths: Sequence[str]) -> dict[str, bytes]: ...


@dataclass(frozen=True)
class SubjectSource:
    """One subject's file at the base and at the head (either may be missing)."""

    subject: str
    schema_type: SchemaType | None
    compatibility: Mode | None
    json_policy: JsonPolicy | None
    samples: tuple[str, ...]
    head_path: str | None
    base_path: str | None
    head_data: bytes | None
    base_data: bytes | None
    head_origin: Origin | None
    base_origin: Origin | None
    config_line: int | None = None

    @property
    def unchanged(self) -> bool:
        return self.head_data is not None and self.head_data == self.base_data

    @property
    def path(self) -> str:
        return str(self.head_path or self.base_path)


def _looks_like_json_schema(data: bytes) -> bool:
    """Without configuration, a `.json` file is a subject only when it declares `$schema`."""
    head = data[:4096].decode("utf-8", "replace")
    return '"$schema"' in head and "json-schema.org" in head


def _schema_type(
    binding: Any, path: str, data: bytes | None, configured: bool
) -> SchemaType | None:
    if binding.type is not None:
        return binding.type
    if data is None:
        return infer_type(path)
    if not configured and path.lower().endswith(".json") and not _looks_like_json_schema(data):
        return None
    return infer_type(path, data[:65536].decode("utf-8", "replace"))


def collect_subjects(
    config: Any,
    head: Tree,
    base: Tree,
    head_origin: Any,
    base_origin: Any,
    renames: Mapping[str, str],
    only: Collection[str] = (),
    exclude: Sequence[str] = (),
) -> list[SubjectSource]:
    """Match files to subjects and read both sides in one batch each.

    `head_origin(path)` / `base_origin(path)` build the Origin of a file on each side. `renames`
    maps a head path to its base path. `only`, when given, restricts the run to subjects whose
    file (on either side) is listed.
    """
    configured = config.path is not None
    prefixes = tuple(f"{e.rstrip('/')}/" for e in exclude)

    def bound(paths: list[str]) -> dict[str, Any]:
        return {
            p: b
            for p in paths
            if not p.startswith(prefixes) and (b := config.match(p)) is not None
        }

    head_bound = bound(head.list_paths())
    base_bound = bound(base.list_paths())
    pairs: list[tuple[str | None, str | None, Any]] = []
    seen_base: set[str] = set()
    for path, binding in sorted(head_bound.items()):
        old = renames.get(path, path)
        base_path = old if old in base_bound else None
        if base_path is not None:
            seen_base.add(base_path)
        pairs.append((path, base_path, binding))
    for path, binding in sorted(base_bound.items()):
        if path not in seen_base and path not in head_bound:
            pairs.append((None, path, binding))
    if only:
        wanted = set(only)
        pairs = [p for p in pairs if p[0] in wanted or p[1] in wanted]
    head_data = head.read([p[0] for p in pairs if p[0] is not None])
    base_data = base.read([p[1] for p in pairs if p[1] is not None])

    subjects: dict[str, SubjectSource] = {}
    for head_path, base_path, binding in pairs:
        new_data = head_data.get(head_path) if head_path else None
        old_data = base_data.get(base_path) if base_path else None
        path = str(head_path or base_path)
        if head_path is not None and new_data is None:
            continue  # listed but refused (a link out of the repository): the tree says why
        sniffed = new_data if new_data is not None else old_data
        schema_type = _schema_type(binding, path, sniffed, configured)
        if schema_type is None:
            continue
        subject = binding.subject
        if subject in subjects:
            other = subjects[subject].path
            raise ConfigError(
                f"two files map to subject {subject!r}",
                f"{other} and {path}",
                "give each file its own subject in gate.yaml (subject templates such as "
                "{dir}-{stem}-value help)",
            )
        subjects[subject] = SubjectSource(
            subject=subject,
            schema_type=schema_type,
            compatibility=binding.compatibility,
            json_policy=binding.json_policy,
            samples=tuple(binding.samples),
            head_path=head_path,
            base_path=base_path,
            head_data=new_data,
            base_data=old_data,
            head_origin=head_origin(head_path) if head_path else None,
            base_origin=base_origin(base_path) if base_path else None,
            config_line=binding.line,
        )
    return list(subjects.values())


def in_shard(subject: str, index: int, count: int) -> bool:
    """A stable partition: the same subject lands in the same shard on every machine."""
    digest = hashlib.sha256(subject.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count == index - 1


def canonical_json(text: str) -> str:
    """Whitespace- and key-order-insensitive form of a JSON text (the text itself if invalid)."""
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        return text.strip()

