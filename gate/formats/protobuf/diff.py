"""Confluent Schema Registry's Protobuf diff: every difference from an original to an update.

The registry judges BACKWARD as `compare(original=old, update=new)` and FORWARD as the same diff
with the roles swapped; in reader/writer terms the original is always the writer and the update
the reader. Paths are the registry's (`/<Message>/<Nested>/<tag>`, `/<Message>/<oneof>/<tag>`,
`/<Enum>/<number>`, "" for the package); a message referenced from another file is compared at
`/<its local name>/...`. Differences come out sorted: the registry's own order is not stable.
"""

from __future__ import annotations

from dataclasses import dataclass

from gate.formats.protobuf.kinds import Kind
from gate.formats.protobuf.model import (
    MAP,
    MESSAGE,
    SCALAR,
    SCALAR_GROUPS,
    Enum,
    Field,
    Message,
    ProtoSchema,
)


@dataclass(frozen=True)
class Difference:
    kind: Kind
    path: str
    message: str
    fix: str
    side: str  # "update" (the reader) or "original" (the writer): where `line` is
    line: int | None = None


class _Context:
    def __init__(self, original: ProtoSchema, update: ProtoSchema) -> None:
        self.original = original
        self.update = update
        self.found: list[Difference] = []
        self.active: set[tuple[str, str]] = set()

    def add(
        self,
        kind: Kind,
        path: str,
        message: str,
        fix: str,
        line: int | None,
        side: str = "update",
    ) -> None:
        self.found.append(Difference(kind, path, message, fix, side, line))


def compare(original: ProtoSchema, update: ProtoSchema) -> list[Difference]:
    """Every difference, sorted by path, then kind."""
    ctx = _Context(original, update)
    if original.package != update.package:
        ctx.add(
            Kind.PACKAGE_CHANGED,
            "",
            f"the package is {_quote(original.package)} in the writer but "
            f"{_quote(update.package)} in the reader: every message's full name changes, so "
            "consumers looking messages up by name find none",
            "keep the package; publish a renamed package as a new subject",
            update.package_line,
        )
    _types(ctx, "", original.messages, update.messages, original.enums, update.enums)
    return sorted(ctx.found, key=lambda d: (d.path, d.kind.name, d.message))


def _quote(package: str | None) -> str:
    return "(none)" if package is None else f"`{package}`"


def _types(
    ctx: _Context,
    path: str,
    original_messages: list[Message],
    update_messages: list[Message],
    original_enums: list[Enum],
    update_enums: list[Enum],
) -> None:
    old_index = {m.name: i for i, m in enumerate(original_messages)}
    new_index = {m.name: i for i, m in enumerate(update_messages)}
    old_by = {m.name: m for m in original_messages}
    new_by = {m.name: m for m in update_messages}
    for name in sorted(old_by.keys() | new_by.keys()):
        here = f"{path}/{name}"
        old, new = old_by.get(name), new_by.get(name)
        if old is None:
            assert new is not None
            ctx.add(
                Kind.MESSAGE_ADDED,
                here,
                f"message `{new.full_name}` exists only in the reader's schema",
                "nothing to do: readers ignore messages nobody writes",
                new.line,
            )
        elif new is None:
            ctx.add(
                Kind.MESSAGE_REMOVED,
                here,
                f"message `{old.full_name}` is in the writer's schema but not in the reader's: "
                "consumers reading with the reader's schema cannot resolve data written as "
                "that message (a removal or rename; under FORWARD, an addition)",
                "keep the message (deprecate it instead of removing or renaming it), or "
                "register the change as a new subject",
                old.line,
                "original",
            )
        else:
            if old_index[name] != new_index[name]:
                ctx.add(
                    Kind.MESSAGE_MOVED,
                    here,
                    f"message `{new.full_name}` moved from position {old_index[name]} to "
                    f"{new_index[name]} among its siblings",
                    "nothing to do for the registry; a new first message changes the default "
                    "message",
                    new.line,
                )
            _message(ctx, here, old, new)
    old_enums = {e.name: e for e in original_enums}
    new_enums = {e.name: e for e in update_enums}
    for name in sorted(old_enums.keys() | new_enums.keys()):
        here = f"{path}/{name}"
        old_enum, new_enum = old_enums.get(name), new_enums.get(name)
        if old_enum is None:
            assert new_enum is not None
            ctx.add(
                Kind.ENUM_ADDED,
                here,
                f"enum `{new_enum.full_name}` is added",
                "nothing to do",
                new_enum.line,
            )
        elif new_enum is None:
            ctx.add(
                Kind.ENUM_REMOVED,
                here,
                f"enum `{old_enum.full_name}` is removed",
                "nothing to do for the registry",
                old_enum.line,
                "original",
            )
        else:
            _enum(ctx, here, old_enum, new_enum)


