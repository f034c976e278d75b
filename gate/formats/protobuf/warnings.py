"""What the registry's Protobuf diff cannot see: changes it accepts that lose or change data.

Two kinds of warning:

- data warnings, judged like the registry's checks from a writer to a reader (`data_warnings`):
  a numeric change inside a scalar group that truncates or flips the sign of the writer's
  values, bytes read as a string, and a cardinality change that drops values;
- edit warnings, judged on the edit from an old version to a new one (`edit_warnings`): a field
  or an enum value removed without reserving its number, a field switched between an integer
  and an enum or between two enums, a new first message, a renamed field.

None of them changes the registry's verdict; `--fail-on warning` makes them fail a build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gate.formats.protobuf.model import MAP, SCALAR, SCALAR_GROUPS, Field, Message, ProtoSchema
from gate.model import Category, Incompatibility, Rule, Severity, Side

if TYPE_CHECKING:
    from collections.abc import Iterator

NUMERIC_NARROWED = "PROTOBUF_NUMERIC_NARROWED"
BYTES_TO_STRING = "PROTOBUF_BYTES_TO_STRING"
CARDINALITY_CHANGED = "PROTOBUF_CARDINALITY_CHANGED"
FIELD_REMOVED_NOT_RESERVED = "PROTOBUF_FIELD_REMOVED_NOT_RESERVED"
ENUM_VALUE_REMOVED_NOT_RESERVED = "PROTOBUF_ENUM_VALUE_REMOVED_NOT_RESERVED"
ENUM_TYPE_CHANGED = "PROTOBUF_ENUM_TYPE_CHANGED"
DEFAULT_MESSAGE_CHANGED = "PROTOBUF_DEFAULT_MESSAGE_CHANGED"
FIELD_RENAMED = "PROTOBUF_FIELD_RENAMED"

_CATEGORY = Category.PROTOBUF

RULES: tuple[Rule, ...] = (
    Rule(
        NUMERIC_NARROWED,
        "A numeric field changes inside a scalar group the registry treats "
        "as one (e.g. int64 to int32, uint32 to int32): values outside the reader's range are "
        "truncated or change sign.",
        Severity.WARNING,
        _CATEGORY,
    ),
    Rule(
        BYTES_TO_STRING,
        "A bytes field is read as a string: bytes that are not UTF-8 make the "
        "whole message fail to parse.",
        Severity.WARNING,
        _CATEGORY,
    ),
    Rule(
        CARDINALITY_CHANGED,
        "A field changes cardinality in a way the registry accepts but "
        "the wire does not: a repeated field read as a single value keeps only one (or none), "
        "a field that becomes required rejects messages without it.",
        Severity.WARNING,
        _CATEGORY,
    ),
    Rule(
        FIELD_REMOVED_NOT_RESERVED,
        "A field is removed without reserving its number: a later "
        "field that reuses it misreads old data.",
        Severity.WARNING,
        _CATEGORY,
    ),
    Rule(
        ENUM_VALUE_REMOVED_NOT_RESERVED,
        "An enum value is removed without reserving its "
        "number (or from a closed proto2 enum, whose readers drop unknown values).",
        Severity.WARNING,
        _CATEGORY,
    ),
    Rule(
        ENUM_TYPE_CHANGED,
        "A field switches between an integer and an enum, or between two "
        "enums, which the registry cannot see: the numbers' meaning changes, and a closed "
        "enum drops numbers it does not declare.",
        Severity.WARNING,
        _CATEGORY,
    ),
    Rule(
        DEFAULT_MESSAGE_CHANGED,
        "The first message of the file changes: message index [0], "
        "RecordNameStrategy subject names and ksqlDB's default type now mean another message.",
        Severity.WARNING,
        _CATEGORY,
    ),
    Rule(
        FIELD_RENAMED,
        "A field is renamed: the binary encoding is unchanged, but its JSON "
        "encoding (and code using the name) breaks.",
        Severity.INFO,
        _CATEGORY,
    ),
)

# the values each integer type holds (an enum: as the int32 it is encoded as)
_RANGES: dict[str, tuple[int, int]] = {
    "int32": (-(2**31), 2**31 - 1),
    "sint32": (-(2**31), 2**31 - 1),
    "sfixed32": (-(2**31), 2**31 - 1),
    "enum": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "sint64": (-(2**63), 2**63 - 1),
    "sfixed64": (-(2**63), 2**63 - 1),
    "uint32": (0, 2**32 - 1),
    "fixed32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
    "fixed64": (0, 2**64 - 1),
    "bool": (0, 1),
}


def message_path(schema: ProtoSchema, full_name: str) -> str:
    """The registry's path of a message or enum: `/Outer/Inner` in the root file, `/<local name>`
    for a type of an imported file."""
    local = schema.local_name(full_name)
    if schema.file_of.get(full_name) == schema.root:
        return "/" + local.replace(".", "/")
    return "/" + local


def field_path(message_path_: str, field: Field) -> str:
    if field.oneof:
        return f"{message_path_}/{field.oneof}/{field.number}"
    return f"{message_path_}/{field.number}"


def value_range(schema: ProtoSchema, field: Field) -> tuple[int, int] | None:
    """The integers a writer's field of this type can hold: for an enum its declared numbers
    (what producers write), else the type's range; None for a non-integer."""
    if field.scalar == "enum":
        numbers = enum_numbers(schema, field.type_name)
        if numbers:
            return min(numbers), max(numbers)
    return _RANGES.get(field.scalar)


