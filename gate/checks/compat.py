"""`gate compat` and `gate diff`: schema files judged as a pair (or a history and a candidate)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from gate.errors import SourceError, UsageError
from gate.evidence import SimulationSettings, with_evidence
from gate.formats import Change, CheckOptions, get_format, infer_type
from gate.judge import Parsed, Parser, compat_checks, parse_bytes, validity_check
from gate.model import CheckResult, Mode, Origin, OriginKind, Result, SchemaType, Severity
from gate.records import Record

if TYPE_CHECKING:
    from gate.options import CompatOptions


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(
            "schema file not found", str(path), "check the path and run gate again"
        ) from None
    except IsADirectoryError:
        raise SourceError(
            "expected a schema file, got a directory", str(path), "name the schema files in it"
        ) from None
    except OSError as error:
        raise SourceError(
            f"cannot read schema file ({error.strerror})",
            str(path),
            "check the file's permissions and run gate again",
        ) from None


def _file_types(
    paths: tuple[Path, ...], contents: list[bytes], given: SchemaType | None
) -> list[SchemaType]:
    """Each file's schema type: `given`, else inferred from its name and content. Files of
    different types are a history whose schema type changed, judged as the registry judges it."""
    if given is not None:
        get_format(given)
        return [given] * len(paths)
    inferred = [
        infer_type(str(path), data.decode("utf-8", "replace"))
        for path, data in zip(paths, contents, strict=True)
    ]
    unknown = [str(path) for path, t in zip(paths, inferred, strict=True) if t is None]
    if unknown:
        raise UsageError(
            "cannot tell the schema type",
            ", ".join(unknown),
            "pass --type avro, --type json or --type protobuf",
        )
    types = [t for t in inferred if t is not None]
    for schema_type in dict.fromkeys(types):
        get_format(schema_type)  # unsupported types fail here, before any parsing
    return types


def load_files(options: CompatOptions) -> tuple[SchemaType, list[Parsed], Parser]:
    contents = [_read_file(path) for path in options.files]
    types = _file_types(options.files, contents, options.schema_type)
    parser = Parser(CheckOptions(json_policy=options.json_policy, root=Path.cwd()))
    # the last file is the candidate, a new schema; the others are registered versions (the
    # registry parses the two by different rules)
    last = len(contents) - 1
    parsed = [
        parse_bytes(
            parser,
            schema_type,
            data,
            Origin(OriginKind.FILE, path=str(path)),
            registered=index < last,
        )
        for index, (path, data, schema_type) in enumerate(
            zip(options.files, contents, types, strict=True)
        )
    ]
    return types[-1], parsed, parser


def run_compat(options: CompatOptions) -> Result:
    """`gate compat`: the last file is the candidate, the others its history, oldest first."""
    if len(options.files) < 2:
        raise UsageError(
            "gate compat needs at least two files",
            "OLD [OLD...] NEW",
            "pass the registered versions oldest first, then the candidate",
        )
    _, parsed, parser = load_files(options)
    *history, candidate = parsed
    subject = Path(str(candidate.schema.origin.path)).stem
    checks: list[CheckResult] = [
        validity_check(subject, p, str(p.schema.origin.path)) for p in parsed
    ]
    evidence = None
    if options.simulate:
        settings = SimulationSettings()

        def evidence(check: CheckResult, writer: Parsed, reader: Parsed) -> CheckResult:
            return with_evidence(check, writer, reader, settings, always=True)

    compared = compat_checks(subject, candidate, history, options.mode, parser.options, evidence)
    if (
        options.describe_changes
        and history
        and history[-1].ok
        and history[-1].schema.type is candidate.schema.type
    ):
        against = history[-1]
        compared = with_change_summary(
            compared,
            options.mode,
            str(against.schema.origin.path),
            against,
            candidate,
            parser.options,
        )
    checks += compared
    return Result(checks=tuple(checks))


MAX_SUMMARY_CHANGES = 5


def with_change_summary(
    checks: list[CheckResult],
    mode: Mode,
    against: str,
    old: Parsed,
    new: Parsed,
    options: CheckOptions,
) -> list[CheckResult]:
    """`checks` with a one-line account of the changes from `old` to `new` on the first one,
    unless they are incompatible (the findings of a failing pair say what changed)."""
    incompatible = any(f.severity is Severity.ERROR for check in checks for f in check.findings)
    if not checks or incompatible or not (old.ok and new.ok):
        return checks
    changes = get_format(new.schema.type).diff(old.value, new.value, options)
    said = [change.description for change in changes[:MAX_SUMMARY_CHANGES]]
    if len(changes) > MAX_SUMMARY_CHANGES:
        said.append(f"and {len(changes) - MAX_SUMMARY_CHANGES} more changes")
    what = "; ".join(said) or "no change that matters to readers or writers"
    summary = f"{mode.value} vs {against}: {what}"
    return [dataclasses.replace(checks[0], summary=summary), *checks[1:]]


class Changelog(Record):
    """`gate diff`: the changes between two versions, or why they could not be compared."""

    old: Parsed
    new: Parsed
    changes: tuple[Change, ...]
    mode: Mode

    @property
    def invalid(self) -> tuple[Parsed, ...]:
        return tuple(p for p in (self.old, self.new) if not p.ok)

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(
            c
            for c in self.changes
            if (self.mode.backward and not c.backward_ok)
            or (self.mode.forward and not c.forward_ok)
        )

    @property
    def exit_code(self) -> int:
        return 1 if self.invalid or self.breaking else 0


def run_diff(options: CompatOptions) -> Changelog:
    if len(options.files) != 2:
        raise UsageError(
            "gate diff needs exactly two files",
            "OLD NEW",
            "to judge a version against several, use `gate compat OLD... NEW`",
        )
    schema_type, (old, new), parser = load_files(options)
    if old.schema.type is not new.schema.type:
        raise UsageError(
            "the files are of different schema types "
            f"({old.schema.type.value}, {new.schema.type.value})",
            ", ".join(str(f) for f in options.files),
            "gate diff lists the changes between two versions of one schema type; "
            "`gate compat` judges a change of schema type, or pass --type to read both as one",
        )
    changes: tuple[Change, ...] = ()
    if old.ok and new.ok:
        changes = tuple(get_format(schema_type).diff(old.value, new.value, parser.options))
    return Changelog(old, new, changes, options.mode)
