"""Keep credentials out of every line gate writes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SECRET_VARIABLES = ("GATE_REGISTRY_PASSWORD", "GATE_REGISTRY_TOKEN", "GATE_REGISTRY_USER")
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")
_AUTH_HEADER = re.compile(r"(?i)(authorization\s*[:=]\s*)(basic|bearer)?\s*[^\s'\",]+")


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
        for secret in sorted({*self.secrets, *_REMEMBERED}, key=len, reverse=True):
            text = text.replace(secret, "***")
        text = _USERINFO.sub(r"\g<scheme>***@", text)
        return _AUTH_HEADER.sub(lambda m: m.group(1) + "***", text)


def redact_url(url: str) -> str:
    return _USERINFO.sub(r"\g<scheme>***@", url)
