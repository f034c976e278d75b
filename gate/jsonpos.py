"""Find the line of a JSON Pointer in JSON text, without building a tree (deep input is fine).

Each text is indexed lazily: the members of a container are located once, the first time a
pointer passes through it, and line numbers come from a table of newline offsets. Locating many
findings in one big schema therefore costs about one pass over it, not one pass per finding.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from functools import lru_cache

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"[^,\]}\s]+")
_DECODER = json.JSONDecoder()


def pointer_tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    body = pointer[1:] if pointer.startswith("/") else pointer
    return [token.replace("~1", "/").replace("~0", "~") for token in body.split("/")]


def escape_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(base: str, *tokens: str | int) -> str:
    for token in tokens:
        text = token if token.__class__ is str else str(token)
        assert isinstance(text, str)
        if "~" in text or "/" in text:
            text = text.replace("~", "~0").replace("/", "~1")
        base = f"{base}/{text}"
    return base


class _Document:
    """One JSON text with the positions of the members of every container visited so far."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.members: dict[int, dict[str, int]] = {}  # container start -> token -> value start
        self._newlines: list[int] | None = None

    def ws(self) -> None:
        match = _WS.match(self.text, self.pos)
        if match:
            self.pos = match.end()

    def peek(self) -> str:
        self.ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def string(self) -> str:
        match = _STRING.match(self.text, self.pos)
        if not match:
            raise ValueError("string expected")
        self.pos = match.end()
        return str(json.loads(match.group(0)))

    def skip_value(self) -> None:
        self.peek()
        try:
            # the C decoder skips a whole value at once; it only fails on broken or very deep
            # input, where the token walk below takes over
            _, self.pos = _DECODER.raw_decode(self.text, self.pos)
            return
        except (ValueError, RecursionError):
            pass
        depth = 0
        while True:
            char = self.peek()
            if char == "":
                raise ValueError("unexpected end")
            if char == '"':
                self.string()
            elif char in "[{":
                depth += 1
                self.pos += 1
            elif char in "]}":
                depth -= 1
                self.pos += 1
            elif char in ",:":
                self.pos += 1
                continue
            else:
                match = _SCALAR.match(self.text, self.pos)
                if not match:
                    raise ValueError("value expected")
                self.pos = match.end()
            if depth == 0:
                return

    def line(self, pos: int) -> int:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return bisect_right(self._newlines, pos - 1) + 1

    def children(self, start: int) -> dict[str, int]:
        """Token -> value position of the container starting at `start` (found once)."""
        known = self.members.get(start)
        if known is not None:
            return known
        found: dict[str, int] = {}
        self.members[start] = found
        opener = self.text[start]
        self.pos = start + 1
        try:
            if opener == "{":
                while self.peek() not in ("}", ""):
                    key = self.string()
                    if self.peek() != ":":
                        break
                    self.pos += 1
                    self.peek()
                    found.setdefault(key, self.pos)
                    self.skip_value()
                    if self.peek() == ",":
                        self.pos += 1
            else:
                index = 0
                while self.peek() not in ("]", ""):
                    found[str(index)] = self.pos
                    self.skip_value()
                    index += 1
                    if self.peek() == ",":
                        self.pos += 1
        except ValueError:
            pass  # broken text: what was found before the break still counts
        return found


@lru_cache(maxsize=16)
def _document(text: str) -> _Document:
    return _Document(text)


@lru_cache(maxsize=1024)
def line_of(text: str, pointer: str) -> int | None:
    """The 1-based line where the value at `pointer` starts, or the deepest existing parent's."""
    document = _document(text)
    document.pos = 0
    if document.peek() == "":
        return None
    at = document.pos
    for token in pointer_tokens(pointer):
        if at >= len(text) or text[at] not in "{[":
            break
        child = document.children(at).get(token)
        if child is None:
            break
        at = child
    return document.line(at)
