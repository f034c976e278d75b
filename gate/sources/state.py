"""What a registry holds, as values: registered versions, subjects, a whole registry's state.

Kept apart from the HTTP client (gate/sources/registry.py, which re-exports them) so that an
offline run, reading a snapshot, never loads the client.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from gate.model import Mode, Origin, OriginKind, Reference, Schema, SchemaType


@dataclass(frozen=True)
class RegisteredSchema:
    """One registered version of a subject, with its references resolved to texts."""

    subject: str
    version: int
    id: int
    schema_type: SchemaType
    text: str
    references: tuple[Reference, ...] = ()
    # referenced schemas' texts by reference name, dependencies first, transitively
    resolved_references: tuple[tuple[str, str], ...] = ()
    source: OriginKind = field(default=OriginKind.REGISTRY, compare=False)

    def to_schema(self) -> Schema:
        return Schema(
            type=self.schema_type,
            text=self.text,
            origin=Origin(
                kind=self.source,
                subject=self.subject,
                version=self.version,
                schema_id=self.id,
            ),
            references=self.references,
            resolved_references=self.resolved_references,
        )

    @property
    def label(self) -> str:
        return f"{self.source.value}:{self.subject}@{self.version} (id {self.id})"


@dataclass(frozen=True)
class SubjectState:
    """A subject as the registry holds it: its live versions (oldest first) and levels."""

    subject: str
    versions: tuple[RegisteredSchema, ...]
    # set on the subject itself; None when inherited. A live registry answers only the
    # effective level, so a subject level equal to the global one is recorded as inherited
    compatibility: Mode | None
    effective: Mode  # what the registry applies to the next registration

    @property
    def latest(self) -> RegisteredSchema | None:
        return self.versions[-1] if self.versions else None

    def version(self, number: int) -> RegisteredSchema | None:
        return next((v for v in self.versions if v.version == number), None)


class SubjectMap(Mapping[str, SubjectState]):
    """An immutable, hashable mapping of subject name to `SubjectState`, sorted by name."""

    __slots__ = ("_items",)

    def __init__(self, states: Iterable[SubjectState] = ()) -> None:
        self._items: dict[str, SubjectState] = {
            state.subject: state for state in sorted(states, key=lambda s: s.subject)
        }

    def __getitem__(self, key: str) -> SubjectState:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"SubjectMap({list(self._items)!r})"


@dataclass(frozen=True)
class RegistryState:
    """What a registry (or a snapshot of one) holds for the subjects asked about."""

    subjects: SubjectMap
    global_compatibility: Mode
    requests: int = field(default=0, compare=False)  # HTTP requests made so far
    source_label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        subjects: Mapping[str, SubjectState] | Iterable[SubjectState] = self.subjects
        if not isinstance(subjects, SubjectMap):
            # a plain dict of states, or any iterable of them, is accepted and frozen
            states = subjects.values() if isinstance(subjects, Mapping) else subjects
            object.__setattr__(self, "subjects", SubjectMap(states))

    def subject(self, name: str) -> SubjectState | None:
        return self.subjects.get(name)

    def schema_by_id(self, schema_id: int) -> RegisteredSchema | None:
        for state in self.subjects.values():
            for version in state.versions:
                if version.id == schema_id:
                    return version
        return None


@dataclass(frozen=True)
class RegistryVerdict:
    """The registry's own answer to "may this schema be registered under the subject?".

    `version` is None when the registry judged against the versions its level selects (all
    of them for a transitive level, the latest otherwise); a number when it was asked about
    that one version.
    """

    version: int | None
    is_compatible: bool
    messages: tuple[str, ...] = ()


if TYPE_CHECKING:
    from gate.sources.snapshot import LazySnapshotState

    # the registry's state as a run reads it: loaded whole, or a snapshot read subject by subject
    StateView: TypeAlias = "RegistryState | LazySnapshotState"
