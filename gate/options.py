"""Frozen option values the CLI builds and the pipeline reads."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from gate.model import JsonPolicy, Mode, SchemaType, Severity
from gate.records import Record

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path


class Shard(Record):
    """Partition `number` (1-based) of `total` stable partitions of the subjects."""

    number: int
    total: int


class SourceOptions(Record):
    """Where schemas come from: the repository sides and the registry baseline."""

    cwd: Path
    config: Path | None = None
    base: str | None = None
    head: str | None = None
    staged: bool = False
    registry_url: str | None = None
    snapshot: Path | None = None
    offline: bool = False
    fetch_base: bool = False
    files: tuple[str, ...] = ()  # restrict the run to these files (pre-commit passes them)
    environ: Mapping[str, str] = MappingProxyType({})


class RunOptions(Record):
    """Everything `gate check`, `gate drift` and `gate simulate` need."""

    sources: SourceOptions
    fail_on: Severity = Severity.ERROR
    verify_with_registry: bool = False
    simulate: bool = True
    drift: bool = True
    compat: bool = True
    shard: Shard | None = None
    today: str | None = None  # ISO date for waiver expiry; None means the real today
    # say in one line what changed in each subject that passed (what the text report shows of
    # it); the CLI turns it off when no report would show it
    describe_changes: bool = True


class CompatOptions(Record):
    """`gate compat`: one candidate against its history, without configuration."""

    files: tuple[Path, ...]
    schema_type: SchemaType | None = None
    mode: Mode = Mode.BACKWARD
    json_policy: JsonPolicy = JsonPolicy.STRICT
    simulate: bool = True
    describe_changes: bool = True  # as in RunOptions
