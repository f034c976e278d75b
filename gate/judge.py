"""Turn schemas into checks: parse with a cache, judge a candidate against its history.

Shared by `gate compat` and `gate check`; knows formats only through `gate.formats`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.compat import CheckMemo, Version, Violation, check_candidate, versions_to_check
from gate.corerules import SCHEMA_TYPE_CHANGED
from gate.errors import SchemaInvalid, UnsupportedFormat
from gate.formats import CheckOptions, file_key, get_format
from gate.jsonpos import line_of
from gate.model import (
    CheckKind,
    CheckResult,
    Direction,
    Finding,
    Incompatibility,
    Location,
    Mode,
    Origin,
    OriginKind,
    Schema,
    SchemaType,
    Severity,
    Side,
)
from gate.rules import all_rules

if TYPE_CHECKING:
    from gate.formats import SchemaFormat
    from gate.references import ResolvedReferences

Evidence = Callable[[CheckResult, "Parsed", "Parsed"], CheckResult]

_FILE_KINDS = (OriginKind.FILE, OriginKind.WORKTREE, OriginKind.INDEX, OriginKind.GIT)


class Parsed(NamedTuple):
    """A schema and its parsed form, or why it is invalid."""

    schema: Schema
    value: object = None
    invalid: SchemaInvalid | None = None

    @property
    def ok(self) -> bool:
        return self.invalid is None


def baseline_name(origin: Origin, latest: bool = False) -> str:
    """What a check compares with, in words that stay the same from run to run: `git base`,
    `registry latest`, `registry v3`, or a file's path. Check ids use it, so CI test histories
    (JUnit) and code-scanning results keep their identity when the base commit or the registry's
    schema ids change; the exact revision stays in the check's name and its findings."""
    if origin.kind is OriginKind.GIT:
        return "git base"
    if origin.kind in (OriginKind.REGISTRY, OriginKind.SNAPSHOT):
        return (
            "registry latest"
            if latest or origin.version is None
            else (f"registry v{origin.version}")
        )
    return origin.path or origin.label()


def invalid_rule(schema_type: SchemaType, error: SchemaInvalid) -> str:
    # a format's own errors name their rule (JSON Schema's UnresolvedReference)
    rule_id = getattr(error, "rule", None)
    if isinstance(rule_id, str) and rule_id:
        return rule_id
    return f"{schema_type.value}_INVALID_SCHEMA"


def severity_of(rule_id: str) -> Severity:
    rule = all_rules().get(rule_id)
    return rule.severity if rule else Severity.ERROR


def location_of(schema: Schema, pointer: str, line: int | None = None) -> Location | None:
    """Where `pointer` is in the file `schema` came from (None for registry schemas)."""
    origin = schema.origin
    if origin.kind not in _FILE_KINDS or origin.path is None:
        return None
    if line is None:
        line = line_of(schema.text, pointer)
    return Location(origin.path, line)


class Parser:
    """Parses schemas once per (type, content, references) and remembers invalid ones too.

    The cache holds the most recently used parses only: a subject's versions are parsed and
    checked together, so a bounded cache keeps memory flat on repositories of any size.
    """

    def __init__(self, options: CheckOptions, capacity: int = 64) -> None:
        self.options = options
        self.capacity = capacity
        # key -> (parsed value or why it is invalid, whether that parse skipped checks)
        self._cache: OrderedDict[tuple[object, ...], tuple[object, bool]] = OrderedDict()

    def peek(self, schema: Schema) -> Parsed | None:
        """The parse of `schema` if one is remembered, else None (nothing is parsed)."""
        registered = schema.origin.kind in _TRUSTED_KINDS
        entry = self._cache.get(_cache_key(schema, registered))
        if entry is None:
            return None
        cached = entry[0]
        if isinstance(cached, SchemaInvalid):
            return Parsed(schema, invalid=cached)
        return Parsed(schema, value=cached)

    def parse(
        self, schema: Schema, trusted: bool | None = None, registered: bool | None = None
    ) -> Parsed:
        # a version the registry holds was accepted by it: formats may skip checks that cannot
        # change its parsed form (a careful parse may reuse a trusted one, never the reverse).
        # `trusted` says so of a text from elsewhere that the registry holds byte for byte.
        # `registered` is the schema's role: a registered version (the registry's own, the git
        # base, the older files of `gate compat`) or a new one (the candidate); by default,
        # registered when trusted. The registry parses the two by different rules (Avro).
        if trusted is None:
            trusted = schema.origin.kind in _TRUSTED_KINDS
        if registered is None:
            registered = trusted
        key = _cache_key(schema, registered)
        entry = self._cache.get(key)
        if entry is None or (entry[1] and not trusted):
            try:
                value = get_format(schema.type).parse(
                    schema, self.options, trusted=trusted, registered=registered
                )
            except SchemaInvalid as error:
                value = error
            entry = (value, trusted and _trust_skips_checks(schema.type))
            self._cache[key] = entry
            if len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        cached = entry[0]
        if isinstance(cached, SchemaInvalid):
            return Parsed(schema, invalid=cached)
        return Parsed(schema, value=cached)


