"""The command line: parse options, build frozen option values, call the pipeline, report, exit.

Nothing here decides anything about schemas; every command is a thin translation.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, ParamSpec, Protocol, TypeVar

import click

from gate import __version__
from gate.errors import ExitCode, UsageError, error_handler
from gate.model import JsonPolicy, Mode, SchemaType, Severity
from gate.secrets import Redactor

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Sequence

_P = ParamSpec("_P")
_R = TypeVar("_R")


class _Decorator(Protocol):
    def __call__(self, function: Callable[_P, _R], /) -> Callable[_P, _R]: ...


_TYPE_CHOICES = [t.value.lower() for t in SchemaType]
_MODE_CHOICES = [m.value for m in Mode]
_FAIL_ON_CHOICES = [Severity.ERROR.value, Severity.WARNING.value]
_POLICY_CHOICES = [p.value for p in JsonPolicy]


def _execute(verbose: int, quiet: int, command: Callable[[int], int]) -> NoReturn:
    """Run `command(verbosity)` under the one error handler; `--color` is read from click's
    context where output is written."""
    _Context(verbose, quiet).run(command)


class _Context:
    """What every command shares: verbosity and the redactor for error messages."""

    def __init__(self, verbose: int, quiet: int) -> None:
        self.verbosity = verbose - quiet
        self.redact = Redactor.from_environ(os.environ)

    def run(self, action: Callable[[int], int]) -> NoReturn:
        with error_handler(self.verbosity, redact=self.redact):
            code = action(self.verbosity)
            sys.exit(code)
        sys.exit(int(ExitCode.INTERNAL))  # pragma: no cover - error_handler always exits


def _color_callback(context: click.Context, _: click.Parameter, value: str) -> str:
    """Tell click too, so that everything it prints follows the same choice."""
    from gate.commands import use_color

    context.color = use_color(value, os.environ, sys.stdout.isatty())
    return value


def _verbosity_options(function: Callable[_P, _R]) -> Callable[_P, _R]:
    function = click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        callback=_color_callback,
        help="Colour the output: auto colours a terminal (NO_COLOR turns it off, FORCE_COLOR on).",
    )(function)
    function = click.option("-v", "--verbose", count=True, help="More detail (-vv: tracebacks).")(
        function
    )
    return click.option("-q", "--quiet", count=True, help="Only failures and the summary.")(
        function
    )


def _source_options(function: Callable[_P, _R]) -> Callable[_P, _R]:
    decorators = [
        click.option(
            "--config",
            "config",
            type=click.Path(path_type=Path),
            default=None,
            help="gate.yaml to use (default: found by walking up from here).",
        ),
        click.option(
            "--registry",
            "registry_url",
            default=None,
            metavar="URL",
            help="Live schema registry (default: GATE_REGISTRY_URL or gate.yaml).",
        ),
        click.option(
            "--snapshot",
            type=click.Path(path_type=Path),
            default=None,
            metavar="DIR",
            help="Offline registry snapshot from `gate registry export`.",
        ),
        click.option(
            "--offline",
            is_flag=True,
            help="Never contact a registry; use the configured snapshot if any.",
        ),
        click.option(
            "--report",
            "reports",
            multiple=True,
            metavar="FORMAT[=PATH]",
            help="text, json, junit, markdown, sarif, github or codequality (GitLab); "
            "repeatable; no PATH means standard output.",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(_FAIL_ON_CHOICES),
            default="error",
            show_default=True,
            help="Lowest severity that fails the gate.",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return _verbosity_options(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gate")
def cli() -> None:
    """Pre-deploy contract and schema-drift gate for schema registries."""


@cli.command()
@_source_options
@click.option(
    "--base",
    default=None,
    metavar="REV",
    help="Revision to compare against (default: from CI, else the merge-base "
    "with the default branch).",
)
@click.option(
    "--head",
    default=None,
    metavar="REV",
    help="Revision holding the candidates (default: the working tree).",
)
@click.option("--staged", is_flag=True, help="Use the staged content as the candidates.")
@click.option(
    "--fetch-base",
    is_flag=True,
    help="Fetch the base from origin when a shallow clone lacks it, and as much history as "
    "drift needs.",
)
@click.option(
    "--hook",
    is_flag=True,
    help="As a pre-commit hook: the range pre-commit names (PRE_COMMIT_FROM_REF.."
    "PRE_COMMIT_TO_REF), else the staged change against HEAD.",
)
@click.option(
    "--verify-with-registry",
    is_flag=True,
    help="Also ask the registry for its verdict and report disagreements.",
)
@click.option("--no-simulate", is_flag=True, help="Skip payload simulation.")
@click.option(
    "--shard",
    default=None,
    metavar="K/N",
    help="Check only the K-th of N stable partitions of the subjects.",
)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def check(
    verbose: int,
    quiet: int,
    color: str,
    config: Path | None,
    registry_url: str | None,
    snapshot: Path | None,
    offline: bool,
    reports: tuple[str, ...],
    fail_on: str,
    base: str | None,
    head: str | None,
    staged: bool,
    fetch_base: bool,
    hook: bool,
    verify_with_registry: bool,
    no_simulate: bool,
    shard: str | None,
    files: tuple[Path, ...],
) -> None:
    """Check changed schemas against the base revision, the registry and the consumers."""
    from gate.commands import CheckArgs, SourceArgs, check_command, parse_report_requests

    sources = SourceArgs(
        config, registry_url, snapshot, offline, base, head, staged, hook, fetch_base, files
    )

    def run(verbosity: int) -> int:
        requests = parse_report_requests(reports)
        args = CheckArgs(sources, requests, fail_on, verify_with_registry, not no_simulate, shard)
        return check_command(args, verbosity)

    _execute(verbose, quiet, run)


def _schema_options(mode_help: str) -> _Decorator:
    """--type, --mode, --policy and --format, shared by `compat` and `diff`."""
    decorators = [
        click.option(
            "--type",
            "schema_type",
            type=click.Choice(_TYPE_CHOICES, case_sensitive=False),
            default=None,
            help="Schema type (default: inferred from extension and content).",
        ),
        click.option(
            "--mode",
            type=click.Choice(_MODE_CHOICES, case_sensitive=False),
            default="BACKWARD",
            show_default=True,
            help=mode_help,
        ),
        click.option(
            "--policy",
            type=click.Choice(_POLICY_CHOICES, case_sensitive=False),
            default="STRICT",
            show_default=True,
            help="JSON Schema compatibility policy.",
        ),
        click.option(
            "--format",
            "output_format",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
        ),
    ]

    def apply(function: Callable[_P, _R]) -> Callable[_P, _R]:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


@cli.command()
@_schema_options("Compatibility level.")
@click.option("--no-simulate", is_flag=True, help="Skip the search for witness payloads.")
@_verbosity_options
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def compat(
    schema_type: str | None,
    mode: str,
    policy: str,
    output_format: str,
    no_simulate: bool,
    verbose: int,
    quiet: int,
    color: str,
    files: tuple[Path, ...],
) -> None:
    """Check NEW (the last file) against OLD versions (oldest first), without configuration."""
    from gate.filecommands import SchemaArgs, compat_command
    from gate.report import ReportFormat

    args = SchemaArgs(
        files, schema_type, mode, policy, ReportFormat(output_format), not no_simulate
    )
    _execute(verbose, quiet, lambda verbosity: compat_command(args, verbosity))


@cli.command()
@_schema_options("Exit 1 when a change breaks this level.")
@_verbosity_options
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
def diff(
    schema_type: str | None,
    mode: str,
    policy: str,
    output_format: str,
    verbose: int,
    quiet: int,
    color: str,
    old: Path,
    new: Path,
) -> None:
    """A changelog of one schema change, each change classified."""
    from gate.filecommands import SchemaArgs, diff_command
    from gate.report import ReportFormat

    args = SchemaArgs((old, new), schema_type, mode, policy, ReportFormat(output_format))
    _execute(verbose, quiet, lambda verbosity: diff_command(args, verbosity))


@cli.command()
@_source_options
@click.option(
    "--fetch-base",
    is_flag=True,
    help="In a shallow clone, fetch from origin as much history as drift needs.",
)
def drift(
    verbose: int,
    quiet: int,
    color: str,
    config: Path | None,
    registry_url: str | None,
    snapshot: Path | None,
    offline: bool,
    reports: tuple[str, ...],
    fail_on: str,
    fetch_base: bool,
) -> None:
    """Compare git with the registry: unregistered schemas, hand-registered versions, levels."""
    from gate.commands import CheckArgs, SourceArgs, drift_command, parse_report_requests

    sources = SourceArgs(config, registry_url, snapshot, offline, fetch_base=fetch_base)
    _execute(
        verbose,
        quiet,
        lambda verbosity: drift_command(
            CheckArgs(sources, parse_report_requests(reports), fail_on), verbosity
        ),
    )


@cli.command()
@_source_options
def simulate(
    verbose: int,
    quiet: int,
    color: str,
    config: Path | None,
    registry_url: str | None,
    snapshot: Path | None,
    offline: bool,
    reports: tuple[str, ...],
    fail_on: str,
) -> None:
    """Decode sample and generated payloads with every consumer's reader schema."""
    from gate.commands import CheckArgs, SourceArgs, parse_report_requests, simulate_command

    sources = SourceArgs(config, registry_url, snapshot, offline)
    _execute(
        verbose,
        quiet,
        lambda verbosity: simulate_command(
            CheckArgs(sources, parse_report_requests(reports), fail_on), verbosity
        ),
    )


