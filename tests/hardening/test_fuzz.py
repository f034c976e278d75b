"""Fuzzing the readers of untrusted input: a finding or a clean error, never a crash.

Whatever the schema parsers, the checkers, the configuration loader and the sample decoder are
given, they either succeed, or say what is wrong through the errors gate reports: `SchemaInvalid`
(an invalid schema is a finding) or a `GateError` (exit 2 or 3). Any other exception would be
exit 4, a bug.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gate.errors import GateError, SchemaInvalid
from gate.formats import CheckOptions, get_format
from gate.model import Incompatibility, JsonPolicy, Origin, OriginKind, Schema, SchemaType

if TYPE_CHECKING:
    from pathlib import Path

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- values ------------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=20,
)

# -- Avro-shaped values: mostly valid, often a little wrong ------------------------------------

# mostly valid names, so that valid schemas are common, and now and then an invalid one
NAMES = st.sampled_from(
    ["A", "B", "C", "Order", "Item", "id", "x", "_y", "n1", "value", "status"] * 3
    + ["a-b", "", "1x", "é", "a.b"]
)
PRIMITIVES = st.sampled_from(
    ["null", "boolean", "int", "long", "float", "double", "bytes", "string"] * 2 + ["A", "nope"]
)
LOGICAL = st.sampled_from(
    ["decimal", "uuid", "date", "time-millis", "timestamp-micros", "local-timestamp-millis", "x"]
)


@st.composite
def _avro_field(draw: st.DrawFn, types: st.SearchStrategy[Any]) -> dict[str, Any]:
    field: dict[str, Any] = {"name": draw(NAMES), "type": draw(types)}
    roll = draw(st.integers(0, 9))
    if roll == 0:
        field["default"] = draw(json_values)
    elif roll == 1:
        field["default"] = None
    elif roll == 2:
        field["aliases"] = draw(st.lists(NAMES, max_size=2))
    elif roll == 3:
        field["order"] = draw(st.sampled_from(["ascending", "descending", "ignore", "up"]))
    return field


def _avro_complex(types: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(types, max_size=4),  # a union
        st.fixed_dictionaries(
            {
                "type": st.just("record"),
                "name": NAMES,
                "fields": st.lists(_avro_field(types), max_size=4),
            },
            optional={
                "namespace": st.sampled_from(["com.ex", "a.b", "", "9x", "com.ex-2"]),
                "aliases": st.lists(NAMES, max_size=2),
            },
        ),
        st.fixed_dictionaries(
            {"type": st.just("enum"), "name": NAMES, "symbols": st.lists(NAMES, max_size=4)},
            optional={"default": NAMES},
        ),
        st.fixed_dictionaries({"type": st.just("array"), "items": types}),
        st.fixed_dictionaries({"type": st.just("map"), "values": types}),
        st.fixed_dictionaries(
            {
                "type": st.just("fixed"),
                "name": NAMES,
                "size": st.integers(min_value=-2, max_value=20),
            },
        ),
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["bytes", "int", "long", "string", "fixed"]),
                "logicalType": LOGICAL,
            },
            optional={
                "precision": st.integers(-1, 40),
                "scale": st.integers(-1, 40),
                "size": st.integers(0, 20),
                "name": NAMES,
            },
        ),
        json_values,
    )


avro_values = st.recursive(PRIMITIVES, _avro_complex, max_leaves=12)

# -- JSON-Schema-shaped values -----------------------------------------------------------------

KEYWORDS = st.sampled_from(["a", "b", "id", "x y", "$ref", ""])
REFS = st.sampled_from(
    [
        "#",
        "#/definitions/a",
        "#/$defs/a",
        "#/properties/a",
        "#/nope",
        "other.json",
        "file:///etc/passwd",
        "http://169.254.169.254/",
        "#/definitions/a/properties/b",
        "%%",
    ]
)


def _json_complex(schemas: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "type": st.one_of(
                    st.sampled_from(
                        [
                            "object",
                            "array",
                            "string",
                            "integer",
                            "number",
                            "null",
                            "boolean",
                            "record",
                        ]
                    ),
                    st.lists(st.sampled_from(["string", "null", "integer"]), max_size=3),
                ),
                "properties": st.dictionaries(KEYWORDS, schemas, max_size=3),
                "required": st.lists(KEYWORDS, max_size=3),
                "additionalProperties": st.one_of(st.booleans(), schemas),
                "patternProperties": st.dictionaries(
                    st.sampled_from(["^a", "b$", "(", ".*"]), schemas, max_size=2
                ),
                "items": st.one_of(schemas, st.lists(schemas, max_size=2)),
                "prefixItems": st.lists(schemas, max_size=2),
                "enum": st.lists(json_values, max_size=3),
                "const": json_values,
                "allOf": st.lists(schemas, max_size=2),
                "anyOf": st.lists(schemas, max_size=2),
                "oneOf": st.lists(schemas, max_size=2),
                "not": schemas,
                "if": schemas,
                "then": schemas,
                "else": schemas,
                "$ref": REFS,
                "definitions": st.dictionaries(st.sampled_from(["a", "b"]), schemas, max_size=2),
                "$defs": st.dictionaries(st.sampled_from(["a", "b"]), schemas, max_size=2),
                "minimum": st.one_of(st.integers(-5, 5), st.floats(allow_nan=False)),
                "maxLength": st.integers(-1, 5),
                "pattern": st.sampled_from(["^[a-z]+$", "(", "a{2,}"]),
                "format": st.sampled_from(["date-time", "email", "regex", "nope"]),
                "default": json_values,
            },
        ),
        st.booleans(),
        json_values,
    )


json_schema_values = st.recursive(
    st.fixed_dictionaries({"type": st.sampled_from(["string", "integer", "object"])}),
    _json_complex,
    max_leaves=10,
).map(
    lambda value: (
        {"$schema": "http://json-schema.org/draft-07/schema#", **value}
        if isinstance(value, dict) and "$schema" not in value
        else value
    )
)

SHAPED = {SchemaType.AVRO: avro_values, SchemaType.JSON: json_schema_values}


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _places(item, (*path, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


@st.composite
def evolved(draw: st.DrawFn, value: Any, schema_type: SchemaType) -> Any:
    """`value` after one to three small edits, as a schema evolves between versions."""
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_places(value)))
        node = value
        for key in path:
            node = node[key]
        if isinstance(node, str):
            new: Any = draw(PRIMITIVES if schema_type is SchemaType.AVRO else KEYWORDS)
        elif isinstance(node, list) and node and draw(st.booleans()):
            new = node[: (cut := draw(st.integers(0, len(node) - 1)))] + node[cut + 1 :]
        elif isinstance(node, list):
            new = [
                *node,
                draw(SHAPED[schema_type] if not node or isinstance(node[0], dict) else NAMES),
            ]
        elif isinstance(node, dict) and node and draw(st.booleans()):
            new = {k: v for k, v in node.items() if k != draw(st.sampled_from(sorted(node)))}
        elif isinstance(node, dict):
            extra = (
                {"default": draw(json_values)}
                if schema_type is SchemaType.AVRO
                else {"required": draw(st.lists(KEYWORDS, max_size=2))}
            )
            new = {**node, **extra}
        else:
            new = draw(json_values)
        value = _replaced(value, path, new)
    return value


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "other.json").write_text('{"type": "string"}', encoding="utf-8")
    return folder


def _parse(schema_type: SchemaType, text: str, root: Path) -> Any | None:
    """The parsed schema, or None when it is invalid; anything else propagates (a bug)."""
    schema = Schema(schema_type, text, Origin(OriginKind.FILE, path="fuzz.schema"))
    try:
        return get_format(schema_type).parse(schema, CheckOptions(root=root))
    except SchemaInvalid as invalid:
        assert isinstance(invalid.message, str)
        assert invalid.message
        return None


TYPES = pytest.mark.parametrize("schema_type", [SchemaType.AVRO, SchemaType.JSON], ids=str.lower)


@TYPES
@FUZZ
@given(data=st.data())
def test_parse_any_json_value(schema_type: SchemaType, root: Path, data: st.DataObject) -> None:
    value = data.draw(st.one_of(json_values, SHAPED[schema_type]))
    _parse(schema_type, json.dumps(value), root)


@TYPES
@FUZZ
@given(data=st.data())
def test_parse_any_text(schema_type: SchemaType, root: Path, data: st.DataObject) -> None:
    valid = json.dumps(data.draw(SHAPED[schema_type]), indent=data.draw(st.sampled_from([None, 1])))
    text = data.draw(
        st.one_of(
            st.text(max_size=60),
            st.text(alphabet='{}[]":,0123456789.eE+-tfnul \n\\/*', max_size=60),
            st.integers(0, len(valid)).map(lambda cut: valid[:cut]),  # truncated
            st.tuples(st.integers(0, len(valid)), st.text(max_size=3)).map(
                lambda edit: valid[: edit[0]] + edit[1] + valid[edit[0] :]
            ),
        )
    )
    _parse(schema_type, text, root)


def _assert_incompatibilities(found: Any) -> None:
    assert isinstance(found, list)
    for item in found:
        assert isinstance(item, Incompatibility)
        assert item.rule
        assert item.message
        assert item.path == "" or item.path.startswith("/")


@TYPES
@pytest.mark.parametrize("policy", [JsonPolicy.STRICT, JsonPolicy.LENIENT], ids=str.lower)
@FUZZ
@given(data=st.data())
def test_check_and_diff_whatever_parses(
    schema_type: SchemaType, policy: JsonPolicy, root: Path, data: st.DataObject
) -> None:
    if schema_type is SchemaType.AVRO and policy is JsonPolicy.LENIENT:
        policy = JsonPolicy.STRICT  # the policy only matters to JSON Schema
    first = data.draw(SHAPED[schema_type])
    second = data.draw(st.one_of(evolved(first, schema_type), SHAPED[schema_type]))
    old = _parse(schema_type, json.dumps(first), root)
    new = _parse(schema_type, json.dumps(second), root)
    assume(old is not None and new is not None)
    fmt = get_format(schema_type)
    options = CheckOptions(json_policy=policy, root=root)
    for reader, writer in ((new, old), (old, new), (new, new)):
        _assert_incompatibilities(fmt.check(reader, writer, options))
    for change in fmt.diff(old, new, options):
        assert isinstance(change.description, str)
        assert isinstance(change.backward_ok, bool)
        assert isinstance(change.forward_ok, bool)


@TYPES
@FUZZ
@given(data=st.data())
def test_simulate_whatever_parses(schema_type: SchemaType, root: Path, data: st.DataObject) -> None:
    """The payload simulation of any valid pair: an outcome, or SchemaInvalid for a schema it
    cannot use; never an exception of its own."""
    from gate.evidence import schema_json
    from gate.judge import Parsed
    from gate.simulate import simulate_pair

    first = data.draw(SHAPED[schema_type])
    texts = [json.dumps(first), json.dumps(data.draw(evolved(first, schema_type)))]
    parsed = [_parse(schema_type, text, root) for text in texts]
    assume(all(p is not None for p in parsed))
    values = [
        schema_json(Parsed(Schema(schema_type, text, Origin(OriginKind.FILE)), value))
        for text, value in zip(texts, parsed, strict=True)
    ]
    try:
        outcome = simulate_pair(
            schema_type,
            values[0],
            values[1],
            writer_label="old",
            reader_label="new",
            random_count=3,
        )
    except SchemaInvalid:
        return
    assert outcome.payload_count >= 0
    assert outcome.failed_count >= len(outcome.failures)


# -- the configuration ---------------------------------------------------------------------------

CONFIG_KEYS = st.sampled_from(
    [
        "version",
        "registry",
        "defaults",
        "subjects",
        "contracts",
        "waivers",
        "waivers_file",
        "simulation",
        "url",
        "snapshot",
        "file",
        "files",
        "subject",
        "type",
        "compatibility",
        "samples",
        "consumers",
        "producers",
        "name",
        "reader",
        "rule",
        "fingerprint",
        "expires",
        "reason",
        "owner",
        "user",
        "password",
        "token",
        "timeout",
        "random",
        "seed",
        "bogus",
    ]
)
config_values = st.recursive(
    st.one_of(
        scalars,
        st.sampled_from(
            [
                "AVRO",
                "FULL",
                "schemas/*.avsc",
                "../x",
                "/etc/passwd",
                "${HOME}",
                "${NOT_SET_ANYWHERE}",
                "$${x}",
                "{stem}",
                "{nope}",
                "2030-01-01",
                "http://127.0.0.1:9",
                "orders@3",
                "~/x",
                "a\x00b",
            ]
        ),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(CONFIG_KEYS, children, max_size=4)
    ),
    max_leaves=15,
)


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("config")
    (folder / "schemas").mkdir()
    (folder / "schemas" / "a.avsc").write_text('{"type": "string"}', encoding="utf-8")
    return folder / "gate.yaml"


def _load(path: Path, content: str | bytes) -> None:
    from gate.config import Config, load_config

    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    try:
        config = load_config(path, {"HOME": "/home/fuzz"})
    except GateError as error:
        assert error.exit_code in (2, 3)
        assert "gate.yaml" in error.render() or error.subject
        return
    assert isinstance(config, Config)


@FUZZ
@given(
    text=st.one_of(
        st.text(max_size=80),
        st.text(alphabet=": -[]{}&*!|>'\"#\n\t%@`,?abc123", max_size=80),
        st.binary(max_size=40),
    )
)
def test_load_config_any_text(config_file: Path, text: str | bytes) -> None:
    _load(config_file, text)


@FUZZ
@given(
    document=st.dictionaries(CONFIG_KEYS, config_values, max_size=6),
    style=st.sampled_from([None, True, False]),
)
def test_load_config_any_mapping(
    config_file: Path, document: dict[str, Any], style: bool | None
) -> None:
    import yaml

    _load(config_file, yaml.safe_dump(document, default_flow_style=style, allow_unicode=True))


# -- samples ---------------------------------------------------------------------------------

ORDER = {
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "amount", "type": ["null", "long"], "default": None},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "status", "type": {"type": "enum", "name": "S", "symbols": ["A", "B"]}},
    ],
}
ORDER_READER = {
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "status", "type": {"type": "enum", "name": "S", "symbols": ["A"]}},
    ],
}
ORDER_JSON = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=60),
        st.binary(max_size=40).map(lambda body: b"\x00\x00\x00\x00\x07" + body),
        st.text(max_size=60).map(lambda text: text.encode("utf-8", "surrogatepass")),
    ),
    suffix=st.sampled_from([".bin", ".json", ".jsonl", ".ndjson", ".txt", ""]),
)
def test_load_samples_any_bytes(root: Path, data: bytes, suffix: str) -> None:
    from gate.samples import Sample, SampleProblem, load_samples

    path = root / f"sample{suffix}"
    path.write_bytes(data)
    for item in load_samples(path, path.name):
        assert isinstance(item, Sample | SampleProblem)
        assert item.source.startswith(path.name)


@FUZZ
@given(
    body=st.binary(max_size=60),
    known=st.booleans(),
    schema_type=st.sampled_from([SchemaType.AVRO, SchemaType.JSON]),
    with_reader=st.booleans(),
    header=st.binary(min_size=0, max_size=6),
)
def test_read_and_decode_wire_any_bytes(
    body: bytes, known: bool, schema_type: SchemaType, with_reader: bool, header: bytes
) -> None:
    from gate.samples import DecodedWire, Sample, SampleProblem, decode_wire, read_wire

    writer = ORDER if schema_type is SchemaType.AVRO else ORDER_JSON
    reader = (
        (ORDER_READER if schema_type is SchemaType.AVRO else ORDER_JSON) if with_reader else None
    )
    for data in (header + body, b"\x00\x00\x00\x00\x07" + body):
        sample = read_wire(data, "captured.bin")
        if isinstance(sample, SampleProblem):
            assert sample.source == "captured.bin"
            assert sample.message
            continue
        assert isinstance(sample, Sample)
        assert sample.is_wire
        decoded = decode_wire(
            sample, lambda _id: writer if known else None, reader, schema_type=schema_type
        )
        assert isinstance(decoded, DecodedWire | SampleProblem)
        if isinstance(decoded, SampleProblem):
            assert decoded.source == "captured.bin"
            assert decoded.message


@FUZZ
@given(lines=st.lists(st.one_of(json_values.map(json.dumps), st.text(max_size=20)), max_size=6))
def test_json_lines_name_each_line(root: Path, lines: list[str]) -> None:
    from gate.samples import SampleProblem, load_samples

    path = root / "samples.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    for item in load_samples(path, "samples.jsonl"):
        name, _, line = item.source.rpartition(":")
        assert name == "samples.jsonl", item.source
        assert line.isdigit(), item.source
        if isinstance(item, SampleProblem):
            assert item.message
