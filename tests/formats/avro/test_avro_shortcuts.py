"""The Avro engine's shortcuts give exactly the answers of the long way round.

Checking skips types with equal fingerprints; parsing asks fastavro only about schemas that hold
something it reads differently from Java, shares simple fields between versions of a schema, and
measures how deeply a text nests only when Python's own decoder cannot vouch for it. Each is held
here to the result without it.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.errors import SchemaInvalid
from gate.formats import CheckOptions
from gate.formats.avro import FORMAT
from gate.formats.avro.check import Checker
from gate.formats.avro.loadjson import load, nesting_depth
from gate.formats.avro.nodes import AvroSchema, Named, Node, Record, Union
from gate.formats.avro.parse import clear_caches, parse_schema
from gate.formats.avro.rules import NAME_MISMATCH
from gate.model import Origin, OriginKind, Schema, SchemaType
from tests.support.avro_shapes import Gen

OPTIONS = CheckOptions()


def schema_of(value: Any, refs: tuple[tuple[str, str], ...] = ()) -> Schema:
    text = value if isinstance(value, str) else json.dumps(value, indent=2)
    return Schema(
        SchemaType.AVRO, text, Origin(OriginKind.FILE, "s.avsc"), resolved_references=refs
    )


def parse(value: Any) -> AvroSchema:
    return FORMAT.parse(schema_of(value), OPTIONS)


def record(fields: list[Any], name: str = "R", **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, **extra, "fields": fields}


def field_type(parsed: AvroSchema, index: int) -> Node:
    assert isinstance(parsed.root, Record)
    return parsed.root.fields[index].type


def outcome(schema: Schema, **options: Any) -> Any:
    """Everything a parse yields, as plain values: the error, or the JSON and the node graph."""
    try:
        parsed = parse_schema(schema, **options)
    except SchemaInvalid as error:
        return ("invalid", error.message, error.pointer, error.line)
    return ("valid", json.dumps(parsed.json), sorted(parsed.names), graph(parsed.root, set()))


def graph(node: Node, seen: set[str]) -> Any:
    out: list[Any] = [node.kind, node.pointer, repr(node.logical)]
    if isinstance(node, Named):
        out += [node.fullname, sorted(node.aliases), node.raw_aliases, node.doc, dict(node.props)]
        if node.fullname in seen:
            return out
        seen.add(node.fullname)
    for name in ("symbols", "default", "size", "is_error"):
        out.append(repr(getattr(node, name, None)))
    if isinstance(node, Record):
        for f in node.fields:
            out.append(
                (
                    f.name,
                    f.index,
                    f.pointer,
                    f.has_default,
                    json.dumps(f.default),
                    f.aliases,
                    f.doc,
                    f.order,
                    json.dumps(dict(f.props)),
                    graph(f.type, seen),
                )
            )
    for child in ("items", "values"):
        if hasattr(node, child):
            out.append(graph(getattr(node, child), seen))
    if isinstance(node, Union):
        out += [graph(branch, seen) for branch in node.branches]
    return out


# -- fingerprints ---------------------------------------------------------------------------------

NESTED: dict[str, Any] = {
    "type": "record",
    "name": "Inner",
    "fields": [
        {"name": "a", "type": "int"},
        {"name": "b", "type": ["null", "string"], "default": None},
        {"name": "c", "type": {"type": "enum", "name": "Colour", "symbols": ["RED", "BLUE"]}},
        {
            "name": "d",
            "type": {
                "type": "fixed",
                "name": "Money",
                "size": 8,
                "logicalType": "decimal",
                "precision": 10,
                "scale": 2,
            },
        },
        {"name": "e", "type": {"type": "array", "items": {"type": "map", "values": "long"}}},
        {"name": "f", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ],
}


def test_types_unchanged_between_versions_have_equal_fingerprints() -> None:
    old = parse(record([{"name": "inner", "type": NESTED}]))
    new = parse(
        record(
            [
                {"name": "inner", "type": NESTED},
                {"name": "added", "type": ["null", "int"], "default": None},
            ]
        )
    )
    assert field_type(old, 0).fp is not None
    assert field_type(old, 0).fp == field_type(new, 0).fp
    for name in ("Colour", "Money"):
        assert old.names[name].fp == new.names[name].fp
    assert old.root.fp != new.root.fp


def _variants() -> list[tuple[str, Any]]:
    def changed(path: list[Any], value: Any) -> dict[str, Any]:
        out = copy.deepcopy(NESTED)
        target: Any = out
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        return out

    return [
        ("symbol added", changed(["fields", 2, "type", "symbols"], ["RED", "BLUE", "GREEN"])),
        ("symbols reordered", changed(["fields", 2, "type", "symbols"], ["BLUE", "RED"])),
        ("enum default", changed(["fields", 2, "type", "default"], "RED")),
        ("enum alias", changed(["fields", 2, "type", "aliases"], ["Color"])),
        ("record renamed", changed(["name"], "Inner2")),
        ("namespace", changed(["namespace"], "other")),
        ("field default added", changed(["fields", 0, "default"], 1)),
        ("field alias", changed(["fields", 0, "aliases"], ["z"])),
        ("field renamed", changed(["fields", 0, "name"], "z")),
        ("type promoted", changed(["fields", 0, "type"], "long")),
        ("fixed size", changed(["fields", 3, "type", "size"], 9)),
        ("decimal precision", changed(["fields", 3, "type", "precision"], 11)),
        ("timestamp unit", changed(["fields", 5, "type", "logicalType"], "timestamp-micros")),
        ("map values", changed(["fields", 4, "type", "items", "values"], "int")),
        ("union order", changed(["fields", 1, "type"], ["string", "null"])),
    ]


@pytest.mark.parametrize(("what", "variant"), _variants(), ids=[w for w, _ in _variants()])
def test_a_change_that_resolution_reads_changes_the_fingerprint(what: str, variant: Any) -> None:
    if what == "union order":
        del variant["fields"][1]["default"]
    base, other = parse(NESTED), parse(variant)
    assert base.root.fp is not None
    assert other.root.fp is not None
    assert base.root.fp != other.root.fp


def test_what_resolution_does_not_read_leaves_the_fingerprint_alone() -> None:
    other = copy.deepcopy(NESTED)
    other["doc"] = "documented"
    other["owner"] = "team"
    other["fields"][0]["doc"] = "a number"
    other["fields"][0]["order"] = "descending"
    other["fields"][1]["x-pii"] = True
    assert parse(NESTED).root.fp == parse(other).root.fp


def test_recursive_types_and_types_that_hold_them_have_no_fingerprint() -> None:
    node = record(
        [{"name": "next", "type": ["null", "Node"], "default": None}, {"name": "v", "type": "int"}],
        name="Node",
    )
    parsed = parse(record([{"name": "list", "type": node}, {"name": "n", "type": "int"}]))
    assert parsed.names["Node"].fp is None
    assert parsed.root.fp is None
    assert field_type(parsed, 1).fp == "int"


@pytest.mark.parametrize(
    ("value", "rules"),
    [
        # read by an identical record, field `b` matches `a` by alias and `b` by name
        (
            record([{"name": "a", "type": "int"}, {"name": "b", "type": "int", "aliases": ["a"]}]),
            [NAME_MISMATCH],
        ),
        # the writer's int branch is read by the reader's long branch first: a meaning warning
        (
            {
                "type": "array",
                "items": [
                    {"type": "long", "logicalType": "timestamp-millis"},
                    {"type": "int", "logicalType": "date"},
                ],
            },
            ["AVRO_LOGICAL_TYPE_CHANGED"],
        ),
        # two records in one union: each is checked against the other in full
        (
            {
                "type": "map",
                "values": [
                    "null",
                    record([{"name": "a", "type": "int"}], name="A"),
                    record([{"name": "a", "type": "int"}], name="B"),
                ],
            },
            [],
        ),
    ],
)
def test_types_not_free_of_issues_against_themselves_have_no_fingerprint(
    value: Any, rules: list[str]
) -> None:
    parsed = parse(value)
    assert parsed.root.fp is None
    assert [i.rule for i in FORMAT.check(parsed, parse(value), OPTIONS)] == rules


def test_a_union_whose_branches_read_each_other_cleanly_has_a_fingerprint() -> None:
    parsed = parse({"type": "array", "items": ["long", "int", "string", "bytes"]})
    assert parsed.root.fp is not None
    assert FORMAT.check(parsed, parse(parsed.text), OPTIONS) == []


def _pair_issues(reader: AvroSchema, writer: AvroSchema, skip: bool) -> Any:
    return Checker(skip_identical=skip).run(reader.root, writer.root)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_skipping_types_with_equal_fingerprints_changes_no_issue(data: st.DataObject) -> None:
    gen = Gen(data.draw)
    values = [gen.schema()]
    values.append(gen.mutate(values[0]))
    values.append(gen.mutate(values[1]))
    parsed = []
    for value in values:
        try:
            parsed.append(parse(value))
        except SchemaInvalid:
            continue
    # a schema against its own copy too, where everything may be skipped
    parsed += [parse(p.text) for p in parsed[:1]]
    for reader in parsed:
        for writer in parsed:
            assert _pair_issues(reader, writer, True) == _pair_issues(reader, writer, False)


# -- asking fastavro ------------------------------------------------------------------------------

FASTAVRO_CASES = [
    # Java finds `E` in the null namespace; fastavro looks in `ns` only
    record(
        [
            {"name": "a", "type": {"type": "enum", "name": "E", "namespace": "", "symbols": ["A"]}},
            {"name": "b", "type": "E"},
        ],
        namespace="ns",
    ),
    record(
        [
            {"name": "a", "type": {"type": "enum", "name": "E", "namespace": "", "symbols": ["A"]}},
            {"name": "b", "type": ["null", ".E"], "default": None},
        ],
        namespace="ns",
    ),
    {"type": "record", "name": ".R", "fields": [{"name": "b", "type": ["null", "R"]}]},
    # a namespace that is not a string: Java reads none, fastavro uses it
    record(
        [
            {"name": "a", "type": record([], name="S", namespace=None)},
            {"name": "b", "type": "ns.S"},
        ],
        namespace="ns",
    ),
    record(
        [
            {"name": "a", "type": {"type": "enum", "name": "E", "namespace": 5, "symbols": ["A"]}},
            {"name": "b", "type": "E"},
        ]
    ),
    record([{"name": "a", "type": "int"}], namespace=5),
    record([{"name": "a", "type": {"type": "enum", "name": "E", "symbols": ["É"]}}]),
    record([{"name": "a", "type": "int", "aliases": None}]),
    record([{"name": "a", "type": "double", "default": "1.5f"}]),
    record([{"name": "a", "type": "double", "default": "1.5"}]),
    record([{"name": "a", "type": "double", "default": 1}]),
    record([{"name": "a", "type": {"type": "double"}, "default": 1}]),
    record([{"name": "a", "type": {"type": "float"}, "default": "1.5"}]),
    record([{"name": "a", "type": {"type": "double"}, "default": 1.5}]),
    record([{"name": "a", "type": "int"}], __fastavro_parsed=True, __named_schemas=5),
    record([{"name": "a", "type": "int"}], __fastavro_parsed=True),
    ["null", record([{"name": "a", "type": "int"}], __fastavro_parsed=1, __named_schemas=[])],
]
# (6, a symbol beyond ASCII, is refused in a new schema by the registry's own rule, before
# fastavro is asked)
REFUSED_BY_FASTAVRO = {0, 1, 2, 3, 4, 7, 8, 11, 12, 14, 16}


@pytest.mark.parametrize("index", range(len(FASTAVRO_CASES)))
def test_fastavro_is_asked_about_everything_it_reads_differently(index: int) -> None:
    schema = schema_of(FASTAVRO_CASES[index])
    assert outcome(schema) == outcome(schema, consult_fastavro=True)
    refused = outcome(schema)[0] == "invalid" and outcome(schema)[1].startswith("fastavro")
    assert refused is (index in REFUSED_BY_FASTAVRO)


_names = st.sampled_from(["a", "b", "E", "R", "ns.E", ".E", "É", "1a", "int", "S0"])
_spaces = st.sampled_from(["ns", "", "other.space"]) | st.none() | st.just(5)
_scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([1.5, "1.5", "1.5f"])


@st.composite
def _types(draw: Any, depth: int = 0) -> Any:
    primitive = st.sampled_from(["null", "int", "long", "float", "double", "string", "bytes"])
    kind = draw(st.sampled_from(["prim", "prim", "ref", "union", "enum", "dict", "record"]))
    if kind == "prim":
        return draw(primitive)
    if kind == "ref":
        return draw(_names)
    if kind == "union":
        return draw(st.lists(primitive | _names, min_size=1, max_size=3))
    if kind == "enum":
        enum = {"type": "enum", "name": draw(_names), "symbols": draw(st.lists(_names, max_size=3))}
        if draw(st.booleans()):
            enum["namespace"] = draw(_spaces)
        return enum
    if kind == "dict" or depth > 1:
        return {"type": draw(primitive)}
    return draw(_records(depth + 1))


@st.composite
def _records(draw: Any, depth: int = 0) -> Any:
    fields = []
    for name in draw(st.lists(_names, max_size=4)):
        one: dict[str, Any] = {"name": name, "type": draw(_types(depth))}
        if draw(st.booleans()):
            one["default"] = draw(_scalars)
        if draw(st.integers(0, 9)) == 0:
            one["aliases"] = draw(st.none() | st.lists(_names, max_size=2))
        fields.append(one)
    value: dict[str, Any] = {"type": "record", "name": draw(_names), "fields": fields}
    if draw(st.booleans()):
        value["namespace"] = draw(_spaces)
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records())
def test_asking_fastavro_only_when_needed_gives_the_same_verdicts(value: Any) -> None:
    schema = schema_of(value)
    assert outcome(schema) == outcome(schema, consult_fastavro=True)


def test_parsing_and_checking_a_plain_schema_leave_fastavro_unloaded() -> None:
    code = (
        "import json, sys\n"
        "from gate.formats import CheckOptions\n"
        "from gate.formats.avro import FORMAT\n"
        "from gate.model import Origin, OriginKind, Schema, SchemaType\n"
        f"value = {json.dumps(record([{'name': 'a', 'type': NESTED}]))!r}\n"
        "s = Schema(SchemaType.AVRO, value, Origin(OriginKind.FILE, 'x.avsc'))\n"
        "parsed = FORMAT.parse(s, CheckOptions())\n"
        "FORMAT.check(parsed, parsed, CheckOptions())\n"
        "print('fastavro' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- fields shared between versions ---------------------------------------------------------------


def test_versions_share_their_simple_fields_and_their_json() -> None:
    fields = [
        {"name": "id", "type": "long"},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}, "doc": "labels"},
        {"name": "inner", "type": record([{"name": "x", "type": "int"}], name="Inner")},
    ]
    old = parse(record(fields, namespace="shop"))
    new = parse(record([*fields, {"name": "added", "type": "int"}], namespace="shop"))
    assert isinstance(old.root, Record)
    assert isinstance(new.root, Record)
    for index in range(4):
        assert old.root.fields[index] is new.root.fields[index]
        assert old.json["fields"][index] is new.json["fields"][index]
    assert old.names["shop.Kind"] is new.names["shop.Kind"]
    # a nested record too, with the named types it defines
    assert old.root.fields[4] is new.root.fields[4]
    assert old.names["shop.Inner"] is new.names["shop.Inner"]
    assert new.json == json.loads(new.text)


def test_a_nested_record_changed_is_built_again_with_its_unchanged_fields_shared() -> None:
    inner = [{"name": "x", "type": "int"}, {"name": "y", "type": "string"}]
    old = parse(record([{"name": "inner", "type": record(inner, name="Inner")}]))
    new = parse(record([{"name": "inner", "type": record([*inner, NOTE], name="Inner")}]))
    old_inner, new_inner = old.names["Inner"], new.names["Inner"]
    assert isinstance(old_inner, Record)
    assert isinstance(new_inner, Record)
    assert old_inner is not new_inner
    assert old_inner.fields[0] is new_inner.fields[0]


NOTE = {"name": "note", "type": ["null", "string"], "default": None}
KIND = {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}}
USES_KIND = {"name": "inner", "type": record([{"name": "k", "type": "Kind"}], name="Inner")}


def test_a_record_referring_to_an_earlier_type_is_shared_only_while_that_type_is() -> None:
    first = parse(record([KIND, USES_KIND]))
    same = parse(record([KIND, USES_KIND, NOTE]))
    assert same.root.fields[1] is first.root.fields[1]  # type: ignore[attr-defined]
    # Kind gains a symbol: the record that refers to it must see the new Kind
    kind = {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B", "C"]}}
    changed = parse(record([kind, USES_KIND]))
    inner = changed.names["Inner"]
    assert isinstance(inner, Record)
    assert inner.fields[0].type is changed.names["Kind"]
    assert changed.names["Kind"] is not first.names["Kind"]


def test_a_shared_record_still_defines_its_types_once() -> None:
    inner = {"name": "inner", "type": record([{"name": "x", "type": "int"}], name="Inner")}
    parse(record([{"name": "a", "type": "int"}, inner]))
    clash = {"name": "a", "type": record([], name="Inner")}
    with pytest.raises(SchemaInvalid) as warm:
        parse(record([clash, inner]))
    clear_caches()
    with pytest.raises(SchemaInvalid) as cold:
        parse(record([clash, inner]))
    assert (warm.value.message, warm.value.pointer) == (cold.value.message, cold.value.pointer)
    assert "`Inner` is defined twice" in warm.value.message


def test_a_shared_field_is_not_taken_into_another_namespace_or_place() -> None:
    enum = {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A"]}}
    first = parse(record([enum], namespace="one"))
    second = parse(record([enum], namespace="two"))
    moved = parse(record([{"name": "id", "type": "long"}, enum], namespace="one"))
    assert set(first.names) == {"one.R", "one.Kind"}
    assert set(second.names) == {"two.R", "two.Kind"}
    assert field_type(first, 0) is not field_type(second, 0)
    assert field_type(moved, 1).pointer == "/fields/1/type"


def test_an_enum_in_a_shared_field_is_still_defined_only_once() -> None:
    enum = {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A"]}}
    parse(record([enum]))
    other = {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}
    with pytest.raises(SchemaInvalid) as caught:
        parse(record([enum, {"name": "again", "type": other}]))
    assert "`Kind` is defined twice" in caught.value.message
    assert caught.value.pointer == "/fields/1/type/name"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_records(), min_size=2, max_size=4))
def test_a_schema_parsed_after_others_is_what_it_is_parsed_alone(values: list[Any]) -> None:
    # each field of the first record in the place of the others', as versions repeat them
    history = [values[0]] + [{**v, "fields": values[0]["fields"] + v["fields"]} for v in values]
    assert_each_parses_as_alone(history)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_records(), min_size=2, max_size=4), st.randoms(use_true_random=False))
def test_a_history_of_edits_parses_as_each_version_alone(values: list[Any], rnd: Any) -> None:
    # versions that replace, insert and delete fields, so that a field is shared while the
    # types it refers to change around it
    pool = [f for v in values for f in v["fields"]] or [{"name": "a", "type": "int"}]
    fields = list(values[0]["fields"]) or [pool[0]]
    history = []
    for _ in range(6):
        history.append({**values[0], "fields": list(fields)})
        edit = rnd.randrange(3)
        if edit == 0 and fields:
            fields[rnd.randrange(len(fields))] = rnd.choice(pool)
        elif edit == 1:
            fields.insert(rnd.randrange(len(fields) + 1), rnd.choice(pool))
        elif fields:
            del fields[rnd.randrange(len(fields))]
    assert_each_parses_as_alone(history)


def assert_each_parses_as_alone(history: list[Any], roles: list[bool] | None = None) -> None:
    """Parsed in turn, sharing what they repeat, the versions give what each gives alone
    (`roles`: which of them are parsed as registered versions)."""
    registered = roles or [False] * len(history)
    warm = [
        outcome(schema_of(value), registered=role)
        for value, role in zip(history, registered, strict=True)
    ]
    cold = []
    for value, role in zip(history, registered, strict=True):
        clear_caches()
        cold.append(outcome(schema_of(value), registered=role))
    assert warm == cold


def test_a_registered_version_shares_the_fields_a_new_schema_built() -> None:
    # the git base parsed after the candidate: what the candidate did not change is shared
    inner = {"name": "inner", "type": record([{"name": "x", "type": "int"}], name="Inner")}
    base = record([NOTE, inner], namespace="shop")
    new = FORMAT.parse(schema_of(record([NOTE, inner, KIND], namespace="shop")), OPTIONS)
    old = parse_schema(schema_of(base), registered=True)
    assert isinstance(old.root, Record)
    assert isinstance(new.root, Record)
    assert old.root.fields[0] is new.root.fields[0]
    assert old.root.fields[1] is new.root.fields[1]
    assert old.names["shop.Inner"] is new.names["shop.Inner"]


def test_a_new_schema_never_takes_what_only_a_registered_version_accepts() -> None:
    # a default of another type and a name beyond ASCII: valid only in a registered version
    odd = {"name": "n", "type": "int", "default": "x"}
    inner = {"name": "inner", "type": record([{"name": "é", "type": "int"}], name="Inner")}
    parse_schema(schema_of(record([odd, inner])), registered=True)
    with pytest.raises(SchemaInvalid) as caught:
        parse_schema(schema_of(record([odd, inner, NOTE])))
    assert caught.value.pointer == "/fields/0/default"
    with pytest.raises(SchemaInvalid) as caught:
        parse_schema(schema_of(record([inner, NOTE])))
    assert caught.value.pointer == "/fields/0/type/fields/0/name"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_records(), min_size=2, max_size=4),
    st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_new_schemas_and_registered_versions_parse_in_turn_as_each_alone(
    values: list[Any], roles: list[bool]
) -> None:
    # a candidate and its git base, and the registry's versions, in any order
    history = [values[0]] + [{**v, "fields": values[0]["fields"] + v["fields"]} for v in values]
    assert_each_parses_as_alone(history, roles[: len(history)])


# -- nesting --------------------------------------------------------------------------------------


def test_a_shallow_schema_is_measured_only_when_asked() -> None:
    text = json.dumps(record([{"name": "inner", "type": NESTED}]))
    _, _, depth = load(text)
    parsed = parse(text)
    assert depth is None
    assert parsed.measured_depth is None
    assert parsed.depth == nesting_depth(text)
    assert not parsed.deep


def _nested_records(levels: int, leaf: str) -> str:
    opening = "".join(
        f'{{"type": "record", "name": "N{n}", "fields": [{{"name": "f", "type": ["null", '
        for n in range(levels)
    )
    return opening + json.dumps(leaf) + '], "default": null}]}' * levels


@pytest.mark.parametrize("levels", [40, 80, 120, 160, 200, 240])
def test_schemas_near_the_recursion_limit_parse_check_and_diff(levels: int) -> None:
    limit = sys.getrecursionlimit()
    old = parse(_nested_records(levels, "int"))
    new = parse(_nested_records(levels, "long"))
    assert [i.rule for i in FORMAT.check(new, old, OPTIONS)] == []
    forward = FORMAT.check(old, new, OPTIONS)
    assert [i.rule for i in forward] == ["AVRO_MISSING_UNION_BRANCH"]
    assert forward[0].path == "/fields/0/type/1" * (levels - 1) + "/fields/0/type"
    changes = FORMAT.diff(old, new, OPTIONS)
    assert all(c.backward_ok for c in changes)
    assert not all(c.forward_ok for c in changes)
    assert old.depth == 4 * levels
    assert sys.getrecursionlimit() == limit
