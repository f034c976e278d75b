"""Compatibility modes and transitivity on top of a format's reader/writer check.

Format-agnostic: it only calls `SchemaFormat.check`. BACKWARD means the candidate, as reader,
reads data written with an older version; FORWARD means an older version, as reader, reads data
written with the candidate. Non-transitive modes look at the latest version only, transitive ones
at every version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from gate.formats import CheckOptions, SchemaFormat
from gate.model import Direction, Incompatibility, Mode, Side
from gate.records import Record

if TYPE_CHECKING:
    from collections.abc import Sequence


class Version(NamedTuple):
    """One parsed version of a subject's history, with a label for reports."""

    label: str
    parsed: object  # the format's parsed form


class Violation(Record):
    """An incompatibility between the candidate and one version, in one direction."""

    incompatibility: Incompatibility
    direction: Direction
    against: Version


def versions_to_check(mode: Mode, history: Sequence[Version]) -> list[Version]:
    """The versions the candidate is judged against under `mode`; `history` is oldest first."""
    if mode is Mode.NONE or not history:
        return []
    if mode.transitive:
        return list(history)
    return [history[-1]]


_Checked = tuple[object, object, CheckOptions, list[Incompatibility]]


class CheckMemo:
    """Verdicts of reader/writer pairs already checked, by identity of the parsed schemas: the
    base revision's version is most often the latest registered one, parsed once and checked
    against the candidate twice. Holds both schemas, so neither id can be reused meanwhile."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, int], _Checked] = {}

    def check(
        self, fmt: SchemaFormat, reader: object, writer: object, options: CheckOptions
    ) -> list[Incompatibility]:
        known = self._known.get((id(reader), id(writer)))
        if known is not None and known[0] is reader and known[1] is writer and known[2] is options:
            return known[3]
        found = fmt.check(reader, writer, options)
        self._known[(id(reader), id(writer))] = (reader, writer, options, found)
        return found


def check_candidate(
    fmt: SchemaFormat,
    candidate: object,
    history: Sequence[Version],
    mode: Mode,
    options: CheckOptions,
    memo: CheckMemo | None = None,
) -> list[Violation]:
    """Every violation of `mode` by `candidate` against `history` (oldest first)."""
    check = (memo or CheckMemo()).check
    violations: list[Violation] = []
    selected = versions_to_check(mode, history)
    for version in selected:
        if mode.backward:
            violations.extend(
                Violation(incompatibility, Direction.BACKWARD, version)
                for incompatibility in check(fmt, candidate, version.parsed, options)
            )
        if mode.forward:
            violations.extend(
                Violation(incompatibility, Direction.FORWARD, version)
                for incompatibility in check(fmt, version.parsed, candidate, options)
            )
    # a format may warn of the edit from the latest version to the candidate (a removal is
    # an addition read backwards): reported once, with the first direction checked
    if selected:
        latest = history[-1]
        direction = Direction.BACKWARD if mode.backward else Direction.FORWARD
        side = Side.READER if direction is Direction.BACKWARD else Side.WRITER
        violations.extend(
            Violation(incompatibility, direction, latest)
            for incompatibility in fmt.edit_warnings(latest.parsed, candidate, side)
        )
    return violations
