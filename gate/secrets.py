"""Keep credentials out of every line gate writes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

SECRET_VARIABLES = ("GATE_REGISTRY_PASSWORD", "GATE_REGISTRY_TOKEN", "GATE_REGISTRY_USER")
# A URL with user info, in free text. The scheme starts where no scheme character precedes it (so
# a long run of letters is tried once, not from each of its letters), and the user info runs to
# the LAST `@` of the word: a Confluent Cloud secret may hold a raw `/` or `@`, and cutting at
# the first one would print the rest of it.
_USERINFO = re.compile(
    r"(?<![a-zA-Z0-9+.-])(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s@]*(?:@[^\s@]*)*@"
)
_AUTH_HEADER = re.compile(r"(?i)(authorization\s*[:=]\s*)(basic|bearer)?\s*[^\s'\",]+")
_HOST = re.compile(r"[A-Za-z0-9._~%!$&'()*+,;=:\[\]-]*(?=[/?#]|$)")


def split_userinfo(url: str) -> tuple[str, str | None]:
    """`url` without its user info, and the user info (None when there is none).

    The user info ends at the last `@` that a host follows, not at the first `/`: in
    `https://key:se/cr@t@host/path` the user info is `key:se/cr@t`. Unlike `urlsplit`, this never
    mistakes part of a secret for the host or the path.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or "@" not in rest:
        return url, None
    at = len(rest)
    while (at := rest.rfind("@", 0, at)) != -1:
        if _HOST.match(rest, at + 1):
            return f"{scheme}://{rest[at + 1 :]}", rest[:at]
    return url, None


_REMEMBERED: set[str] = set()


def remember(*values: str | None) -> None:
    """Secrets found while running (from gate.yaml's interpolation): redact them everywhere."""
    _REMEMBERED.update(v for v in values if v and len(v) >= 4)


@dataclass(frozen=True)
class Redactor:
    """Replaces known secret values, URL user info and authorization headers with `***`."""

    secrets: tuple[str, ...] = ()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], extra: Iterable[str] = ()) -> Redactor:
        values = [environ.get(name, "") for name in SECRET_VARIABLES]
        values += list(extra)
        # a secret shorter than 4 characters would redact ordinary words; such secrets are
        # still kept out by never being formatted into messages in the first place
        kept = sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)
        return cls(tuple(kept))

    def __call__(self, text: str) -> str:
        return redact_text(text, {*self.secrets, *_REMEMBERED})


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """`text` without `secrets`, URL user info or authorization header values; linear time."""
    pattern = _alternatives(frozenset(s for s in secrets if s))
    if pattern is not None:
        text = pattern.sub("***", text)
    text = redact_url(text)
    return _AUTH_HEADER.sub(lambda m: m.group(1) + "***", text)


def redact_url(text: str) -> str:
    """`text` with the user info of every URL in it replaced by `***`."""
    return _USERINFO.sub(r"\g<scheme>***@", text) if "@" in text else text


_PATTERNS: dict[frozenset[str], re.Pattern[str]] = {}


def _alternatives(secrets: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern for all `secrets`, longest first, so one pass replaces them all."""
    if not secrets:
        return None
    pattern = _PATTERNS.get(secrets)
    if pattern is None:
        ordered = sorted(secrets, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(s) for s in ordered))
        _PATTERNS.clear()  # the set changes rarely: keep only the latest
        _PATTERNS[secrets] = pattern
    return pattern
