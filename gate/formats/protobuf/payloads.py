"""Protobuf payloads: message classes from a compiled schema, generated messages, the Confluent
wire framing with its message-index array.

Each schema version gets its own `DescriptorPool`, so two versions of one file never meet.
The protobuf runtime is imported on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gate.formats.protobuf.model import SCALARS, TYPE_ENUM, TYPE_GROUP, TYPE_MESSAGE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gate.formats.protobuf.model import Message, ProtoSchema

# every generated message set stops at this many messages
MAX_PAYLOADS = 300
# message-typed fields are filled this many levels deep (a recursive message stops earlier)
MAX_DEPTH = 3

_EDGES: dict[str, tuple[Any, ...]] = {
    "int32": (1, -1, 2**31 - 1, -(2**31)),
    "sint32": (1, -1, 2**31 - 1, -(2**31)),
    "sfixed32": (1, -1, 2**31 - 1, -(2**31)),
    "int64": (1, -1, 2**40 + 3, 2**63 - 1, -(2**63)),
    "sint64": (1, -1, 2**40 + 3, 2**63 - 1, -(2**63)),
    "sfixed64": (1, -1, 2**40 + 3, 2**63 - 1, -(2**63)),
    "uint32": (1, 2**31 + 5, 2**32 - 1),
    "fixed32": (1, 2**31 + 5, 2**32 - 1),
    "uint64": (1, 2**63 + 5, 2**64 - 1),
    "fixed64": (1, 2**63 + 5, 2**64 - 1),
    "bool": (True,),
    "float": (1.5,),
    "double": (1.5,),
    "string": ("a", "é"),
    "bytes": (b"a", b"\xff\xfe"),
}


def pool(schema: ProtoSchema) -> Any:
    """The schema's own descriptor pool, built once."""
    known = schema.derived.get("pool")
    if known is None:
        from google.protobuf import descriptor_pool

        known = descriptor_pool.DescriptorPool()
        try:
            for proto in schema.descriptors.file:
                known.Add(proto)
        except (TypeError, ValueError) as error:
            # a file protoc accepts that the runtime cannot load (upb holds at most 64 KiB of
            # field layout per message: some 16,000 fields)
            from gate.errors import SchemaInvalid

            raise SchemaInvalid(
                "the protobuf runtime cannot build message classes for the "
                f"schema, so its payloads are not simulated: {error}"
            ) from None
        schema.derived["pool"] = known
    return known


def message_class(schema: ProtoSchema, full_name: str) -> Any:
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(pool(schema).FindMessageTypeByName(full_name))


def records(schema: ProtoSchema) -> list[tuple[str, tuple[int, ...]]]:
    """Every message of the root file a producer may write as a record, with its index path
    (positions among the message declarations at each level; map entries and groups are no
    messages)."""
    out: list[tuple[str, tuple[int, ...]]] = []

    def walk(messages: list[Message], path: tuple[int, ...]) -> None:
        for index, message in enumerate(messages):
            out.append((message.full_name, (*path, index)))
            walk(message.messages, (*path, index))

    walk(schema.messages, ())
    return out


def by_indexes(schema: ProtoSchema, indexes: tuple[int, ...]) -> str | None:
    """The message an index path names in `schema`; None when an index is out of range."""
    messages = schema.messages
    found: Message | None = None
    for index in indexes:
        if not 0 <= index < len(messages):
            return None
        found = messages[index]
        messages = found.messages
    return None if found is None else found.full_name


def indexes_of(schema: ProtoSchema, full_name: str) -> tuple[int, ...] | None:
    known: dict[str, tuple[int, ...]] | None = schema.derived.get("indexes")
    if known is None:
        known = dict(records(schema))
        schema.derived["indexes"] = known
    return known.get(full_name)


