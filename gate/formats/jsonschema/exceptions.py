"""The JSON Schema format's own parse errors."""

from __future__ import annotations

from gate.errors import SchemaInvalid
from gate.formats.jsonschema.rules import UNRESOLVED_REF_RULE


class UnresolvedReference(SchemaInvalid):
    """A `$ref` that cannot be resolved: missing target, a file outside the repository root, or a
    remote document while remote references are not allowed.

    The pipeline reports it as `JSON_UNRESOLVED_REF` (any other `SchemaInvalid` is
    `JSON_INVALID_SCHEMA`).
    """

    rule = UNRESOLVED_REF_RULE

    def __init__(
        self, message: str, pointer: str = "", line: int | None = None, ref: str = ""
    ) -> None:
        super().__init__(message, pointer, line)
        self.ref = ref
