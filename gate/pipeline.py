"""Wires the stages: options -> sources -> schema sets -> checks -> findings -> policy -> Result."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.compat import CheckMemo
from gate.errors import SourceError, UsageError
from gate.evidence import SimulationSettings, WitnessMemo, with_evidence
from gate.formats import Change, CheckOptions, get_format, infer_type
from gate.judge import (
    Parsed,
    Parser,
    compat_checks,
    parse_bytes,
    severity_of,
    validity_check,
)
from gate.model import (
    CheckKind,
    CheckResult,
    Finding,
    Location,
    Mode,
    Origin,
    OriginKind,
    Result,
    RunInfo,
    SchemaType,
    Severity,
    Witness,
)
from gate.options import CompatOptions, RunOptions, SourceOptions
from gate.references import ReferenceResolver, referring_files, required_subjects
from gate.subjects import (
    SubjectSource,
    canonical_json,
    collect_subjects,
    file_references,
    in_shard,
    json_shape,
    with_texts,
)


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(
            "schema file not found", str(path), "check the path and run gate again"
        ) from None
    except IsADirectoryError:
        raise SourceError("expected a schema file, got a directory", str(path)) from None
    except OSError as error:
        raise SourceError(f"cannot read schema file ({error.strerror})", str(path)) from None


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
            compared, options.mode, str(against.schema.origin.path), against, candidate,
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


@dataclass(frozen=True)
class Changelog:
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
        raise UsageError("gate diff needs exactly two files", "OLD NEW")
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


# --------------------------------------------------------------------------- gate check


@dataclass(frozen=True)
class Workspace:
    """The configuration, repository and trees one `gate check` run reads."""

    config: Any
    repo: Any
    base_label: str
    head_label: str
    subjects: tuple[SubjectSource, ...]
    head_tree: Any
    base_tree: Any
    prefix: str = ""  # the configuration's folder, repository-relative ("" at the root)
    # the files the run is restricted to, repository-relative (empty: the whole repository)
    only: tuple[str, ...] = ()
    # the subjects of the contracts whose producers' or consumers' files are among them
    touched: frozenset[str] = frozenset()


def load_configuration(sources: SourceOptions) -> Any:
    return _configuration(sources)[0]


def _configuration(sources: SourceOptions) -> tuple[Any, Any]:
    """The configuration, and the repository when finding its root took opening it (no
    gate.yaml: the repository's top folder is the configuration's), else None."""
    from gate.config import default_config, find_config, load_config

    path = sources.config
    if path is not None:
        return load_config((sources.cwd / path).resolve(), sources.environ), None
    found = find_config(sources.cwd)
    if found is not None:
        return load_config(found, sources.environ), None
    from gate.sources.git import GitRepository

    repo = GitRepository.open(sources.cwd)
    return default_config(repo.root), repo


def _only_files(sources: SourceOptions, root: Path, config_path: Path | None) -> tuple[str, ...]:
    """Files named on the command line, repository-relative; empty when the whole run is due."""
    relative: list[str] = []
    for name in sources.files:
        path = (sources.cwd / name).resolve()
        if config_path is not None and path == config_path.resolve():
            return ()  # the configuration changed: every subject is due
        try:
            relative.append(path.relative_to(root.resolve()).as_posix())
        except ValueError:
            raise UsageError(
                "file is outside the repository", name, "run gate inside the repository"
            ) from None
    return tuple(relative)


def _snapshot_folders(sources: SourceOptions, config: Any) -> list[str]:
    folders = []
    if config.registry is not None and config.registry.snapshot:
        folders.append(str(config.registry.snapshot))
    if sources.snapshot is not None:
        try:
            folders.append(
                (sources.cwd / sources.snapshot).resolve().relative_to(config.root).as_posix()
            )
        except ValueError:
            pass
    return folders


class EmptyTree:
    """The base of a repository's first commit: no files at all."""

    label = "(no commits yet)"
    problems: list[str] = []

    def list_paths(self) -> list[str]:
        return []

    def read(self, paths: Sequence[str]) -> dict[str, bytes]:
        return {}


@dataclass(frozen=True)
class ConfigScope:
    """Maps repository paths to the configuration's folder (gate.yaml may sit below the root)."""

    config: Any
    prefix: str  # the configuration's folder, repository-relative, with a trailing slash or ""

    @property
    def path(self) -> Path | None:
        return self.config.path

    def match(self, path: str) -> Any:
        if not path.startswith(self.prefix):
            return None
        binding = self.config.match(path[len(self.prefix) :])
        if binding is None or not self.prefix:
            return binding
        return dataclasses.replace(binding, samples=tuple(self.prefix + s for s in binding.samples))


def open_workspace(sources: SourceOptions, config: Any, repo: Any = None) -> Workspace:
    """`repo`: the repository of `config.root`, if it is open already."""
    from gate.sources.git import GitRepository, IndexTree, RevisionTree, WorktreeTree

    if repo is None:
        repo = GitRepository.open(config.root)
    try:
        prefix = config.root.resolve().relative_to(repo.root.resolve()).as_posix()
    except ValueError:
        prefix = "."
    prefix = "" if prefix == "." else prefix + "/"
    base_rev = sources.base or repo.default_base(sources.environ)
    if sources.fetch_base:
        try:
            repo.resolve(base_rev)
        except SourceError:
            repo.fetch_base(base_rev)
    base_tree: Any
    if sources.staged and base_rev == "HEAD" and not repo.has_commits():
        base_sha, base_tree = None, EmptyTree()  # the first commit: everything is new
    else:
        base_sha = repo.resolve(base_rev)
        base_tree = RevisionTree(repo, base_rev)
    head = sources.head
    if head is None and not sources.staged and sources.environ.get("PRE_COMMIT_FROM_REF"):
        # a pre-push hook: the pushed range ends at PRE_COMMIT_TO_REF, not in the work tree
        head = sources.environ.get("PRE_COMMIT_TO_REF") or None
    head_tree: Any
    if head:
        head_sha: str | None = repo.resolve(head)
        head_tree = RevisionTree(repo, head)
        head_kind, head_rev = OriginKind.GIT, head
    elif sources.staged:
        head_sha, head_tree, head_kind, head_rev = None, IndexTree(repo), OriginKind.INDEX, None
    else:
        head_sha, head_tree = None, WorktreeTree(repo)
        head_kind, head_rev = OriginKind.WORKTREE, None
    if base_sha is not None and head_kind is OriginKind.WORKTREE:
        # both listings are needed below: they run while git's rename detection does
        repo.prefetch_listings([base_sha], worktree=True)
    elif base_sha is not None and head_sha is not None:
        # both listings are needed below: git lists the two revisions at once
        repo.prefetch_listings([base_sha, head_sha], worktree=False)
    only = _only_files(sources, repo.root, config.path)
    scope = ConfigScope(config, prefix)
    try:
        renames = (
            {} if base_sha is None else repo.renames(base_sha, head_sha, staged=sources.staged)
        )
        touched = _touched_contracts(scope, only, head_tree)
        subjects = collect_subjects(
            scope,
            head_tree,
            base_tree,
            head_origin=lambda path: Origin(head_kind, path=path, rev=head_rev),
            base_origin=lambda path: Origin(OriginKind.GIT, path=path, rev=base_rev),
            renames=renames,
            only=(
                *referring_files(scope, only, head_tree),
                *_subject_files(scope, touched, (head_tree, base_tree)),
            ),
            exclude=[prefix + folder for folder in _snapshot_folders(sources, config)],
            options=CheckOptions(import_paths=import_paths(config, prefix)),
        )
    finally:
        repo.settle()  # no thread is left when workers are forked
    return Workspace(
        config,
        repo,
        base_tree.label,
        head_tree.label,
        tuple(subjects),
        head_tree,
        base_tree,
        prefix,
        only,
        touched,
    )