def enum_numbers(schema: ProtoSchema, full_name: str) -> set[int]:
    found = _descriptors(schema)["enums"].get(full_name)
    return set() if found is None else {v.number for v in found[0].value}


def enum_closed(schema: ProtoSchema, full_name: str) -> bool:
    """A proto2 enum is closed: its readers put numbers it does not declare in unknown fields."""
    found = _descriptors(schema)["enums"].get(full_name)
    return found is not None and found[1] == "proto2"


def _descriptors(schema: ProtoSchema) -> dict[str, dict[str, Any]]:
    """Message and enum descriptor protos by full name, each with its file's syntax."""
    known: dict[str, dict[str, Any]] | None = schema.derived.get("descriptors")
    if known is not None:
        return known
    messages: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    if schema.descriptors is not None:
        for proto in schema.descriptors.file:
            syntax = proto.syntax or "proto2"
            prefix = f"{proto.package}." if proto.package else ""

            def walk(message: Any, scope: str, syntax: str = syntax) -> None:
                full = scope + message.name
                messages[full] = (message, syntax)
                for enum in message.enum_type:
                    enums[f"{full}.{enum.name}"] = (enum, syntax)
                for nested in message.nested_type:
                    walk(nested, full + ".")

            for message in proto.message_type:
                walk(message, prefix)
            for enum in proto.enum_type:
                enums[prefix + enum.name] = (enum, syntax)
    table = {"messages": messages, "enums": enums}
    schema.derived["descriptors"] = table
    return table


def _field_reserved(schema: ProtoSchema, message: str, number: int) -> bool:
    found = _descriptors(schema)["messages"].get(message)
    if found is None:
        return False
    return any(r.start <= number < r.end for r in found[0].reserved_range)


def _enum_reserved(schema: ProtoSchema, enum: str, number: int) -> bool:
    found = _descriptors(schema)["enums"].get(enum)
    if found is None:
        return False
    return any(r.start <= number <= r.end for r in found[0].reserved_range)


def _pairs(writer: ProtoSchema, reader: ProtoSchema) -> Iterator[tuple[Message, Message]]:
    """The messages of both versions by full name, the reader's root file's first."""
    for name, read in reader.all_messages.items():
        written = writer.all_messages.get(name)
        if written is not None:
            yield written, read


def _describe(field: Field, message: Message) -> str:
    return f"field `{field.name}` = {field.number} (in message `{message.full_name}`)"


def _explicit_numeric(field: Field) -> bool:
    return field.kind == SCALAR and SCALAR_GROUPS[field.scalar] != "STRING_OR_BYTES"


def data_warnings(reader: ProtoSchema, writer: ProtoSchema) -> list[Incompatibility]:
    """Changes the registry accepts that lose or change values written with `writer` when read
    with `reader`. Paths and lines are the reader's."""
    found: list[Incompatibility] = []
    for written, read in _pairs(writer, reader):
        where = message_path(reader, read.full_name)
        for number, r in sorted(read.fields.items()):
            w = written.fields.get(number)
            if w is None or w.kind != r.kind:
                continue
            here = field_path(where, r)
            what = _describe(r, read)
            if r.kind == MAP:
                assert w.key
                assert r.key
                assert w.value
                assert r.value
                for part, wp, rp in (("key", w.key, r.key), ("value", w.value, r.value)):
                    found += _scalar(
                        writer, reader, wp, rp, here, f"the {part} of map {what}", r.line
                    )
                continue
            if r.kind == SCALAR:
                found += _scalar(writer, reader, w, r, here, what, r.line)
            found += _cardinality(w, r, here, what)
    return found


