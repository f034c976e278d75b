"""Frozen values shared by every stage of the pipeline."""

from __future__ import annotations

import enum
import functools
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

# a JSON value as `json.loads` returns it
JSON = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None


class SchemaType(enum.StrEnum):
    AVRO = "AVRO"
    JSON = "JSON"
    PROTOBUF = "PROTOBUF"

    @classmethod
    def parse(cls, text: str) -> SchemaType:
        """Accept any case, and `jsonschema` as an alias of JSON."""
        key = text.strip().upper()
        if key == "JSONSCHEMA":
            key = "JSON"
        return cls(key)


class Mode(enum.StrEnum):
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @classmethod
    def parse(cls, text: str) -> Mode:
        return cls(text.strip().upper())

    @property
    def backward(self) -> bool:
        """The new schema, as reader, must read data written with the old one."""
        return self.value.startswith(("BACKWARD", "FULL"))

    @property
    def forward(self) -> bool:
        """The old schema, as reader, must read data written with the new one."""
        return self.value.startswith(("FORWARD", "FULL"))

    @property
    def transitive(self) -> bool:
        return self.value.endswith("_TRANSITIVE")


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


class JsonPolicy(enum.StrEnum):
    STRICT = "STRICT"
    LENIENT = "LENIENT"

    @classmethod
    def parse(cls, text: str) -> JsonPolicy:
        return cls(text.strip().upper())


class Direction(enum.StrEnum):
    """Which way data flows in one reader/writer check."""

    BACKWARD = "backward"  # new schema reads data written with an old one
    FORWARD = "forward"  # old schema reads data written with the new one


class OriginKind(enum.StrEnum):
    FILE = "file"
    WORKTREE = "worktree"
    INDEX = "index"
    GIT = "git"
    REGISTRY = "registry"
    SNAPSHOT = "snapshot"


@dataclass(frozen=True)
class Origin:
    """Where a schema's text came from."""

    kind: OriginKind
    path: str | None = None  # repository-relative (or as given on the command line)
    rev: str | None = None  # git revision (short sha or ref name as the user gave it)
    subject: str | None = None
    version: int | None = None
    schema_id: int | None = None

    def label(self) -> str:
        """A short human label: `git:main:schemas/a.avsc`, `registry:orders-value@3`."""
        if self.kind in (OriginKind.REGISTRY, OriginKind.SNAPSHOT):
            text = f"{self.kind.value}:{self.subject}@{self.version}"
            return text if self.schema_id is None else f"{text} (id {self.schema_id})"
        if self.kind is OriginKind.GIT:
            return f"git:{self.rev}:{self.path}"
        if self.kind is OriginKind.INDEX:
            return f"staged:{self.path}"
        return str(self.path)


@dataclass(frozen=True)
class Reference:
    """A schema reference as the registry stores it."""

    name: str
    subject: str
    version: int


@dataclass(frozen=True)
class Schema:
    """A schema's text and where it came from; formats parse it into their own form."""

    type: SchemaType
    text: str
    origin: Origin
    references: tuple[Reference, ...] = ()
    # referenced schemas' texts by reference name, already resolved by the source
    resolved_references: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Location:
    """A place in a file: repository-relative path and 1-based line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Witness:
    """A concrete payload that shows an incompatibility."""

    payload: object  # JSON-compatible value as the writer wrote it
    writer: str  # label of the writer schema version
    reader: str  # label of the reader schema version
    error: str  # what the consumer would hit
    wire_base64: str | None = None  # Confluent wire format (magic byte, schema id, body), base64
    # JSON Pointer into the payload where it shows its finding (None: the payload as a whole)
    pointer: str | None = None
    # the plain message body, base64, and its encoding ("avro", "protobuf"; None: no body)
    body_base64: str | None = None
    body_encoding: str | None = None


class Side(enum.StrEnum):
    """Which schema of a pair a finding's path points into."""

    READER = "reader"
    WRITER = "writer"


@dataclass(frozen=True)
class Incompatibility:
    """One problem a format's checker found between a reader and a writer (or old and new)."""

    rule: str
    message: str
    path: str = ""  # JSON Pointer into the schema named by `side`
    side: Side = Side.READER  # which schema `path` points into
    fix: str | None = None
    # the 1-based line of `path` in that schema's text, for formats whose paths are no JSON
    # Pointers (None: found from `path`)
    line: int | None = None