def _zigzag_varint(value: int) -> bytes:
    value = ((value << 1) ^ (value >> 31)) & 0xFFFFFFFF
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def index_bytes(indexes: tuple[int, ...]) -> bytes:
    """The message-index array as Confluent's serializer writes it: `[0]` is the single byte
    0, anything else zigzag varints, the count first."""
    if indexes == (0,):
        return b"\x00"
    return _zigzag_varint(len(indexes)) + b"".join(_zigzag_varint(i) for i in indexes)


class IndexError_(ValueError):
    """A message-index array that cannot be read; `offset` is where, in the whole message."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def read_indexes(data: bytes, offset: int) -> tuple[tuple[int, ...], int]:
    """The message-index array starting at `offset`, and the offset after it."""

    def varint() -> int:
        nonlocal offset
        start = offset
        shift = value = 0
        while True:
            if offset >= len(data):
                raise IndexError_("the message-index array ends early", start)
            if shift > 28:
                raise IndexError_("a message index is longer than 5 bytes", start)
            byte = data[offset]
            offset += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
        value &= 0xFFFFFFFF
        return (value >> 1) ^ -(value & 1)

    start = offset
    count = varint()
    if count < 0:
        raise IndexError_(
            f"the message-index count is {count}: written with the deprecated (non-zigzag) "
            "index format? (confluent-kafka-python before 1.8, or use.deprecated.format)",
            start,
        )
    if count == 0:
        return (0,), offset
    if count > len(data) - offset:
        raise IndexError_(f"the message-index count {count} is more than the bytes left", start)
    indexes = []
    for _ in range(count):
        at = offset
        index = varint()
        if index < 0:
            raise IndexError_(
                f"message index {index} is negative: written with the deprecated (non-zigzag) "
                "index format?",
                at,
            )
        indexes.append(index)
    return tuple(indexes), offset


@dataclass
class Payload:
    """One generated message: where it comes from and the message itself."""

    label: str
    message: Any


def generate(schema: ProtoSchema, full_name: str) -> list[Payload]:
    """Messages of `full_name` that between them set every field, oneof member and enum value,
    the edge values of every integer type and bytes that are not UTF-8: a base message with
    every field set (the first member of each oneof), the smallest message (required fields
    only), and one message per other oneof member and per other value of each field."""
    cls = message_class(schema, full_name)
    out: list[Payload] = []
    base = cls()
    _fill(schema, base, full_name, 0, (full_name,))
    out.append(Payload("every field", base))
    minimal = cls()
    _minimal(schema, minimal, 0)
    out.append(Payload("required fields only", minimal))
    for label, variant in _variants(schema, cls, full_name, 0, (full_name,), base):
        if len(out) >= MAX_PAYLOADS:
            break
        out.append(Payload(label, variant))
    return out


def generate_random(schema: ProtoSchema, full_name: str, rng: Any, count: int) -> list[Payload]:
    """`count` random messages of `full_name` drawn from `rng` (a `random.Random`): each field
    set or not by chance (at most one member per oneof; required fields always), repeated
    fields and maps with up to three entries, numbers over their type's whole range, text and
    bytes of random length. Message-typed fields stop at `MAX_DEPTH` and at recursion."""
    cls = message_class(schema, full_name)
    out: list[Payload] = []
    for index in range(count):
        message = cls()
        _random_fill(schema, message, rng, 0, (full_name,))
        out.append(Payload(f"random #{index}", message))
    return out


_RANGES: dict[str, tuple[int, int]] = {
    "int32": (-(2**31), 2**31 - 1),
    "sint32": (-(2**31), 2**31 - 1),
    "sfixed32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "sint64": (-(2**63), 2**63 - 1),
    "sfixed64": (-(2**63), 2**63 - 1),
    "uint32": (0, 2**32 - 1),
    "fixed32": (0, 2**32 - 1),
    "uint64": (0, 2**64 - 1),
    "fixed64": (0, 2**64 - 1),
}


def _random_scalar(schema: ProtoSchema, field: Any, rng: Any) -> Any:
    if field.type == TYPE_ENUM:
        return rng.choice([v.number for v in field.enum_type.values] or [0])
    name = SCALARS.get(field.type, "")
    if name in _RANGES:
        low, high = _RANGES[name]
        # small numbers as often as any: a width of bits first, then a number of that width
        bits = rng.randint(0, max(low.bit_length(), high.bit_length()))
        return max(low, min(high, rng.randint(-(2**bits) if low < 0 else 0, 2**bits)))
    if name == "bool":
        return rng.random() < 0.5
    if name == "float":
        import struct

        return struct.unpack("<f", struct.pack("<f", rng.uniform(-1e6, 1e6)))[0]
    if name == "double":
        return rng.uniform(-1e12, 1e12)
    if name == "string":
        return "".join(rng.choice("abcxyz019 _-é€😀") for _ in range(rng.randint(0, 12)))
    if name == "bytes":
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 12)))
    return None


def _random_fill(
    schema: ProtoSchema, message: Any, rng: Any, depth: int, stack: tuple[str, ...]
) -> None:
    chosen: dict[str, Any] = {}
    for field in _fields(message.DESCRIPTOR):
        oneof = _real_oneof(schema, field)
        if oneof is not None:
            members = chosen.get(oneof)
            if members is None:
                group = [f for f in _fields(message.DESCRIPTOR) if _real_oneof(schema, f) == oneof]
                members = chosen[oneof] = rng.choice([*group, None])
            if members is not field:
                continue
        elif not field.is_required and rng.random() < 0.5:
            continue
        _random_set(schema, message, field, rng, depth, stack)


def _random_message(
    schema: ProtoSchema, target: Any, name: str, rng: Any, depth: int, stack: tuple[str, ...]
) -> None:
    if depth < MAX_DEPTH and name not in stack:
        _random_fill(schema, target, rng, depth + 1, (*stack, name))
    else:
        _minimal(schema, target, depth + 1)


def _random_set(
    schema: ProtoSchema, message: Any, field: Any, rng: Any, depth: int, stack: tuple[str, ...]
) -> None:
    if _is_map(field):
        key_field = field.message_type.fields_by_number[1]
        value_field = field.message_type.fields_by_number[2]
        target = getattr(message, field.name)
        for _ in range(rng.randint(0, 3)):
            key = _random_scalar(schema, key_field, rng)
            if value_field.type == TYPE_MESSAGE:
                name = value_field.message_type.full_name
                _random_message(schema, target[key], name, rng, depth, stack)
            else:
                target[key] = _random_scalar(schema, value_field, rng)
        return
    if field.type == TYPE_MESSAGE:
        name = field.message_type.full_name
        if (depth >= MAX_DEPTH or name in stack) and not field.is_required:
            return
        items = rng.randint(0, 3) if field.is_repeated else 1
        for _ in range(items):
            value = message_class(schema, name)()
            _random_message(schema, value, name, rng, depth, stack)
            if field.is_repeated:
                getattr(message, field.name).add().CopyFrom(value)
            else:
                getattr(message, field.name).CopyFrom(value)
        return
    if field.is_repeated:
        getattr(message, field.name).extend(
            _random_scalar(schema, field, rng) for _ in range(rng.randint(0, 3))
        )
        return
    value = _random_scalar(schema, field, rng)
    if value is not None:
        setattr(message, field.name, value)


def _model(schema: ProtoSchema, full_name: str) -> Message | None:
    return schema.all_messages.get(full_name)


def _real_oneof(schema: ProtoSchema, descriptor: Any) -> str | None:
    """The field's oneof, unless it is a proto3 `optional` field's synthetic one."""
    model = _model(schema, descriptor.containing_type.full_name)
    if model is None:
        return None
    field = model.fields.get(descriptor.number)
    return None if field is None else field.oneof


def _is_map(descriptor: Any) -> bool:
    return bool(descriptor.type == TYPE_MESSAGE and descriptor.message_type.GetOptions().map_entry)


def _values(schema: ProtoSchema, descriptor: Any) -> tuple[Any, ...]:
    if descriptor.type == TYPE_ENUM:
        # a non-zero number first: a proto3 field holding 0 is not written at all
        numbers = sorted({v.number for v in descriptor.enum_type.values}, key=lambda n: n == 0)
        return tuple(numbers) or (0,)
    return _EDGES.get(SCALARS.get(descriptor.type, ""), ())


def _fields(descriptor: Any) -> list[Any]:
    return [f for f in descriptor.fields if f.type != TYPE_GROUP]


def _fill(
    schema: ProtoSchema, message: Any, full_name: str, depth: int, stack: tuple[str, ...]
) -> None:
    """Set every field to its first value; the first member of each oneof only."""
    seen_oneofs: set[str] = set()
    for field in _fields(message.DESCRIPTOR):
        oneof = _real_oneof(schema, field)
        if oneof is not None:
            if oneof in seen_oneofs:
                continue
            seen_oneofs.add(oneof)
        _set(schema, message, field, None, depth, stack)


def _minimal(schema: ProtoSchema, message: Any, depth: int) -> None:
    for field in _fields(message.DESCRIPTOR):
        if field.is_required:
            _set(schema, message, field, None, depth, (message.DESCRIPTOR.full_name,), minimal=True)


def _set(
    schema: ProtoSchema,
    message: Any,
    field: Any,
    value: Any,
    depth: int,
    stack: tuple[str, ...],
    minimal: bool = False,
) -> bool:
    """Set `field` of `message` to `value` (None: the field's first value); False when there
    is nothing to set (a message too deep, a type with no values)."""
    if _is_map(field):
        key_field, value_field = (
            field.message_type.fields_by_number[1],
            field.message_type.fields_by_number[2],
        )
        key = _values(schema, key_field)[0] if value is None else value[0]
        target = getattr(message, field.name)
        if value_field.type == TYPE_MESSAGE:
            entry = target[key]
            inner = None if value is None else value[1]
            if inner is not None:
                entry.CopyFrom(inner)
            elif depth < MAX_DEPTH and value_field.message_type.full_name not in stack:
                _fill(
                    schema,
                    entry,
                    value_field.message_type.full_name,
                    depth + 1,
                    (*stack, value_field.message_type.full_name),
                )
            return True
        target[key] = _values(schema, value_field)[0] if value is None else value[1]
        return True
    if field.type == TYPE_MESSAGE:
        name = field.message_type.full_name
        if value is None:
            if (depth >= MAX_DEPTH or name in stack) and not field.is_required:
                return False
            value = message_class(schema, name)()
            if minimal:
                _minimal(schema, value, depth + 1)
            elif depth < MAX_DEPTH and name not in stack:
                _fill(schema, value, name, depth + 1, (*stack, name))
            else:
                _minimal(schema, value, depth + 1)
        if field.is_repeated:
            getattr(message, field.name).add().CopyFrom(value)
            if not minimal:
                getattr(message, field.name).add().CopyFrom(value)
        else:
            getattr(message, field.name).CopyFrom(value)
        return True
    values = _values(schema, field)
    if not values:
        return False
    if field.is_repeated:
        if value is None:
            getattr(message, field.name).extend(values[:2] if len(values) > 1 else values * 2)
        else:
            getattr(message, field.name).append(value)
        return True
    setattr(message, field.name, values[0] if value is None else value)
    return True


def _variants(
    schema: ProtoSchema,
    cls: Any,
    full_name: str,
    depth: int,
    stack: tuple[str, ...],
    base: Any = None,
) -> Iterator[tuple[str, Any]]:
    """One message per other oneof member (in `base`, every field set, in place of the oneof's
    first member), and one per other value of each field (beside the required fields only)."""
    descriptor = cls.DESCRIPTOR
    members: dict[str, list[Any]] = {}
    for field in _fields(descriptor):
        oneof = _real_oneof(schema, field)
        if oneof is not None:
            members.setdefault(oneof, []).append(field)

    def with_members(chosen: list[Any]) -> Any:
        message = cls()
        if base is not None:
            message.CopyFrom(base)
        else:
            _fill(schema, message, full_name, depth, stack)
        for member in chosen:
            if not _set(schema, message, member, None, depth, stack):
                return None
        return message

    for oneof, fields in members.items():
        for field in fields[1:]:
            message = with_members([field])
            if message is not None:
                yield f"oneof {oneof}: {field.name}", message
    # members of two oneofs together: a reader that merges the two keeps only one
    names = list(members)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            for a in members[first]:
                for b in members[second]:
                    if a is members[first][0] or b is members[second][0]:
                        continue  # the base, or a single member's message above
                    message = with_members([a, b])
                    if message is not None:
                        yield f"oneofs {first}, {second}: {a.name}, {b.name}", message
    for field in _fields(descriptor):
        for label, value in _field_values(schema, field, depth, stack):
            message = cls()
            _minimal(schema, message, depth)
            message.ClearField(field.name)
            try:
                if _set(schema, message, field, value, depth, stack):
                    yield f"{field.name} = {label}", message
            except (TypeError, ValueError):
                continue


def _field_values(
    schema: ProtoSchema, field: Any, depth: int, stack: tuple[str, ...]
) -> Iterator[tuple[str, Any]]:
    """Every value of a field beyond its first (for a map: its key's, then its value's)."""
    if _is_map(field):
        key_field = field.message_type.fields_by_number[1]
        value_field = field.message_type.fields_by_number[2]
        keys = _values(schema, key_field)
        first_value: Any = None
        if value_field.type != TYPE_MESSAGE:
            values = _values(schema, value_field)
            first_value = values[0] if values else None
            for value in values[1:]:
                yield f"{{{keys[0]!r}: {value!r}}}", (keys[0], value)
        if first_value is not None:
            for key in keys[1:]:
                yield f"{{{key!r}: ...}}", (key, first_value)
        return
    if field.type == TYPE_MESSAGE:
        name = field.message_type.full_name
        if depth + 1 >= MAX_DEPTH or name in stack:
            return
        inner = message_class(schema, name)
        for label, variant in _variants(schema, inner, name, depth + 1, (*stack, name)):
            yield f"{{{label}}}", variant
        return
    for value in _values(schema, field):
        yield repr(value), value


def to_json(message: Any) -> Any:
    """The message as Protobuf's JSON mapping (field names as written in the schema)."""
    from google.protobuf import json_format

    try:
        return json_format.MessageToDict(message, preserving_proto_field_name=True)
    except json_format.Error:
        # a well-known type holding a value its JSON form refuses (a Timestamp past year
        # 9999): the fields as they are
        return _plain(message)


def _plain(message: Any) -> dict[str, Any]:
    import base64

    def value(item: Any) -> Any:
        if hasattr(item, "ListFields"):
            return _plain(item)
        if isinstance(item, bytes):
            return base64.b64encode(item).decode("ascii")
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) >= 2**53:
            return str(item)
        return item

    out: dict[str, Any] = {}
    for descriptor, item in message.ListFields():
        if _is_map(descriptor):
            out[descriptor.name] = {str(k): value(v) for k, v in item.items()}
        elif descriptor.is_repeated:
            out[descriptor.name] = [value(v) for v in item]
        else:
            out[descriptor.name] = value(item)
    return out


def from_json(schema: ProtoSchema, full_name: str, value: Any) -> Any:
    """A JSON sample parsed into a message of `full_name`; raises `ValueError` when it is not
    one (unknown fields included)."""
    from google.protobuf import json_format

    message = message_class(schema, full_name)()
    try:
        json_format.ParseDict(value, message)
    except json_format.ParseError as error:
        raise ValueError(str(error)) from None
    return message
