"""The CLI's second half: click parameters -> option values -> pipeline -> reports -> exit code.

Kept apart from `cli.py` so the click module stays a declaration of options; nothing here judges
schemas either.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gate.errors import SourceError, UsageError
from gate.model import InputPatterns, Result, RunInputs, Severity
from gate.options import RunOptions, Shard, SourceOptions
from gate.records import Record
from gate.report import ReportFormat

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


class SourceArgs(Record):
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


class CheckArgs(Record):
    """`gate check`, `gate drift` and `gate simulate`."""

    sources: SourceArgs
    reports: tuple[ReportRequest, ...] = ()  # `parse_report_requests` of `--report`
    fail_on: str = "error"
    verify_with_registry: bool = False
    simulate: bool = True
    shard: str | None = None


class ReportRequest(Record):
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


def color_wanted() -> bool:
    """The colour decision for standard output, from the running command's `--color`."""
    context = click.get_current_context(silent=True)
    choice = str(context.params.get("color") or "auto") if context is not None else "auto"
    return use_color(choice, os.environ, sys.stdout.isatty())


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
            color=request.path is None and color_wanted(),
            verbosity=verbosity,
            tool_version=__version__,
            root=result.info.root,
        )
        rendered.append((request, render(request.format, result, options)))
    to_files = [(request, text) for request, text in rendered if request.path is not None]
    if to_files:
        _refuse_inputs([request for request, _ in to_files], result)
        _write_all(to_files)
    for request, text in rendered:
        if request.path is None:
            sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


def _write_all(reports: Sequence[tuple[ReportRequest, str]]) -> None:
    """Write every report file, or none: each goes to a temporary file first, and only then are
    they all put in place, so a report that cannot be written leaves none of them changed."""
    from gate.atomic import Staged, commit, discard, stage

    staged: list[Staged] = []
    try:
        for request, text in reports:
            assert request.path is not None
            try:
                staged.append(stage(request.path, text))
            except OSError as error:
                raise SourceError(
                    f"cannot write the {request.format} report ({error.strerror})",
                    str(request.path),
                ) from None
        for item in staged:
            try:
                commit(item)
            except OSError as error:
                raise SourceError(
                    f"cannot write the report ({error.strerror})", str(item.target)
                ) from None
    finally:
        discard(staged)


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


def _shard(value: str | None) -> Shard | None:
    if not value:
        return None
    index, _, count = value.partition("/")
    try:
        shard = Shard(int(index), int(count))
    except ValueError:
        raise UsageError("--shard takes K/N, e.g. 2/4", value) from None
    if not 1 <= shard.number <= shard.total:
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
        return args._replace(base=from_ref, head=to_ref, staged=False)
    return args._replace(base="HEAD", head=None, staged=True)


def source_options(args: SourceArgs) -> SourceOptions:
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


def run_options(args: CheckArgs) -> RunOptions:
    return RunOptions(
        sources=source_options(args.sources),
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
    options = run_options(args)
    shown = _shows_text(requests, verbosity)
    result = run_check(options._replace(describe_changes=shown))
    emit_reports(result, requests, verbosity)
    return result.exit_code


def drift_command(args: CheckArgs, verbosity: int) -> int:
    from gate.pipeline import run_check

    requests = args.reports
    options = run_options(args)._replace(compat=False, simulate=False, describe_changes=False)
    result = run_check(options)
    emit_reports(result, requests, verbosity)
    return result.exit_code


def simulate_command(args: CheckArgs, verbosity: int) -> int:
    from gate.pipeline import run_check

    requests = args.reports
    options = run_options(args)._replace(
        compat=False,
        drift=False,
        simulate=True,
        describe_changes=_shows_text(requests, verbosity),
    )
    result = run_check(options)
    emit_reports(result, requests, verbosity)
    return result.exit_code
