"""What a gate.yaml declares beyond its subject rules: the registry, schema references,
contracts and waivers (validated and built by gate/config.py).

Kept apart from gate/config.py so that a run without a gate.yaml, or with one that declares none
of these, does not build these classes at all: each frozen dataclass costs about half a
millisecond to create at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

# a consumer reader naming a registered version: `subject@3`, `subject@latest`
PIN = re.compile(r"(?P<subject>.+)@(?P<version>[0-9]+|latest)")


@dataclass(frozen=True)
class SchemaReference:
    """A Confluent schema reference declared for a subject in gate.yaml.

    It names a `subject` (at `version`, None meaning `latest`) or a repository `file`; `name` is
    what the referring schema calls it (an Avro type's full name, a JSON Schema `$ref`)."""

    name: str
    subject: str | None = None
    version: int | None = None
    file: str | None = None  # repository-relative (below gate.yaml's folder)
    line: int = 0  # the reference's line in gate.yaml

    @property
    def target(self) -> str:
        """How gate.yaml names what is referenced: `customer-value@latest`, `file a.avsc`."""
        if self.file is not None:
            return f"file {self.file}"
        return f"{self.subject}@{'latest' if self.version is None else self.version}"


@dataclass(frozen=True)
class RegistryConfig:
    """The schema registry (and/or its offline snapshot) and how to talk to it."""

    url: str | None = None
    snapshot: str | None = None  # repository-relative directory
    user: str | None = None
    password: str | None = None
    token: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    ca_bundle: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    timeout: float = 30.0
    retries: int = 3
    concurrency: int = 8
    context: str | None = None

    def __repr__(self) -> str:
        # credentials never reach a log or a traceback through repr
        hidden = {"user", "password", "token"}
        fields = ", ".join(
            f"{name}={'***' if name in hidden and value is not None else repr(value)}"
            for name, value in self.__dict__.items()
        )
        return f"RegistryConfig({fields})"


@dataclass(frozen=True)
class Producer:
    """A service writing a subject, with the subject's file unless `file` names another."""

    name: str
    file: str | None = None
    line: int = 0


@dataclass(frozen=True)
class RegistryPin:
    """A registered version: `version` None means `latest`."""

    subject: str
    version: int | None


@dataclass(frozen=True)
class Consumer:
    """A service reading a subject with its own reader schema (a file or a pinned version)."""

    name: str
    reader: str
    environment: str | None = None
    line: int = 0

    @property
    def pin(self) -> RegistryPin | None:
        """The registry version `reader` pins (`subject@3`, `subject@latest`), else None."""
        match = PIN.fullmatch(self.reader)
        if match is None:
            return None
        version = match.group("version")
        return RegistryPin(match.group("subject"), None if version == "latest" else int(version))

    @property
    def is_pinned(self) -> bool:
        """True when `reader` is `subject@N` / `subject@latest`; False when it is a file."""
        return self.pin is not None


@dataclass(frozen=True)
class Contract:
    """The producers and consumers of one subject."""

    subject: str
    producers: tuple[Producer, ...] = ()
    consumers: tuple[Consumer, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Waiver:
    """An accepted finding, until `expires`. `file` is the YAML file that declares it."""

    rule: str
    subject: str
    fingerprint: str
    reason: str
    owner: str
    expires: date
    line: int = 0
    file: str = "gate.yaml"  # repository-relative
