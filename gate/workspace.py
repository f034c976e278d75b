"""The workspace stage: configuration and git -> trees, subjects and contracts."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from gate.errors import SourceError, UsageError
from gate.formats import CheckOptions
from gate.model import Origin, OriginKind
from gate.records import Record
from gate.subjects import SubjectSource, collect_subjects, file_references, in_shard

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

    from gate.config import Config, SubjectBinding, SubjectRule
    from gate.declarations import Contract
    from gate.options import Shard, SourceOptions
    from gate.sources import Tree
    from gate.sources.git import GitRepository


class Workspace(Record):
    """The configuration, repository and trees one `gate check` run reads."""

    config: Config
    repo: GitRepository
    base_label: str
    head_label: str
    subjects: tuple[SubjectSource, ...]
    head_tree: Tree
    base_tree: Tree
    prefix: str = ""  # the configuration's folder, repository-relative ("" at the root)
    # the files the run is restricted to, repository-relative (empty: the whole repository)
    only: tuple[str, ...] = ()
    # the subjects of the contracts whose producers' or consumers' files are among them
    touched: frozenset[str] = frozenset()


def load_configuration(sources: SourceOptions) -> Config:
    return configuration(sources, lookups=False)[0]


def configuration(
    sources: SourceOptions, lookups: bool = True
) -> tuple[Config, GitRepository | None]:
    """The configuration, and the repository when finding its root took opening it (no
    gate.yaml: the repository's top folder is the configuration's), else None. With `lookups`,
    the revisions the run names are looked up while the repository is opened."""
    from gate.config import default_config, find_config, load_config

    path = sources.config
    if path is not None:
        return load_config((sources.cwd / path).resolve(), sources.environ), None
    found = find_config(sources.cwd)
    if found is not None:
        return load_config(found, sources.environ), None
    from gate.sources.git import GitRepository

    repo = GitRepository.open(sources.cwd, _named_revisions(sources) if lookups else ())
    return default_config(repo.root), repo


def _named_revisions(sources: SourceOptions) -> tuple[str, ...]:
    """The base and head revisions a run names on its command line."""
    return tuple(rev for rev in (sources.base, sources.head) if rev)


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


def _snapshot_folders(sources: SourceOptions, config: Config) -> list[str]:
    folders = []
    if config.registry is not None and config.registry.snapshot:
        folders.append(str(config.registry.snapshot))
    if sources.snapshot is not None:
        with contextlib.suppress(ValueError):
            folders.append(
                (sources.cwd / sources.snapshot).resolve().relative_to(config.root).as_posix()
            )
    return folders


class EmptyTree:
    """The base of a repository's first commit: no files at all."""

    label = "(no commits yet)"

    def __init__(self) -> None:
        self.problems: list[str] = []

    def list_paths(self) -> list[str]:
        return []

    def read(self, paths: Sequence[str]) -> dict[str, bytes]:
        return {}


class ConfigScope(Record):
    """Maps repository paths to the configuration's folder (gate.yaml may sit below the root)."""

    config: Config
    prefix: str  # the configuration's folder, repository-relative, with a trailing slash or ""

    @property
    def path(self) -> Path | None:
        return self.config.path

    def match(self, path: str) -> SubjectBinding | None:
        if not path.startswith(self.prefix):
            return None
        binding = self.config.match(path[len(self.prefix) :])
        return binding if binding is None else self._rooted(binding)

    def rule_for(self, normalized: str) -> SubjectRule | None:
        """The rule that binds a binding's `path` (relative to the configuration's folder)."""
        return self.config.rule_for(normalized)

    def match_all(self, paths: Iterable[str]) -> dict[str, SubjectBinding]:
        """`match` of each of `paths`, for those a rule matches."""
        prefix = self.prefix
        if not prefix:
            return self.config.match_all(paths)
        inside = {path[len(prefix) :]: path for path in paths if path.startswith(prefix)}
        found = self.config.match_all(inside)
        return {inside[relative]: self._rooted(binding) for relative, binding in found.items()}

    def _rooted(self, binding: SubjectBinding) -> SubjectBinding:
        """`binding` with its sample globs repository-relative, as the configuration's are not."""
        if not self.prefix:
            return binding
        return binding._replace(samples=tuple(self.prefix + s for s in binding.samples))


def open_workspace(
    sources: SourceOptions,
    config: Config,
    repo: GitRepository | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Workspace:
    """`repo`: the repository of `config.root`, if it is open already. `meanwhile`: work for
    this process while git lists the trees (the pipeline loads its later stages)."""
    from gate.sources.git import GitRepository, IndexTree, RevisionTree, WorktreeTree

    if repo is None:
        repo = GitRepository.open(config.root, _named_revisions(sources))
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
    base_tree: Tree
    if sources.staged and base_rev == "HEAD" and not repo.has_commits():
        base_sha, base_tree = None, EmptyTree()  # the first commit: everything is new
    else:
        base_sha = repo.resolve(base_rev)
        base_tree = RevisionTree(repo, base_rev)
    head = sources.head
    if head is None and not sources.staged and sources.environ.get("PRE_COMMIT_FROM_REF"):
        # a pre-push hook: the pushed range ends at PRE_COMMIT_TO_REF, not in the work tree
        head = sources.environ.get("PRE_COMMIT_TO_REF") or None
    head_tree: Tree
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
        if meanwhile is not None:
            meanwhile()
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
                *_referring_files(scope, only, head_tree),
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


def _referring_files(scope: ConfigScope, only: Sequence[str], head: Tree) -> tuple[str, ...]:
    """`only` and the files whose declared references reach one of them (gate.references)."""
    if not only or not scope.config.declares_references:
        return tuple(only)
    from gate.references import referring_files

    return referring_files(scope, only, head)


def _contract_files(contract: Contract, prefix: str) -> set[str]:
    """The repository paths of a contract's own schema files: producers' and readers'."""
    files = {prefix + p.file for p in contract.producers if p.file is not None}
    return files | {prefix + c.reader for c in contract.consumers if not c.is_pinned}


def _references_from(files: set[str], head: Tree, options: CheckOptions) -> dict[str, set[str]]:
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


def _touched_contracts(scope: ConfigScope, only: Sequence[str], head: Tree) -> frozenset[str]:
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


def _subject_files(scope: ConfigScope, wanted: frozenset[str], trees: Sequence[Tree]) -> list[str]:
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


def contracts_in_run(workspace: Workspace, shard: Shard | None = None) -> tuple[Contract, ...]:
    """The contracts a run checks: every one, unless the run is restricted. A run restricted to
    files checks a contract when its subject is in the run or one of the files is a producer's
    or consumer's schema of it; a shard checks the contracts of its own subjects."""
    contracts = tuple(workspace.config.contracts)
    if shard is not None:
        contracts = tuple(c for c in contracts if in_shard(c.subject, shard.number, shard.total))
    if not workspace.only:
        return contracts
    present = {s.subject for s in workspace.subjects}
    return tuple(c for c in contracts if c.subject in present or c.subject in workspace.touched)


def import_paths(config: Config, prefix: str) -> tuple[str, ...]:
    """gate.yaml's `protobuf: import_paths:` as repository-relative folders."""
    return tuple(
        (prefix + folder).rstrip("/") for folder in getattr(config, "protobuf_import_paths", ())
    )


def tree_reader(workspace: Workspace) -> Callable[[Origin, str], bytes | None]:
    """Reads a repository file as it is at a schema's origin: its git revision or the index."""
    trees: dict[tuple[OriginKind, str | None], Tree] = {}
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


def relative(path: Path | None, root: Path) -> str | None:
    if path is None:
        return None
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
