"""The CLI's second half: click parameters -> option values -> pipeline -> reports -> exit code.

Kept apart from `cli.py` so the click module stays a declaration of options; nothing here judges
schemas either.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gate.errors import SourceError, UsageError
from gate.model import InputPatterns, JsonPolicy, Mode, Result, RunInputs, SchemaType, Severity
from gate.options import CompatOptions, RunOptions, Shard, SourceOptions
from gate.report import ReportFormat

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping, Sequence


@dataclass(frozen=True)
class SourceArgs:
    """The source options as given: the sides of the repository and the registry baseline."""

    config: Path | None = None
    registry_url: str | None = None
    snapshot: Path | None = None
    offline: bool = False
    base: str | None = None
    head: str | None = None
    staged: bool = False
    hook: bool = False
    fetch_base: bool = False
    files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class CheckArgs:
    """`gate check`, `gate drift` and `gate simulate`."""

    sources: SourceArgs
    reports: tuple[ReportRequest, ...] = ()  # `parse_report_requests` of `--report`
    fail_on: str = "error"
    verify_with_registry: bool = False
    simulate: bool = True
    shard: str | None = None


@dataclass(frozen=True)
class SchemaArgs:
    """`gate compat` (every file, the last the candidate) and `gate diff` (old, new)."""

    files: tuple[Path, ...]
    schema_type: str | None = None
    mode: str = "BACKWARD"
    policy: str = "STRICT"
    output_format: ReportFormat = ReportFormat.TEXT
    simulate: bool = True


@dataclass(frozen=True)
class ExportArgs:
    sources: SourceArgs
    directory: Path
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class WaiveArgs:
    sources: SourceArgs
    fingerprint: str
    reason: str
    owner: str
    expires: dt.datetime
    rule: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class UnwaiveArgs:
    config: Path | None
    fingerprint: str
    rule: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class MergeArgs:
    reports: tuple[Path, ...]
    output_format: ReportFormat | None = None
    output: Path | None = None


@dataclass(frozen=True)
class ReportRequest:
    """One `--report FORMAT[=PATH]`: a format and a file, or standard output."""

    format: ReportFormat
    path: Path | None


def parse_report_requests(
    values: Sequence[str], default: str = "text"
) -> tuple[ReportRequest, ...]:
    requests: list[ReportRequest] = []
    for value in values or (default,):
        name, _, path = value.partition("=")
        try:
            fmt = ReportFormat(name.strip().lower())
        except ValueError:
            choices = ", ".join(f.value for f in ReportFormat)
            raise UsageError(
                f"unknown report format {name!r}", f"--report {value}", f"choose one of {choices}"
            ) from None
        requests.append(ReportRequest(fmt, Path(path) if path else None))
    to_stdout = [r for r in requests if r.path is None]
    if len(to_stdout) > 1:
        raise UsageError(
            "only one report can go to standard output",
            ", ".join(r.format for r in to_stdout),
            "give the others a path: --report junit=reports/gate.xml",
        )
    return tuple(requests)


def use_color(choice: str, environ: Mapping[str, str], isatty: bool) -> bool:
    """`--color always|never` decide; `auto` colours a terminal, unless NO_COLOR is set (to
    anything but the empty string), and FORCE_COLOR (likewise) colours a pipe or a CI log."""
    if choice in ("always", "never"):
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return isatty


def _color_wanted() -> bool:
    """The colour decision for standard output, from the running command's `--color`."""
    context = click.get_current_context(silent=True)
    choice = str(context.params.get("color") or "auto") if context is not None else "auto"
    return use_color(choice, os.environ, sys.stdout.isatty())


def write_atomically(path: Path, text: str) -> None:
    """Write the whole file or nothing: a crash never leaves a half-written report.

    The file gets the permissions `open` would have given it (0666 less the umask), or keeps
    those it had: the temporary file's 0600 would hide a report from the CI user that uploads it.
    A path that is not a regular file (`/dev/stdout`, a pipe) is written through; a symbolic
    link is followed, so the file it names is replaced and the link stays.
    """
    staged = _stage(path, text)
    try:
        _commit(staged)
    except BaseException:
        _discard([staged])
        raise


@dataclass(frozen=True)
class _Staged:
    """A report written to a temporary file beside its target, or due to be written through."""

    target: Path
    temporary: Path | None
    text: str


