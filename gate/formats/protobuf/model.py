"""The view of a compiled `.proto` file that Confluent Schema Registry's diff compares.

protoc's descriptors are mapped the way the registry's own parser sees the text: map-entry
messages are not messages (a field of one is a `map<K, V>`), proto2 groups are left out
entirely, a proto3 `optional` field's synthetic oneof is no oneof, labels are the ones written
in the text (none for a proto3 field without a keyword, a oneof member or a map), message types
are named locally (the full name minus the package of the file that declares them), and an enum
number that has aliases keeps its last-declared name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import (
        DescriptorProto,
        EnumDescriptorProto,
        FieldDescriptorProto,
        FileDescriptorProto,
    )

    from gate.formats.protobuf.compile import Compiled

SCALAR, MESSAGE, MAP = "SCALAR", "MESSAGE", "MAP"

# FieldDescriptorProto.Type numbers -> the type's name in `.proto` text
SCALARS = {
    1: "double",
    2: "float",
    3: "int64",
    4: "uint64",
    5: "int32",
    6: "fixed64",
    7: "fixed32",
    8: "bool",
    9: "string",
    12: "bytes",
    13: "uint32",
    15: "sfixed32",
    16: "sfixed64",
    17: "sint32",
    18: "sint64",
    14: "enum",
}
TYPE_GROUP, TYPE_MESSAGE, TYPE_ENUM = 10, 11, 14
_LABEL_OPTIONAL, _LABEL_REQUIRED, _LABEL_REPEATED = 1, 2, 3

# the scalar groups inside which the registry sees no change (protobuf's "updating" rules)
SCALAR_GROUPS = {
    "int32": "GENERAL_NUMBER",
    "int64": "GENERAL_NUMBER",
    "uint32": "GENERAL_NUMBER",
    "uint64": "GENERAL_NUMBER",
    "bool": "GENERAL_NUMBER",
    "enum": "GENERAL_NUMBER",
    "sint32": "SIGNED_NUMBER",
    "sint64": "SIGNED_NUMBER",
    "string": "STRING_OR_BYTES",
    "bytes": "STRING_OR_BYTES",
    "fixed32": "FIXED32",
    "sfixed32": "FIXED32",
    "fixed64": "FIXED64",
    "sfixed64": "FIXED64",
    "float": "FLOAT",
    "double": "DOUBLE",
}

# source-info path tags of FileDescriptorProto / DescriptorProto / EnumDescriptorProto
_FILE_MESSAGE, _FILE_ENUM = 4, 5
_MESSAGE_FIELD, _MESSAGE_NESTED, _MESSAGE_ENUM = 2, 3, 4
_ENUM_VALUE = 2


@dataclass
class Field:
    name: str
    number: int
    label: str | None  # "optional", "required", "repeated" or None (no keyword)
    kind: str  # SCALAR (scalars and enums), MESSAGE or MAP
    scalar: str = ""  # for SCALAR: the scalar's name, "enum" for every enum
    type_name: str = ""  # for MESSAGE and enums: the full name without the leading dot
    oneof: str | None = None
    key: Field | None = None  # for MAP
    value: Field | None = None  # for MAP
    line: int | None = None

    def type_text(self, schema: ProtoSchema) -> str:
        if self.kind == MAP:
            assert self.key is not None
            assert self.value is not None
            return f"map<{self.key.type_text(schema)}, {self.value.type_text(schema)}>"
        if self.kind == MESSAGE or self.scalar == "enum":
            return schema.local_name(self.type_name)
        return self.scalar


@dataclass
class Enum:
    name: str
    full_name: str
    constants: dict[int, str]
    line: int | None = None


@dataclass
class Message:
    name: str
    full_name: str
    file: str
    fields: dict[int, Field] = field(default_factory=dict)
    oneofs: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    enums: list[Enum] = field(default_factory=list)
    line: int | None = None


@dataclass
class ProtoSchema:
    """A compiled schema: the root file's package and types, and every type of every file."""

    package: str | None
    messages: list[Message]
    enums: list[Enum]
    root: str
    # every message of every file in the set, by full name
    all_messages: dict[str, Message]
    # the file that declares each type, by full name
    file_of: dict[str, str]
    # each file's package
    packages: dict[str, str]
    # where each imported file came from and its text ("" for the root file)
    sources: dict[str, str]
    package_line: int | None = None
    # the compiled descriptor set itself (`FileDescriptorSet`), for what the registry's view
    # leaves out: reserved numbers, enum closedness, and message classes for simulation
    descriptors: Any = None
    # views derived from `descriptors` on first use, by their owners' keys
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def local_name(self, full_name: str) -> str:
        """The type's name without the package of the file that declares it."""
        package = self.packages.get(self.file_of.get(full_name, ""), "")
        if package and full_name.startswith(package + "."):
            return full_name[len(package) + 1 :]
        return full_name

    def source_of(self, full_name: str) -> str:
        """Where the file declaring a type came from; "" for the root file."""
        file = self.file_of.get(full_name, "")
        if file == self.root:
            return ""
        return self.sources.get(file, "wkt:" + file)

    @property
    def first_message(self) -> str | None:
        """The registry's default message (or enum, when there is no message)."""
        if self.messages:
            return self.messages[0].full_name
        if self.enums:
            return self.enums[0].full_name
        return None


class _Lines:
    """0-based source-info spans of one file, as 1-based lines, by path."""

    def __init__(self, proto: FileDescriptorProto) -> None:
        self.by_path = {
            tuple(location.path): location.span[0] + 1
            for location in proto.source_code_info.location
            if location.span
        }

    def get(self, path: tuple[int, ...]) -> int | None:
        return self.by_path.get(path)


