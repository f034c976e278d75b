"""Find the line of a JSON Pointer in JSON text, without building a tree (deep input is fine)."""

from __future__ import annotations

import json
import re
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
    return base + "".join("/" + escape_token(token) for token in tokens)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

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

    def line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1


@lru_cache(maxsize=4096)
def line_of(text: str, pointer: str) -> int | None:
    """The 1-based line where the value at `pointer` starts, or the deepest existing parent's."""
    scanner = _Scanner(text)
    try:
        scanner.peek()
        found = scanner.line()
        for token in pointer_tokens(pointer):
            char = scanner.peek()
            if char == "{":
                scanner.pos += 1
                while True:
                    if scanner.peek() == "}":
                        return found
                    key = scanner.string()
                    if scanner.peek() != ":":
                        return found
                    scanner.pos += 1
                    if key == token:
                        scanner.peek()
                        found = scanner.line()
                        break
                    scanner.skip_value()
                    if scanner.peek() == ",":
                        scanner.pos += 1
            elif char == "[":
                if not token.isdigit():
                    return found
                scanner.pos += 1
                for _ in range(int(token)):
                    if scanner.peek() == "]":
                        return found
                    scanner.skip_value()
                    if scanner.peek() == ",":
                        scanner.pos += 1
                if scanner.peek() == "]":
                    return found
                found = scanner.line()
            else:
                return found
        return found
    except ValueError:
        return None