def _scalar(
    writer: ProtoSchema,
    reader: ProtoSchema,
    w: Field,
    r: Field,
    here: str,
    what: str,
    line: int | None,
) -> list[Incompatibility]:
    if w.kind != SCALAR or r.kind != SCALAR:
        return []
    if SCALAR_GROUPS[w.scalar] != SCALAR_GROUPS[r.scalar]:
        return []  # the registry reports it
    if w.scalar == "bytes" and r.scalar == "string":
        return [
            Incompatibility(
                BYTES_TO_STRING,
                f"{what} is bytes in the writer's schema but string in the reader's: the registry "
                "treats them as one, but bytes that are not UTF-8 make the whole message fail to "
                "parse in consumers reading with the reader's schema",
                here,
                Side.READER,
                "keep the field bytes, or add a new string field and write UTF-8 text only there",
                line,
            )
        ]
    written, read = value_range(writer, w), _RANGES.get(r.scalar)
    if written is None or read is None:
        return []
    low, high = written
    if read[0] <= low and high <= read[1]:
        return []
    lost = []
    if high > read[1]:
        example = next(v for v in (2**40 + 3, 2**31 + 5, 2, high) if read[1] < v <= high)
        lost.append(
            f"values above {read[1]} are truncated or change sign (e.g. {_example(example, read)})"
        )
    if low < read[0]:
        example = next(v for v in (-1, -(2**40) - 3, low) if low <= v < read[0])
        lost.append(
            f"values below {read[0]} change sign or are truncated (e.g. {_example(example, read)})"
        )
    return [
        Incompatibility(
            NUMERIC_NARROWED,
            f"{what} is {w.type_text(writer)} in the writer's schema but {r.type_text(reader)} in "
            "the reader's: the registry sees no change, but "
            + " and ".join(lost)
            + " for consumers reading with the reader's schema",
            here,
            Side.READER,
            f"keep {w.type_text(writer)} (or widen to a type that holds every written value), or "
            "add a new field",
            line,
        )
    ]


def read_as(value: int, scalar: str) -> int | bool:
    """What a varint-encoded (or fixed-width) integer written as `value` reads as in `scalar`."""
    if scalar == "bool":
        return value != 0
    if scalar in ("uint32", "fixed32"):
        return value % 2**32
    if scalar in ("uint64", "fixed64"):
        return value % 2**64
    if scalar in ("int32", "sint32", "sfixed32", "enum"):
        value %= 2**32
        return value - 2**32 if value >= 2**31 else value
    value %= 2**64
    return value - 2**64 if value >= 2**63 else value


def _example(value: int, read: tuple[int, int]) -> str:
    scalar = next(name for name, bounds in _RANGES.items() if bounds == read)
    return f"{value} reads as {read_as(value, scalar)}"


def _cardinality(w: Field, r: Field, here: str, what: str) -> list[Incompatibility]:
    both_explicit = bool(w.label and r.label)
    if both_explicit and _explicit_numeric(r):
        return []  # FIELD_NUMERIC_LABEL_CHANGED: the registry reports it
    if w.label == "repeated" and r.label != "repeated":
        packed = r.kind == SCALAR and _explicit_numeric(r)
        effect = (
            "the writer packs its values, so the reader finds none (they go to unknown fields)"
            if packed
            else "the reader keeps only the last value"
            if r.kind == SCALAR
            else "the reader merges every value into one"
        )
        return [
            Incompatibility(
                CARDINALITY_CHANGED,
                f"{what} is repeated in the writer's schema but single in the reader's: the "
                f"registry accepts it, but {effect}",
                here,
                Side.READER,
                "keep the field repeated, or add a new single field",
                r.line,
            )
        ]
    if r.label == "required" and w.label != "required":
        return [
            Incompatibility(
                CARDINALITY_CHANGED,
                f"{what} is required in the reader's schema but not in the writer's: messages "
                "written without it fail the reader's required-field check",
                here,
                Side.READER,
                "keep the field optional",
                r.line,
            )
        ]
    return []


