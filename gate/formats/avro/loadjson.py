"""Schema text to JSON value, the way the registry's JSON parser (Jackson) reads it.

Jackson, as Avro configures it, accepts `//` and `/* */` comments, refuses `NaN` and `Infinity`,
and refuses nesting deeper than 1,000 levels; we do the same. Comments are blanked out rather than
removed, so that lines and columns, and JSON Pointer line look-ups, stay those of the text.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from gate.errors import SchemaInvalid

if TYPE_CHECKING:
    from collections.abc import Iterator

MAX_NESTING = 1000  # Jackson's default StreamReadConstraints.maxNestingDepth

# (compiled, and cached by `re`, for the first text with a comment or measured for its depth)
_COMMENT_OR_STRING = r'(?s)"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/'
_BRACKET_OR_STRING = r'(?s)"(?:[^"\\]|\\.)*"|[\[\]{}]'
_RECURSION_LIMIT = 12_000
# up to this many levels of JSON, parsing and checking stay well inside Python's default limit
SHALLOW = 150

_headroom_lock = threading.Lock()
_headroom_users = 0
_headroom_saved: int | None = None


@contextmanager
def recursion_headroom(needed: bool = True) -> Iterator[None]:
    """Let up to 1,000 levels of JSON nesting through the recursive parser and checker.

    Python's default limit (1,000 frames) is below what a schema the registry accepts may need.
    Python 3.11 runs Python-to-Python calls without growing the C stack, so raising the limit is
    safe, and deeper input is refused before it gets here. The limit is raised only while some
    thread is inside, and restored when the last one leaves.
    """
    global _headroom_users, _headroom_saved
    if not needed:
        yield
        return
    with _headroom_lock:
        if _headroom_users == 0:
            _headroom_saved = sys.getrecursionlimit()
            if _headroom_saved < _RECURSION_LIMIT:
                sys.setrecursionlimit(_RECURSION_LIMIT)
        _headroom_users += 1
    try:
        yield
    finally:
        with _headroom_lock:
            _headroom_users -= 1
            if _headroom_users == 0 and _headroom_saved is not None:
                # put back what we changed, unless someone changed it since
                if _headroom_saved < sys.getrecursionlimit() == _RECURSION_LIMIT:
                    sys.setrecursionlimit(_headroom_saved)
                _headroom_saved = None


def _blank(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.startswith('"'):
        return token
    return "".join(char if char == "\n" else " " for char in token)


def strip_comments(text: str) -> str:
    """`text` with comments replaced by spaces (newlines kept)."""
    # one character is found far faster than two (memchr): most schemas have no slash at all
    if "/" not in text or ("//" not in text and "/*" not in text):
        return text
    return re.sub(_COMMENT_OR_STRING, _blank, text)


def nesting_depth(text: str) -> int:
    """How deeply `text` nests arrays and objects; exact above `SHALLOW`, a bound below it."""
    brackets = text.count("[") + text.count("{")
    if brackets <= SHALLOW:
        return brackets
    depth = deepest = 0
    for match in re.finditer(_BRACKET_OR_STRING, text):
        char = match.group(0)
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _line_of_depth(text: str, limit: int) -> int:
    depth = 0
    for match in re.finditer(_BRACKET_OR_STRING, text):
        char = match.group(0)
        if char in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        elif char in "]}":
            depth -= 1
    return 1


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# made once: json.loads would make a decoder for every call given a keyword
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def load(text: str) -> tuple[Any, str, int | None]:
    """The JSON value of `text`, the text with comments blanked, and its nesting depth.

    The depth is None when it was not measured: the text is then known to nest no deeper than
    Jackson allows, and at most a little less deep than Python's recursion limit, and whoever
    recurses over it must be ready for a `RecursionError` (and measure, and retry with
    `recursion_headroom`). Raises `SchemaInvalid` for text that is not JSON or nests deeper than
    Jackson allows.
    """
    if not text or text.isspace():
        raise SchemaInvalid("the schema text is empty", "", 1)
    clean = strip_comments(text)
    # Python's decoder counts its nesting against the recursion limit: under a limit no higher
    # than Jackson's, text it decodes nests no deeper than Jackson allows, and measuring the
    # depth (a pass over the text in Python) is left to the rare text that fails here
    if sys.getrecursionlimit() <= MAX_NESTING:
        try:
            return _DECODER.decode(clean), clean, None
        except (ValueError, RecursionError):
            pass  # the careful way below says what the registry would say first
    return _load_measured(clean)


def _load_measured(clean: str) -> tuple[Any, str, int]:
    depth = nesting_depth(clean)
    if depth > MAX_NESTING:
        raise SchemaInvalid(
            f"the schema is nested too deeply (more than {MAX_NESTING} levels of JSON)",
            "",
            _line_of_depth(clean, MAX_NESTING),
        )
    try:
        with recursion_headroom(depth > SHALLOW):
            value = json.loads(clean, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise SchemaInvalid(
            f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
            "",
            error.lineno,
        ) from None
    except ValueError as error:
        raise SchemaInvalid(f"not valid JSON: {error}", "", None) from None
    except RecursionError:
        raise SchemaInvalid("the schema is nested too deeply", "", None) from None
    return value, clean, depth