@cli.group()
def registry() -> None:
    """Work with the schema registry."""


@registry.command("export")
@click.option(
    "--registry",
    "registry_url",
    default=None,
    metavar="URL",
    help="Registry to export (default: GATE_REGISTRY_URL or gate.yaml).",
)
@click.option("--config", "config", type=click.Path(path_type=Path), default=None)
@click.option("--subject", "subjects", multiple=True, help="Only these subjects (repeatable).")
@_verbosity_options
@click.argument("directory", type=click.Path(path_type=Path))
def registry_export(
    registry_url: str | None,
    config: Path | None,
    subjects: tuple[str, ...],
    verbose: int,
    quiet: int,
    color: str,
    directory: Path,
) -> None:
    """Write a registry snapshot to DIRECTORY, for offline runs."""
    from gate.commands import SourceArgs
    from gate.repocommands import ExportArgs, export_command

    args = ExportArgs(SourceArgs(config, registry_url), directory, subjects)
    _execute(verbose, quiet, lambda verbosity: export_command(args, verbosity))


@cli.command()
@click.argument("fingerprint")
@click.option("--reason", required=True, help="Why the break is intended.")
@click.option("--owner", required=True, help="Who answers for it (a team or a person).")
@click.option(
    "--expires",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day the waiver holds (YYYY-MM-DD).",
)
@click.option("--rule", default=None, help="Rule id, to waive a finding of another run.")
@click.option("--subject", default=None, help="Subject, to waive a finding of another run.")
@click.option("--config", "config", type=click.Path(path_type=Path), default=None)
@click.option("--base", default=None, metavar="REV", help="As for `gate check`.")
@click.option("--head", default=None, metavar="REV", help="As for `gate check`.")
@click.option("--staged", is_flag=True, help="As for `gate check`.")
@click.option("--registry", "registry_url", default=None, metavar="URL")
@click.option("--snapshot", type=click.Path(path_type=Path), default=None, metavar="DIR")
@click.option("--offline", is_flag=True)
@_verbosity_options
def waive(
    fingerprint: str,
    reason: str,
    owner: str,
    expires: dt.datetime,
    rule: str | None,
    subject: str | None,
    config: Path | None,
    base: str | None,
    head: str | None,
    staged: bool,
    registry_url: str | None,
    snapshot: Path | None,
    offline: bool,
    verbose: int,
    quiet: int,
    color: str,
) -> None:
    """Append a waiver for the finding with FINGERPRINT to gate.yaml (once)."""
    from gate.commands import SourceArgs
    from gate.repocommands import WaiveArgs, waive_command

    sources = SourceArgs(config, registry_url, snapshot, offline, base, head, staged)
    args = WaiveArgs(sources, fingerprint, reason, owner, expires, rule, subject)
    _execute(verbose, quiet, lambda verbosity: waive_command(args, verbosity))