def edit_warnings(old: ProtoSchema, new: ProtoSchema, side: Side) -> list[Incompatibility]:
    """Changes from `old` to `new` the registry cannot see; paths and lines are `new`'s where
    the change is in it, else `old`'s. `side` names the role `new` plays in the check the
    warnings are reported with; `old` plays the other."""
    other = Side.WRITER if side == Side.READER else Side.READER
    found: list[Incompatibility] = []
    if (
        old.first_message
        and new.first_message
        and old.local_name(old.first_message) != new.local_name(new.first_message)
    ):
        first = new.messages[0] if new.messages else None
        found.append(
            Incompatibility(
                DEFAULT_MESSAGE_CHANGED,
                f"the first message of the file is `{new.first_message}`, was "
                f"`{old.first_message}`: data written with message index [0], subjects named by "
                "RecordNameStrategy and ksqlDB's default type now mean another message",
                message_path(new, new.first_message),
                side,
                "keep the first message first; add new messages after it",
                first.line if first else None,
            )
        )
    for before, after in _pairs(old, new):
        where = message_path(new, after.full_name)
        for number, b in sorted(before.fields.items()):
            a = after.fields.get(number)
            if a is None:
                if new.file_of.get(after.full_name) == new.root and not _field_reserved(
                    new, after.full_name, number
                ):
                    found.append(
                        Incompatibility(
                            FIELD_REMOVED_NOT_RESERVED,
                            f"{_describe(b, before)} is removed without `reserved {number};`: a "
                            "later field that reuses the number misreads data written before",
                            field_path(where, b),
                            other,
                            f'add `reserved {number};` (and `reserved "{b.name}";`) to message '
                            f"`{after.full_name}`",
                            b.line,
                        )
                    )
                continue
            here = field_path(where, a)
            if b.name != a.name:
                found.append(
                    Incompatibility(
                        FIELD_RENAMED,
                        f"field {number} of message `{after.full_name}` is renamed from `{b.name}` "
                        f"to `{a.name}`: the binary encoding is unchanged, but JSON consumers see "
                        "another key and code using the name breaks",
                        here,
                        side,
                        "keep the name, or add `json_name` to keep the JSON key",
                        a.line,
                    )
                )
            for part, bp, ap in _typed_parts(b, a):
                changed = _enum_change(old, new, bp, ap)
                if changed:
                    found.append(
                        Incompatibility(
                            ENUM_TYPE_CHANGED,
                            f"{part}{_describe(a, after)} changes from {changed}: the registry "
                            "cannot see it, but the numbers now mean other values"
                            + (
                                ", and a closed (proto2) enum drops numbers it does not declare"
                                if ap.scalar == "enum" and enum_closed(new, ap.type_name)
                                else ""
                            ),
                            here,
                            side,
                            "keep the field's type; add a new field for the enum",
                            a.line,
                        )
                    )
    for name, after_enum in _enums(new).items():
        before_enum = _enums(old).get(name)
        if before_enum is None:
            continue
        closed = enum_closed(new, name)
        for number, symbol in sorted(before_enum.constants.items()):
            if number in after_enum.constants:
                continue
            reserved = _enum_reserved(new, name, number)
            if reserved and not closed:
                continue
            message = (
                f"enum `{name}` loses `{symbol}` = {number}"
                + (
                    " without `reserved`: a later value that reuses the number changes "
                    "the meaning of data written before"
                    if not reserved
                    else ""
                )
                + (
                    " and is closed (proto2): consumers reading with the new schema drop "
                    f"{number} to unknown fields"
                    if closed
                    else ""
                )
            )
            found.append(
                Incompatibility(
                    ENUM_VALUE_REMOVED_NOT_RESERVED,
                    message,
                    f"{message_path(new, name)}/{number}",
                    side,
                    f"keep `{symbol}` (deprecated), or add `reserved {number};` to the enum"
                    + (" and make sure no producer writes it" if closed else ""),
                    after_enum.line,
                )
            )
    return found


def _typed_parts(b: Field, a: Field) -> list[tuple[str, Field, Field]]:
    if b.kind == MAP and a.kind == MAP:
        assert b.value
        assert a.value
        return [("the value of map ", b.value, a.value)]
    return [("", b, a)]


def _enum_change(old: ProtoSchema, new: ProtoSchema, b: Field, a: Field) -> str:
    if b.kind != SCALAR or a.kind != SCALAR:
        return ""
    if SCALAR_GROUPS[b.scalar] != "GENERAL_NUMBER" or SCALAR_GROUPS[a.scalar] != "GENERAL_NUMBER":
        return ""
    before = b.type_text(old) if b.scalar == "enum" else b.scalar
    after = a.type_text(new) if a.scalar == "enum" else a.scalar
    if b.scalar == "enum" and a.scalar == "enum":
        return "" if b.type_name == a.type_name else f"enum `{before}` to enum `{after}`"
    if b.scalar == "enum" or a.scalar == "enum":
        return f"{_article(b, before)} to {_article(a, after)}"
    return ""


def _article(field: Field, text: str) -> str:
    return f"enum `{text}`" if field.scalar == "enum" else text


def _enums(schema: ProtoSchema) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def walk(messages: list[Message]) -> None:
        for message in messages:
            for enum in message.enums:
                out[enum.full_name] = enum
            walk(message.messages)

    for enum in schema.enums:
        out[enum.full_name] = enum
    walk(schema.messages)
    return out
