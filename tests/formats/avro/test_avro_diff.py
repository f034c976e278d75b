"""The changelog: each change in plain words, judged by the checker in both directions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from gate.errors import SchemaInvalid
from gate.formats import Change, CheckOptions
from gate.formats.avro import FORMAT
from gate.formats.avro.rules import ERROR_RULES
from gate.model import Origin, OriginKind, Schema, SchemaType
from tests.support.paths import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

    from gate.formats.avro.nodes import AvroSchema

OPTIONS = CheckOptions()
FIXTURES = REPO_ROOT / "fixtures" / "rules" / "avro"


def parse(value: Any) -> AvroSchema:
    return FORMAT.parse(
        Schema(SchemaType.AVRO, json.dumps(value, indent=2), Origin(OriginKind.FILE, "s.avsc")),
        OPTIONS,
    )


def diff(old: Any, new: Any) -> list[Change]:
    return FORMAT.diff(parse(old), parse(new), OPTIONS)


def record(fields: list[Any], name: str = "User", **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "com.example", **extra, "fields": fields}


ID = {"name": "id", "type": "long"}


def enum(symbols: list[str], **extra: Any) -> dict[str, Any]:
    return {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": symbols, **extra}}


# (old fields, new fields, description fragment, path, backward ok, forward ok, rules)
CASES = [
    (
        [ID],
        [ID, {"name": "email", "type": ["null", "string"], "default": None}],
        "field `email` added with default null",
        "/fields/1",
        True,
        True,
        (),
    ),
    (
        [ID],
        [ID, {"name": "email", "type": "string"}],
        "field `email` added without a default",
        "/fields/1",
        False,
        True,
        ("AVRO_READER_FIELD_MISSING_DEFAULT",),
    ),
    (
        [ID, {"name": "email", "type": "string"}],
        [ID],
        "field `email` removed from record `User`",
        "/fields/1",
        True,
        False,
        ("AVRO_READER_FIELD_MISSING_DEFAULT",),
    ),
    (
        [ID, {"name": "email", "type": "string", "default": ""}],
        [ID],
        "field `email` removed from record `User` (it had a default)",
        "/fields/1",
        True,
        True,
        (),
    ),
    (
        [ID, {"name": "age", "type": "int"}],
        [ID, {"name": "age", "type": "long"}],
        "type of field `age` (in record `User`) changed from int to long",
        "/fields/1/type",
        True,
        False,
        ("AVRO_TYPE_MISMATCH",),
    ),
    (
        [ID, {"name": "age", "type": "string"}],
        [ID, {"name": "age", "type": "int"}],
        "type of field `age` (in record `User`) changed from string to int",
        "/fields/1/type",
        False,
        False,
        ("AVRO_TYPE_MISMATCH",),
    ),
    (
        [ID, {"name": "a", "type": "string"}],
        [ID, {"name": "b", "type": "string", "aliases": ["a"]}],
        "field `a` renamed to `b` (alias)",
        "/fields/1",
        True,
        False,
        ("AVRO_READER_FIELD_MISSING_DEFAULT",),
    ),
    (
        [ID, enum(["RED", "BLUE"])],
        [ID, enum(["RED"])],
        "symbol `BLUE` removed from enum `Color`",
        "/fields/1/type/symbols/1",
        False,
        True,
        ("AVRO_MISSING_ENUM_SYMBOLS",),
    ),
    (
        [ID, enum(["RED"])],
        [ID, enum(["RED", "BLUE"])],
        "symbol `BLUE` added to enum `Color`",
        "/fields/1/type/symbols/1",
        True,
        False,
        ("AVRO_MISSING_ENUM_SYMBOLS",),
    ),
    (
        [ID, enum(["UNKNOWN", "RED"], default="UNKNOWN")],
        [ID, enum(["UNKNOWN", "RED", "BLUE"], default="UNKNOWN")],
        "symbol `BLUE` added to enum `Color`",
        "/fields/1/type/symbols/2",
        True,
        True,
        (),
    ),
    (
        [ID, enum(["RED"])],
        [ID, enum(["RED"], default="RED")],
        "default `RED` added to enum `Color`",
        "/fields/1/type",
        True,
        True,
        (),
    ),
    (
        [ID, {"name": "c", "type": ["null", "string", "long"], "default": None}],
        [ID, {"name": "c", "type": ["null", "long"], "default": None}],
        "branch `string` removed from union at field `c` (in record `User`)",
        "/fields/1/type/1",
        False,
        True,
        ("AVRO_MISSING_UNION_BRANCH",),
    ),
    (
        [ID, {"name": "c", "type": ["null", "long"], "default": None}],
        [ID, {"name": "c", "type": ["null", "long", "string"], "default": None}],
        "branch `string` added to the union at field `c` (in record `User`)",
        "/fields/1/type/2",
        True,
        False,
        ("AVRO_MISSING_UNION_BRANCH",),
    ),
    (
        [ID, {"name": "c", "type": ["null", "string"], "default": None}],
        [ID, {"name": "c", "type": ["string", "null"], "default": "x"}],
        "branches of the union at field `c` (in record `User`) reordered",
        "/fields/1/type",
        True,
        True,
        (),
    ),
    (
        [ID, {"name": "n", "type": "string"}],
        [ID, {"name": "n", "type": ["null", "string"], "default": None}],
        "field `n` (in record `User`) made nullable: string became union [null, string]",
        "/fields/1/type",
        True,
        False,
        ("AVRO_TYPE_MISMATCH",),
    ),
    (
        [ID, {"name": "n", "type": ["null", "string"], "default": None}],
        [ID, {"name": "n", "type": "string"}],
        "type of field `n` (in record `User`) changed from union [null, string] to string",
        "/fields/1/type",
        False,
        True,
        ("AVRO_TYPE_MISMATCH",),
    ),
    (
        [ID, {"name": "h", "type": {"type": "fixed", "name": "H", "size": 16}}],
        [ID, {"name": "h", "type": {"type": "fixed", "name": "H", "size": 32}}],
        "size of fixed `H` changed from 16 to 32 bytes",
        "/fields/1/type/size",
        False,
        False,
        ("AVRO_FIXED_SIZE_MISMATCH",),
    ),
    (
        [ID, {"name": "n", "type": "int", "default": 1}],
        [ID, {"name": "n", "type": "int", "default": 2}],
        "default of field `n` (in record `User`) changed from 1 to 2",
        "/fields/1",
        True,
        True,
        (),
    ),
    (
        [ID, {"name": "n", "type": "int", "doc": "a"}],
        [ID, {"name": "n", "type": "int", "doc": "b"}],
        "documentation of field `n` (in record `User`) changed",
        "/fields/1",
        True,
        True,
        (),
    ),
    (
        [ID, {"name": "n", "type": "int"}],
        [{"name": "n", "type": "int"}, ID],
        "fields of record `User` reordered",
        "/fields",
        True,
        True,
        (),
    ),
    (
        [ID, {"name": "t", "type": {"type": "long", "logicalType": "timestamp-millis"}}],
        [ID, {"name": "t", "type": {"type": "long", "logicalType": "timestamp-micros"}}],
        "unit of field `t` (in record `User`) changed from timestamp-millis to timestamp-micros",
        "/fields/1/type",
        True,
        True,
        ("AVRO_TIMESTAMP_PRECISION_CHANGED",),
    ),
    (
        [ID, {"name": "d", "type": "int"}],
        [ID, {"name": "d", "type": {"type": "int", "logicalType": "date"}}],
        "logical type date added to field `d` (in record `User`)",
        "/fields/1/type",
        True,
        True,
        ("AVRO_LOGICAL_TYPE_CHANGED",),
    ),
    (
        [
            ID,
            {
                "name": "p",
                "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2},
            },
        ],
        [
            ID,
            {
                "name": "p",
                "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 3},
            },
        ],
        "scale of the decimal at field `p` (in record `User`) changed from 2 to 3",
        "/fields/1/type",
        True,
        True,
        ("AVRO_DECIMAL_SCALE_CHANGED",),
    ),
    (
        [ID, {"name": "tags", "type": {"type": "array", "items": "int"}}],
        [ID, {"name": "tags", "type": {"type": "array", "items": "long"}}],
        "type of the items of field `tags` (in record `User`) changed from int to long",
        "/fields/1/type/items",
        True,
        False,
        ("AVRO_TYPE_MISMATCH",),
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "text", "path", "backward", "forward", "rules"),
    CASES,
    ids=[case[2].split(" (")[0] for case in CASES],
)
def test_each_change_is_described_and_judged(
    old: list[Any],
    new: list[Any],
    text: str,
    path: str,
    backward: bool,
    forward: bool,
    rules: tuple[str, ...],
) -> None:
    changes = diff(record(old), record(new))
    [change] = [c for c in changes if text in c.description]
    assert change.path == path
    assert (change.backward_ok, change.forward_ok) == (backward, forward)
    assert change.rules == rules


def test_identical_schemas_have_no_changes() -> None:
    value = record([ID, enum(["A"])])
    assert diff(value, value) == []


def test_renamed_records() -> None:
    [renamed] = diff(record([ID]), record([ID], name="Customer"))
    assert renamed.description == "record `User` renamed to `Customer` (without an alias)"
    assert (renamed.path, renamed.backward_ok, renamed.forward_ok) == ("/name", False, False)
    [aliased] = diff(record([ID]), record([ID], name="Customer", aliases=["User"]))
    assert aliased.description == "record `User` renamed to `Customer` (alias)"
    assert (aliased.backward_ok, aliased.forward_ok) == (True, False)
    [moved] = diff(record([ID]), record([ID], namespace="org.example"))
    assert "namespace of record `User` changed" in moved.description
    assert (moved.backward_ok, moved.forward_ok) == (True, True)


def test_changes_inside_a_union_branch_are_found_and_judged() -> None:
    def event(address_fields: list[Any]) -> dict[str, Any]:
        address = {"type": "record", "name": "Address", "fields": address_fields}
        return record([ID, {"name": "home", "type": ["null", address], "default": None}])

    changes = diff(event([]), event([{"name": "zip", "type": "string"}]))
    assert [(c.description, c.path, c.backward_ok, c.forward_ok) for c in changes] == [
        (
            "field `zip` added without a default (in record `Address`)",
            "/fields/1/type/1/fields/0",
            False,
            True,
        ),
    ]


def test_a_change_inside_a_type_made_nullable_is_not_blamed_on_the_nullability() -> None:
    def address(fields: list[Any]) -> dict[str, Any]:
        return {"type": "record", "name": "Address", "fields": fields}

    old = record([ID, {"name": "home", "type": address([])}])
    new = record(
        [
            ID,
            {
                "name": "home",
                "type": ["null", address([{"name": "zip", "type": "string"}])],
                "default": None,
            },
        ]
    )
    changes = {c.description: (c.backward_ok, c.forward_ok) for c in diff(old, new)}
    assert changes == {
        "field `home` (in record `User`) made nullable: record `Address` became union "
        "[null, Address]": (True, False),
        "field `zip` added without a default (in record `Address`)": (False, True),
        "default null added to field `home` (in record `User`)": (True, True),
    }


def test_a_recursive_type_is_walked_once() -> None:
    def node(label_type: str) -> dict[str, Any]:
        return {
            "type": "record",
            "name": "Node",
            "fields": [
                {"name": "label", "type": label_type},
                {"name": "next", "type": ["null", "Node"], "default": None},
            ],
        }

    changes = diff(node("int"), node("long"))
    assert [(c.description, c.backward_ok, c.forward_ok) for c in changes] == [
        ("type of field `label` (in record `Node`) changed from int to long", True, False)
    ]


def _valid_fixture_pairs() -> list[Path]:
    out = []
    for folder in sorted(path for path in FIXTURES.iterdir() if path.is_dir()):
        try:
            parse(json.loads((folder / "new.avsc").read_text(encoding="utf-8")))
        except SchemaInvalid:
            continue
        out.append(folder)
    return out


@pytest.mark.parametrize("folder", _valid_fixture_pairs(), ids=lambda folder: folder.name)
def test_changes_agree_with_the_checker_on_every_fixture(folder: Path) -> None:
    old = parse(json.loads((folder / "old.avsc").read_text(encoding="utf-8")))
    new = parse(json.loads((folder / "new.avsc").read_text(encoding="utf-8")))
    changes = FORMAT.diff(old, new, OPTIONS)
    assert changes
    backward = [i for i in FORMAT.check(new, old, OPTIONS) if i.rule in ERROR_RULES]
    forward = [i for i in FORMAT.check(old, new, OPTIONS) if i.rule in ERROR_RULES]
    assert all(c.backward_ok for c in changes) is (not backward)
    assert all(c.forward_ok for c in changes) is (not forward)
    messages = {i.message for i in (*backward, *forward)}
    # every incompatibility belongs to a described change, not to a catch-all
    assert not [c for c in changes if c.description in messages]


# -- union branches read by another branch of their kind ------------------------------------------
#
# A reader union with no branch for a writer type by name explains the failure with its first
# branch of the same kind (as Java's resolution falls back to it). What that branch reports is a
# consequence of the change that left the writer type without a branch of its name: a rename, or
# a branch added or removed. That change owns it; no catch-all entry repeats the checker.


def _judged(old: Any, new: Any) -> list[Change]:
    """The changes of `old` -> `new`, held to agree with the checker with no catch-all entry."""
    o, n = parse(old), parse(new)
    changes = FORMAT.diff(o, n, OPTIONS)
    backward = [i for i in FORMAT.check(n, o, OPTIONS) if i.rule in ERROR_RULES]
    forward = [i for i in FORMAT.check(o, n, OPTIONS) if i.rule in ERROR_RULES]
    assert all(c.backward_ok for c in changes) is (not backward)
    assert all(c.forward_ok for c in changes) is (not forward)
    messages = {i.message for i in (*backward, *forward)}
    assert not [c for c in changes if c.description in messages], changes
    return changes


def _in_union(*branches: Any) -> dict[str, Any]:
    return record([ID, {"name": "v", "type": ["null", *branches], "default": None}])


def _fixed(name: str, size: int, **extra: Any) -> dict[str, Any]:
    return {"type": "fixed", "name": name, "size": size, **extra}


def _enum(name: str, symbols: list[str], **extra: Any) -> dict[str, Any]:
    return {"type": "enum", "name": name, "symbols": symbols, **extra}


def _record(name: str, fields: list[Any], **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": fields, **extra}


def test_a_fixed_renamed_in_a_union_owns_the_branch_old_readers_fall_back_to() -> None:
    old = _in_union(_fixed("F3", 2), _fixed("F4", 4))
    new = _in_union(_fixed("F3", 2), _fixed("F4x", 4, aliases=["com.example.F4"]))
    [renamed] = _judged(old, new)
    assert renamed.description == (
        "fixed `F4` renamed to `F4x` (alias): readers of the old schema have no alias "
        "`com.example.F4x` and match it to fixed `F3` of 2 bytes"
    )
    assert (renamed.path, renamed.backward_ok, renamed.forward_ok) == (
        "/fields/1/type/2/name",
        True,
        False,
    )
    assert renamed.rules == ("AVRO_FIXED_SIZE_MISMATCH", "AVRO_NAME_MISMATCH")


def test_a_type_renamed_in_a_union_without_an_alias_breaks_both_ways_through_the_fallback() -> None:
    old = _in_union(_fixed("F3", 2), _fixed("F4", 4))
    new = _in_union(_fixed("F3", 2), _fixed("F4x", 4))
    [renamed] = _judged(old, new)
    assert renamed.description == (
        "fixed `F4` renamed to `F4x` (without an alias): readers of the old schema have no "
        "alias `com.example.F4x` and match it to fixed `F3` of 2 bytes; readers of the new "
        "schema have no alias `com.example.F4` and match it to fixed `F3` of 2 bytes"
    )
    assert (renamed.backward_ok, renamed.forward_ok) == (False, False)
    assert renamed.rules == ("AVRO_FIXED_SIZE_MISMATCH", "AVRO_NAME_MISMATCH")
    # renamed back without the alias: only new readers lose the name
    aliased = _in_union(_fixed("F3", 2), _fixed("F4x", 4, aliases=["F4"]))
    [back] = _judged(aliased, old)
    assert back.description == (
        "fixed `F4x` renamed to `F4` (without an alias): readers of the new schema have no alias "
        "`com.example.F4x` and match it to fixed `F3` of 2 bytes"
    )
    assert (back.backward_ok, back.forward_ok) == (False, True)


def test_an_enum_renamed_in_a_union_owns_the_symbols_the_fallback_lacks() -> None:
    old = _in_union(_enum("E3", ["A"]), _enum("E4", ["A", "B"]))
    new = _in_union(_enum("E3", ["A"]), _enum("E4x", ["A", "B"], aliases=["com.example.E4"]))
    [renamed] = _judged(old, new)
    assert renamed.description == (
        "enum `E4` renamed to `E4x` (alias): readers of the old schema have no alias "
        "`com.example.E4x` and match it to enum `E3`, which lacks symbol `B`"
    )
    assert (renamed.backward_ok, renamed.forward_ok) == (True, False)
    assert renamed.rules == ("AVRO_MISSING_ENUM_SYMBOLS", "AVRO_NAME_MISMATCH")


def test_a_record_renamed_in_a_union_owns_the_fields_the_fallback_cannot_fill() -> None:
    old = _in_union(
        _record("R3", [{"name": "a", "type": "int"}]), _record("R4", [{"name": "b", "type": "int"}])
    )
    new = _in_union(
        _record("R3", [{"name": "a", "type": "int"}]),
        _record("R4x", [{"name": "b", "type": "int"}], aliases=["com.example.R4"]),
    )
    [renamed] = _judged(old, new)
    assert renamed.description == (
        "record `R4` renamed to `R4x` (alias): readers of the old schema have no alias "
        "`com.example.R4x` and match it to record `R3`, which cannot read it"
    )
    assert (renamed.backward_ok, renamed.forward_ok) == (True, False)
    assert renamed.rules == ("AVRO_NAME_MISMATCH", "AVRO_READER_FIELD_MISSING_DEFAULT")


def test_a_rename_whose_fallback_differs_only_by_name_adds_no_note() -> None:
    old = _in_union(_fixed("F3", 4), _fixed("F4", 4))
    new = _in_union(_fixed("F3", 4), _fixed("F4x", 4, aliases=["com.example.F4"]))
    [renamed] = _judged(old, new)
    assert renamed.description == "fixed `F4` renamed to `F4x` (alias)"
    assert (renamed.backward_ok, renamed.forward_ok, renamed.rules) == (
        True,
        False,
        ("AVRO_NAME_MISMATCH",),
    )


A_NEEDED = _record("R2", [{"name": "a", "type": "null"}])
EMPTY = _record("R1", [])


@pytest.mark.parametrize(
    ("old_type", "new_type", "text", "backward", "forward"),
    [
        ([EMPTY, A_NEEDED], [A_NEEDED], "branch `R1` removed from union", False, True),
        ([A_NEEDED], [EMPTY, A_NEEDED], "branch `R1` added to the union", True, False),
        (
            [A_NEEDED, EMPTY],
            A_NEEDED,
            "changed from union [R2, R1] to record `R2`",
            False,
            True,
        ),
        (
            A_NEEDED,
            [A_NEEDED, EMPTY],
            "changed from record `R2` to union [R2, R1]",
            True,
            False,
        ),
    ],
    ids=["removed", "added", "unwrapped", "wrapped"],
)
def test_a_branch_added_or_removed_owns_what_the_other_record_branch_reports(
    old_type: Any, new_type: Any, text: str, backward: bool, forward: bool
) -> None:
    # the other version reads `R1` with `R2`, which has no default for `a`
    changes = _judged(
        record([{"name": "v", "type": old_type}]), record([{"name": "v", "type": new_type}])
    )
    [change] = [c for c in changes if text in c.description]
    assert (change.backward_ok, change.forward_ok) == (backward, forward)
    assert change.rules == ("AVRO_NAME_MISMATCH", "AVRO_READER_FIELD_MISSING_DEFAULT")


def test_a_changed_type_owns_what_reading_it_reports_in_types_defined_elsewhere() -> None:
    # old readers read `R4` with `R2`, whose field `n` reads `R6` with `Top`, defined at the root:
    # `Top.x` has no default, far from the field whose type changed
    def top(b: Any) -> dict[str, Any]:
        return {"type": "record", "name": "Top", "fields": [{"name": "x", "type": "int"}, b]}

    r2 = _record("R2", [{"name": "n", "type": ["null", "Top"], "default": None}])
    old = top({"name": "b", "type": ["null", r2, _record("R3", [])], "default": None})
    new = top({"name": "b", "type": _record("R4", [{"name": "n", "type": [_record("R6", [])]}])})
    changes = _judged(old, new)
    [changed] = [c for c in changes if "changed from union [null, R2, R3]" in c.description]
    assert (changed.backward_ok, changed.forward_ok) == (False, False)
    assert "AVRO_READER_FIELD_MISSING_DEFAULT" in changed.rules