def _contract_files(contract: Any, prefix: str) -> set[str]:
    """The repository paths of a contract's own schema files: producers' and readers'."""
    files = {prefix + p.file for p in contract.producers if p.file is not None}
    return files | {prefix + c.reader for c in contract.consumers if not c.is_pinned}


def _references_from(
    files: set[str], head: Any, options: CheckOptions
) -> dict[str, set[str]]:
    """The files each of `files` (and each file they reach) reads at the head (relative `$ref`s,
    imports), read level by level, each level in one batch."""
    edges: dict[str, set[str]] = {}
    frontier = {f for f in files if not f.lower().endswith(".avsc")}
    for _ in range(_MAX_REF_DEPTH):
        if not frontier:
            break
        contents = head.read(sorted(frontier))
        for path in frontier:
            data = contents.get(path)
            edges[path] = (
                set(file_references(path, data.decode("utf-8", "replace"), options))
                if data
                else set()
            )
        frontier = {target for path in frontier for target in edges[path]} - edges.keys()
    return edges


_MAX_REF_DEPTH = 16  # `$ref` chains from a contract's files followed this far


def _touched_contracts(scope: ConfigScope, only: Sequence[str], head: Any) -> frozenset[str]:
    """In a run restricted to files, the subjects of the contracts one of whose producers' or
    consumers' schema files, or a file these reach through relative `$ref`s or imports, is among
    the files:
    a change to any of them changes what a producer writes or a consumer reads."""
    if not only or not scope.config.contracts:
        return frozenset()
    listed = set(only)
    own: dict[str, set[str]] = {}
    for contract in scope.config.contracts:
        own.setdefault(contract.subject, set()).update(_contract_files(contract, scope.prefix))
    touched = {subject for subject, files in own.items() if files & listed}
    pending = {subject: files for subject, files in own.items() if subject not in touched}
    if not pending or all(f.lower().endswith(".avsc") for f in listed):
        return frozenset(touched)  # no `$ref` or import names an Avro file
    options = CheckOptions(import_paths=import_paths(scope.config, scope.prefix))
    edges = _references_from(set().union(*pending.values()), head, options)
    for subject, files in pending.items():
        reached, frontier = set(files), set(files)
        while frontier and not reached & listed:
            frontier = {t for f in frontier for t in edges.get(f, ())} - reached
            reached |= frontier
        if reached & listed:
            touched.add(subject)
    return frozenset(touched)


def _subject_files(scope: ConfigScope, wanted: frozenset[str], trees: Sequence[Any]) -> list[str]:
    """The files of the `wanted` subjects on either side: a contract touched by a run restricted
    to files is checked in full, with its subject's candidate and the data in flight, so its
    subject is in the run too."""
    if not wanted:
        return []
    found: list[str] = []
    for tree in trees:
        for path in tree.list_paths():
            binding = scope.match(path)
            if binding is not None and binding.subject in wanted:
                found.append(path)
    return sorted(set(found))


def contracts_in_run(workspace: Workspace, shard: Any = None) -> tuple[Any, ...]:
    """The contracts a run checks: every one, unless the run is restricted. A run restricted to
    files checks a contract when its subject is in the run or one of the files is a producer's
    or consumer's schema of it; a shard checks the contracts of its own subjects."""
    contracts = tuple(workspace.config.contracts)
    if shard is not None:
        contracts = tuple(c for c in contracts if in_shard(c.subject, shard.index, shard.count))
    if not workspace.only:
        return contracts
    present = {s.subject for s in workspace.subjects}
    return tuple(c for c in contracts if c.subject in present or c.subject in workspace.touched)


def import_paths(config: Any, prefix: str) -> tuple[str, ...]:
    """gate.yaml's `protobuf: import_paths:` as repository-relative folders."""
    return tuple(
        (prefix + folder).rstrip("/") for folder in getattr(config, "protobuf_import_paths", ())
    )


def tree_reader(workspace: Workspace) -> Any:
    """Reads a repository file as it is at a schema's origin: its git revision or the index."""
    trees: dict[tuple[OriginKind, str | None], Any] = {}
    for tree in (workspace.head_tree, workspace.base_tree):
        kind = getattr(tree, "kind", None)
        if kind in (OriginKind.GIT, OriginKind.INDEX):
            trees[(kind, getattr(tree, "rev", None))] = tree

    def read(origin: Origin, path: str) -> bytes | None:
        tree = trees.get((origin.kind, origin.rev))
        if tree is None:
            return None
        data: bytes | None = tree.read([path]).get(path)
        return data

    return read


def _parse_side(
    parser: Parser, source: SubjectSource, head: bool, registered: frozenset[bytes] = frozenset()
) -> Parsed | None:
    """One side's schema parsed; trusted as the registry's own when it holds these bytes
    (`registered`: the texts of the subject's registered versions, encoded)."""
    data = source.head_data if head else source.base_data
    origin = source.head_origin if head else source.base_origin
    if data is None or origin is None or source.schema_type is None:
        return None
    references = source.head_references if head else source.base_references
    # the head is the candidate, a new schema; the base a registered version (the registry
    # parses the two by different rules)
    parsed = parse_bytes(
        parser,
        source.schema_type,
        data,
        origin,
        trusted=data in registered,
        references=references,
        registered=not head,
    )
    if not head and references is not None and not parsed.ok:
        # gate.yaml's references are today's: a base revision that predates them (it defined
        # the types itself, before they moved to a file of their own) is read as it was
        alone = parse_bytes(
            parser, source.schema_type, data, origin, trusted=data in registered, registered=True
        )
        if alone.ok:
            return alone
    return parsed


def _deleted_check(source: SubjectSource, base_label: str) -> CheckResult:
    finding = Finding(
        rule="SUBJECT_DELETED",
        severity=severity_of("SUBJECT_DELETED"),
        subject=source.subject,
        # the base's revision is in `versions`, not in the message: the fingerprint (waivers,
        # code-scanning and Code Quality entries) stays the same from run to run
        message=f"schema file {source.base_path} existed at the base revision and is gone: "
        "producers and consumers of this subject lose their schema",
        location=Location(str(source.base_path)),
        versions=(f"base: {base_label}",),
        fix="restore the file, or remove the subject's producers and consumers first and waive "
        "this finding",
        check=f"{source.subject}: present",
    )
    return CheckResult(
        id=f"{source.subject}: present",
        subject=source.subject,
        kind=CheckKind.VALIDITY,
        name="schema file still present",
        findings=(finding,),
    )


def _mode_words(mode: Mode) -> str:
    """A level as a check id names it: `backward`, `full transitive`. A check that did not
    compare (unchanged, new subject, NONE) is named like the one that would have, so that its
    test history continues (`backward vs git base`)."""
    return mode.value.lower().replace("_", " ")


def effective_mode(source: SubjectSource, config: Any, registered: Any | None) -> Mode:
    """The subject's level: gate.yaml's for the subject, else the registry's, else the default."""
    if source.compatibility is not None:
        return source.compatibility
    if registered is not None and registered.effective is not None:
        return registered.effective
    return config.default_compatibility


