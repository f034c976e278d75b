"""The Avro format: parse and validate, check reader against writer, diff two versions.

Importing this package is cheap: fastavro and the engine modules load on first use.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from gate.canonical import canonical_dumps
from gate.formats import BuiltinSimulation
from gate.model import Incompatibility, Schema, SchemaType

if TYPE_CHECKING:
    from gate.formats import Change, CheckOptions, Simulator
    from gate.formats.avro.nodes import AvroSchema
    from gate.model import Rule

# Avro's primitive type names: the one definition
PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED = frozenset({"record", "error", "enum", "fixed"})


class AvroFormat(BuiltinSimulation):
    """`gate.formats.SchemaFormat` for Avro, judged as Confluent Schema Registry judges it."""

    type = SchemaType.AVRO
    extensions = (".avsc",)
    reads_files = False
    trust_skips_checks = False  # validation is part of building the parsed form

    def parse_key(self, schema: Schema, registered: bool) -> tuple[Any, ...]:
        """The text and its references; the registry parses a new and a registered version by
        different rules, so the role counts."""
        from gate.formats import text_key

        return text_key(schema, registered)

    def rules(self) -> tuple[Rule, ...]:
        from gate.formats.avro.rules import RULES

        return RULES

    def sniff(self, text: str) -> bool:
        """True for a top-level named Avro type with a name, a union (list) or a primitive name."""
        from gate.formats.avro.loadjson import strip_comments

        try:
            value = json.loads(strip_comments(text))
        except (ValueError, RecursionError):
            return False
        if isinstance(value, list):
            return True
        if isinstance(value, str):
            return value in PRIMITIVES
        if isinstance(value, dict):
            return value.get("type") in _NAMED and isinstance(value.get("name"), str)
        return False

    def parse(
        self,
        schema: Schema,
        options: CheckOptions,
        trusted: bool = False,
        registered: bool = False,
    ) -> AvroSchema:
        """Parse and validate; raises `gate.errors.SchemaInvalid` with a JSON Pointer.

        The registry parses a new schema strictly (ASCII names, defaults that match their
        type) and a `registered` version by Avro's own rules alone (see `parse_schema`).
        Validation is part of building the parsed form, so `trusted` changes nothing here."""
        from gate.formats.avro.parse import parse_schema

        return parse_schema(schema, registered=registered)

    def check(self, reader: Any, writer: Any, options: CheckOptions) -> list[Incompatibility]:
        """Every reason `reader` cannot read what `writer` writes, plus meaning-change warnings."""
        from gate.formats.avro.check import check

        return check(reader, writer)

    def diff(self, old: Any, new: Any, options: CheckOptions) -> list[Change]:
        """The changes from `old` to `new`, each judged by `check` in both directions."""
        from gate.formats.avro.diff import diff

        return diff(old, new)

    def simulator(self) -> Simulator[object]:
        """fastavro's writer and reader, on the schemas' JSON."""
        from gate.formats.avro.simulate import SIMULATOR

        return SIMULATOR

    def file_references(self, path: str, text: str, options: CheckOptions) -> list[str]:
        """Avro schemas read no other file: references are registry subjects."""
        return []

    def canonical_shape(self, text: str) -> tuple[int, ...] | None:
        """JSON's shape, unless the canonical form drops docs or unwraps primitives."""
        if '"doc"' in text or re.search(_WRAPPED, text):
            return None
        return super().canonical_shape(text)

    def structurally_unlike(self, a: Any, b: Any) -> bool:
        """Two schemas without references whose fingerprints differ (a fingerprint leaves docs
        out, and is None where it cannot tell)."""
        if a.reference_names or b.reference_names:
            return False
        known = a.root.fp is not None and b.root.fp is not None
        return known and bool(a.root.fp != b.root.fp)

    def canonical(self, text: str) -> str:
        """Parsed JSON with sorted keys and no whitespace, `doc` strings dropped and a bare
        `{"type": "string"}` written `"string"`."""
        try:
            data = json.loads(text)
            # the walk is only needed when there is something to drop or unwrap
            if '"doc"' in text or re.search(_WRAPPED, text):
                data = _canonical(data)
            return canonical_dumps(data)
        except (ValueError, RecursionError):
            # nested deeper than the walk may go, the text itself is the best form left
            return text.strip()

    # used by the checks

    def registry_text(self, path: str, text: str) -> str:
        return text


# (compiled, and cached by `re`, by the first schema compared with the registry's canonical form)
_WRAPPED = r'\{\s*"type"\s*:\s*"(?:' + "|".join(sorted(PRIMITIVES)) + r')"\s*\}'


def _canonical(node: Any) -> Any:
    if isinstance(node, list):
        return [_canonical(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "doc":
            continue
        # defaults are data, not schema: a record default may well have a "doc" key
        out[key] = value if key == "default" else _canonical(value)
    if set(out) == {"type"} and isinstance(out["type"], str) and out["type"] in PRIMITIVES:
        return out["type"]
    return out


FORMAT = AvroFormat()

__all__ = ["FORMAT", "AvroFormat"]