_TRUSTED_KINDS = frozenset({OriginKind.REGISTRY, OriginKind.SNAPSHOT})


def _cache_key(schema: Schema, registered: bool = False) -> tuple[object, ...]:
    # the text itself, not a digest of it: a string hashes once, faster than any digest
    try:
        return get_format(schema.type).parse_key(schema, registered)
    except (UnsupportedFormat, ModuleNotFoundError):
        return file_key(schema)


def _trust_skips_checks(schema_type: SchemaType) -> bool:
    return get_format(schema_type).trust_skips_checks


def validity_check(subject: str, parsed: Parsed, label: str) -> CheckResult:
    """The check that a schema is valid at all; invalid is a finding, not a crash."""
    findings: tuple[Finding, ...] = ()
    if parsed.invalid is not None:
        error = parsed.invalid
        rule_id = invalid_rule(parsed.schema.type, error)
        findings = (
            Finding(
                rule=rule_id,
                severity=severity_of(rule_id),
                subject=subject,
                message=f"{label} is not a valid {parsed.schema.type.value} schema: "
                f"{error.message}",
                path=error.pointer,
                location=location_of(parsed.schema, error.pointer, error.line),
                versions=(parsed.schema.origin.label(),),
                fix="fix the schema so the registry accepts it",
                check=f"{subject}: valid",
            ),
        )
    return CheckResult(
        id=f"{subject}: valid",
        subject=subject,
        kind=CheckKind.VALIDITY,
        name=f"valid {parsed.schema.type.value} schema ({label})",
        findings=findings,
    )


def _check_name(mode: Mode, direction: Direction, against: str) -> str:
    if direction is Direction.BACKWARD:
        return f"{mode.value}: the new schema reads data written with {against}"
    return f"{mode.value}: {against} reads data written with the new schema"


def violation_finding(
    subject: str, check_id: str, violation: Violation, candidate: Parsed, against: Parsed
) -> Finding:
    incompatibility = violation.incompatibility
    new_is_reader = violation.direction is Direction.BACKWARD
    reader, writer = (candidate, against) if new_is_reader else (against, candidate)
    pointed = reader if incompatibility.side == Side.READER else writer
    location = location_of(pointed.schema, incompatibility.path, incompatibility.line)
    if pointed is not candidate:
        # the pointer is into an older version: the finding still belongs to the candidate's
        # file, but no line of it corresponds to the pointer
        candidate_file = location_of(candidate.schema, "")
        location = Location(candidate_file.path) if candidate_file else None
    return Finding(
        rule=incompatibility.rule,
        severity=severity_of(incompatibility.rule),
        subject=subject,
        message=incompatibility.message,
        path=incompatibility.path,
        location=location,
        versions=(
            f"writer: {writer.schema.origin.label()}",
            f"reader: {reader.schema.origin.label()}",
        ),
        fix=incompatibility.fix,
        check=check_id,
    )


def compat_checks(
    subject: str,
    candidate: Parsed,
    history: Sequence[Parsed],
    mode: Mode,
    options: CheckOptions,
    evidence: Evidence | None = None,
    memo: CheckMemo | None = None,
) -> list[CheckResult]:
    """One check per (direction, version) that `mode` asks for; history is oldest first.

    `evidence(check, writer, reader)` may add proof on data (witnesses) to each check; `memo`
    remembers verdicts across calls (the pairs of one subject).
    """
    if not candidate.ok:
        return []
    # the candidate's format, or `_TypeChange` around it (only `check`/`edit_warnings` are used)
    fmt: Any = get_format(candidate.schema.type)
    wrapped = [(Version(p.schema.origin.label(), p.value), p) for p in history if p.ok]
    other_type = {
        id(p.value): p.schema.type
        for p in history
        if p.ok and p.schema.type is not candidate.schema.type
    }
    if other_type:
        fmt = _TypeChange(fmt, candidate.schema.type, other_type)
    parsed_of = {id(version): parsed for version, parsed in wrapped}
    versions = [version for version, _ in wrapped]
    latest = versions[-1] if versions else None
    started = time.perf_counter()
    violations = check_candidate(fmt, candidate.value, versions, mode, options, memo)
    selected = versions_to_check(mode, versions)
    directions = [
        direction
        for direction, wanted in (
            (Direction.BACKWARD, mode.backward),
            (Direction.FORWARD, mode.forward),
        )
        if wanted
    ]
    seconds = (time.perf_counter() - started) / max(1, len(selected) * len(directions))
    checks: list[CheckResult] = []
    for version in selected:
        for direction in directions:
            against = baseline_name(parsed_of[id(version)].schema.origin, version is latest)
            check_id = f"{subject}: {direction.value} vs {against}"
            findings = tuple(
                violation_finding(subject, check_id, v, candidate, parsed_of[id(version)])
                for v in violations
                if v.direction is direction and v.against is version
            )
            check = CheckResult(
                id=check_id,
                subject=subject,
                kind=CheckKind.COMPAT,
                name=_check_name(mode, direction, version.label),
                findings=findings,
                seconds=seconds,
            )
            old = parsed_of[id(version)]
            if evidence is not None and old.schema.type is candidate.schema.type:
                if direction is Direction.BACKWARD:
                    check = evidence(check, old, candidate)
                else:
                    check = evidence(check, candidate, old)
            checks.append(check)
    return checks


