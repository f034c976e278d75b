"""Confluent schema references declared in gate.yaml, resolved at each revision a run compares.

A subject's `references:` name other schemas whose named types (Avro) or documents (JSON Schema
`$ref` by name) it uses. The registry parses referenced schemas first, in order, each after its
own references; a referring schema is judged with them. gate does the same, on each side of a
comparison with that side's files:

- `subject: S` with `version: latest` (the default): S's schema file at the revision being read
  (the base revision's file for the base, the head's for the candidate), which is what the
  registry holds as S's latest once the change is deployed; a subject with no file in git is
  read from the registry (or snapshot) instead;
- `subject: S` with `version: N`: the registered version N, as the registry or snapshot holds it
  (with its own registered references); with neither configured, S's file in git stands in, and
  the run says so in a note;
- `file: path`: that file at the revision being read.

A referenced file that is itself a subject's file in gate.yaml brings that subject's references
along (transitively, dependencies first). A target that exists at one revision only makes the
other revision's schema unresolvable (a finding on the referring subject); a target that exists
nowhere, an unknown registered version, or a cycle is a configuration error (exit 2) naming
gate.yaml's line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gate.errors import ConfigError
from gate.formats import yaml_schema_text
from gate.model import Reference

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from gate.config import Config, SchemaReference, SubjectBinding
    from gate.sources import Tree
    from gate.sources.state import StateView
    from gate.subjects import SubjectSource
    from gate.workspace import ConfigScope


@dataclass(frozen=True)
class ResolvedReferences:
    """A schema's references at one revision: what the registry is told, and the referenced
    texts by name (dependencies first, transitively); or why they cannot be resolved there."""

    references: tuple[Reference, ...] = ()
    texts: tuple[tuple[str, str], ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class _Target:
    key: tuple[object, ...]  # what is referenced, for cycles: ("file", path) or ("registry", s, v)
    text: str
    nested: tuple[SchemaReference, ...] = ()  # the target's own declared references
    flat: tuple[tuple[str, str], ...] = ()  # or its references already resolved (registry)
    reference: Reference | None = None  # the reference as the registry would store it
    where: str = ""  # the target as a user reads it in a message


class _Missing(Exception):
    """The target does not exist at the revision being read."""


class ReferenceResolver:
    """Resolves the references of subjects against the two trees of a run and the registry.

    `scope` maps repository paths to subject bindings (gate.workspace.ConfigScope); `state` is
    the registry's (or snapshot's) state, or None. Files are read once per revision.
    """

    def __init__(
        self,
        scope: ConfigScope,
        head: Tree,
        base: Tree,
        state: StateView | None,
        config_file: str,
    ) -> None:
        self.scope = scope
        self.prefix: str = getattr(scope, "prefix", "")
        self.trees = {True: head, False: base}
        self.state = state
        self.config_file = config_file
        self.notes: list[str] = []
        self._files: dict[tuple[bool, str], bytes | None] = {}
        self._subject_paths: dict[bool, dict[str, str]] = {}

    # ------------------------------------------------------------------------ the sources

    def attach(self, sources: Sequence[SubjectSource]) -> list[SubjectSource]:
        """`sources` with the references of each side resolved; a subject whose referenced
        texts differ between the two sides counts as changed."""
        rules = getattr(getattr(self.scope, "config", self.scope), "subjects", None)
        if rules is not None and not any(rule.references for rule in rules):
            return list(sources)  # gate.yaml declares none: no file has any
        # each side as gate.yaml binds its file (a renamed file may fall under another rule)
        bindings = {
            id(s): (self._binding_of(s.head_path), self._binding_of(s.base_path)) for s in sources
        }
        wanted = [b for pair in bindings.values() for b in pair if b is not None]
        if not wanted:
            return list(sources)
        self._prefetch(wanted)
        out = []
        for source in sources:
            head_binding, base_binding = bindings[id(source)]
            if head_binding is None and base_binding is None:
                out.append(source)
                continue
            head = base = None
            if source.at_head and source.head_path is not None:
                references = head_binding.references if head_binding is not None else ()
                head = self.resolve(references, source.head_path, at_head=True)
            if source.at_base and source.base_path is not None:
                references = base_binding.references if base_binding is not None else ()
                base = self.resolve(references, source.base_path, at_head=False)
            changed = (
                head is not None
                and base is not None
                and (head.texts != base.texts or head.problem != base.problem)
            )
            out.append(
                source._replace(
                    head_references=head,
                    base_references=base,
                    references_changed=source.references_changed or changed,
                )
            )
        return out

    def for_subject(self, subject: str) -> ResolvedReferences | None:
        """The references of `subject`'s file at the head, or None when it declares none."""
        path = self._paths(True).get(subject)
        binding = self.scope.match(path) if path is not None else None
        if binding is None or not binding.references:
            return None
        return self.resolve(binding.references, path or "", at_head=True)

    def _binding_of(self, path: str | None) -> SubjectBinding | None:
        binding = self.scope.match(path) if path is not None else None
        return binding if binding is not None and binding.references else None

    # ------------------------------------------------------------------------ resolving

    def resolve(
        self, references: Sequence[SchemaReference], owner: str, at_head: bool
    ) -> ResolvedReferences:
        """The references declared for the file `owner`, resolved at one side."""
        texts: dict[str, str] = {}
        told: list[Reference] = []
        done: set[tuple[object, ...]] = set()
        problems: list[str] = []

        def visit(
            reference: SchemaReference,
            chain: list[tuple[tuple[object, ...], SchemaReference]],
            top: bool,
        ) -> None:
            try:
                target = self._target(reference, at_head)
            except _Missing as missing:
                problems.append(str(missing))
                return
            keys = [key for key, _ in chain]
            if target.key in keys or target.key == ("file", owner):
                self._cycle(owner, [*chain, (target.key, reference)])
            if top and target.reference is not None:
                told.append(target.reference)
            if target.key not in done:
                for inner in target.nested:
                    visit(inner, [*chain, (target.key, reference)], False)
                for name, text in target.flat:
                    texts.setdefault(name, text)
                done.add(target.key)
            texts.setdefault(reference.name, target.text)

        for reference in references:
            visit(reference, [], True)
        return ResolvedReferences(
            tuple(told), tuple(texts.items()), "; ".join(problems) if problems else None
        )

    def _target(self, reference: SchemaReference, at_head: bool) -> _Target:
        if reference.file is not None:
            return self._file_target(reference, self.prefix + reference.file, at_head)
        subject = reference.subject
        assert subject is not None  # a reference names either a file or a subject
        if reference.version is not None:
            if self.state is not None:
                return self._registered_target(reference, subject, reference.version)
            note = (
                f"reference {reference.name!r} to {reference.target} is read from "
                f"{subject}'s file in git: no registry or snapshot is configured"
            )
            if note not in self.notes:
                self.notes.append(note)
        path = self._paths(at_head).get(subject)
        if path is not None:
            return self._file_target(reference, path, at_head)
        registered = self.state.subject(subject) if self.state is not None else None
        if registered is not None and registered.latest is not None:
            return self._registered_target(reference, subject, registered.latest.version)
        if self._paths(not at_head).get(subject) is None:
            raise self._unknown(
                reference,
                f"no schema file in git maps to subject {subject!r}"
                + (" and the registry does not hold it" if self.state is not None else ""),
                "name a subject that gate.yaml binds to a file (or that the registry holds), "
                "or reference the file itself with `file:`",
            )
        label = self.trees[at_head].label
        raise _Missing(
            f"reference {reference.name!r} ({self.config_file}:{reference.line}): subject "
            f"{subject} has no schema file at {label}"
        )

    def _file_target(self, reference: SchemaReference, path: str, at_head: bool) -> _Target:
        data = self._read(at_head, path)
        if data is None:
            if self._read(not at_head, path) is None and reference.file is not None:
                raise self._unknown(
                    reference,
                    f"{reference.file} exists neither at {self.trees[False].label} nor at "
                    f"{self.trees[True].label}",
                    "check the path (it is relative to gate.yaml's folder)",
                )
            label = self.trees[at_head].label
            raise _Missing(
                f"reference {reference.name!r} ({self.config_file}:{reference.line}): {path} "
                f"does not exist at {label}"
            )
        binding = self.scope.match(path)
        told = None
        if reference.subject is not None or binding is not None:
            if reference.subject:
                subject = reference.subject
            else:
                assert binding is not None  # the condition above
                subject = binding.subject
            told = self._told(reference.name, subject)
        return _Target(
            key=("file", path),
            # a JSON Schema written in YAML is referenced as the JSON it stands for
            text=yaml_schema_text(path, data.decode("utf-8", "replace")),
            nested=tuple(binding.references) if binding is not None else (),
            reference=told,
            where=path,
        )

    def _registered_target(self, reference: SchemaReference, subject: str, version: int) -> _Target:
        registered = self.state.subject(subject) if self.state is not None else None
        label = getattr(self.state, "source_label", "") or "the registry"
        if registered is None or not registered.versions:
            raise self._unknown(
                reference,
                f"subject {subject!r} is not registered in {label}",
                "a numbered version is read from the registry: register the subject first, or "
                "write `version: latest` to read its schema file in git",
            )
        found = registered.version(version)
        if found is None:
            numbers = ", ".join(str(v.version) for v in registered.versions)
            raise self._unknown(
                reference,
                f"{subject} has no version {version} in {label} (registered: {numbers})",
                "name a registered version, or `latest`",
            )
        return _Target(
            key=("registry", subject, version),
            text=found.text,
            flat=tuple(found.resolved_references),
            reference=Reference(reference.name, subject, version),
            where=f"{subject}@{version}",
        )

    def _told(self, name: str, subject: str) -> Reference | None:
        registered = self.state.subject(subject) if self.state is not None else None
        if registered is None or registered.latest is None:
            return None  # not registered yet: the registry could not resolve it either
        return Reference(name, subject, registered.latest.version)

    # ------------------------------------------------------------------------ errors

    def _unknown(self, reference: SchemaReference, why: str, hint: str) -> ConfigError:
        return ConfigError(
            f"schema reference {reference.name!r} ({reference.target}) cannot be resolved: {why}",
            f"{self.config_file}:{reference.line}",
            hint,
        )

    def _cycle(self, owner: str, chain: list[tuple[tuple[object, ...], SchemaReference]]) -> None:
        steps = " -> ".join(f"{ref.target} (line {ref.line})" for _, ref in chain)
        raise ConfigError(
            f"schema references form a cycle: {owner} -> {steps}",
            f"{self.config_file}:{chain[0][1].line}",
            "a schema cannot depend on itself: move the shared types into a schema of their "
            "own that both reference (a `file:` rule binds a file before any `files:` glob, "
            "so a referenced file can be kept out of a glob's references)",
        )

    # ------------------------------------------------------------------------ reading

    def _read(self, at_head: bool, path: str) -> bytes | None:
        key = (at_head, path)
        if key not in self._files:
            self._files[key] = self.trees[at_head].read([path]).get(path)
        return self._files[key]

    def _prefetch(self, bindings: Sequence[SubjectBinding]) -> None:
        """Read every directly referenced file of both sides in one batch per side."""
        paths: set[str] = set()
        for binding in bindings:
            for reference in binding.references:
                if reference.file is not None:
                    paths.add(self.prefix + reference.file)
                elif reference.version is None or self.state is None:
                    assert reference.subject is not None  # a file or a subject
                    for side in (True, False):
                        path = self._paths(side).get(reference.subject)
                        if path is not None:
                            paths.add(path)
        for side, tree in self.trees.items():
            missing = sorted(p for p in paths if (side, p) not in self._files)
            if missing:
                found = tree.read(missing)
                for path in missing:
                    self._files[(side, path)] = found.get(path)

    def _paths(self, at_head: bool) -> dict[str, str]:
        """Subject -> its schema file at one side: `file:` rules directly, `files:` globs by
        listing the tree (only when a reference names a subject no `file:` rule binds)."""
        found = self._subject_paths.get(at_head)
        if found is None:
            found = self._subject_paths[at_head] = _LazySubjectPaths(
                self.scope, self.prefix, self.trees[at_head].list_paths
            )
        return found


