"""Reading one side of a subject: its schema parsed, or why it is no valid schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.judge import Parsed, Parser, parse_bytes

if TYPE_CHECKING:
    from gate.subjects import SubjectSource


def parse_side(
    parser: Parser, source: SubjectSource, head: bool, registered: frozenset[bytes] = frozenset()
) -> Parsed | None:
    """One side's schema parsed; trusted as the registry's own when it holds these bytes
    (`registered`: the texts of the subject's registered versions, encoded)."""
    data = source.head_data if head else source.base_data
    origin = source.head_origin if head else source.base_origin
    if data is None or origin is None or source.schema_type is None:
        return None
    references = source.head_references if head else source.base_references
    # (a file's bytes hash in full: not for a subject the registry holds nothing of)
    held = bool(registered) and data in registered
    # the head is the candidate, a new schema; the base a registered version (the registry
    # parses the two by different rules)
    parsed = parse_bytes(
        parser,
        source.schema_type,
        data,
        origin,
        trusted=held,
        references=references,
        registered=not head,
    )
    if not head and references is not None and not parsed.ok:
        # gate.yaml's references are today's: a base revision that predates them (it defined
        # the types itself, before they moved to a file of their own) is read as it was
        alone = parse_bytes(parser, source.schema_type, data, origin, trusted=held, registered=True)
        if alone.ok:
            return alone
    return parsed