def git_checks(
    source: SubjectSource,
    parser: Parser,
    mode: Mode,
    base_label: str,
    need_candidate: bool,
    options: CheckOptions,
    evidence: Any = None,
    registered: frozenset[bytes] = frozenset(),
    memo: Any = None,
    describe: bool = True,
) -> tuple[Parsed | None, list[CheckResult]]:
    """Validity of the candidate and its compatibility with the base revision's version.

    An unchanged file is not parsed at all unless a later stage needs it (`need_candidate`):
    the work of a run stays proportional to what changed.
    """
    if not source.at_head:
        return None, [_deleted_check(source, base_label)]
    compat_id = f"{source.subject}: {_mode_words(mode)} vs git base"
    name = f"{mode.value} against {base_label}"

    def note(text: str, summary: str | None = None) -> CheckResult:
        return CheckResult(
            id=compat_id,
            subject=source.subject,
            kind=CheckKind.COMPAT,
            name=name,
            notes=(text,),
            summary=summary,
        )

    unchanged = source.unchanged and source.head_path == source.base_path
    if unchanged and not need_candidate:
        return None, [note(f"unchanged since {base_label}")]
    candidate = _parse_side(parser, source, head=True)
    assert candidate is not None
    checks = [validity_check(source.subject, candidate, str(source.head_path))]
    if not source.at_base:
        checks.append(note(
            f"new subject: {source.head_path} has no version at {base_label}",
            f"new subject, no version at {base_label}",
        ))
    elif unchanged:
        checks.append(note(f"unchanged since {base_label}"))
    elif mode is Mode.NONE:
        checks.append(note(
            "compatibility level NONE: any change is accepted",
            f"changed since {base_label}, level NONE accepts any change",
        ))
    elif candidate.ok:
        # the base most often is the latest registered version: parsed as the registry's own
        base = _parse_side(parser, source, head=False, registered=registered)
        assert base is not None
        if base.ok:
            compared = compat_checks(
                source.subject, candidate, [base], mode, options, evidence, memo
            )
            if describe:
                compared = with_change_summary(
                    compared, mode, base_label, base, candidate, options
                )
            checks += compared
        else:
            checks.append(
                CheckResult(
                    id=compat_id,
                    subject=source.subject,
                    kind=CheckKind.COMPAT,
                    name=name,
                    skipped=f"the version at {base_label} is not a valid schema",
                )
            )
    return candidate, checks


# --------------------------------------------------------------------------- the registry


def registry_settings(sources: SourceOptions, config: Any) -> Any | None:
    """The live registry to talk to (--registry, GATE_REGISTRY_URL, gate.yaml), or None.

    Credentials come from GATE_REGISTRY_* first, then from gate.yaml's interpolated values.
    """
    registry = config.registry if config is not None else None
    url = sources.registry_url or sources.environ.get("GATE_REGISTRY_URL") or None
    if url is None and registry is not None:
        url = registry.url
    if not url:
        return None
    from gate.secrets import remember
    from gate.sources.registry import RegistrySettings

    overrides: dict[str, Any] = {}
    if registry is not None:
        for name in ("user", "password", "token"):
            if not sources.environ.get(f"GATE_REGISTRY_{name.upper()}"):
                value = getattr(registry, name)
                if value:
                    overrides[name] = value
        remember(registry.user, registry.password, registry.token)
        overrides.update(
            headers=registry.headers,
            ca_bundle=str(registry.ca_bundle) if registry.ca_bundle else None,
            client_cert=str(registry.client_cert) if registry.client_cert else None,
            client_key=str(registry.client_key) if registry.client_key else None,
            timeout=registry.timeout,
            retries=registry.retries,
            concurrency=registry.concurrency,
            context=registry.context,
        )
    settings = RegistrySettings.from_env(url, sources.environ, **overrides)
    remember(*settings.secrets)
    return settings


def open_registry(sources: SourceOptions, config: Any) -> Any | None:
    """The registry baseline: --snapshot, else a live URL, else gate.yaml's snapshot; or none."""
    registry = config.registry
    configured_snapshot = (
        config.root / registry.snapshot if registry is not None and registry.snapshot else None
    )
    if sources.snapshot is not None:
        from gate.sources.snapshot import SnapshotRegistry

        return SnapshotRegistry(sources.cwd / sources.snapshot, str(sources.snapshot))
    offline = sources.offline
    settings = None if offline else registry_settings(sources, config)
    if settings is not None:
        from gate.sources.registry import HttpRegistry

        return HttpRegistry(settings)
    if configured_snapshot is not None and configured_snapshot.exists():
        from gate.sources.snapshot import SnapshotRegistry

        return SnapshotRegistry(configured_snapshot, registry.snapshot)
    return None


def registry_checks(
    source: SubjectSource,
    candidate: Parsed,
    registered: Any,
    parser: Parser,
    mode: Mode,
    options: CheckOptions,
    registry_label: str,
    evidence: Any = None,
    memo: Any = None,
) -> list[CheckResult]:
    """The candidate against the registry's live history, under the subject's effective level."""
    check_id = f"{source.subject}: {_mode_words(mode)} vs registry latest"
    name = f"{mode.value} against {registry_label}"

    def note(text: str) -> list[CheckResult]:
        return [CheckResult(check_id, source.subject, CheckKind.COMPAT, name, notes=(text,))]

    if registered is None or not registered.versions:
        return note(f"new subject: nothing is registered under {source.subject} yet")
    referenced = candidate.schema.resolved_references
    same = already_registered(
        candidate.schema.text, registered, verbatim=True, referenced=referenced
    )
    history = []
    if same is None:
        history = [parser.parse(version.to_schema()) for version in registered.versions]
        unlike = unlike_versions(candidate, registered.versions, history)
        same = already_registered(
            candidate.schema.text, registered, unlike=unlike, referenced=referenced
        )
    if same is not None:
        return note(
            f"already registered as version {same.version} (id {same.id}); "
            "registering it again changes nothing"
        )
    if mode is Mode.NONE:
        return note("compatibility level NONE: any change is accepted")
    # a version of another schema type is judged too: incompatible, as for the registry
    alike = list(zip(registered.versions, history, strict=True))
    # a version gate cannot parse is named, never left out without a word
    skipped = tuple(
        f"registered version {version.version} (id {version.id}) of {source.subject} is "
        f"skipped: gate cannot parse it ({p.invalid.message if p.invalid else 'invalid'})"
        for version, p in alike
        if not p.ok
    )
    usable = [p for _, p in alike if p.ok]
    if not usable:
        return note(
            " ".join(skipped) + "; no registered version is left to compare the candidate with"
        )
    checks = compat_checks(
        source.subject, candidate, [p for _, p in alike], mode, options, evidence, memo
    )
    if skipped:
        also = "; the candidate is compared with the versions it can parse"
        checks = [
            dataclasses.replace(check, notes=(*check.notes, *(text + also for text in skipped)))
            for check in checks
        ]
    return checks


def already_registered(
    text: str,
    registered: Any,
    verbatim: bool = False,
    unlike: frozenset[int] = frozenset(),
    referenced: tuple[tuple[str, str], ...] = (),
) -> Any | None:
    """The registered version whose text is `text` (byte for byte first, then as JSON; only
    byte for byte when `verbatim`). `unlike` numbers versions known to differ from it.

    As for the registry, a schema with references is the same only with the same referenced
    schemas (`referenced`: texts by name): a changed referenced type makes it a new one."""
    for version in registered.versions:
        if version.text == text and _same_references(version.resolved_references, referenced):
            return version
    if verbatim:
        return None
    mine: str | None = None
    wanted = json_shape(text)
    for version in registered.versions:
        if version.version in unlike:
            continue
        if wanted is not None and json_shape(version.text) not in (None, wanted):
            continue
        mine = mine if mine is not None else canonical_json(text)
        if canonical_json(version.text) == mine and _same_references(
            version.resolved_references, referenced
        ):
            return version
    return None


def _same_references(
    theirs: tuple[tuple[str, str], ...], mine: tuple[tuple[str, str], ...]
) -> bool:
    if theirs == mine:
        return True
    if dict(theirs).keys() != dict(mine).keys():
        return False
    ours = dict(mine)
    return all(
        text == ours[name] or canonical_json(text) == canonical_json(ours[name])
        for name, text in theirs
    )


def unlike_versions(
    candidate: Parsed, versions: Sequence[Any], parsed: Sequence[Parsed | None]
) -> frozenset[int]:
    """The numbers of the `versions` (parsed as `parsed`, None where not known) that are
    `structurally_unlike` the candidate."""
    return frozenset(
        version.version
        for version, one in zip(versions, parsed, strict=True)
        if structurally_unlike(candidate, one)
    )


