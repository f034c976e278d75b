"""The repository files a JSON Schema's relative `$ref`s name, found in its text without parsing
it: what a change to another file can reach."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

_REF = re.compile(r'"\$ref"\s*:\s*"((?:[^"\\]|\\.)*)"')
# `$ref: target` in YAML: plain, single- or double-quoted
_YAML_REF = re.compile(
    r"""["']?\$ref["']?[ \t]*:[ \t]*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\n]|'')*)'|"""
    r"""([^\s"'#,{}\[\]][^\s,{}\[\]]*))"""
)
_YAML = (".yaml", ".yml")


def file_references(path: str, text: str) -> list[str]:
    """The repository paths of the files that `text` (the file at `path`, JSON or YAML) names in
    relative `$ref`s: fragments, URLs, absolute paths and paths leaving the repository are not
    files of the repository."""
    if "$ref" not in text:
        return []
    folder = posixpath.dirname(path)
    out: list[str] = []
    if path.lower().endswith(_YAML):
        written = [_yaml_scalar(match) for match in _YAML_REF.finditer(text)]
    else:
        written = [match.group(1) for match in _REF.finditer(text)]
    for found in written:
        target = found.split("#", 1)[0]
        if not target or "\\" in target or target.startswith("/") or urlsplit(target).scheme:
            continue
        joined = posixpath.normpath(posixpath.join(folder, unquote(target)))
        if joined != ".." and not joined.startswith("../"):
            out.append(joined)
    return out


def _yaml_scalar(match: re.Match[str]) -> str:
    double, single, plain = match.groups()
    if double is not None:
        return double
    return single.replace("''", "'") if single is not None else plain
