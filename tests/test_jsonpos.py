from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from gate.jsonpos import join_pointer, line_of, pointer_tokens

TEXT = """{
  "type": "record",
  "name": "A",
  "fields": [
    {"name": "a", "type": "int"},
    {"name": "b/c",
     "type": ["null", "string"]}
  ]
}"""


def test_lines_of_pointers() -> None:
    assert line_of(TEXT, "") == 1
    assert line_of(TEXT, "/fields") == 4
    assert line_of(TEXT, "/fields/0") == 5
    assert line_of(TEXT, "/fields/1/type") == 7
    assert line_of(TEXT, "/fields/1/type/1") == 7


def test_missing_parts_give_the_deepest_existing_parent() -> None:
    assert line_of(TEXT, "/fields/9") == 4
    assert line_of(TEXT, "/nothing") == 1


def test_escaping_round_trips() -> None:
    pointer = join_pointer("", "fields", 1, "a/b~c")
    assert pointer == "/fields/1/a~1b~0c"
    assert pointer_tokens(pointer) == ["fields", "1", "a/b~c"]


def test_deep_nesting_does_not_recurse() -> None:
    depth = 50_000
    text = "[" * depth + "]" * depth
    assert line_of(text, "/0/0/0") == 1


def test_broken_json_never_raises() -> None:
    for text in ('{"a": ', '{"a" 1}', '["x', "", "}", '{"a": [1, 2', '{"a": "\\'):
        result = line_of(text, "/a/3/b")
        assert result is None or result >= 1


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=12))
def test_every_pointer_of_a_pretty_document_finds_its_line(value: object) -> None:
    text = json.dumps(value, indent=1)
    lines = text.split("\n")

    def walk(node: object, pointer: str) -> None:
        line = line_of(text, pointer)
        assert line is not None and 1 <= line <= len(lines)
        if isinstance(node, dict):
            for key, child in node.items():
                child_line = line_of(text, join_pointer(pointer, key))
                assert child_line is not None
                assert json.dumps(key) in lines[child_line - 1]
                walk(child, join_pointer(pointer, key))
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, join_pointer(pointer, index))

    walk(value, "")