def structurally_unlike(candidate: Parsed, other: Parsed | None) -> bool:
    """Whether `other` is known to differ from `candidate` by more than JSON formatting, Avro
    docs and primitives spelled `{"type": "int"}`: two Avro schemas without references whose
    parsed structures have different fingerprints (a fingerprint leaves docs out, and is None
    where it cannot tell). Then neither their JSON nor drift's canonical forms are equal, and
    neither text need be decoded again to know it."""
    if other is None or not candidate.ok or not other.ok:
        return False
    if candidate.schema.type is not SchemaType.AVRO or other.schema.type is not SchemaType.AVRO:
        return False
    mine, theirs = candidate.value, other.value
    if mine.reference_names or theirs.reference_names:
        return False
    known = mine.root.fp is not None and theirs.root.fp is not None
    return known and bool(mine.root.fp != theirs.root.fp)


def verify_with_registry(
    source: SubjectSource, candidate: Parsed, registry: Any, local_ok: bool
) -> CheckResult:
    """Ask the registry itself and report any disagreement with our verdict."""
    check_id = f"{source.subject}: registry agrees"
    verdicts = registry.check_compatibility(
        source.subject, candidate.schema.text, candidate.schema.type, candidate.schema.references
    )
    server_ok = all(v.is_compatible for v in verdicts)
    findings: tuple[Finding, ...] = ()
    if server_ok != local_ok:
        said = "compatible" if server_ok else "incompatible"
        messages = "; ".join(m for v in verdicts for m in v.messages)[:800]
        findings = (
            Finding(
                rule="REGISTRY_VERDICT_DISAGREES",
                severity=severity_of("REGISTRY_VERDICT_DISAGREES"),
                subject=source.subject,
                message=f"the registry calls the candidate {said}, gate calls it "
                f"{'compatible' if local_ok else 'incompatible'}"
                + (f": {messages}" if messages else ""),
                location=Location(source.path),
                check=check_id,
                fix="the registry decides at registration time: compare its messages with "
                "gate's findings and report the difference as a gate bug if gate is wrong",
            ),
        )
    return CheckResult(
        check_id,
        source.subject,
        CheckKind.COMPAT,
        "the registry's own verdict agrees",
        findings=findings,
    )


def export_registry(sources: SourceOptions, directory: Path, subjects: Sequence[str]) -> int:
    """`gate registry export`: write every (or the named) subject's versions to `directory`."""
    from gate.sources.registry import HttpRegistry, RegistrySettings
    from gate.sources.snapshot import export_snapshot

    try:
        config = load_configuration(sources)
    except SourceError:
        config = None  # outside a repository: the command line and environment only
    settings = registry_settings(sources, config)
    if settings is None:
        # no URL anywhere: from_env raises the error that says how to name one
        settings = RegistrySettings.from_env(None, sources.environ)
    with HttpRegistry(settings) as registry:
        state = registry.load(list(subjects) or None)
    return export_snapshot(state, sources.cwd / directory)


# --------------------------------------------------------------------------- contracts


def _contract_party_schema(
    workspace: Workspace,
    parser: Parser,
    state: Any,
    candidates: dict[str, Parsed],
    subject: str,
    reference: str | None,
    pin: Any,
    references: Any = None,
) -> tuple[Parsed | None, str | None]:
    """The schema a producer writes or a consumer reads with, or why there is none.

    A party's file that is not a complete schema on its own is read with the subject's
    references (`references`, resolved at the head): it uses the types the subject's schema
    references. One that is (a consumer's own copy of a referenced type) is read as it is."""
    if pin is not None:
        registered = state.subject(pin.subject) if state is not None else None
        if registered is None or not registered.versions:
            where = "the registry" if state is not None else "any registry (none configured)"
            return None, f"{pin.subject} is not in {where}"
        version = registered.latest if pin.version is None else registered.version(pin.version)
        if version is None:
            return None, f"{pin.subject} has no version {pin.version} in the registry"
        return parser.parse(version.to_schema()), None
    if reference is None:
        candidate = candidates.get(subject)
        if candidate is None:
            return None, f"subject {subject} has no schema file in this run"
        return candidate, None
    in_repo = workspace.prefix + reference
    data = workspace.head_tree.read([in_repo]).get(in_repo)
    if data is None:
        return None, f"{reference} does not exist in {workspace.head_label}"
    from gate.formats import infer_type as infer

    schema_type = infer(reference, data.decode("utf-8", "replace"))
    if schema_type is None:
        return None, f"cannot tell the schema type of {reference}"
    origin = Origin(OriginKind.WORKTREE, path=in_repo)
    parsed = parse_bytes(parser, schema_type, data, origin)
    if not parsed.ok and references is not None:
        with_references = parse_bytes(parser, schema_type, data, origin, references=references)
        if with_references.ok:
            return with_references, None
    return parsed, None


def contract_checks(
    workspace: Workspace,
    parser: Parser,
    state: Any,
    candidates: dict[str, Parsed],
    in_flight: dict[str, list[Parsed]],
    options_for: Any,
    contracts: Sequence[Any],
    resolver: Any = None,
) -> tuple[list[CheckResult], list[Any]]:
    """Checks of the contracts, and their (writer, reader) pairs, each naming its producer and
    consumer, for simulation, samples and the graph."""
    if not contracts:
        return [], []
    from gate.contracts import Party, contract_pairs

    checks: list[CheckResult] = []
    pairs: list[Any] = []
    for contract in contracts:
        subject = contract.subject
        references = _subject_references(subject, candidates, resolver)
        producers = []
        for producer in contract.producers:
            schema, problem = _contract_party_schema(
                workspace, parser, state, candidates, subject, producer.file, None, references
            )
            producers.append(Party("producer", producer.name, schema, problem=problem))
        consumers = []
        for consumer in contract.consumers:
            pin = consumer.pin
            schema, problem = _contract_party_schema(
                workspace,
                parser,
                state,
                candidates,
                subject,
                None if pin is not None else consumer.reader,
                pin,
                references,
            )
            consumers.append(
                Party("consumer", consumer.name, schema, consumer.environment, problem)
            )
        extra, subject_pairs = contract_pairs(
            subject, producers, consumers, in_flight.get(subject, []), options_for
        )
        checks += extra
        pairs += subject_pairs
    return checks, pairs


def contract_graph(
    pairs: Sequence[Any], checks: Sequence[CheckResult]
) -> list[tuple[str | None, str, str, bool]]:
    """The (producer, subject, consumer, broken) edges of the judged pairs (a producer of None:
    data in flight); broken when the pair's final check has an error no waiver covers."""
    by_id = {check.id: check for check in checks}
    edges = []
    for pair in pairs:
        check = by_id.get(pair.check.id, pair.check)
        broken = any(
            f.severity is Severity.ERROR and f.waived_by is None for f in check.findings
        )
        edges.append((pair.producer, pair.check.subject, pair.consumer_label, broken))
    return list(dict.fromkeys(edges))


def _subject_references(subject: str, candidates: dict[str, Parsed], resolver: Any) -> Any:
    """The references of `subject` at the head: its candidate's, else resolved anew."""
    from gate.references import ResolvedReferences

    candidate = candidates.get(subject)
    if candidate is not None and candidate.schema.resolved_references:
        return ResolvedReferences(
            candidate.schema.references, candidate.schema.resolved_references
        )
    return resolver.for_subject(subject) if resolver is not None else None


# --------------------------------------------------------------------------- drift


@dataclass(frozen=True)
class DriftContext:
    """What drift needs of git history, gathered with one `git log`: every object id each
    subject's file ever had, and whether that history is complete (not a shallow clone's).
    Contents are read only where a registered text is not in git byte for byte (to compare them
    as JSON), by the process that judges the subject."""

    root: Path
    ids: dict[str, frozenset[str]]
    complete: bool = True
    revisions: tuple[str, ...] = ()  # full shas whose history counts though no ref names them


