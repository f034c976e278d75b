"""The canonical form of a `.proto` text: its declarations without comments or formatting.

Confluent Schema Registry keeps a Protobuf schema as its parser prints it back: comments, blank
lines, indentation and spacing are gone, and each block's members are grouped by kind (a
message prints its reserved ranges, options, fields, oneofs, groups, extension ranges, then its
nested types; a file its syntax, package, imports, options, types, extends, then services),
each group in declaration order. The canonical form does the same to any text: the tokens of
every declaration, one per line, single-quoted strings written with double quotes, each
block's members grouped by kind in that order. Two texts with one canonical form declare the
same schema; a changed name, number, label, type, option or order within a kind changes it.
It needs no compiler: drift compares many texts, most of them never compiled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# a string ("..." or '...'), a comment, a word (identifiers, numbers, dotted names), or any
# other single character
_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
    r"""|(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))"""
    r"""|(?P<word>[A-Za-z0-9_.+-]+)"""
    r"""|(?P<space>\s+)"""
    r"""|(?P<other>.)""",
    re.DOTALL,
)
_NO_SPACE_BEFORE = frozenset({";", ",", ")", "]", "<", ">"})
_NO_SPACE_AFTER = frozenset({"(", "[", "<"})
# the keywords that open a block of declarations (a `{` after anything else is an option's
# aggregate value, part of its statement)
_BLOCKS = frozenset({"message", "enum", "oneof", "service", "extend", "rpc"})
_LABELS = frozenset({"optional", "required", "repeated"})

# each block's members, grouped by kind, in the order the registry prints them
_FILE_ORDER = {
    "syntax": 0,
    "edition": 0,
    "package": 1,
    "import": 2,
    "option": 3,
    "message": 4,
    "enum": 4,
    "extend": 5,
    "service": 6,
}
_MESSAGE_ORDER = {
    "reserved": 0,
    "option": 1,
    "field": 2,
    "oneof": 3,
    "group": 4,
    "extensions": 5,
    "message": 6,
    "enum": 6,
    "extend": 7,
}
_ENUM_ORDER = {"reserved": 0, "option": 1, "field": 2}
_ONEOF_ORDER = {"option": 0, "field": 1, "group": 2}
_SERVICE_ORDER = {"option": 0, "rpc": 1}
_ORDERS = {
    "message": _MESSAGE_ORDER,
    "enum": _ENUM_ORDER,
    "oneof": _ONEOF_ORDER,
    "service": _SERVICE_ORDER,
    "group": _MESSAGE_ORDER,
}
# statements named by their first word; any other statement is a field (or an enum value)
_STATEMENTS = frozenset(
    {"syntax", "edition", "package", "import", "option", "reserved", "extensions", "rpc"}
)


def tokens(text: str) -> list[str]:
    """The tokens of `text`: comments and whitespace left out, strings in double quotes."""
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("comment", "space"):
            continue
        token = match.group(0)
        if kind == "string" and token.startswith("'"):
            inner = token[1:-1]
            if '"' not in inner and "\\'" not in inner:
                token = f'"{inner}"'
        out.append(token)
    return out


@dataclass
class _Member:
    head: list[str]  # a statement's tokens without its `;`, or a block's tokens before `{`
    body: list[_Member] | None = None  # a block's members; None for a statement


def _join(parts: list[str]) -> str:
    out: list[str] = []
    previous = ""
    for token in parts:
        if out and token not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
            out.append(" ")
        out.append(token)
        previous = token
    return "".join(out)


class _Unbalanced(Exception):
    pass


def _parse(words: list[str]) -> list[_Member]:
    """The members of a block's body, nested; raises `_Unbalanced` for braces that do not
    pair up."""
    root: list[_Member] = []
    stack: list[list[_Member]] = [root]
    head: list[str] = []
    nesting = 0  # `(`, `[` and aggregate `{` inside the current statement
    for token in words:
        if nesting:
            head.append(token)
            if token in "([{":
                nesting += 1
            elif token in ")]}":
                nesting -= 1
            continue
        if token == ";":
            if head:
                stack[-1].append(_Member(head))
            head = []
        elif token == "{":
            if head and (head[0] in _BLOCKS or _is_group(head)):
                block = _Member(head, [])
                stack[-1].append(block)
                assert block.body is not None
                stack.append(block.body)
                head = []
            else:
                head.append(token)
                nesting = 1
        elif token == "}":
            if len(stack) == 1:
                raise _Unbalanced
            if head:
                stack[-1].append(_Member(head))
                head = []
            stack.pop()
        else:
            head.append(token)
            if token in "([":
                nesting = 1
    if len(stack) != 1 or nesting:
        raise _Unbalanced
    if head:
        root.append(_Member(head))
    return root


def _is_group(head: list[str]) -> bool:
    return "group" in head[:2] and (head[0] == "group" or head[0] in _LABELS)


def _kind(member: _Member) -> str:
    first = member.head[0]
    if member.body is not None:
        return "group" if _is_group(member.head) else first
    return first if first in _STATEMENTS else "field"


def _render(members: list[_Member], order: dict[str, int], lines: list[str]) -> None:
    ranked = sorted(
        enumerate(members),
        key=lambda item: (order.get(_kind(item[1]), len(order)), _import_rank(item[1]), item[0]),
    )
    for _, member in ranked:
        if member.body is None:
            lines.append(_join([*member.head, ";"]))
            continue
        lines.append(_join([*member.head, "{"]))
        _render(member.body, _ORDERS.get(_kind(member), {}), lines)
        lines.append("}")


def _import_rank(member: _Member) -> int:
    """Plain imports before public ones before weak ones (the rest: 0)."""
    if member.body is None and member.head[0] == "import" and len(member.head) > 1:
        return {"public": 1, "weak": 2}.get(member.head[1], 0)
    return 0


def canonical(text: str) -> str:
    """`text` as its declarations, one per line, each block's members grouped by kind; text
    whose braces do not pair up keeps its tokens in order."""
    words = tokens(text)
    lines: list[str] = []
    try:
        _render(_parse(words), _FILE_ORDER, lines)
    except (_Unbalanced, RecursionError):
        return _flat(words)
    return "\n".join(lines)


def _flat(words: list[str]) -> str:
    lines: list[str] = []
    line: list[str] = []
    for token in words:
        line.append(token)
        if token in (";", "{", "}"):
            lines.append(_join(line))
            line = []
    if line:
        lines.append(_join(line))
    return "\n".join(lines)
