"""JSON Schema written in YAML, read safely and turned into JSON text.

The JSON text made here puts every member on the line where the YAML file writes its key (and
every list item on its `-` line), padding with newlines, so the JSON Pointer line lookup that
places findings in JSON files (`gate.jsonpos.line_of`) gives the YAML file's lines unchanged, and
nothing downstream needs to know the schema was YAML.

What is read is what `yaml.SafeLoader` reads, minus what JSON cannot hold or what makes a YAML
file unsafe to load:

- aliases (`*name`) are refused: an alias is how a "billion laughs" document expands a few
  hundred bytes into gigabytes; without them the value is never larger than the text. Merge keys
  (`<<`) go with them. An anchor that no alias uses is harmless and ignored;
- tags other than YAML's own JSON-shaped ones (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`,
  `!!map`, `!!seq`) are refused: no custom, Python, binary, set or timestamp tag builds anything;
- a key written twice in one mapping is refused, naming both lines (YAML loaders disagree on
  which value wins, as JSON parsers do);
- keys are the text written (`on:` is the property `on`, `200:` the property `200`), values are
  typed as SafeLoader types them (`yes` is true, `0755` is 493); a date written plainly
  (`2022-01-01`) stays the text written, since JSON has no dates; `.inf` and `.nan` are refused;
- one document per file.

The events are read by libyaml when PyYAML has it (and by its Python parser otherwise) and the
value is built without recursion, so nesting as deep as the JSON reader accepts costs no stack.
"""

from __future__ import annotations

import math
import re
from typing import Any

from gate.errors import SchemaInvalid
from gate.jsonpos import join_pointer

try:  # the C encoder json.dumps uses for a string, without the call around it
    from _json import encode_basestring as _encode_string
except ImportError:  # pragma: no cover - CPython always has it
    from json.encoder import py_encode_basestring as _encode_string

YAML_SUFFIXES = (".yaml", ".yml")
# `$schema` as a key at the top level (in a block mapping at column 0, or first in a flow one)
_SCHEMA_KEY = re.compile(r"""^(?:\{\s*)?(?:\$schema|"\$schema"|'\$schema')\s*:""", re.MULTILINE)
_SNIFFED = 65536
_PREFIX = "tag:yaml.org,2002:"
_ALLOWED_TAGS = frozenset(
    f"{_PREFIX}{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")
)
_TIMESTAMP = f"{_PREFIX}timestamp"
_MAP = f"{_PREFIX}map"
_SEQ = f"{_PREFIX}seq"
_STR = f"{_PREFIX}str"
_HINT = "write the schema out in full in plain YAML (or in JSON)"


def is_yaml_path(path: str | None) -> bool:
    """True for a `.yaml` / `.yml` file name."""
    return path is not None and path.lower().endswith(YAML_SUFFIXES)


def declares_schema(text: str) -> bool:
    """True when YAML text has a top-level `$schema` key: a JSON Schema written in YAML, not a
    CI file, a docker-compose file or gate.yaml."""
    return _SCHEMA_KEY.search(text, 0, _SNIFFED) is not None


def schema_text(path: str | None, text: str) -> str:
    """`text` as the JSON text of the schema: converted when `path` is a YAML file, else as it is.
    Text that is not valid YAML stays as it is (the parse reports it where it is parsed)."""
    if not is_yaml_path(path):
        return text
    try:
        return yaml_to_json(text)
    except SchemaInvalid:
        return text


class _Frame:
    """A mapping or a list being filled."""

    __slots__ = ("is_map", "key", "lines", "token", "value")

    def __init__(self, value: Any, token: str | int | None) -> None:
        self.value = value
        self.is_map = value.__class__ is dict
        self.token = token  # its key, or its index, in the container holding it
        self.key: str | None = None  # a mapping's key read, its value not yet
        self.lines: dict[str, int] = {}  # a mapping's keys, by the line they are written on