def _enum(ctx: _Context, path: str, old: Enum, new: Enum) -> None:
    for number in sorted(old.constants.keys() | new.constants.keys()):
        here = f"{path}/{number}"
        before, after = old.constants.get(number), new.constants.get(number)
        if before is None:
            ctx.add(
                Kind.ENUM_CONST_ADDED,
                here,
                f"enum `{new.full_name}` gains `{after}` = {number}",
                "nothing to do",
                new.line,
            )
        elif after is None:
            ctx.add(
                Kind.ENUM_CONST_REMOVED,
                here,
                f"enum `{old.full_name}` loses `{before}` = {number}",
                "reserve the number so it is never reused",
                old.line,
                "original",
            )
        elif before != after:
            ctx.add(
                Kind.ENUM_CONST_CHANGED,
                here,
                f"enum `{new.full_name}` value {number} is renamed from `{before}` to `{after}`",
                "nothing to do for the binary encoding",
                new.line,
            )


def _message(ctx: _Context, path: str, old: Message, new: Message) -> None:
    key = (old.full_name, new.full_name)
    if key in ctx.active:
        return  # a recursive message is not re-entered while it is being compared
    ctx.active.add(key)
    try:
        _fields(ctx, path, old, new)
        _types(ctx, path, old.messages, new.messages, old.enums, new.enums)
    finally:
        ctx.active.discard(key)


def _field_path(path: str, field: Field) -> str:
    return f"{path}/{field.oneof}/{field.number}" if field.oneof else f"{path}/{field.number}"


def _describe(field: Field, message: Message) -> str:
    return f"field `{field.name}` = {field.number} (in message `{message.full_name}`)"


def _fields(ctx: _Context, path: str, old: Message, new: Message) -> None:
    old_oneofs, new_oneofs = set(old.oneofs), set(new.oneofs)
    for name in sorted(new_oneofs - old_oneofs):
        ctx.add(
            Kind.ONEOF_ADDED,
            f"{path}/{name}",
            f"oneof `{name}` is added to message `{new.full_name}`",
            "nothing to do",
            new.line,
        )
    for name in sorted(old_oneofs - new_oneofs):
        ctx.add(
            Kind.ONEOF_REMOVED,
            f"{path}/{name}",
            f"oneof `{name}` is removed from message `{old.full_name}`",
            "nothing to do for the registry",
            old.line,
            "original",
        )
    # an old oneof is "completely deleted" when its name is gone and none of its members is
    # left anywhere in the update
    surviving = {
        f.oneof for number, f in old.fields.items() if f.oneof and number in new.fields
    } | new_oneofs
    for number in sorted(old.fields.keys() | new.fields.keys()):
        before, after = old.fields.get(number), new.fields.get(number)
        if before is None:
            assert after is not None
            here = _field_path(path, after)
            if after.oneof:
                ctx.add(
                    Kind.ONEOF_FIELD_ADDED,
                    here,
                    f"{_describe(after, new)} is added to oneof `{after.oneof}`: a "
                    "reader without it would not see that the oneof is set",
                    "add new oneof members only when every consumer upgrades first",
                    after.line,
                )
            elif after.label == "required":
                ctx.add(
                    Kind.REQUIRED_FIELD_ADDED,
                    here,
                    f"required {_describe(after, new)} is added: data written without it "
                    "fails to parse in consumers reading with the reader's schema",
                    "add the field as optional instead of required",
                    after.line,
                )
            else:
                ctx.add(
                    Kind.FIELD_ADDED,
                    here,
                    f"{_describe(after, new)} is added",
                    "nothing to do",
                    after.line,
                )
        elif after is None:
            here = _field_path(path, before)
            if before.oneof:
                if before.oneof in surviving:
                    ctx.add(
                        Kind.ONEOF_FIELD_REMOVED,
                        here,
                        f"{_describe(before, old)} is removed from oneof `{before.oneof}`, "
                        "which still exists: a value the writer sets in it is lost to "
                        "consumers reading with the reader's schema",
                        "keep the member (mark it deprecated), or remove the whole oneof",
                        before.line,
                        "original",
                    )
            elif before.label == "required":
                ctx.add(
                    Kind.REQUIRED_FIELD_REMOVED,
                    here,
                    f"required {_describe(before, old)} is removed: consumers that still "
                    "require it reject data written without it",
                    "make the field optional in every consumer first, then remove it",
                    before.line,
                    "original",
                )
            else:
                ctx.add(
                    Kind.FIELD_REMOVED,
                    here,
                    f"{_describe(before, old)} is removed",
                    "reserve its number and name so they are never reused",
                    before.line,
                    "original",
                )
        else:
            _same_tag(ctx, path, old, new, before, after)
    _oneof_moves(ctx, path, old, new)