class _LazySubjectPaths(dict[str, str]):
    """Subjects of `file:` rules at once; the tree is listed on the first subject not among
    them."""

    def __init__(
        self, scope: ConfigScope, prefix: str, list_paths: Callable[[], list[str]]
    ) -> None:
        super().__init__()
        self._scope = scope
        self._list = list_paths
        self._listed = False
        self._present: set[str] | None = None
        from gate.config import expand_template, template_values

        for rule in getattr(scope.config, "subjects", ()):
            if rule.file is not None:
                subject = expand_template(rule.subject, template_values(rule.file))
                self.setdefault(subject, prefix + rule.file)

    def get(self, key: str, default: Any = None) -> Any:
        path = super().get(key)
        if path is not None:
            if self._present is None:
                self._present = set(self._list())
            if path in self._present:
                return path
        if not self._listed:
            self._listed = True
            if self._present is None:
                self._present = set(self._list())
            for candidate in sorted(self._present):
                binding = self._scope.match(candidate)
                if binding is not None and binding.subject not in self:
                    self[binding.subject] = candidate
            path = super().get(key)
            if path is not None and path in self._present:
                return path
        return default


def referring_files(scope: ConfigScope, listed: Sequence[str], tree: Tree) -> tuple[str, ...]:
    """`listed` (a run restricted to files, as the pre-commit hook runs) and the files of the
    subjects whose declared references reach one of them, directly or through others: a
    change to a referenced schema is judged for the subjects that use it too."""
    if not listed or not any(rule.references for rule in getattr(scope.config, "subjects", ())):
        return tuple(listed)
    prefix: str = getattr(scope, "prefix", "")
    referring = {
        path: binding
        for path in tree.list_paths()
        if (binding := scope.match(path)) is not None and binding.references
    }
    wanted = list(dict.fromkeys(listed))
    reached = set(wanted)
    frontier = set(wanted)
    while frontier:
        subjects = {b.subject for path in frontier if (b := scope.match(path)) is not None}
        frontier = set()
        for path, binding in referring.items():
            if path in reached:
                continue
            if any(
                (r.file is not None and prefix + r.file in reached)
                or (r.subject is not None and r.subject in subjects)
                for r in binding.references
            ):
                frontier.add(path)
        for path in sorted(frontier):
            reached.add(path)
            wanted.append(path)
    return tuple(wanted)


def required_subjects(config: Config) -> set[str]:
    """The subjects gate.yaml's references name: the registry is asked for them too."""
    return {
        reference.subject
        for rule in getattr(config, "subjects", ())
        for reference in getattr(rule, "references", ())
        if reference.subject is not None
    }
