"""JSON Schema written in YAML: the JSON text it stands for, on the YAML file's lines, read
safely."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.errors import SchemaInvalid
from gate.formats import infer_type
from gate.formats.jsonschema.yamltext import declares_schema, yaml_to_json
from gate.jsonpos import join_pointer, line_of

# NEL and the Unicode line and paragraph separators are line breaks to YAML 1.1, which libyaml
# and PyYAML's own reader do not read alike
TEXT = st.characters(blacklist_characters="\x85\u2028\u2029", blacklist_categories=("Cs",))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(TEXT, max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(TEXT, max_size=6), children, max_size=4)
    ),
    max_leaves=25,
)


def node_lines(node: Any, pointer: str = "") -> dict[str, int]:
    """The line of every member (its key's line) and every list item (its start), by pointer."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = join_pointer(pointer, key.value)
            lines[child] = key.start_mark.line + 1
            lines.update(node_lines(value, child))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = join_pointer(pointer, index)
            lines[child] = item.start_mark.line + 1
            lines.update(node_lines(item, child))
    return lines


@settings(max_examples=150, deadline=None)
@given(value=JSON_VALUES, flow=st.sampled_from([False, None, True]))
def test_the_json_text_holds_what_safe_load_reads_on_the_yaml_lines(
    value: Any, flow: bool | None
) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    converted = yaml_to_json(text)
    assert json.loads(converted) == yaml.safe_load(text) == value
    for pointer, line in node_lines(yaml.compose(text, Loader=yaml.SafeLoader)).items():
        assert line_of(converted, pointer) == line, (pointer, text, converted)


def test_a_hand_written_schema_keeps_its_lines_and_safe_load_values() -> None:
    text = (
        "# an order\n"  # 1
        "$schema: http://json-schema.org/draft-07/schema#\n"  # 2
        "properties:\n"  # 3
        "  on:\n"  # 4  a key is the text written
        "    type: boolean\n"  # 5
        "  since:\n"  # 6
        "    const: 2022-01-01\n"  # 7  a plain date stays text
        "    description: |\n"  # 8
        "      first\n"  # 9
        "      second\n"  # 10
        "  mode:\n"  # 11
        "    enum: [yes, 0755, ~, '1', 1.5]\n"  # 12 SafeLoader's types
        "  items:\n"  # 13
        "    oneOf:\n"  # 14
        "      - type: string\n"  # 15
        "      -\n"  # 16
        "        type: integer\n"  # 17
        "required: ['on']\n"  # 18 (plain, `on` is true)
    )
    converted = yaml_to_json(text)
    value = json.loads(converted)
    assert value["properties"]["on"] == {"type": "boolean"}
    assert value["properties"]["since"] == {"const": "2022-01-01", "description": "first\nsecond\n"}
    assert value["properties"]["mode"]["enum"] == [True, 493, None, "1", 1.5]
    assert value["required"] == ["on"]
    expected = {
        "/properties/on": 4,
        "/properties/since/const": 7,
        "/properties/since/description": 8,
        "/properties/mode/enum": 12,
        "/properties/items/oneOf/0": 15,
        "/properties/items/oneOf/1": 17,
        "/required": 18,
    }
    assert {pointer: line_of(converted, pointer) for pointer in expected} == expected


@pytest.mark.parametrize(
    ("text", "pointer", "line", "words"),
    [
        ("a: &x [lol, lol]\nb: [*x, *x]\n", "/b/0", 2, "YAML aliases (*x) are not supported"),
        (
            "a: !!python/object/apply:os.system [id]\n",
            "/a",
            1,
            "YAML tag !!python/object/apply:os.system is not supported",
        ),
        ("a:\n  b: !custom 1\n", "/a/b", 2, "YAML tag !custom is not supported"),
        ("a: !!binary aGk=\n", "/a", 1, "YAML tag !!binary is not supported"),
        ("a: !!timestamp 2022-01-01\n", "/a", 1, "YAML tag !!timestamp is not supported"),
        ("a: !!set {x}\n", "/a", 1, "YAML tag !!set is not supported"),
        ("a:\n  b: 1\n  c: 2\n  b: 3\n", "/a/b", 4, "duplicate key `b` (first written on line 2)"),
        ("a: {b: 1}\n<<: {c: 2}\n", "", 2, "merge keys (<<) are not supported"),
        ("? [a, b]\n: 1\n", "", 1, "a key must be plain text"),
        ("a: .nan\n", "/a", 1, ".nan is not a JSON number"),
        ("a: 1\n---\na: 2\n", "", 2, "more than one YAML document"),
        ("a:\n  b: [1,\n", "", 3, "invalid YAML"),
        ("a: b\x07\n", "", 1, "character 0x07 is not allowed"),
        ("# only a comment\n", "", 1, "the file is empty"),
    ],
)
def test_unsafe_or_broken_yaml_is_refused_naming_the_line(
    text: str, pointer: str, line: int, words: str
) -> None:
    with pytest.raises(SchemaInvalid) as raised:
        yaml_to_json(text)
    assert words in raised.value.message
    assert (raised.value.pointer, raised.value.line) == (pointer, line)


def test_a_billion_laughs_is_refused_at_its_first_alias() -> None:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 30)]
    with pytest.raises(SchemaInvalid) as raised:
        yaml_to_json("\n".join(lines) + "\n")
    assert raised.value.line == 2
    assert "*l0" in raised.value.message


def test_deep_nesting_needs_no_recursion() -> None:
    converted = yaml_to_json("a: " + "[" * 20_000 + "]" * 20_000 + "\n")
    assert converted.count("[") == 20_000
    block = "a:\n" + "".join("  " * depth + "b:\n" for depth in range(1, 3000)) + "  " * 3000
    converted = yaml_to_json(block + "x: 1\n")
    assert line_of(converted, "/a" + "/b" * 2999 + "/x") == 3001


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("s/order.yaml", "$schema: http://json-schema.org/draft-07/schema#\ntype: object\n", True),
        (
            "s/order.yml",
            "# a schema\n\n'$schema': https://json-schema.org/draft/2020-12/schema\n",
            True,
        ),
        ("s/order.yaml", '{"$schema": "http://json-schema.org/draft-07/schema#"}\n', True),
        ("gate.yaml", "version: 1\nsubjects: []\n", False),
        (".github/workflows/ci.yml", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n", False),
        ("docker-compose.yml", "services:\n  db:\n    image: postgres\n", False),
        # a `$schema` below the top level (an editor hint, an OpenAPI component) is no schema
        ("openapi.yaml", "openapi: 3.0.0\ncomponents:\n  x:\n    $schema: foo\n", False),
        (
            "ci.yml",
            "# yaml-language-server: $schema=https://json.schemastore.org/x\non: push\n",
            False,
        ),
    ],
)
def test_only_yaml_declaring_schema_is_json_schema(path: str, text: str, expected: bool) -> None:
    assert declares_schema(text) is expected
    assert infer_type(path, text) == ("JSON" if expected else None)
