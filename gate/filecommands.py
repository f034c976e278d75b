"""The commands on files named on the command line: `compat`, `diff` and `merge-reports`.

Apart from `commands.py` so that a run of `gate check` does not load them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gate.commands import ReportRequest, color_wanted, emit_reports
from gate.model import JsonPolicy, Mode, SchemaType
from gate.options import CompatOptions
from gate.report import ReportFormat

if TYPE_CHECKING:
    from pathlib import Path


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
class MergeArgs:
    reports: tuple[Path, ...]
    output_format: ReportFormat | None = None
    output: Path | None = None


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
    result = run_compat(_compat_options(args)._replace(describe_changes=shown))
    emit_reports(result, [ReportRequest(args.output_format, None)], verbosity)
    return result.exit_code


def diff_command(args: SchemaArgs, verbosity: int) -> int:
    from gate.checks.compat import run_diff
    from gate.report.changelog import render_changelog

    changelog = run_diff(_compat_options(args))
    sys.stdout.write(render_changelog(changelog, args.output_format, color=color_wanted()))
    return changelog.exit_code


def merge_command(args: MergeArgs, verbosity: int = 0) -> int:
    from gate.atomic import write_atomically
    from gate.merge import merge_reports

    merged, passed = merge_reports(list(args.reports), args.output_format)
    if args.output is not None:
        write_atomically(args.output, merged)
    else:
        sys.stdout.write(merged)
    return 0 if passed else 1
