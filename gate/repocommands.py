"""The commands that keep a repository's gate: `registry export`, `waive`, `unwaive`, `rules`.

Apart from `commands.py` so that a run of `gate check` does not load them.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gate.commands import CheckArgs, SourceArgs, run_options, source_options
from gate.errors import UsageError
from gate.report import ReportFormat

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping
    from pathlib import Path


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


def export_command(args: ExportArgs, verbosity: int) -> int:
    from gate.checks.registry import export_registry

    written = export_registry(source_options(args.sources), args.directory, args.subjects)
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
    sources = source_options(args.sources)
    if args.rule and args.subject:
        rule, subject, fingerprint = args.rule, args.subject, args.fingerprint
    else:
        options = run_options(CheckArgs(args.sources, simulate=False))
        result = run_check(options._replace(describe_changes=False))
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
    from gate.atomic import write_atomically
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

    sources = source_options(SourceArgs(config=args.config))
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
