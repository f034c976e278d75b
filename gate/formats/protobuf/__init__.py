"""The Protobuf format: compile with protoc, judge as Confluent Schema Registry judges.

Importing this package is cheap: grpcio-tools and the protobuf runtime load on first parse.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from gate.model import Incompatibility, Schema, SchemaType, Side

if TYPE_CHECKING:
    from gate.formats import Change, CheckOptions, Simulator
    from gate.formats.protobuf.model import ProtoSchema
    from gate.model import Rule
    from gate.samples import Sample, SampleProblem

_SNIFF = re.compile(
    r'^\s*(syntax\s*=\s*"proto[23]"|package\s+[\w.]+\s*;|message\s+\w+\s*\{)', re.MULTILINE
)


class ProtobufFormat:
    """`gate.formats.SchemaFormat` for Protobuf."""

    type = SchemaType.PROTOBUF
    extensions = (".proto",)
    reads_files = True
    trust_skips_checks = False

    def rules(self) -> tuple[Rule, ...]:
        from gate.formats.protobuf.kinds import RULES
        from gate.formats.protobuf.warnings import RULES as WARNINGS

        return (*RULES, *WARNINGS)

    def sniff(self, text: str) -> bool:
        return _SNIFF.search(text) is not None

    def parse(
        self,
        schema: Schema,
        options: CheckOptions,
        trusted: bool = False,
        registered: bool = False,
    ) -> ProtoSchema:
        """Compile with protoc and map to the registry's view; raises `SchemaInvalid` (with the
        rule PROTOBUF_INVALID_SCHEMA or PROTOBUF_UNRESOLVED_IMPORT) with protoc's line.

        The registry parses new and registered versions alike, and protoc's checks all shape
        the compiled form: `trusted` and `registered` change nothing."""
        from gate.formats.protobuf.compile import compile_schema
        from gate.formats.protobuf.model import build

        return build(compile_schema(schema, options))

    def check(self, reader: Any, writer: Any, options: CheckOptions) -> list[Incompatibility]:
        """The registry's incompatible differences of `compare(original=writer, update=reader)`,
        then the warnings of values the reader loses or changes that the registry cannot see."""
        from gate.formats.protobuf.diff import compare
        from gate.formats.protobuf.warnings import data_warnings

        return [
            Incompatibility(
                rule=d.kind.rule_id,
                message=d.message,
                path=d.path,
                side=Side.READER if d.side == "update" else Side.WRITER,
                fix=d.fix,
                line=d.line,
            )
            for d in compare(writer, reader)
            if not d.kind.compatible
        ] + data_warnings(reader, writer)

    def edit_warnings(self, old: Any, new: Any, side: Side) -> list[Incompatibility]:
        """Warnings of the edit from `old` to `new` that no reader/writer check can tell
        apart from the reverse edit (a removal without `reserved`, a new first message, a
        rename); `side` is the role `new` plays in the check they are reported with."""
        from gate.formats.protobuf.warnings import edit_warnings

        return edit_warnings(old, new, side)

    def diff(self, old: Any, new: Any, options: CheckOptions) -> list[Change]:
        """Every difference of the BACKWARD diff, judged in both directions; plus the changes
        only the FORWARD diff sees as breaking (a message or oneof member added)."""
        from gate.formats import Change
        from gate.formats.protobuf.diff import compare

        backward = compare(old, new)
        forward = [d for d in compare(new, old) if not d.kind.compatible]

        def breaks(found: list[Any], path: str) -> list[str]:
            return sorted(
                {
                    d.kind.rule_id
                    for d in found
                    if not d.kind.compatible
                    and (d.path == path or d.path.startswith(path + "/") or path == "")
                }
            )

        changes: list[Change] = []
        seen: set[str] = set()
        for d in backward:
            back_rules = breaks(backward, d.path)
            forward_rules = breaks(forward, d.path)
            changes.append(
                Change(
                    path=d.path,
                    description=f"{d.kind.rule_id}: {d.message}",
                    backward_ok=not back_rules,
                    forward_ok=not forward_rules,
                    rules=tuple(sorted({*back_rules, *forward_rules})),
                )
            )
            seen.add(d.path)
        for d in forward:
            if d.path in seen:
                continue
            seen.add(d.path)
            changes.append(
                Change(
                    path=d.path,
                    description=f"{d.kind.rule_id} (seen by FORWARD): {d.message}",
                    backward_ok=not breaks(backward, d.path),
                    forward_ok=False,
                    rules=tuple(breaks(forward, d.path)),
                )
            )
        return changes

    def simulator(self) -> Simulator[ProtoSchema]:
        from gate.formats.protobuf.simulate import SIMULATOR

        return SIMULATOR

    def read_wire(self, data: bytes, display: str) -> Sample | SampleProblem:
        """A captured message: magic byte 0, the schema id, then the message-index array
        (zigzag varints; the single byte 0 is `[0]`) before the body."""
        import dataclasses

        from gate.formats.protobuf.payloads import IndexError_, read_indexes
        from gate.samples import WIRE_HEADER, SampleProblem, read_wire

        framed = read_wire(data, display)
        if isinstance(framed, SampleProblem):
            return framed
        try:
            indexes, offset = read_indexes(data, WIRE_HEADER)
        except IndexError_ as error:
            return SampleProblem(
                display,
                f"invalid Protobuf message indexes in {display} at byte {error.offset}: {error}",
            )
        return dataclasses.replace(framed, header_size=offset, message_indexes=indexes)

    def parse_key(self, schema: Schema, registered: bool) -> tuple[Any, ...]:
        """The text, its references, and its file (imports resolve beside it)."""
        from gate.formats import file_key

        return file_key(schema)

    def from_yaml(self, text: str) -> str:
        return text

    def canonical_shape(self, text: str) -> tuple[int, ...] | None:
        """Not told without reading the declarations."""
        return None

    def structurally_unlike(self, a: Any, b: Any) -> bool:
        return False

    def canonical(self, text: str) -> str:
        """The text's declarations without comments or formatting, one per line, each
        block's members grouped as the registry prints them (see
        `gate.formats.protobuf.canonical`); no compiler is loaded."""
        from gate.formats.protobuf.canonical import canonical

        return canonical(text)

    def file_references(self, path: str, text: str, options: CheckOptions) -> list[str]:
        """Every repository file an `import` of `text` may resolve to: below each configured
        import path, the repository root and the file's own folder."""
        from gate.formats.protobuf.compile import import_candidates

        return import_candidates(path, text, options.import_paths)

    # used by the checks

    def registry_text(self, path: str, text: str) -> str:
        return text


FORMAT = ProtobufFormat()

__all__ = ["FORMAT", "ProtobufFormat"]
