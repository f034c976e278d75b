"""Find the line of a JSON Pointer in JSON text, without building a tree (deep input is fine).

Each text is indexed lazily: the members of a container are located once, the first time a
pointer passes through it, and line numbers come from a table of newline offsets. Locating many
findings in one big schema therefore costs about one pass over it, not one pass per finding.

The work is linear in the size of the text whatever its depth. Listing a container's members
skips over their values: the values of the top `_DECODED_LEVELS` levels are skipped by the C JSON
decoder (fast, and at most that many passes over the text); deeper values, and values too deep
for the decoder, by one walk over their strings and brackets that remembers where every
container inside ends, so that no part of the text is walked twice.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from functools import lru_cache

_DECODER = json.JSONDecoder()
# pointer levels whose containers skip their members' values with the C decoder
_DECODED_LEVELS = 2
_UNCLOSED = -1  # the end of a container that broken text never closes


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Blanks, a whole string, a scalar, and what a walk over a skipped value looks at (a whole
    string, a quote that opens no whole string (broken text), or a bracket: what lies between
    them, numbers, literals, commas, colons and blanks, needs no look). Compiled for the first
    text a run locates anything in: most runs never do."""
    return (
        re.compile(r"[ \t\r\n]*"),
        re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL),
        re.compile(r"[^,\]}\s]+"),
        re.compile(r'"(?:[^"\\]|\\.)*"|["\[\]{}]', re.DOTALL),
    )


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
        self.ends: dict[int, int] = {}  # container start -> just past its closing bracket
        self._newlines: list[int] | None = None
        self._ws, self._string, self._scalar, self._structure = _patterns()
        # the work done so far, for tests: tokens looked at in Python, characters decoded in C
        self.steps = 0
        self.decoded = 0

    def ws(self) -> None:
        match = self._ws.match(self.text, self.pos)
        if match:
            self.pos = match.end()

    def peek(self) -> str:
        self.ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def string(self) -> str:
        match = self._string.match(self.text, self.pos)
        if not match:
            raise ValueError("string expected")
        self.pos = match.end()
        body = match.group(0)
        return body[1:-1] if "\\" not in body else str(json.loads(body))

    def skip_value(self, decode: bool) -> None:
        """Move past the value at the current position; `decode`: the C decoder may skip it."""
        char = self.peek()
        self.steps += 1
        if char == "":
            raise ValueError("value expected")
        if char == '"':
            self.string()
            return
        if char not in "[{":
            match = self._scalar.match(self.text, self.pos)
            if not match:
                raise ValueError("value expected")
            self.pos = match.end()
            return
        start = self.pos
        end = self.ends.get(start)
        if end == _UNCLOSED:
            raise ValueError("unclosed container")
        if end is None and decode:
            try:
                # fails only on broken or very deep input, where the walk below takes over
                _, end = _DECODER.raw_decode(self.text, start)
            except (ValueError, RecursionError):
                end = None
        if end is None:
            end = self._walk(start)
        if decode:
            self.decoded += end - start
        self.pos = end

    def _walk(self, start: int) -> int:
        """Just past the end of the container at `start`, found by one walk over its strings
        and brackets; the end of every container inside is remembered on the way (and, in
        broken text, that the containers still open at the break never end)."""
        opened: list[int] = []
        ends = self.ends
        for match in self._structure.finditer(self.text, start):
            self.steps += 1
            char = self.text[match.start()]
            if char == '"':
                if match.end() - match.start() == 1:
                    break  # a string that never ends
            elif char in "[{":
                opened.append(match.start())
            else:
                end = match.end()
                if opened:
                    ends[opened.pop()] = end
                if not opened:
                    return end
        for position in opened:
            ends[position] = _UNCLOSED
        raise ValueError("unclosed container")

    def line(self, pos: int) -> int:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return bisect_right(self._newlines, pos - 1) + 1

    def children(self, start: int, decode: bool) -> dict[str, int]:
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
                    self.skip_value(decode)
                    if self.peek() == ",":
                        self.pos += 1
            else:
                index = 0
                while self.peek() not in ("]", ""):
                    found[str(index)] = self.pos
                    self.skip_value(decode)
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
    for level, token in enumerate(pointer_tokens(pointer)):
        if at >= len(text) or text[at] not in "{[":
            break
        child = document.children(at, level < _DECODED_LEVELS).get(token)
        if child is None:
            break
        at = child
    return document.line(at)