def drift_context(
    workspace: Workspace,
    subjects: Sequence[SubjectSource],
    state: Any = None,
    deepen: bool = False,
) -> DriftContext:
    """The history drift compares with. In a shallow clone, with `deepen` (--fetch-base), more
    history is fetched until every registered version that would otherwise be drift is found in
    it, or the history is complete."""
    repo = workspace.repo
    paths = [s.head_path for s in subjects if s.head_path]
    # the compared revisions count even when no ref names them (a base fetched by its sha)
    revisions = [
        sha for tree in (workspace.base_tree, workspace.head_tree)
        if isinstance(sha := getattr(tree, "sha", None), str)
    ]

    def gather() -> DriftContext:
        found = repo.blob_ids(paths, revisions) if paths else {}
        ids = {p: frozenset(v) for p, v in found.items()}
        complete = not (paths and repo.is_shallow)
        return DriftContext(repo.root, ids, complete=complete, revisions=tuple(revisions))

    context = gather()
    if context.complete or not deepen or state is None:
        return context

    asked = False

    def enough() -> bool:
        nonlocal context, asked
        if asked:  # more history came since the last question
            context = gather()
        asked = True
        return not _any_in_doubt(repo, subjects, state, context)

    if repo.deepen_until(enough):
        context = gather()  # complete now: the last step's history was not gathered yet
    return context


def _any_in_doubt(
    repo: Any, subjects: Sequence[SubjectSource], state: Any, context: DriftContext
) -> bool:
    """Whether some registered version would be drift for want of it in the history `context`
    holds. Versions are matched by object id first; the texts of history are read, in one batch
    for all subjects, only for those where that leaves a version in doubt (comparing texts can
    only find more versions held, and so fewer in doubt)."""
    from gate.drift import match_versions

    doubtful = []
    for source in subjects:
        item = _drift_input(source, state, context, texts=())
        if item is not None and match_versions(item).in_doubt:
            doubtful.append(source)
    if not doubtful:
        return False
    wanted = sorted({sha for s in doubtful for sha in context.ids.get(s.path, ())})
    blobs = repo.read_history(wanted).contents
    for source in doubtful:
        texts = tuple(
            blobs[sha].decode("utf-8", "replace")
            for sha in sorted(context.ids.get(source.path, ()))
            if sha in blobs
        )
        item = _drift_input(source, state, context, texts=texts)
        if item is not None and match_versions(item).in_doubt:
            return True
    return False


_HISTORY_REPOSITORIES: dict[tuple[int, Path], Any] = {}