@cli.command()
@click.argument("fingerprint")
@click.option("--rule", default=None, help="Rule id, when several waivers share the fingerprint.")
@click.option("--subject", default=None, help="Subject, when several waivers share it.")
@click.option("--config", "config", type=click.Path(path_type=Path), default=None)
@_verbosity_options
def unwaive(
    fingerprint: str,
    rule: str | None,
    subject: str | None,
    config: Path | None,
    verbose: int,
    quiet: int,
    color: str,
) -> None:
    """Remove the waiver with FINGERPRINT from gate.yaml (or its waivers file)."""
    from gate.repocommands import UnwaiveArgs, unwaive_command

    args = UnwaiveArgs(config, fingerprint, rule, subject)
    _execute(verbose, quiet, lambda verbosity: unwaive_command(args, verbosity))


@cli.command("merge-reports")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "junit"]),
    default=None,
    help="Format of the inputs and the output (default: from the first file).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the merged report here (default: standard output).",
)
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path))
def merge_reports(
    output_format: str | None, output: Path | None, reports: tuple[Path, ...]
) -> None:
    """Combine the JSON or JUnit reports of `gate check --shard K/N` runs into one."""
    from gate.filecommands import MergeArgs, merge_command
    from gate.report import ReportFormat

    args = MergeArgs(reports, ReportFormat(output_format) if output_format else None, output)
    _execute(0, 0, lambda verbosity: merge_command(args, verbosity))