@dataclass(frozen=True)
class Finding:
    """One reportable result: what broke, where, why and what to do."""

    rule: str
    severity: Severity
    subject: str
    message: str
    path: str = ""
    location: Location | None = None
    versions: tuple[str, ...] = ()
    witness: Witness | None = None
    fix: str | None = None
    check: str = ""  # the id of the check that produced it
    waived_by: str | None = None  # reason of the waiver that covers it

    @property
    def fingerprint(self) -> str:
        """A short stable hash of the exact change: rule, subject, place and message."""
        key = "\x1f".join((self.rule, self.subject, self.path, self.message))
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]


class CheckKind(enum.StrEnum):
    VALIDITY = "validity"
    COMPAT = "compat"
    CONTRACT = "contract"
    SIMULATION = "simulation"
    DRIFT = "drift"


class Category(enum.StrEnum):
    """What part of gate a rule belongs to (`gate rules` groups by it)."""

    GENERAL = "general"
    GIT = "git"
    REGISTRY = "registry"
    COMPATIBILITY = "compatibility"
    CONTRACT = "contract"
    POLICY = "policy"
    DRIFT = "drift"
    SIMULATION = "simulation"
    AVRO = "avro"
    JSON = "json"
    PROTOBUF = "protobuf"


@dataclass(frozen=True)
class Rule:
    """A stable rule id, what it guards against, and how severe a finding of it is by default."""

    id: str
    purpose: str
    severity: Severity = Severity.ERROR
    category: Category = Category.GENERAL
    # the name the registry itself uses for this kind of difference, where there is one
    registry_name: str | None = None


@dataclass(frozen=True)
class CheckResult:
    """One check that ran (or was skipped), with what it found; passed checks are kept too."""

    id: str  # stable within a run, e.g. "orders-value: BACKWARD vs git:main"
    subject: str
    kind: CheckKind
    name: str  # short human name of the check
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    skipped: str | None = None  # why it did not run
    seconds: float = 0.0
    # what the check compared and what changed, in one line ("FULL vs main (0e5704b): field
    # `coupon` added"): how a report shows a subject that changed and passed
    summary: str | None = None


class RunInputs(TypedDict):
    """What a run read from the work tree: the repository's root, gate.yaml, the schema files."""

    root: str
    config: str | None
    paths: Collection[str]  # repository-relative


class InputPatterns(TypedDict):
    """The sample globs of a run, relative to the configuration's folder `root`."""

    root: str
    patterns: list[str]


# (producer, subject, consumer, broken) of one judged pair; a producer of None: data in flight
GraphEdge = tuple[str | None, str, str, bool]


@dataclass(frozen=True)
class RunInfo:
    """What a run compared and read, beside its checks; what reports need besides findings."""

    base: str | None = None  # label of the base revision
    head: str | None = None  # label of the head
    root: str | None = None  # the repository's root
    prefix: str | None = None  # the configuration's folder within it ("" or "dir/")
    files: Mapping[str, str] = field(default_factory=dict)  # subject -> its schema's path
    inputs: RunInputs | None = None  # which no report may overwrite
    input_patterns: InputPatterns | None = None
    unchanged: tuple[str, ...] = ()  # subjects whose schema is as it was at the base
    graph: Collection[GraphEdge] | None = None  # the contract graph, when the run has contracts


@dataclass(frozen=True)
class Result:
    """The outcome of a whole run."""

    checks: tuple[CheckResult, ...]
    fail_on: Severity = Severity.ERROR
    notes: tuple[str, ...] = ()
    info: RunInfo = field(default_factory=RunInfo, compare=False)

    @functools.cached_property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding of every check (asked for by each reporter and the exit code)."""
        return tuple(f for check in self.checks for f in check.findings)

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(
            f for f in self.findings if f.waived_by is None and f.severity.at_least(self.fail_on)
        )

    @property
    def passed(self) -> bool:
        return not self.failing

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def subjects(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(check.subject for check in self.checks))