def _oneof_moves(ctx: _Context, path: str, old: Message, new: Message) -> None:
    for oneof in new.oneofs:
        members = [f for f in new.fields.values() if f.oneof == oneof and f.number in old.fields]
        origins: set[tuple[str, object]] = set()
        top_level = 0
        for member in members:
            before = old.fields[member.number]
            if before.oneof:
                origins.add(("oneof", before.oneof))
            else:
                origins.add(("field", member.number))
                top_level += 1
        if len(origins) <= 1:
            continue
        names = ", ".join(f"`{m.name}`" for m in sorted(members, key=lambda m: m.number))
        here = f"{path}/{oneof}"
        if top_level >= 2:
            ctx.add(
                Kind.MULTIPLE_FIELDS_MOVED_TO_ONEOF,
                here,
                f"fields {names} of message `{new.full_name}` are independent in the "
                f"writer's schema but share oneof `{oneof}` in the reader's: when the "
                "writer sets several, the reader keeps only the last",
                "leave existing fields where they are; add a new oneof with new fields",
                new.line,
            )
        else:
            ctx.add(
                Kind.FIELD_MOVED_TO_EXISTING_ONEOF,
                here,
                f"oneof `{oneof}` of message `{new.full_name}` gathers fields {names} that "
                "were not in one oneof in the writer's schema: values the writer sets "
                "together overwrite each other in the reader",
                "leave existing fields outside the oneof; add new members instead",
                new.line,
            )


def _same_tag(
    ctx: _Context, path: str, old: Message, new: Message, before: Field, after: Field
) -> None:
    here = _field_path(path, after)
    if before.oneof and not after.oneof:
        ctx.add(
            Kind.ONEOF_FIELD_MOVED_TO_TOP_LEVEL,
            here,
            f"{_describe(after, new)} moves out of oneof `{before.oneof}` to the top level",
            "nothing to do for the registry",
            after.line,
        )
    if before.name != after.name:
        ctx.add(
            Kind.FIELD_NAME_CHANGED,
            here,
            f"field {after.number} of message `{new.full_name}` is renamed from "
            f"`{before.name}` to `{after.name}`",
            "nothing to do for the binary encoding; JSON consumers see a new key",
            after.line,
        )
    _compare_types(ctx, here, new, before, after, True)