@cli.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
def rules(output_format: str) -> None:
    """Every rule id, its purpose and default severity."""
    from gate.repocommands import rules_command
    from gate.report import ReportFormat

    _execute(0, 0, lambda verbosity: rules_command(ReportFormat(output_format), verbosity))


def run() -> NoReturn:
    """The `gate` command (the console script, `python -m gate`): `main`, then the end of the
    process without tearing the interpreter down.

    A run leaves a few hundred modules and their objects behind; freeing them one by one and
    collecting them once more takes 10 to 20 ms after every run, and nobody sees the result. So
    the exit work a program may ask for runs as at any exit (`atexit`'s handlers: a temporary
    folder removed, a pool's cleanup), standard output and error are flushed, and the process
    ends with its status (as mypy's does). Where that is not all an exit must do, the
    interpreter's own exit does it: a thread still to be waited for, a status that is no number,
    an output that cannot be flushed (whose error the interpreter reports as usual).
    """
    import atexit
    import threading

    code: str | int | None = 0
    try:
        main()
    except SystemExit as done:
        code = done.code
    waiting = [
        thread
        for thread in threading.enumerate()
        if thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
    ]
    if isinstance(code, str) or waiting:
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code or 0)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point; `run` is the command's."""
    try:
        _main(argv)
    except SystemExit as done:
        if done.code == int(ExitCode.INTERRUPTED):
            # Ctrl-C: leave now; threads still waiting on a registry are not waited for
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(int(ExitCode.INTERRUPTED))
        raise


def _main(argv: Sequence[str] | None) -> None:
    try:
        cli.main(
            args=list(argv) if argv is not None else None, prog_name="gate", standalone_mode=False
        )
    except click.exceptions.Abort:
        sys.stderr.write("error: interrupted\n")
        sys.exit(int(ExitCode.INTERRUPTED))
    except click.exceptions.ClickException as error:
        # usage errors: click's own message plus the command's help pointer
        error.show()
        sys.exit(int(ExitCode.USAGE))
    except UsageError as error:  # pragma: no cover - raised inside error_handler normally
        sys.stderr.write(error.render() + "\n")
        sys.exit(int(ExitCode.USAGE))
    sys.exit(0)