class _Builder:
    """Turns the event stream into one JSON value and its line-aligned JSON text."""

    def __init__(self) -> None:
        import yaml

        self.yaml = yaml
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()
        self.out: list[str] = []
        self.line = 1  # the line the text written so far ends on
        self.plain: dict[str, tuple[Any, str]] = {}  # a plain scalar's value and JSON text
        self.keys: dict[str, str] = {}  # a key's JSON text

    def scalar(self, event: Any, stack: list[_Frame]) -> tuple[Any, str]:
        """The value of a scalar and its JSON text."""
        tag = event.tag
        text = event.value
        if tag is None or tag == "!":
            if not event.implicit[0]:  # quoted, or a block: a string
                return text, _encode_string(text)
            known = self.plain.get(text)
            if known is not None:
                return known
            tag = self.resolver.resolve(self.yaml.ScalarNode, text, event.implicit)
            if tag == _TIMESTAMP:
                found = text, _encode_string(text)  # a plain date: JSON has none, nor a tag
            else:
                found = self._construct(event, tag, stack)
            self.plain[text] = found
            return found
        return self._construct(event, tag, stack)

    def _construct(self, event: Any, tag: str, stack: list[_Frame]) -> tuple[Any, str]:
        yaml = self.yaml
        if tag not in _ALLOWED_TAGS:
            raise _refused(
                event.start_mark, stack, f"the YAML tag {_shown(tag)} is not supported in a schema"
            )
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError) as error:
            reason = getattr(error, "problem", None) or str(error)
            raise _refused(
                event.start_mark, stack, f"invalid value {event.value!r}: {reason}"
            ) from None
        kind = value.__class__
        if kind is str:
            return value, _encode_string(value)
        if kind is bool:
            return value, "true" if value else "false"
        if value is None:
            return None, "null"
        if kind is float and not math.isfinite(value):
            raise _refused(event.start_mark, stack, f"{event.value} is not a JSON number")
        return value, repr(value)

    def build(self, loader: Any) -> Any:
        yaml = self.yaml
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        get_event = loader.get_event
        append = self.out.append
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        while True:
            event = get_event()
            kind = event.__class__
            if kind is scalar_event or kind is mapping_start or kind is sequence_start:
                top = stack[-1] if stack else None
                if top is not None and top.is_map and top.key is None:
                    self.key(event, top, stack)
                    continue
                if top is None or not top.is_map:
                    # a list item, or the document: on its own line
                    line = event.start_mark.line + 1
                    if line > self.line:
                        append("\n" * (line - self.line))
                        self.line = line
                    if top is not None and top.value:
                        append(",")
                if kind is scalar_event:
                    value, text = self.scalar(event, stack)
                    append(text)
                else:
                    tag = event.tag
                    expected = _MAP if kind is mapping_start else _SEQ
                    if tag is not None and tag != "!" and tag != expected:
                        raise _refused(
                            event.start_mark,
                            stack,
                            f"the YAML tag {_shown(tag)} is not supported in a schema",
                        )
                    value = {} if kind is mapping_start else []
                    append("{" if kind is mapping_start else "[")
                if top is None:
                    token: str | int | None = None
                    root = value
                elif top.is_map:
                    token = top.key
                    top.value[top.key] = value
                    top.key = None
                else:
                    token = len(top.value)
                    top.value.append(value)
                if kind is not scalar_event:
                    stack.append(_Frame(value, token))
            elif kind is mapping_end or kind is sequence_end:
                stack.pop()
                append("}" if kind is mapping_end else "]")
            elif kind is alias_event:
                raise _refused(
                    event.start_mark,
                    stack,
                    f"YAML aliases (*{event.anchor}) are not "
                    "supported in a schema: an alias can expand a small file without "
                    "bound",
                    _HINT,
                )
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _refused(
                        event.start_mark,
                        [],
                        "the file holds more than one YAML document",
                        "keep one schema per file (no second `---`)",
                    )
            elif kind is yaml.StreamEndEvent:
                break
        if documents == 0:
            raise SchemaInvalid("the file is empty: no schema", "", 1)
        return root

    def key(self, event: Any, top: _Frame, stack: list[_Frame]) -> None:
        yaml = self.yaml
        if event.__class__ is not yaml.ScalarEvent:
            raise _refused(
                event.start_mark, stack, "a key must be plain text, not a list or a mapping"
            )
        tag = event.tag
        if tag is not None and tag != "!" and tag != _STR:
            raise _refused(
                event.start_mark, stack, f"the YAML tag {_shown(tag)} is not supported on a key"
            )
        name = event.value
        line = event.start_mark.line + 1
        if name == "<<" and tag is None and event.implicit[0]:
            raise _refused(
                event.start_mark, stack, "YAML merge keys (<<) are not supported in a schema", _HINT
            )
        lines = top.lines
        if name in lines:
            raise SchemaInvalid(
                f"duplicate key `{name}` (first written on line {lines[name]}): YAML loaders "
                "disagree on which value wins",
                join_pointer(_pointer(stack), name),
                line,
            )
        lines[name] = line
        if line > self.line:
            self.out.append("\n" * (line - self.line))
            self.line = line
        text = self.keys.get(name)
        if text is None:
            text = self.keys[name] = _encode_string(name) + ":"
        self.out.append("," + text if top.value else text)
        top.key = name


def _shown(tag: str) -> str:
    """A tag as it is written: `!!binary`, not `tag:yaml.org,2002:binary`."""
    return "!!" + tag[len(_PREFIX) :] if tag.startswith(_PREFIX) else tag


def _pointer(stack: list[_Frame]) -> str:
    """The JSON Pointer of the value about to be read (of the container, when none is)."""
    tokens = [frame.token for frame in stack[1:]]
    if stack:
        top = stack[-1]
        if top.is_map and top.key is not None:
            tokens.append(top.key)
        elif not top.is_map:
            tokens.append(len(top.value))
    return join_pointer("", *(token for token in tokens if token is not None))


def _refused(mark: Any, stack: list[_Frame], message: str, hint: str = "") -> SchemaInvalid:
    return SchemaInvalid(message + (f"; {hint}" if hint else ""), _pointer(stack), mark.line + 1)


def yaml_to_json(text: str) -> str:
    """The JSON text of the JSON Schema written in YAML `text`, each member on its YAML line.

    Raises SchemaInvalid, with the line, for YAML that is malformed or unsafe (see the module).
    """
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return _convert(text, loader_class)
    except SchemaInvalid as error:
        # newer libyaml (PyYAML 6.0.4's wheels) stops at 1,000 levels; PyYAML's own parser,
        # a state machine like the builder, has no such limit and reads what SafeLoader reads
        if loader_class is yaml.SafeLoader or "maximum nesting depth" not in error.message:
            raise
    return _convert(text, yaml.SafeLoader)


def _convert(text: str, loader_class: Any) -> str:
    import yaml

    builder = _Builder()
    loader = loader_class(text)
    try:
        builder.build(loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        detail = ": ".join(part for part in (error.context, error.problem) if part)
        raise SchemaInvalid(
            f"invalid YAML: {detail or error}", "", mark.line + 1 if mark is not None else None
        ) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, max(error.position, 0)) + 1
        raise SchemaInvalid(
            f"invalid YAML: character 0x{error.character:02x} is not allowed", "", line
        ) from None
    except yaml.YAMLError as error:
        raise SchemaInvalid(f"invalid YAML: {error}", "", 1) from None
    finally:
        loader.dispose()
    return "".join(builder.out) + "\n"