def build(compiled: Compiled) -> ProtoSchema:
    files = {proto.name: proto for proto in compiled.files.file}
    root = files[compiled.root]
    file_of: dict[str, str] = {}
    packages = {name: proto.package for name, proto in files.items()}
    all_messages: dict[str, Message] = {}
    map_entries: dict[str, DescriptorProto] = {}
    for proto in files.values():
        _index(proto, file_of, map_entries)
    root_messages: list[Message] = []
    root_enums: list[Enum] = []
    for name, proto in files.items():
        lines = _Lines(proto)
        prefix = f"{proto.package}." if proto.package else ""
        proto3 = proto.syntax == "proto3"
        messages = [
            _message(m, prefix, name, (_FILE_MESSAGE, i), lines, proto3, map_entries, all_messages)
            for i, m in enumerate(proto.message_type)
            if not m.options.map_entry
        ]
        enums = [_enum(e, prefix, (_FILE_ENUM, i), lines) for i, e in enumerate(proto.enum_type)]
        if name == compiled.root:
            root_messages, root_enums = messages, enums
    package_line = None
    for location in root.source_code_info.location:
        if tuple(location.path) == (2,) and location.span:
            package_line = location.span[0] + 1
    return ProtoSchema(
        package=root.package or None,
        messages=root_messages,
        enums=root_enums,
        root=compiled.root,
        all_messages=all_messages,
        file_of=file_of,
        packages=packages,
        sources=compiled.sources,
        package_line=package_line,
        descriptors=compiled.files,
    )


def _index(
    proto: FileDescriptorProto, file_of: dict[str, str], map_entries: dict[str, DescriptorProto]
) -> None:
    prefix = f"{proto.package}." if proto.package else ""

    def walk(message: DescriptorProto, scope: str) -> None:
        full = scope + message.name
        file_of[full] = proto.name
        if message.options.map_entry:
            map_entries[full] = message
        for nested in message.nested_type:
            walk(nested, full + ".")
        for enum in message.enum_type:
            file_of[full + "." + enum.name] = proto.name

    for message in proto.message_type:
        walk(message, prefix)
    for enum in proto.enum_type:
        file_of[prefix + enum.name] = proto.name


def _enum(enum: EnumDescriptorProto, scope: str, path: tuple[int, ...], lines: _Lines) -> Enum:
    constants: dict[int, str] = {}
    for value in enum.value:
        constants[value.number] = value.name  # with aliases, the last name per number wins
    return Enum(enum.name, scope + enum.name, constants, lines.get(path))


def _message(
    message: DescriptorProto,
    scope: str,
    file: str,
    path: tuple[int, ...],
    lines: _Lines,
    proto3: bool,
    map_entries: dict[str, DescriptorProto],
    all_messages: dict[str, Message],
) -> Message:
    full = scope + message.name
    out = Message(message.name, full, file, line=lines.get(path))
    all_messages[full] = out
    groups = {f.type_name.lstrip(".") for f in message.field if f.type == TYPE_GROUP}
    synthetic = {
        index
        for index, _ in enumerate(message.oneof_decl)
        if all(
            f.proto3_optional
            for f in message.field
            if f.HasField("oneof_index") and f.oneof_index == index
        )
    }
    out.oneofs = [
        decl.name for index, decl in enumerate(message.oneof_decl) if index not in synthetic
    ]
    for i, descriptor in enumerate(message.field):
        if descriptor.type == TYPE_GROUP:
            continue
        oneof = None
        if descriptor.HasField("oneof_index") and descriptor.oneof_index not in synthetic:
            oneof = message.oneof_decl[descriptor.oneof_index].name
        made = _field(descriptor, proto3, map_entries, oneof)
        made.line = lines.get((*path, _MESSAGE_FIELD, i))
        if made.key is not None and made.value is not None:
            made.key.line = made.value.line = made.line
        out.fields[made.number] = made
    for i, nested in enumerate(message.nested_type):
        if nested.options.map_entry or f"{full}.{nested.name}" in groups:
            continue
        out.messages.append(
            _message(
                nested,
                full + ".",
                file,
                (*path, _MESSAGE_NESTED, i),
                lines,
                proto3,
                map_entries,
                all_messages,
            )
        )
    out.enums = [
        _enum(e, full + ".", (*path, _MESSAGE_ENUM, i), lines)
        for i, e in enumerate(message.enum_type)
    ]
    return out


def _field(
    descriptor: FieldDescriptorProto,
    proto3: bool,
    map_entries: dict[str, DescriptorProto],
    oneof: str | None,
) -> Field:
    type_name = descriptor.type_name.lstrip(".")
    entry = map_entries.get(type_name) if descriptor.type == TYPE_MESSAGE else None
    if entry is not None:
        key, value = (_field(f, proto3, map_entries, None) for f in entry.field)
        key.label = value.label = None
        return Field(descriptor.name, descriptor.number, None, MAP, key=key, value=value)
    label: str | None
    if oneof is not None:
        label = None
    elif descriptor.label == _LABEL_REQUIRED:
        label = "required"
    elif descriptor.label == _LABEL_REPEATED:
        label = "repeated"
    elif descriptor.proto3_optional or not proto3:
        label = "optional"
    else:
        label = None
    if descriptor.type == TYPE_MESSAGE:
        return Field(
            descriptor.name, descriptor.number, label, MESSAGE, type_name=type_name, oneof=oneof
        )
    scalar = SCALARS[descriptor.type]
    return Field(
        descriptor.name,
        descriptor.number,
        label,
        SCALAR,
        scalar=scalar,
        type_name=type_name if descriptor.type == TYPE_ENUM else "",
        oneof=oneof,
    )