def _stage(path: Path, text: str) -> _Staged:
    target = path
    if path.is_symlink():
        resolved = path.resolve()
        # a link to a file is followed; a link to anything else (/dev/stdout) is written through
        target = resolved if resolved.is_file() else path
    if target.exists() and not target.is_file():
        return _Staged(target, None, text)  # a device or a pipe: no rename possible
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, _mode_for(target))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return _Staged(target, Path(temporary), text)


def _commit(staged: _Staged) -> None:
    if staged.temporary is None:
        with open(staged.target, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(staged.text)
    else:
        os.replace(staged.temporary, staged.target)


def _discard(staged: Sequence[_Staged]) -> None:
    for item in staged:
        if item.temporary is not None:
            item.temporary.unlink(missing_ok=True)


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def emit_reports(result: Result, requests: Sequence[ReportRequest], verbosity: int) -> None:
    """Render every requested report first, then write them: all or nothing.

    When every report goes to a file, the text report still goes to standard output (the log
    of the CI job), unless -q asks for silence.
    """
    from gate import __version__
    from gate.report import RenderOptions, render

    if requests and all(r.path is not None for r in requests) and verbosity >= 0:
        requests = [*requests, ReportRequest(ReportFormat.TEXT, None)]
    rendered: list[tuple[ReportRequest, str]] = []
    for request in requests:
        options = RenderOptions(
            color=request.path is None and _color_wanted(),
            verbosity=verbosity,
            tool_version=__version__,
            root=result.info.root,
        )
        rendered.append((request, render(request.format, result, options)))
    _refuse_inputs([r for r, _ in rendered if r.path is not None], result)
    # every file is written to a temporary first, and only then are they all put in place: a
    # report that cannot be written leaves none of them changed
    staged: list[_Staged] = []
    try:
        for request, text in rendered:
            if request.path is None:
                continue
            try:
                staged.append(_stage(request.path, text))
            except OSError as error:
                raise SourceError(
                    f"cannot write the {request.format} report ({error.strerror})",
                    str(request.path),
                ) from None
        for item in staged:
            try:
                _commit(item)
            except OSError as error:
                raise SourceError(
                    f"cannot write the report ({error.strerror})", str(item.target)
                ) from None
    finally:
        _discard(staged)
    for request, text in rendered:
        if request.path is None:
            sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


def _refuse_inputs(requests: Sequence[ReportRequest], result: Result) -> None:
    """A report must not overwrite what the run read: a schema, gate.yaml, a sample."""
    if not requests:
        return
    from gate.config import glob_match

    read = result.info.inputs or RunInputs(root="", config=None, paths=())
    files = [os.path.join(read["root"], path) for path in read["paths"] if path]
    if read["config"] is not None:
        files.append(read["config"])
    inputs = {_real(Path(file)) for file in files}
    globs = result.info.input_patterns or InputPatterns(root="", patterns=[])
    for request in requests:
        assert request.path is not None
        real = _real(request.path)
        relative = os.path.relpath(real, globs["root"]) if globs["root"] else ""
        sample = not relative.startswith("..") and any(
            glob_match(pattern, Path(relative).as_posix()) for pattern in globs["patterns"]
        )
        if real in inputs or sample:
            raise UsageError(
                f"the {request.format} report would overwrite one of the run's inputs",
                f"--report {request.format}={request.path}",
                "write reports to a file of their own, e.g. --report "
                f"{request.format}=reports/gate.{request.format}",
            )


def _real(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())


def _compat_options(args: SchemaArgs) -> CompatOptions:
    return CompatOptions(
        files=args.files,
        schema_type=SchemaType.parse(args.schema_type) if args.schema_type else None,
        mode=Mode.parse(args.mode or "BACKWARD"),
        json_policy=JsonPolicy.parse(args.policy or "STRICT"),
        simulate=args.simulate,
    )


def compat_command(args: SchemaArgs, verbosity: int) -> int:
    from gate.checks.compat import run_compat

    shown = args.output_format is ReportFormat.TEXT and verbosity >= 0
    result = run_compat(dataclasses.replace(_compat_options(args), describe_changes=shown))
    emit_reports(result, [ReportRequest(args.output_format, None)], verbosity)
    return result.exit_code


def diff_command(args: SchemaArgs, verbosity: int) -> int:
    from gate.checks.compat import run_diff
    from gate.report.changelog import render_changelog

    changelog = run_diff(_compat_options(args))
    sys.stdout.write(render_changelog(changelog, args.output_format, color=_color_wanted()))
    return changelog.exit_code


def _shard(value: str | None) -> Shard | None:
    if not value:
        return None
    index, _, count = value.partition("/")
    try:
        shard = Shard(int(index), int(count))
    except ValueError:
        raise UsageError("--shard takes K/N, e.g. 2/4", value) from None
    if not 1 <= shard.index <= shard.count:
        raise UsageError("--shard K/N needs 1 <= K <= N", value)
    return shard


def _hook_range(args: SourceArgs, environ: Mapping[str, str]) -> SourceArgs:
    """`--hook`: the revisions pre-commit names, or the staged change against HEAD.

    pre-commit sets PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF for a pre-push hook and for
    `pre-commit run --from-ref X --to-ref Y`; a plain commit sets neither.
    """
    named = {"base": args.base, "head": args.head, "staged": args.staged}
    given = [f"--{name}" for name, value in named.items() if value]
    if given:
        raise UsageError(
            f"--hook takes its range from pre-commit; drop {', '.join(given)} "
            "(or drop --hook to name the range yourself)",
            "--hook",
        )
    from_ref = environ.get("PRE_COMMIT_FROM_REF", "").strip()
    to_ref = environ.get("PRE_COMMIT_TO_REF", "").strip()
    if from_ref and to_ref:
        return dataclasses.replace(args, base=from_ref, head=to_ref, staged=False)
    return dataclasses.replace(args, base="HEAD", head=None, staged=True)


def _source_options(args: SourceArgs) -> SourceOptions:
    environ = dict(os.environ)
    if args.hook:
        args = _hook_range(args, environ)
    if args.head and args.staged:
        raise UsageError("--head and --staged exclude each other", "--head/--staged")
    return SourceOptions(
        cwd=Path.cwd(),
        config=args.config,
        base=args.base,
        head=args.head,
        staged=args.staged,
        registry_url=args.registry_url,
        snapshot=args.snapshot,
        offline=args.offline,
        fetch_base=args.fetch_base,
        files=tuple(str(f) for f in args.files),
        environ=environ,
    )


def _run_options(args: CheckArgs) -> RunOptions:
    return RunOptions(
        sources=_source_options(args.sources),
        fail_on=Severity(args.fail_on or "error"),
        verify_with_registry=args.verify_with_registry,
        simulate=args.simulate,
        shard=_shard(args.shard),
    )


def _shows_text(requests: Sequence[ReportRequest], verbosity: int) -> bool:
    """True when the text report will be shown (see `emit_reports`)."""
    every_to_a_file = all(r.path is not None for r in requests)
    text = any(r.format is ReportFormat.TEXT for r in requests)
    return verbosity >= 0 and (every_to_a_file or text)


def check_command(args: CheckArgs, verbosity: int) -> int:
    from gate.pipeline import run_check

    requests = args.reports
    options = _run_options(args)
    shown = _shows_text(requests, verbosity)
    result = run_check(dataclasses.replace(options, describe_changes=shown))
    emit_reports(result, requests, verbosity)
    return result.exit_code


def drift_command(args: CheckArgs, verbosity: int) -> int:
    from gate.pipeline import run_check

    requests = args.reports
    options = dataclasses.replace(
        _run_options(args), compat=False, simulate=False, describe_changes=False
    )
    result = run_check(options)
    emit_reports(result, requests, verbosity)
    return result.exit_code


def simulate_command(args: CheckArgs, verbosity: int) -> int:
    from gate.pipeline import run_check

    requests = args.reports
    options = dataclasses.replace(
        _run_options(args),
        compat=False,
        drift=False,
        simulate=True,
        describe_changes=_shows_text(requests, verbosity),
    )
    result = run_check(options)
    emit_reports(result, requests, verbosity)
    return result.exit_code


def export_command(args: ExportArgs, verbosity: int) -> int:
    from gate.checks.registry import export_registry

    written = export_registry(_source_options(args.sources), args.directory, args.subjects)
    if verbosity >= 0:
        sys.stderr.write(f"wrote {written} schema versions to {args.directory}\n")
    return 0


def rules_command(output_format: ReportFormat, verbosity: int = 0) -> int:
    from gate.rules import all_rules

    table = sorted(all_rules().values(), key=lambda r: (r.category, r.id))
    if output_format is ReportFormat.JSON:
        payload = [
            {
                "id": r.id,
                "severity": r.severity.value,
                "category": r.category,
                "purpose": r.purpose,
                "registry_name": r.registry_name,
            }
            for r in table
        ]
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    elif output_format is ReportFormat.MARKDOWN:
        lines = ["| Rule | Severity | Purpose |", "|---|---|---|"]
        lines += [f"| `{r.id}` | {r.severity.value} | {r.purpose} |" for r in table]
        sys.stdout.write("\n".join(lines) + "\n")
    else:
        width = max(len(r.id) for r in table)
        for r in table:
            sys.stdout.write(f"{r.id:<{width}}  {r.severity.value:<7}  {r.purpose}\n")
    return 0


def waive_command(args: WaiveArgs, verbosity: int = 0) -> int:
    import datetime as dt

    from gate.pipeline import run_check
    from gate.report.common import printable
    from gate.waive import (
        WaiverEntry,
        append_to_config,
        append_to_list_file,
        find_finding,
        same_finding,
    )
    from gate.workspace import load_configuration

    expires = args.expires.date()
    if expires < dt.date.today():
        raise UsageError(
            "the expiry date is in the past",
            expires.isoformat(),
            "give a date from today on: --expires YYYY-MM-DD",
        )
    sources = _source_options(args.sources)
    if args.rule and args.subject:
        rule, subject, fingerprint = args.rule, args.subject, args.fingerprint
    else:
        options = _run_options(CheckArgs(args.sources, simulate=False))
        result = run_check(dataclasses.replace(options, describe_changes=False))
        finding = find_finding(result, args.fingerprint)
        rule, subject, fingerprint = finding.rule, finding.subject, finding.fingerprint
    entry = WaiverEntry(rule, subject, fingerprint, args.reason, args.owner, expires)
    config = load_configuration(sources)
    held = next((w for w in config.waivers if same_finding(w, rule, subject, fingerprint)), None)
    if held is not None:
        # running the same command again (a re-run CI step, a second try) changes nothing
        until = held.expires.isoformat()
        state = f"expired on {until}" if held.expires < dt.date.today() else f"holds until {until}"
        sys.stdout.write(
            printable(
                f"{rule} on {subject} ({fingerprint}) is already waived: the waiver in "
                f"{held.file}:{held.line} {state}; edit that entry to change its reason, owner or "
                "expiry"
            )
            + "\n"
        )
        return 0
    if config.waivers_file is not None:
        target, text = config.waivers_file, _read_or_empty(config.waivers_file)
        updated = append_to_list_file(text, entry)
    else:
        target = config.path or config.root / "gate.yaml"
        text = _read_or_empty(target) or "version: 1\n"
        updated = append_to_config(text, entry)
    _rewrite_config(target, text, updated, config.path or target, sources.environ)
    sys.stdout.write(
        printable(
            f"waived {rule} on {subject} ({fingerprint}) until {expires.isoformat()} in {target}"
        )
        + "\n"
    )
    return 0


def _rewrite_config(
    target: Path, text: str, updated: str, config_path: Path, environ: Mapping[str, str]
) -> None:
    """Write `updated` over `target` (which held `text`) and load the configuration again; a
    configuration that no longer loads gets `text` back, so gate.yaml is never left broken."""
    from gate.config import load_config
    from gate.errors import ConfigError

    write_atomically(target, updated)
    try:
        load_config(config_path, environ)
    except ConfigError:
        write_atomically(target, text)
        raise


def unwaive_command(args: UnwaiveArgs, verbosity: int = 0) -> int:
    from gate.report.common import printable
    from gate.waive import find_waiver, remove_entry
    from gate.workspace import load_configuration

    sources = _source_options(SourceArgs(config=args.config))
    config = load_configuration(sources)
    waiver = find_waiver(config.waivers, args.fingerprint, args.rule, args.subject)
    declared_in_config = config.path is not None and waiver.file == config.path.name
    target = (
        config.path if declared_in_config or config.waivers_file is None else config.waivers_file
    )
    if target is None:
        raise UsageError(
            "no gate.yaml holds the waiver",
            args.fingerprint,
            "run gate unwaive from the repository whose gate.yaml declares it, or pass --config",
        )
    text = target.read_text(encoding="utf-8")
    updated = remove_entry(text, waiver.line, waiver.file)
    _rewrite_config(target, text, updated, config.path or target, sources.environ)
    sys.stdout.write(
        printable(
            f"removed the waiver for {waiver.rule} on {waiver.subject} ({waiver.fingerprint}) "
            f"from {waiver.file}"
        )
        + "\n"
    )
    return 0


def _read_or_empty(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def merge_command(args: MergeArgs, verbosity: int = 0) -> int:
    from gate.merge import merge_reports

    merged, passed = merge_reports(list(args.reports), args.output_format)
    if args.output is not None:
        write_atomically(args.output, merged)
    else:
        sys.stdout.write(merged)
    return 0 if passed else 1
