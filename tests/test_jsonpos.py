from __future__ import annotations

import json
from typing import TYPE_CHECKING

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.cli import cli
from gate.jsonpos import _document, join_pointer, line_of, pointer_tokens

if TYPE_CHECKING:
    from pathlib import Path

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
@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_every_pointer_of_a_pretty_document_finds_its_line(value: object) -> None:
    text = json.dumps(value, indent=1)
    lines = text.split("\n")

    def walk(node: object, pointer: str) -> None:
        line = line_of(text, pointer)
        assert line is not None
        assert 1 <= line <= len(lines)
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


# -- depth: the work grows with the size of the text, not with its square -------------------------


def nested_properties(depth: int, leaf: str, indent: int | None = None) -> str:
    """A JSON Schema with `depth` objects nested through `properties/a`, written the way
    json.dumps writes it (one line, or pretty-printed)."""
    if indent is None:
        return (
            '{"type": "object", "properties": {"a": ' * depth
            + f'{{"type": "{leaf}"}}'
            + "}}" * depth
        )
    pad = " " * indent
    lines = []
    for level in range(depth):
        lines.append(f"{pad * 2 * level}{{" if level == 0 else f'{pad * 2 * level}"a": {{')
        lines.append(f'{pad * (2 * level + 1)}"type": "object",')
        lines.append(f'{pad * (2 * level + 1)}"properties": {{')
    lines.append(f'{pad * 2 * depth}"a": {{')
    lines.append(f'{pad * (2 * depth + 1)}"type": "{leaf}"')
    for level in range(depth, -1, -1):
        lines.append(f"{pad * 2 * level}}}")
        if level:
            lines.append(f"{pad * (2 * level - 1)}}}")
    return "\n".join(lines) + "\n"


def _work(text: str, pointers: list[str]) -> tuple[int, int]:
    """Tokens looked at in Python, characters handed to the C decoder: locating `pointers`
    in `text`, seen for the first time."""
    line_of.cache_clear()
    _document.cache_clear()
    for pointer in pointers:
        line_of(text, pointer)
    document = _document(text)
    return document.steps, document.decoded


def test_the_helper_writes_what_json_dumps_writes() -> None:
    value: object = {"type": "integer"}
    for _ in range(3):
        value = {"type": "object", "properties": {"a": value}}
    value = value["properties"]["a"]  # type: ignore[index]
    assert json.loads(nested_properties(2, "integer", indent=1)) == value
    assert json.loads(nested_properties(2, "integer")) == value
    assert nested_properties(2, "integer", indent=1) == json.dumps(value, indent=1) + "\n"


def test_locating_the_deepest_node_is_linear_in_depth() -> None:
    """Twice as deep is about twice the work (it was four times: each level walked the rest)."""
    deepest = {depth: "/properties/a" * depth + "/type" for depth in (600, 1200)}
    small = _work(nested_properties(600, "string"), [deepest[600]])
    large = _work(nested_properties(1200, "string"), [deepest[1200]])
    assert small[0] > 600  # one step at least per level
    assert large[0] <= 2.2 * small[0]
    assert large[1] <= 2.2 * small[1]


def test_locating_every_level_walks_each_part_of_the_text_once() -> None:
    """A finding at every level of a 1,200-deep schema: each container's members are listed
    once and every value below the top levels is walked once."""
    for depth in (600, 1200):
        text = nested_properties(depth, "string")
        pointers = ["/properties/a" * level for level in range(depth + 1)]
        steps, decoded = _work(text, pointers)
        tokens = text.count('"') // 2 + text.count("{") + text.count("}")
        assert steps <= 2 * tokens
        assert decoded <= 2 * len(text)


def test_every_level_of_a_deep_pretty_schema_finds_its_line() -> None:
    depth = 1200
    text = nested_properties(depth, "string", indent=1)
    lines = text.split("\n")
    assert line_of(text, "") == 1
    for level in range(1, depth + 1):
        line = line_of(text, "/properties/a" * level)
        assert line == 3 * level + 1, level
        assert lines[line - 1].strip() == '"a": {'
    assert lines[line_of(text, "/properties/a" * depth + "/type") - 1].strip() == '"type": "string"'


def test_a_member_after_a_deep_sibling_is_found() -> None:
    """The end of a deep value, remembered from one walk, places the member that follows it."""
    deep = nested_properties(1500, "string")
    text = '{\n"deep": ' + deep + ',\n"then": [1,\n {"x": "}{]["}],\n"last": 3}'
    assert line_of(text, "/deep" + "/properties/a" * 700) == 2
    assert line_of(text, "/then/1/x") == 4
    assert line_of(text, "/last") == 5
    assert line_of(text, "/then/1/y") == 4  # the deepest existing parent


def test_a_broken_deep_text_never_raises_nor_walks_again() -> None:
    """A container that broken text never closes is known as such after one walk."""
    deep = nested_properties(1500, "string")
    for text in (deep[:-5], deep[: len(deep) // 2] + '"open', '{"a": ' + deep[:-1] + "]"):
        pointers = ["/properties/a" * level + "/type" for level in range(0, 1500, 100)]
        steps, decoded = _work(text, pointers)
        assert line_of(text, "/properties/a" * 1400 + "/type") == 1
        tokens = text.count('"') // 2 + text.count("{") + text.count("}")
        assert steps <= 2 * tokens
        assert decoded <= 2 * len(text)


def test_a_finding_deep_in_a_schema_names_its_line_through_gate_compat(tmp_path: Path) -> None:
    """`gate compat` on a pretty-printed schema nested 1,200 objects deep: the type change at
    the bottom is reported at its own line."""
    depth = 1200
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(nested_properties(depth, "string", indent=1), encoding="utf-8")
    new.write_text(nested_properties(depth, "integer", indent=1), encoding="utf-8")
    run = CliRunner().invoke(
        cli, ["compat", "--type", "json", "--format", "json", "--no-simulate", str(old), str(new)]
    )
    assert run.exit_code == 1, run.output
    (finding,) = json.loads(run.stdout)["findings"]
    assert finding["rule"] == "JSON_TYPE_CHANGED"
    assert finding["path"] == "/properties/a" * depth
    assert finding["location"] == {"path": str(new), "line": 3 * depth + 1}
