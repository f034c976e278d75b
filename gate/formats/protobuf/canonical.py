"""The canonical form of a `.proto` text: its tokens without comments or formatting.

Confluent Schema Registry keeps a Protobuf schema as its parser prints it back, so comments,
blank lines, indentation and spacing are not part of a registered schema; declaration order,
names, numbers, labels and options are. The canonical form keeps exactly the tokens, one
statement per line (a line ends after `;`, `{` and `}`), single-quoted strings written with
double quotes. It needs no compiler: drift compares many texts, most of them never compiled.
"""

from __future__ import annotations

import re

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
_ENDS_LINE = frozenset({";", "{", "}"})
_NO_SPACE_BEFORE = frozenset({";", ",", ")", "]", "<", ">"})
_NO_SPACE_AFTER = frozenset({"(", "[", "<"})


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


def canonical(text: str) -> str:
    """`text` as its tokens, one statement per line, single spaces between tokens."""
    lines: list[str] = []
    line: list[str] = []
    previous = ""
    for token in tokens(text):
        if line and token not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
            line.append(" ")
        line.append(token)
        previous = token
        if token in _ENDS_LINE:
            lines.append("".join(line))
            line, previous = [], ""
    if line:
        lines.append("".join(line))
    return "\n".join(lines)
