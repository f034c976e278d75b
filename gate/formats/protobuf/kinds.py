"""Every kind of difference the registry's Protobuf diff reports, and how each is judged.

The names are the registry's own (`Difference.Type` of Confluent Schema Registry's Protobuf
provider). A direction is compatible exactly when every difference found is in `COMPATIBLE`,
whatever the level. Each incompatible kind is an error rule `PROTOBUF_<NAME>`; the compatible
ones are change kinds `gate diff` names.
"""

from __future__ import annotations

import enum

from gate.model import Category, Rule, Severity


class Kind(enum.Enum):
    PACKAGE_CHANGED = enum.auto()
    MESSAGE_ADDED = enum.auto()
    MESSAGE_REMOVED = enum.auto()
    MESSAGE_MOVED = enum.auto()
    ENUM_ADDED = enum.auto()
    ENUM_REMOVED = enum.auto()
    ENUM_CONST_ADDED = enum.auto()
    ENUM_CONST_REMOVED = enum.auto()
    ENUM_CONST_CHANGED = enum.auto()
    FIELD_ADDED = enum.auto()
    FIELD_REMOVED = enum.auto()
    FIELD_NAME_CHANGED = enum.auto()
    FIELD_KIND_CHANGED = enum.auto()
    FIELD_SCALAR_KIND_CHANGED = enum.auto()
    FIELD_NAMED_TYPE_CHANGED = enum.auto()
    FIELD_NUMERIC_LABEL_CHANGED = enum.auto()
    FIELD_STRING_OR_BYTES_LABEL_CHANGED = enum.auto()
    REQUIRED_FIELD_ADDED = enum.auto()
    REQUIRED_FIELD_REMOVED = enum.auto()
    ONEOF_ADDED = enum.auto()
    ONEOF_REMOVED = enum.auto()
    ONEOF_FIELD_ADDED = enum.auto()
    ONEOF_FIELD_REMOVED = enum.auto()
    ONEOF_FIELD_MOVED_TO_TOP_LEVEL = enum.auto()
    MULTIPLE_FIELDS_MOVED_TO_ONEOF = enum.auto()
    FIELD_MOVED_TO_EXISTING_ONEOF = enum.auto()

    @property
    def rule_id(self) -> str:
        return f"PROTOBUF_{self.name}"

    @property
    def compatible(self) -> bool:
        return self in COMPATIBLE


COMPATIBLE = frozenset(
    {
        Kind.MESSAGE_ADDED,
        Kind.MESSAGE_MOVED,
        Kind.ENUM_ADDED,
        Kind.ENUM_REMOVED,
        Kind.ENUM_CONST_ADDED,
        Kind.ENUM_CONST_REMOVED,
        Kind.ENUM_CONST_CHANGED,
        Kind.FIELD_ADDED,
        Kind.FIELD_REMOVED,
        Kind.FIELD_NAME_CHANGED,
        Kind.FIELD_STRING_OR_BYTES_LABEL_CHANGED,
        Kind.ONEOF_ADDED,
        Kind.ONEOF_REMOVED,
        Kind.ONEOF_FIELD_ADDED,
        Kind.ONEOF_FIELD_MOVED_TO_TOP_LEVEL,
    }
)

INVALID_SCHEMA = "PROTOBUF_INVALID_SCHEMA"
UNRESOLVED_IMPORT = "PROTOBUF_UNRESOLVED_IMPORT"

_CATEGORY = Category.PROTOBUF

# one line of purpose per incompatible kind
_PURPOSES: dict[Kind, str] = {
    Kind.PACKAGE_CHANGED: "The file's package changed: every message's full name changes for "
    "the registry and for consumers that look messages up by name.",
    Kind.MESSAGE_REMOVED: "A message the writer's version has is missing from the reader's (a "
    "removal or rename; under FORWARD, an addition).",
    Kind.FIELD_KIND_CHANGED: "A field changes between scalar/enum, message and map: the wire "
    "types differ.",
    Kind.FIELD_SCALAR_KIND_CHANGED: "A scalar field changes to a wire-incompatible scalar group "
    "(e.g. int32 to sint32, float to double, string to int32).",
    Kind.FIELD_NAMED_TYPE_CHANGED: "A message-typed field refers to another message, or to an "
    "incompatible version of an imported one.",
    Kind.FIELD_NUMERIC_LABEL_CHANGED: "A numeric or enum field changes between optional, "
    "required and repeated.",
    Kind.REQUIRED_FIELD_ADDED: "A proto2 required field is added: data written without it "
    "fails to parse.",
    Kind.REQUIRED_FIELD_REMOVED: "A proto2 required field is removed: readers that still "
    "require it reject the new data.",
    Kind.ONEOF_FIELD_REMOVED: "A member of a oneof that still exists is removed: a value set "
    "in it is lost to the reader.",
    Kind.MULTIPLE_FIELDS_MOVED_TO_ONEOF: "Several formerly independent fields are moved into "
    "one oneof: only one of their values survives a read.",
    Kind.FIELD_MOVED_TO_EXISTING_ONEOF: "An existing field joins a oneof that already had other "
    "members (or members move between oneofs): values overwrite each other.",
}

RULES: tuple[Rule, ...] = (
    Rule(
        INVALID_SCHEMA,
        "protoc rejects the .proto file (syntax, duplicate names or numbers, unresolved types, "
        "editions), so the registry would refuse it.",
        Severity.ERROR,
        _CATEGORY,
    ),
    Rule(
        UNRESOLVED_IMPORT,
        "An import names no file at the schema's revision, no registry reference and no "
        "well-known file, or a path outside the repository.",
        Severity.ERROR,
        _CATEGORY,
    ),
    *(
        Rule(kind.rule_id, purpose, Severity.ERROR, _CATEGORY, kind.name)
        for kind, purpose in _PURPOSES.items()
    ),
)