def _compare_types(
    ctx: _Context,
    here: str,
    new: Message,
    before: Field,
    after: Field,
    labels: bool,
    what: str = "",
) -> None:
    what = what or _describe(after, new)
    if before.kind != after.kind:
        ctx.add(
            Kind.FIELD_KIND_CHANGED,
            here,
            f"{what} is {_kind_text(ctx.original, before)} in the writer's schema but "
            f"{_kind_text(ctx.update, after)} in the reader's: the wire types differ, so "
            "consumers cannot read the writer's values",
            "add a new field with a new number for the new type and deprecate this one",
            after.line,
        )
        return
    if before.kind == SCALAR:
        old_group, new_group = SCALAR_GROUPS[before.scalar], SCALAR_GROUPS[after.scalar]
        if old_group != new_group:
            ctx.add(
                Kind.FIELD_SCALAR_KIND_CHANGED,
                here,
                f"{what} is {before.type_text(ctx.original)} in the writer's schema but "
                f"{after.type_text(ctx.update)} in the reader's: the encodings differ, so "
                "consumers misread or drop the writer's values",
                "keep the type (only int32/int64/uint32/uint64/bool/enum, sint32/sint64, "
                "string/bytes, fixed32/sfixed32 and fixed64/sfixed64 interchange), or add "
                "a new field",
                after.line,
            )
            return
        if labels and before.label and after.label and before.label != after.label:
            if old_group == "STRING_OR_BYTES":
                ctx.add(
                    Kind.FIELD_STRING_OR_BYTES_LABEL_CHANGED,
                    here,
                    f"{what} changes from {before.label} to {after.label}",
                    "check that consumers cope with the new cardinality",
                    after.line,
                )
            else:
                ctx.add(
                    Kind.FIELD_NUMERIC_LABEL_CHANGED,
                    here,
                    f"{what} changes from {before.label} to {after.label}: numeric values "
                    "are encoded differently (packed or not, one or many), so consumers "
                    "misread them",
                    "keep the label; add a new field for the new cardinality",
                    after.line,
                )
        return
    if before.kind == MAP:
        assert before.key
        assert after.key
        assert before.value
        assert after.value
        _compare_types(ctx, here, new, before.key, after.key, False, f"the key of map {what}")
        _compare_types(ctx, here, new, before.value, after.value, False, f"the value of map {what}")
        return
    assert before.kind == MESSAGE
    old_local = ctx.original.local_name(before.type_name)
    new_local = ctx.update.local_name(after.type_name)
    if old_local != new_local:
        ctx.add(
            Kind.FIELD_NAMED_TYPE_CHANGED,
            here,
            f"{what} is of message type `{old_local}` in the writer's schema but "
            f"`{new_local}` in the reader's: the registry treats them as different types",
            "keep the field's type; add a new field for the other message",
            after.line,
        )
        return
    old_source = ctx.original.source_of(before.type_name)
    new_source = ctx.update.source_of(after.type_name)
    if old_source == "" and new_source == "":
        return  # both in the root file: compared by the main traversal
    if old_source == new_source and not old_source.startswith("wkt:"):
        return  # the same imported file on both sides
    old_message = ctx.original.all_messages.get(before.type_name)
    new_message = ctx.update.all_messages.get(after.type_name)
    if old_message is None or new_message is None:
        return
    inner = _Context(ctx.original, ctx.update)
    inner.active = ctx.active
    _message(inner, f"/{new_local}", old_message, new_message)
    if any(not d.kind.compatible for d in inner.found):
        ctx.found.extend(inner.found)
        ctx.add(
            Kind.FIELD_NAMED_TYPE_CHANGED,
            here,
            f"{what} refers to message `{new_local}`, which is incompatible between the "
            "writer's and the reader's version of its file",
            "make the imported message's change compatible, or refer to the version the "
            "other side uses",
            after.line,
        )


def _kind_text(schema: ProtoSchema, field: Field) -> str:
    if field.kind == MAP:
        return f"a map ({field.type_text(schema)})"
    if field.kind == MESSAGE:
        return f"a message ({field.type_text(schema)})"
    if field.scalar == "enum":
        return f"an enum ({field.type_text(schema)})"
    return f"a scalar ({field.scalar})"