class _TypeChange:
    """A format's checker for a history that holds versions of other schema types: such a pair
    is incompatible whatever the texts, as for the registry ("different schema type"); the
    others go to the candidate's format."""

    def __init__(
        self, fmt: SchemaFormat, candidate_type: SchemaType, other_type: dict[int, SchemaType]
    ) -> None:
        self.fmt = fmt
        self.candidate_type = candidate_type
        self.other_type = other_type

    def check(self, reader: object, writer: object, options: CheckOptions) -> list[Incompatibility]:
        older = self.other_type.get(id(reader)) or self.other_type.get(id(writer))
        if older is None:
            found: list[Incompatibility] = self.fmt.check(reader, writer, options)
            return found
        new = self.candidate_type.value
        return [
            Incompatibility(
                rule=SCHEMA_TYPE_CHANGED,
                message=f"the schema type changes from {older.value} to {new}: the registry "
                "judges a change of schema type incompatible under every compatibility level "
                f"but NONE, and consumers of the {older.value} data cannot read {new} data",
                path="",
                # the candidate's side: the older version's file is not the one being changed
                side=Side.WRITER if id(reader) in self.other_type else Side.READER,
                fix=f"keep the subject {older.value}, or register the {new} schema under a new "
                "subject (a new topic, or another subject name strategy) and move producers and "
                "consumers to it",
            )
        ]

    def edit_warnings(self, old: object, new: object, side: Side) -> list[Incompatibility]:
        if id(old) in self.other_type or id(new) in self.other_type:
            return []  # no edit within one format: the type change is the finding
        found: list[Incompatibility] = self.fmt.edit_warnings(old, new, side)
        return found


def decode_text(data: bytes) -> tuple[str, SchemaInvalid | None]:
    """Schema files are UTF-8 (a BOM is tolerated); anything else is an invalid schema."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8"), None
    except UnicodeDecodeError as error:
        offset = bom + error.start  # in the file, BOM included
        line = data[:offset].count(b"\n") + 1
        text = data.decode("utf-8", "replace")
        return text, SchemaInvalid(
            f"the file is not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset})",
            line=line,
        )


def _is_yaml(origin: Origin) -> bool:
    path = getattr(origin, "path", None)
    return isinstance(path, str) and path.lower().endswith((".yaml", ".yml"))


def parse_bytes(
    parser: Parser,
    schema_type: SchemaType,
    data: bytes,
    origin: Origin,
    trusted: bool = False,
    references: ResolvedReferences | None = None,
    registered: bool | None = None,
) -> Parsed:
    """`data` decoded and parsed; `trusted` when the registry holds these very bytes.

    `references` (a `gate.references.ResolvedReferences`) are the schemas it references, as
    resolved where `data` came from: parsed first, as the registry parses them. `registered`
    is its role (see `Parser.parse`): by default a new schema unless the registry holds it."""
    if registered is None:
        registered = trusted
    text, problem = decode_text(data)
    if problem is None and _is_yaml(origin):
        # a schema written in YAML: parsed as the text its format reads (JSON Schema: the JSON
        # it stands for, whose lines are the YAML file's)
        try:
            text = get_format(schema_type).from_yaml(text)
        except SchemaInvalid as error:
            problem = error
    if references is None:
        schema = Schema(schema_type, text, origin)
    else:
        schema = Schema(
            schema_type,
            text,
            origin,
            references=references.references,
            resolved_references=references.texts,
        )
        if references.problem is not None and problem is None:
            problem = SchemaInvalid(
                f"its schema references cannot be resolved: {references.problem}"
            )
        # the registry vouched for the text with its own referenced schemas, not these
        trusted = False
    if problem is not None:
        return Parsed(schema, invalid=problem)
    return parser.parse(schema, trusted=trusted or None, registered=registered)