def _history_texts(context: DriftContext, path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The texts `path` had in history, git-lfs pointers read from the local LFS store; and
    the commits (short shas) that gave it a version gate cannot read: a pointer whose object
    was never fetched, which is left out rather than compared as text."""
    import os

    from gate.sources.git import GitRepository

    key = (os.getpid(), context.root)  # a forked worker opens its own repository
    repo = _HISTORY_REPOSITORIES.get(key)
    if repo is None:
        repo = _HISTORY_REPOSITORIES[key] = GitRepository.open(context.root)
    read = repo.read_history(sorted(context.ids.get(path, ())))
    texts = tuple(data.decode("utf-8", "replace") for data in read.contents.values())
    if not read.unreadable:
        return texts, ()
    commits = repo.commits_introducing(path, read.unreadable, context.revisions)
    # a pointer no commit introduced (it cannot be, but) is named by its object id
    named = [sha[:7] for blob in read.unreadable for sha in commits[blob] or [blob]]
    return texts, tuple(dict.fromkeys(named))


def _json_of_yaml(path: str, text: str) -> str:
    from gate.formats.jsonschema.yamltext import schema_text

    return schema_text(path, text)


def _drift_input(
    source: SubjectSource,
    state: Any,
    context: DriftContext,
    unlike: frozenset[int] = frozenset(),
    texts: tuple[str, ...] | None = None,
) -> Any:
    """The `DriftInput` of one subject that has a file in git (None: no schema type); `texts`
    are its file's contents in history, read here when None and needed."""
    from gate.drift import DriftInput, blob_id

    if source.schema_type is None:
        return None
    registered = state.subject(source.subject)
    head = source.head_data.decode("utf-8", "replace") if source.head_data else None
    ids = context.ids.get(source.path, frozenset())
    # a JSON Schema written in YAML compares as the JSON the registry holds
    as_json = source.schema_type is SchemaType.JSON and source.path.lower().endswith(
        (".yaml", ".yml")
    )
    if as_json and head is not None:
        head = _json_of_yaml(source.path, head)
    unreadable: tuple[str, ...] = ()
    if texts is None:
        texts = ()
        if registered is not None and any(
            v.text != head and blob_id(v.text) not in ids for v in registered.versions
        ):
            texts, unreadable = _history_texts(context, source.path)
    if as_json:
        texts = tuple(_json_of_yaml(source.path, text) for text in texts)
    item = DriftInput.from_texts(
        source.subject,
        source.schema_type,
        head,
        texts,
        configured=source.compatibility,
        registry=registered,
        path=source.path,
        history_complete=context.complete,
    )
    return dataclasses.replace(
        item, git_blob_ids=ids, unlike_head=unlike, unreadable_history=unreadable
    )


def subject_drift(
    source: SubjectSource,
    state: Any,
    context: DriftContext,
    unlike: frozenset[int] = frozenset(),
) -> list[CheckResult]:
    """Drift of one subject that has a file in git (`unlike`: numbers of registered versions
    known to differ from its schema, see `structurally_unlike`)."""
    from gate.drift import drift_checks

    item = _drift_input(source, state, context, unlike)
    return [] if item is None else drift_checks([item])


def registry_only_drift(state: Any, known: set[str], shard: Any) -> list[CheckResult]:
    """Drift of the registry's subjects that no file in git maps to."""
    from gate.drift import DriftInput, drift_checks

    # names first: a lazily read snapshot then reads only the subjects git does not have
    names = sorted(
        name
        for name in state.subjects.keys()
        if name not in known and (shard is None or in_shard(name, shard.index, shard.count))
    )
    inputs = [DriftInput(subject=name, registry=state.subject(name)) for name in names]
    return drift_checks(inputs)


# --------------------------------------------------------------------------- gate check


@dataclass(frozen=True)
class SubjectOutcome:
    """What judging one subject gave: its checks, and its parsed schemas for later stages."""

    checks: tuple[CheckResult, ...]
    candidate: Parsed | None = None
    in_flight: tuple[Parsed, ...] = ()
    registry_ok: bool = True  # our verdict against the registry's history


class SubjectJudge:
    """Judges one subject at a time: validity, the git base, the registry's history.

    Holds only what every subject shares, so a forked worker process can run it as well.
    """

    def __init__(
        self,
        config: Any,
        parser: Parser,
        state: Any,
        options: RunOptions,
        settings: SimulationSettings,
        base_label: str,
        registry_label: str,
        contract_subjects: frozenset[str],
        drift: DriftContext | None = None,
    ) -> None:
        self.drift = drift
        self.config = config
        self.parser = parser
        self.state = state
        self.options = options
        self.settings = settings
        self.base_label = base_label
        self.registry_label = registry_label
        self.contract_subjects = contract_subjects
        # `gate simulate` judges only the pairs it simulates, and every one of them
        self.only_simulation = options.simulate and not options.compat
        self._memo = WitnessMemo()

    def options_for(self, source: SubjectSource) -> CheckOptions:
        if source.json_policy is None:
            return self.parser.options
        return dataclasses.replace(self.parser.options, json_policy=source.json_policy)

    def _evidence(self, check: CheckResult, writer: Parsed, reader: Parsed) -> CheckResult:
        return with_evidence(
            check, writer, reader, self.settings, always=self.only_simulation, memo=self._memo
        )

    def _changed_evidence(self, check: CheckResult, writer: Parsed, reader: Parsed) -> CheckResult:
        # a changed file is simulated even when compatible: a JSON Schema change the registry
        # accepts may still reject data (a format, an overlapping oneOf branch), and Avro
        # resolution may drop a value or default an enum symbol where it can, which only data
        # shows (or fastavro may part from the Avro rules)
        always = self.only_simulation or writer.schema.type is SchemaType.JSON
        if not always and writer.schema.type is SchemaType.AVRO and writer.ok and reader.ok:
            from gate.formats.avro.check import resolution_may_change_values

            always = resolution_may_change_values(reader.value, writer.value)
        return with_evidence(check, writer, reader, self.settings, always=always, memo=self._memo)

    def judge(self, source: SubjectSource) -> SubjectOutcome:
        options = self.options
        self._memo = WitnessMemo()  # witnesses are shared between the pairs of one subject
        verdicts = CheckMemo()  # and so are verdicts (the base is often the latest registered)
        registered = self.state.subject(source.subject) if self.state is not None else None
        mode = effective_mode(source, self.config, registered)
        in_contract = source.subject in self.contract_subjects
        held = frozenset(
            v.text.encode("utf-8", "surrogateescape") for v in registered.versions
        ) if registered is not None else frozenset()
        # an unchanged file that the registry already holds needs no parsing at all
        need = in_contract or bool(source.samples) or (bool(held) and source.head_data not in held)
        candidate, git = git_checks(
            source,
            self.parser,
            mode,
            self.base_label,
            need,
            self.options_for(source),
            self._changed_evidence,
            held,
            verdicts,
            describe=options.describe_changes,
        )
        checks: list[CheckResult] = git if (options.compat or options.simulate) else []
        drift = self.drift if self.state is not None else None
        if candidate is None:
            if drift is not None:
                checks += subject_drift(source, self.state, drift)
            return SubjectOutcome(tuple(checks))
        registry_ok = True
        against_registry: list[CheckResult] = []
        if options.compat and candidate.ok and self.state is not None:
            against_registry = registry_checks(
                source,
                candidate,
                registered,
                self.parser,
                mode,
                self.options_for(source),
                self.registry_label,
                self._evidence,
                verdicts,
            )
            registry_ok = not any(
                f.severity is Severity.ERROR for c in against_registry for f in c.findings
            )
        if drift is not None:
            # after the registry comparison: the versions it parsed tell drift which of them
            # cannot be the head's schema, without decoding them again
            versions = registered.versions if registered is not None else ()
            parsed = [self.parser.peek(version.to_schema()) for version in versions]
            unlike = unlike_versions(candidate, versions, parsed)
            checks += subject_drift(source, self.state, drift, unlike)
        checks += against_registry
        flight: list[Parsed] = []
        if in_contract:
            if registered is not None:
                flight = [self.parser.parse(v.to_schema()) for v in registered.versions]
            base = _parse_side(self.parser, source, head=False)
            if base is not None and base.ok and source.base_data != source.head_data:
                flight.append(base)
        return SubjectOutcome(tuple(checks), candidate, tuple(flight), registry_ok)


_POOL_JUDGE: SubjectJudge | None = None
_POOL_SOURCES: list[SubjectSource] = []
_PARALLEL_FROM = 48  # below this many subjects a process pool costs more than it saves


def _judge_chunk(bounds: tuple[int, int]) -> list[tuple[CheckResult, ...]]:
    assert _POOL_JUDGE is not None
    start, stop = bounds
    return [_POOL_JUDGE.judge(source).checks for source in _POOL_SOURCES[start:stop]]


def can_fork() -> bool:
    """Whether worker processes can inherit the judge by forking.

    Windows has no `fork`; macOS has it but its system libraries are not safe to use in a forked
    child (Python's default there is `spawn`). There the subjects are judged in this process.
    """
    import multiprocessing
    import sys

    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def judge_all(judge: SubjectJudge, sources: list[SubjectSource]) -> list[tuple[CheckResult, ...]]:
    """Every subject's checks, in order; on the usable cores when there are enough to share."""
    busy = [s for s in sources if not (s.unchanged and s.head_path == s.base_path)]
    if len(busy) < _PARALLEL_FROM:
        return [judge.judge(source).checks for source in sources]
    from gate.cpus import usable_cpus

    workers = min(usable_cpus(), 8)
    if workers < 2 or not can_fork():
        return [judge.judge(source).checks for source in sources]
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _POOL_JUDGE, _POOL_SOURCES
    # inherited by the forked workers, never pickled: a chunk is sent as the bounds of its
    # slice, not as the texts it holds (megabytes, copied through a pipe and decoded again)
    _POOL_JUDGE = judge
    _POOL_SOURCES = sources
    # small chunks keep both workers busy to the end; each costs a round trip of a few ms
    size = max(1, len(sources) // (workers * 16))
    chunks = [(i, min(i + size, len(sources))) for i in range(0, len(sources), size)]
    # what exists now is only read by the workers: kept out of their collections, its pages
    # stay shared with this process instead of being copied on the collector's first touch
    gc.freeze()
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_signals,
        initargs=(os.getpid(),),
    )
    try:
        with _workers_end_with_this_process(pool):
            results = list(pool.map(_judge_chunk, chunks))
            pool.shutdown()
    except BaseException:
        # interrupted: the workers go too, now, not after their current chunk
        _kill_workers(pool)
        raise
    finally:
        _POOL_JUDGE = None
        _POOL_SOURCES = []
        gc.unfreeze()
    return [checks for chunk in results for checks in chunk]


def _worker_signals(parent: int) -> None:
    """In a worker: Ctrl-C is the parent's to handle, SIGTERM ends the worker at once, and on
    Linux the worker is sent SIGTERM when its parent dies, however it dies."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


@contextlib.contextmanager
def _workers_end_with_this_process(pool: Any) -> Iterator[None]:
    """While `pool` works, SIGTERM ends its workers and then this process.

    The handler raises nothing: an exception thrown into the middle of the pool's own code
    could leave one of its locks held, and the cleanup would then wait forever.
    """
    import os
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        _kill_workers(pool)
        with contextlib.suppress(OSError):
            os.write(2, b"error: terminated\n")
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _kill_workers(pool: Any) -> None:
    """SIGTERM to every worker process of `pool` (no lock taken, no wait)."""
    import os
    import signal

    for _ in range(3):  # the pool's own thread may be changing the table meanwhile
        try:
            pids = [p.pid for p in (getattr(pool, "_processes", None) or {}).values()]
            break
        except RuntimeError:
            continue
    else:
        return
    for pid in pids:
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)


def _inputs(workspace: Workspace, config: Any) -> dict[str, Any]:
    """gate.yaml and every subject's file of the run: the repository's root and the files'
    repository-relative paths (made absolute only when a report is written to a file)."""
    paths = {s.head_path for s in workspace.subjects} | {s.base_path for s in workspace.subjects}
    paths.discard(None)
    return {
        "root": str(workspace.repo.root),
        "config": str(config.path) if config.path is not None else None,
        "paths": paths,
    }


def _input_patterns(workspace: Workspace, config: Any) -> dict[str, Any]:
    """The sample globs of the run, matched against report paths as text: listing the file
    system for them could follow a link out of the repository."""
    patterns = sorted({p for source in workspace.subjects for p in source.samples})
    return {"root": str(Path(config.root).resolve()), "patterns": patterns}


def run_check(options: RunOptions) -> Result:
    """`gate check` (and `drift`, `simulate`): every stage of the pipeline for one run."""
    import gc

    # a run builds many small long-lived objects (parsed schemas); collecting the young
    # generation less often saves a sixth of the parsing time and changes nothing else
    gc.set_threshold(50_000, 20, 20)
    sources = options.sources
    config, repo = _configuration(sources)
    workspace = open_workspace(sources, config, repo)
    subjects = list(workspace.subjects)
    if options.shard is not None:
        subjects = [
            s for s in subjects if in_shard(s.subject, options.shard.index, options.shard.count)
        ]
    base_options = CheckOptions(
        json_policy=config.json_policy,
        allow_remote_refs=config.allow_remote_refs,
        # schema paths are repository-relative, and so are the files their `$ref`s name
        root=workspace.repo.root,
        files=tree_reader(workspace),
        import_paths=import_paths(config, workspace.prefix),
    )
    parser = Parser(base_options)

    def options_for(source_or_parsed: Any) -> CheckOptions:
        policy = getattr(source_or_parsed, "json_policy", None)
        return dataclasses.replace(base_options, json_policy=policy) if policy else base_options

    registry = open_registry(sources, config)
    if registry is None and options.drift and not (options.compat or options.simulate):
        raise UsageError(
            "gate drift compares git with a registry, and none is configured",
            str(config.path or config.root),
            "pass --registry URL (or set GATE_REGISTRY_URL), --snapshot DIR, or name a snapshot "
            "under `registry:` in gate.yaml",
        )
    contracts = contracts_in_run(workspace, options.shard)
    notes: list[str] = list(getattr(workspace.head_tree, "problems", []))
    notes += list(getattr(workspace.base_tree, "problems", []))
    checks: list[CheckResult] = []
    try:
        state = None
        if registry is not None:
            wanted: set[str] | None = {s.subject for s in subjects}
            if options.drift and not sources.files:
                wanted = None  # drift needs every registered subject
            else:
                assert wanted is not None
                wanted |= {c.pin.subject for k in contracts for c in k.consumers if c.pin}
                wanted |= required_subjects(config)
            from gate.sources.snapshot import LazySnapshotState, SnapshotRegistry

            if isinstance(registry, SnapshotRegistry):
                # read one subject at a time: memory stays flat on any repository size
                state = LazySnapshotState(registry, wanted)
            else:
                state = registry.load(wanted)
            label = state.source_label or "the registry"
            notes.append(f"registry baseline: {label}")
        else:
            label = "the registry"
            notes.append("registry baseline: none configured (git comparison only)")
        contract_subjects = frozenset(c.subject for c in contracts)
        resolver = ReferenceResolver(
            ConfigScope(config, workspace.prefix),
            workspace.head_tree,
            workspace.base_tree,
            state,
            _relative(config.path, config.root) or "gate.yaml",
        )
        subjects = resolver.attach(subjects)
        # a file git lists unchanged is read only for what compares it with something else than
        # its own base: the registry's versions, a contract's parties, samples; or when the
        # schemas it references changed
        subjects = with_texts(
            subjects,
            workspace.head_tree,
            lambda s: (
                state is not None
                or not s.unchanged
                or s.subject in contract_subjects
                or bool(s.samples)
            ),
        )
        notes += resolver.notes

        settings = SimulationSettings(
            enabled=options.simulate and config.simulation.enabled,
            seed=config.simulation.seed,
            random_count=config.simulation.random_count,
        )
        judge = SubjectJudge(
            config,
            parser,
            state,
            options,
            settings,
            workspace.base_label,
            label,
            contract_subjects,
            (
                drift_context(workspace, subjects, state, deepen=sources.fetch_base)
                if options.drift and state is not None
                else None
            ),
        )
        local = [
            s
            for s in subjects
            if s.subject in contract_subjects or s.samples or options.verify_with_registry
        ]
        pooled = [s for s in subjects if s not in local]
        judged = dict(zip([s.subject for s in pooled], judge_all(judge, pooled), strict=True))
        candidates: dict[str, Parsed] = {}
        in_flight: dict[str, list[Parsed]] = {}
        for source in local:
            outcome = judge.judge(source)
            judged[source.subject] = outcome.checks
            if outcome.candidate is None:
                continue
            candidates[source.subject] = outcome.candidate
            in_flight[source.subject] = list(outcome.in_flight)
            candidate = outcome.candidate
            registered = state.subject(source.subject) if state is not None else None
            if (
                options.verify_with_registry
                and candidate.ok
                and registered is not None
                and (hasattr(registry, "check_compatibility"))
            ):
                judged[source.subject] = (
                    *judged[source.subject],
                    verify_with_registry(source, candidate, registry, outcome.registry_ok),
                )
            if source.samples and candidate.ok and (options.compat or options.simulate):
                judged[source.subject] = (
                    *judged[source.subject],
                    samples_check(workspace.repo.root, source, candidate, parser, state, registry),
                )
        for source in subjects:
            checks += judged[source.subject]

        if options.drift and state is not None and not sources.files:
            known = {s.subject for s in workspace.subjects}
            checks += registry_only_drift(state, known, options.shard)

        contract_results, pairs = contract_checks(
            workspace, parser, state, candidates, in_flight, options_for, contracts, resolver
        )
        notes += [n for n in resolver.notes if n not in notes]
        if options.compat or options.simulate:
            checks += contract_results
            samples = {
                s.subject: _samples(workspace.repo.root, s)
                for s in subjects
                if s.samples and s.subject in contract_subjects
            }
            for pair in pairs:
                evidenced = with_evidence(
                    pair.check, pair.writer, pair.reader, settings, always=True
                )
                subject_samples = samples.get(pair.check.subject, ())
                if subject_samples and settings.enabled:
                    from gate.contracts import read_samples

                    pair = dataclasses.replace(pair, check=evidenced)
                    evidenced = read_samples(pair, subject_samples)
                checks.append(evidenced)
        else:
            pairs = []
    finally:
        if registry is not None and hasattr(registry, "close"):
            registry.close()

    today = dt.date.fromisoformat(options.today) if options.today else dt.date.today()
    from gate.policy import apply_waivers

    waivers = config.waivers
    if options.shard is not None:
        # each shard judges the waivers of its own subjects only, so none looks stale elsewhere
        waivers = tuple(
            w for w in waivers if in_shard(w.subject, options.shard.index, options.shard.count)
        )
    if sources.files:
        # a run restricted to files judges their subjects only: another subject's waiver
        # matches nothing here without being stale
        in_run = {check.subject for check in checks}
        waivers = tuple(w for w in waivers if w.subject in in_run)
    checks = apply_waivers(checks, waivers, today, _relative(config.path, config.root))
    extra: dict[str, Any] = {
        "base": workspace.base_label,
        "head": workspace.head_label,
        # report paths are repository-relative: the reports that anchor them (SARIF) need the
        # repository's root, and the configuration's folder within it tells monorepo runs apart
        "root": str(workspace.repo.root),
        "prefix": workspace.prefix,
        "files": {s.subject: s.path for s in subjects},
        # what the run read from the work tree, which no report may overwrite
        "inputs": _inputs(workspace, config),
        "input_patterns": _input_patterns(workspace, config),
    }
    edges = contract_graph(pairs, checks)
    if options.compat or options.simulate:
        # the subjects whose schema (and every file it reaches) is as it was at the base
        extra["unchanged"] = tuple(
            s.subject for s in subjects if s.unchanged and s.head_path == s.base_path
        )
    if edges:
        extra["graph"] = edges
    return Result(tuple(checks), options.fail_on, tuple(notes), RunInfo(**extra))


def _relative(path: Path | None, root: Path) -> str | None:
    if path is None:
        return None
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- samples


def _sample_files(root: Path, source: SubjectSource) -> tuple[list[Path], list[Any]]:
    """The subject's sample files (globs relative to the repository root), sorted, and the
    problems met: the walk never follows a symbolic link, so nothing outside is read or listed.
    """
    import os

    from gate.config import glob_match
    from gate.samples import SampleProblem

    found: set[Path] = set()
    problems: dict[str, Any] = {}
    real_root = root.resolve()

    def refuse(path: Path) -> None:
        relative = path.relative_to(root).as_posix()
        problems[relative] = SampleProblem(
            relative, f"{relative} is a symbolic link; samples are never read through links"
        )

    for pattern in source.samples:
        anchor = pattern.split("*", 1)[0].rsplit("/", 1)[0] if "/" in pattern else ""
        base = root / anchor
        linked = next((p for p in (base, *base.parents) if p != root and p.is_symlink()), None)
        if linked is not None and root in linked.parents:
            refuse(linked)
            continue
        if not base.is_dir() or not base.resolve().is_relative_to(real_root):
            continue
        for directory, dirnames, filenames in os.walk(base, followlinks=False):
            for name in list(dirnames):
                if os.path.islink(os.path.join(directory, name)):
                    dirnames.remove(name)
                    refuse(Path(directory) / name)
            for name in filenames:
                path = Path(directory) / name
                relative = path.relative_to(root).as_posix()
                if not glob_match(pattern, relative):
                    continue
                if path.is_symlink():
                    refuse(path)
                else:
                    found.add(path)
    return sorted(found), list(problems.values())


def _load_sample_items(root: Path, source: SubjectSource) -> list[Any]:
    from gate.samples import load_samples

    files, items = _sample_files(root, source)
    for path in files:
        items += load_samples(path, path.relative_to(root).as_posix(), source.schema_type)
    return items


def _samples(root: Path, source: SubjectSource) -> tuple[Any, ...]:
    """The subject's usable samples (the samples check reports the others)."""
    from gate.samples import Sample

    return tuple(item for item in _load_sample_items(root, source) if isinstance(item, Sample))


def _reads_by_the_rules(reader: Parsed, writer: Parsed | None) -> bool:
    """Whether the registry's Avro rules let `reader` read data written with `writer`."""
    if writer is None or not (reader.ok and writer.ok):
        return False
    if reader.schema.type is not SchemaType.AVRO or writer.schema.type is not SchemaType.AVRO:
        return False
    from gate.formats.avro.check import compatible

    return compatible(reader.value, writer.value)


def _fastavro_only_samples(
    failed: list[Any], tried: int, subject: str, candidate: Parsed, schema_id: int, check: str
) -> Finding:
    """The one warning for the captured messages of one schema id that only fastavro consumers
    of the candidate fail on, with the first of them as its witness."""
    import base64

    from gate.formats.avro import payloads
    from gate.simulate import samples_only_fastavro_fails

    first = failed[0]
    wire = first.sample.wire or b""
    body = first.sample.body or b""
    writer_label = f"schema id {schema_id}"
    reader_label = candidate.schema.origin.label()
    witness = Witness(
        payload=payloads.to_json(first.payload),
        writer=writer_label,
        reader=reader_label,
        error=first.error,
        avro_base64=base64.b64encode(body).decode("ascii"),
        wire_base64=base64.b64encode(wire).decode("ascii"),
    )
    return samples_only_fastavro_fails(
        failed,
        subject=subject,
        writer=writer_label,
        reader=reader_label,
        tried=tried,
        witness=witness,
        versions=(f"writer: {writer_label}", f"reader: {reader_label}"),
        check=check,
    )


def samples_check(
    root: Path,
    source: SubjectSource,
    candidate: Parsed,
    parser: Parser,
    state: Any,
    registry: Any,
) -> CheckResult:
    """Every configured sample: readable, and decodable by the candidate schema.

    Captured wire-format messages are decoded with the schema of their id (from the registry or
    snapshot) and then read with the candidate, as a consumer upgraded to it would. A message
    that only fastavro consumers fail on, where the registry's rules let the candidate read
    its schema (Java's decoder reads it), is no error: the messages of one schema id that do
    so are one SIMULATION_BREAKS_ACCEPTED_CHANGE warning.
    """
    from gate.evidence import schema_json
    from gate.samples import Sample, SampleProblem, decode_wire, split
    from gate.simulate import problem_finding, simulate_pair

    check_id = f"{source.subject}: samples"
    items = _load_sample_items(root, source)
    samples, problems = split(items)
    findings = [problem_finding(p, subject=source.subject, check=check_id) for p in problems]

    writers: dict[int, Parsed | None] = {}

    def resolve(schema_id: int) -> Any:
        registered = state.schema_by_id(schema_id) if state is not None else None
        if registered is None and registry is not None:
            registered = registry.schema_by_id(schema_id)
        if registered is None:
            return None
        parsed = parser.parse(registered.to_schema())
        writers[schema_id] = parsed if parsed.ok else None
        return schema_json(parsed) if parsed.ok else None

    reader = schema_json(candidate)
    schema_type = candidate.schema.type
    # by writer schema id: captured messages the registry's rules let the candidate read, which
    # only fastavro consumers fail on (Java's decoder reads them)
    fastavro_only: dict[int, list[Any]] = {}
    rules_read: dict[int, bool] = {}
    wire_count: dict[int, int] = {}

    def reads_by_the_rules(schema_id: int | None) -> bool:
        """Whether the registry's rules let the candidate read the schema of `schema_id`."""
        if schema_id is None:
            return False
        if schema_id not in rules_read:
            rules_read[schema_id] = _reads_by_the_rules(candidate, writers.get(schema_id))
        return rules_read[schema_id]

    for sample in samples:
        if not isinstance(sample, Sample) or not sample.is_wire:
            continue
        decoded = decode_wire(sample, resolve, reader, schema_type=schema_type)
        if not isinstance(decoded, SampleProblem) and sample.schema_id is not None:
            wire_count[sample.schema_id] = wire_count.get(sample.schema_id, 0) + 1
        if isinstance(decoded, SampleProblem):
            findings.append(problem_finding(decoded, subject=source.subject, check=check_id))
        elif decoded.fastavro_only and reads_by_the_rules(sample.schema_id):
            fastavro_only.setdefault(sample.schema_id or 0, []).append(decoded)
        elif decoded.error is not None:
            findings.append(
                Finding(
                    rule="SIMULATION_DECODE_FAILED",
                    severity=severity_of("SIMULATION_DECODE_FAILED"),
                    subject=source.subject,
                    message=f"captured message {sample.source} (schema id {sample.schema_id}) "
                    f"cannot be read with the candidate schema: {decoded.error}",
                    location=Location(sample.source),
                    versions=(
                        f"writer: schema id {sample.schema_id}",
                        f"reader: {candidate.schema.origin.label()}",
                    ),
                    fix="keep the candidate able to read what is already in the topic",
                    check=check_id,
                )
            )
    for schema_id, failed in fastavro_only.items():
        findings.append(
            _fastavro_only_samples(
                failed, wire_count[schema_id], source.subject, candidate, schema_id, check_id
            )
        )
    plain = [s for s in samples if isinstance(s, Sample) and not s.is_wire]
    notes: list[str] = []
    from gate.simulate import simulates

    if plain and simulates(schema_type):
        from gate.errors import SchemaInvalid
        from gate.formats.jsonschema.patterns import PatternTooSlow
        from gate.simulate import outcome_findings

        try:
            outcome = simulate_pair(
                schema_type,
                reader,
                reader,
                writer_label=candidate.schema.origin.label(),
                reader_label=candidate.schema.origin.label(),
                samples=plain,
                random_count=0,
            )
            findings += [
                f
                for f in outcome_findings(outcome, subject=source.subject, check=check_id)
                if f.rule.startswith("SAMPLE_")
            ]
        except SchemaInvalid as unusable:
            notes.append(f"samples not checked: {unusable.message}")
        except PatternTooSlow as slow:
            notes.append(f"samples not checked: {slow}")
    count = len(items)
    return CheckResult(
        check_id,
        source.subject,
        CheckKind.SIMULATION,
        f"{count} sample(s) readable and valid for the candidate",
        findings=tuple(findings),
        notes=tuple(notes),
    )
