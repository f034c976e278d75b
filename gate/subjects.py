"""From configuration and two trees of files to the subjects a run judges."""

from __future__ import annotations

import hashlib
import posixpath
import re
from typing import TYPE_CHECKING, NamedTuple, TypeAlias
from urllib.parse import quote

from gate.errors import ConfigError, GitError
from gate.formats import CheckOptions, default_type, get_format, infer_type, supported_types
from gate.model import JsonPolicy, Mode, Origin, OriginKind, SchemaType

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

    from gate.config import Config, SubjectBinding, SubjectRule
    from gate.formats import SchemaFormat
    from gate.references import ResolvedReferences
    from gate.sources import Tree
    from gate.workspace import ConfigScope

    # the configuration, or its view from the repository root
    Configured: TypeAlias = Config | ConfigScope


class SubjectSource(NamedTuple):
    """One subject's file at the base and at the head (either may be missing)."""

    subject: str
    schema_type: SchemaType | None
    compatibility: Mode | None
    json_policy: JsonPolicy | None
    samples: tuple[str, ...]
    head_path: str | None
    base_path: str | None
    head_data: bytes | None
    base_data: bytes | None
    config_line: int | None = None
    # a file its relative `$ref`s reach (at either side) differs between the base and the head,
    # or so do the schemas its declared references name
    references_changed: bool = False
    # its gate.yaml `references:` resolved at each side (gate.references.ResolvedReferences);
    # None when it declares none
    head_references: ResolvedReferences | None = None
    base_references: ResolvedReferences | None = None
    # the file's git object id at each side, when the tree's listing tells it: a file whose id is
    # the same at both sides is not read unless a later stage asks for its text (`with_texts`)
    head_blob: str | None = None
    base_blob: str | None = None
    # what builds the Origin of a path at the head and at the base (one pair for a whole run):
    # most files of a run are unchanged and never parsed, so their Origins are built on demand
    origins: tuple[Callable[[str], Origin], Callable[[str], Origin]] | None = None

    @property
    def head_origin(self) -> Origin | None:
        if self.head_path is None or self.origins is None:
            return None
        return self.origins[0](self.head_path)

    @property
    def base_origin(self) -> Origin | None:
        if self.base_path is None or self.origins is None:
            return None
        return self.origins[1](self.base_path)

    @property
    def at_head(self) -> bool:
        """The file exists at the head (whether or not its text was read)."""
        return self.head_data is not None or self.head_blob is not None

    @property
    def at_base(self) -> bool:
        """The file exists at the base (whether or not its text was read)."""
        return self.base_data is not None or self.base_blob is not None

    @property
    def unread(self) -> bool:
        """The file is at both sides and neither side's text was read."""
        return self.head_data is None and self.base_data is None and self.at_head and self.at_base

    @property
    def unchanged(self) -> bool:
        if self.references_changed:
            return False
        if self.head_data is not None and self.base_data is not None:
            return self.head_data == self.base_data
        return self.head_blob is not None and self.head_blob == self.base_blob

    @property
    def as_at_base(self) -> bool:
        """Unchanged, at the same path: the git base has nothing to compare it with."""
        return self.head_path == self.base_path and self.unchanged

    @property
    def path(self) -> str:
        return str(self.head_path or self.base_path)


def _looks_like_json_schema(data: bytes) -> bool:
    """Without configuration, a `.json` file is a subject only when it declares `$schema`."""
    head = data[:4096].decode("utf-8", "replace")
    return '"$schema"' in head and "json-schema.org" in head


def _schema_type(
    binding: SubjectBinding, path: str, data: bytes | None, configured: bool
) -> SchemaType | None:
    if binding.type is not None:
        return binding.type
    if data is None:
        return infer_type(path)
    if not configured and path.lower().endswith(".json") and not _looks_like_json_schema(data):
        return None
    return infer_type(path, data[:65536].decode("utf-8", "replace"))


def collect_subjects(
    config: Configured,
    head: Tree,
    base: Tree,
    head_origin: Callable[[str], Origin],
    base_origin: Callable[[str], Origin],
    renames: Mapping[str, str],
    only: Collection[str] = (),
    exclude: Sequence[str] = (),
    unchanged_texts: bool = False,
    options: CheckOptions | None = None,
) -> list[SubjectSource]:
    """Match files to subjects and read both sides in one batch each.

    `head_origin(path)` / `base_origin(path)` build the Origin of a file on each side. `renames`
    maps a head path to its base path. `only`, when given, restricts the run to subjects whose
    file (on either side) is listed. A file that both trees list as the same object is not read
    (its SubjectSource is `unread`) unless `unchanged_texts`. A subject whose schema reads
    other files (the format's `file_references`: JSON Schema `$ref`s, Protobuf imports, looked
    for as `options` say) is judged again when one of them changed.
    """
    options = options or CheckOptions()
    configured = config.path is not None
    origins = (head_origin, base_origin)
    prefixes = tuple(f"{e.rstrip('/')}/" for e in exclude)

    head_paths = head.list_paths()
    base_paths = base.list_paths()
    _missing_files(config, head_paths, base_paths, head.label, base.label)
    listed: set[str] | None = None
    reaching: set[str] | None = set()
    if only:
        listed = set(only)
        # a listed file that may be a JSON Schema `$ref` target or a Protobuf import can change
        # the subjects whose schemas reach it: those are read too, and kept when they do. The
        # references are
        # looked for at the head: a listed run names every changed file (the hook passes each
        # staged one), so a file that names a target at the base only has changed, and is
        # listed, itself
        targets = sorted(p for p in listed if not p.lower().endswith(_NEVER_REFERENCED))
        if targets:
            reaching = _files_naming(targets, (head,), _referring_documents(config))
        if reaching is not None:
            # only these files can be in the run: the others are not even matched to subjects
            wanted = listed | reaching
            wanted |= {renames[p] for p in wanted if p in renames}
            wanted |= {new for new, old in renames.items() if old in wanted}
            head_paths = [p for p in head_paths if p in wanted]
            base_paths = [p for p in base_paths if p in wanted]
    # most paths are at both sides: each is matched once
    paths = dict.fromkeys([*head_paths, *base_paths])
    matched = config.match_all(
        [p for p in paths if not p.startswith(prefixes)] if prefixes else paths
    )
    head_bound = {p: matched[p] for p in head_paths if p in matched}
    base_bound = {p: matched[p] for p in base_paths if p in matched}
    pairs: list[tuple[str | None, str | None, SubjectBinding]] = []
    seen_base: set[str] = set()
    renamed: list[str] = []  # the base paths of files renamed since
    for path, binding in sorted(head_bound.items()):
        old = renames.get(path, path)
        base_path = old if old in base_bound else None
        if base_path is not None:
            seen_base.add(base_path)
            if base_path != path:
                renamed.append(base_path)
        pairs.append((path, base_path, binding))
    for path, binding in sorted(base_bound.items()):
        if path not in seen_base and path not in head_bound:
            pairs.append((None, path, binding))
    if listed is not None:
        pairs = [
            p
            for p in pairs
            if p[0] in listed
            or p[1] in listed
            or (
                _may_refer(p[2], str(p[0] or p[1]))
                and (reaching is None or p[0] in reaching or p[1] in reaching)
            )
        ]
    head_wanted = [p[0] for p in pairs if p[0] is not None]
    base_wanted = [p[1] for p in pairs if p[1] is not None]
    head_ids = _object_ids(head, head_wanted)
    base_ids = _object_ids(base, base_wanted)
    if not unchanged_texts:
        # the same object at both sides: the file is unchanged, which the listings already tell,
        # and its text is read only if a later stage asks for it (`with_texts`). A schema of a
        # format that reads other files (`$ref`s, imports) is read all the same: one of them
        # may have changed
        unchanged = _same_objects(pairs, head_ids, base_ids)
        reader_types = _reading_types(unchanged.values())
        same = {path for path, schema_type in unchanged.items() if schema_type not in reader_types}
        if listed is None:
            # one whose files may have changed only when one of them names a changed file
            same |= _reading_nothing_changed(config, head, base, head_paths, base_paths, unchanged)
        same.difference_update(renamed)  # also a renamed file's base
        head_wanted = [p for p in head_wanted if p not in same]
        base_wanted = [p for p in base_wanted if p not in same]
    together = _read_together(head, head_wanted, base, base_wanted)
    if together is not None:
        head_data, base_data = together
    elif getattr(head, "kind", None) in _READ_ALONGSIDE and len(base_wanted) > 1 and head_wanted:
        # git reads the base revision's files while this thread reads the head's (the work
        # tree's, or another git process's answer)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            reading = pool.submit(base.read, base_wanted)
            head_data = head.read(head_wanted)
            base_data = reading.result()
    else:
        head_data = head.read(head_wanted)
        base_data = base.read(base_wanted)
    types: dict[tuple[str | None, str | None], SchemaType | None] = {}
    for head_path, base_path, binding in pairs:
        sniffed = head_data.get(head_path) if head_path else None
        if sniffed is None and base_path:
            sniffed = base_data.get(base_path)
        path = str(head_path or base_path)
        types[(head_path, base_path)] = _schema_type(binding, path, sniffed, configured)
    reach_changed = _reference_changes(pairs, types, head_data, base_data, head, base, options)

    subjects: dict[str, SubjectSource] = {}
    bound_to: dict[str, tuple[str, SubjectBinding]] = {}  # subject -> (path, binding) of its file
    collisions: list[tuple[str, tuple[str, SubjectBinding], tuple[str, SubjectBinding]]] = []
    for head_path, base_path, binding in pairs:
        new_data = head_data.get(head_path) if head_path else None
        old_data = base_data.get(base_path) if base_path else None
        path = str(head_path or base_path)
        head_blob = head_ids.get(head_path) if head_path else None
        base_blob = base_ids.get(base_path) if base_path else None
        if head_path is not None and new_data is None and head_blob is None:
            continue  # listed but refused (a link out of the repository): the tree says why
        schema_type = types[(head_path, base_path)]
        if schema_type is None:
            continue
        references_changed = (head_path, base_path) in reach_changed
        if (
            listed is not None
            and head_path not in listed
            and base_path not in listed
            and not references_changed
        ):
            continue
        subject = binding.subject
        if subject in bound_to:
            collisions.append((subject, bound_to[subject], (path, binding)))
            continue
        bound_to[subject] = (path, binding)
        subjects[subject] = SubjectSource(
            subject=subject,
            schema_type=schema_type,
            compatibility=binding.compatibility,
            json_policy=binding.json_policy,
            samples=tuple(binding.samples),
            head_path=head_path,
            base_path=base_path,
            head_data=new_data,
            base_data=old_data,
            config_line=binding.line,
            references_changed=references_changed,
            head_blob=head_blob,
            base_blob=base_blob,
            origins=origins,
        )
    if collisions:
        entries = list(bound_to.values()) + [second for _, _, second in collisions]
        subject, first, second = collisions[0]
        raise _collision_error(config, subject, first, second, entries)
    return list(subjects.values())


_READ_ALONGSIDE = (OriginKind.WORKTREE, OriginKind.GIT)


def _read_together(
    head: Tree, head_wanted: Sequence[str], base: Tree, base_wanted: Sequence[str]
) -> tuple[dict[str, bytes], dict[str, bytes]] | None:
    """Both sides' files read at once (two revisions of one repository: one git process), or
    None when the trees are not such."""
    if {getattr(head, "kind", None), getattr(base, "kind", None)} != {OriginKind.GIT}:
        return None
    from gate.sources.git import read_together

    read = read_together([(head, head_wanted), (base, base_wanted)])
    return None if read is None else (read[0], read[1])


def with_texts(
    sources: Sequence[SubjectSource],
    head: Tree,
    wanted: Callable[[SubjectSource], bool],
) -> list[SubjectSource]:
    """`sources` with the texts of the `unread` ones that are `wanted` read, in one batch: for
    the stages that compare an unchanged file with something else than its base (the registry's
    versions, a contract's parties, samples)."""
    unread = [s for s in sources if s.unread and wanted(s)]
    if not unread:
        return list(sources)
    # the same object at both sides (see `collect_subjects`): one read gives both texts
    texts = head.read([str(s.head_path) for s in unread])
    asked = {id(s) for s in unread}
    out: list[SubjectSource] = []
    for source in sources:
        if id(source) in asked:
            data = texts.get(str(source.head_path))
            if data is None:
                raise GitError(
                    "a file listed in git could not be read",
                    str(source.head_path),
                    "check that the repository is intact (`git fsck`) and readable",
                )
            source = source._replace(head_data=data, base_data=data)
        out.append(source)
    return out


_MAX_CHANGED_FILES = 2_000  # past this many changed files, every schema that reads files is read


def _reading_nothing_changed(
    config: Configured,
    head: Tree,
    base: Tree,
    head_paths: list[str],
    base_paths: list[str],
    unchanged: Mapping[str, SchemaType | None],
) -> set[str]:
    """Of the `unchanged` files (the same object at both sides), those of subjects whose format
    reads other files (`$ref`s, imports) but that name no file that differs between the two
    trees, directly or through other files (found by the trees' own search, without reading
    them): the files they read are the same at both sides too. Empty when the trees cannot
    tell."""
    reader_types = _reading_types(unchanged.values()) - {None}
    readers = {path for path, schema_type in unchanged.items() if schema_type in reader_types}
    if not readers:
        return set()
    listed = sorted(set(head_paths) | set(base_paths))
    all_head = _object_ids(head, head_paths)
    all_base = _object_ids(base, base_paths)
    changed = [
        path
        for path in listed
        # a path without an object id (a link) may have changed
        if all_head.get(path) is None or all_head.get(path) != all_base.get(path)
    ]
    if len(changed) > _MAX_CHANGED_FILES:
        return set()
    if not changed:
        return readers
    naming = _files_naming(changed, (head, base), _referring_documents(config))
    if naming is None:
        return set()
    return readers - naming


def _object_ids(tree: Tree, paths: list[str]) -> dict[str, str]:
    """The git object ids of `paths` in `tree`, where its listing tells them (a revision or
    the index; not the work tree)."""
    object_ids = getattr(tree, "object_ids", None)
    if object_ids is None or not paths:
        return {}
    found: dict[str, str] = object_ids(paths)
    return found


def _type_from_path(binding: SubjectBinding, path: str) -> SchemaType | None:
    """The schema type a file has whatever its content (None: its content may tell)."""
    if binding.type is not None:
        return binding.type
    if path.lower().endswith((".avsc", ".proto")):
        return infer_type(path)
    return None


# --------------------------------------------------------------------------- configuration


def _config_name(config: Configured) -> str:
    from gate.config import display_path

    path = getattr(config, "path", None)
    return display_path(path) if path is not None else "gate.yaml"


def _missing_files(
    config: Configured,
    head_paths: list[str],
    base_paths: list[str],
    head_label: str,
    base_label: str,
) -> None:
    """A ConfigError naming gate.yaml's line for every `file:` rule whose file exists neither
    at the base nor at the head: a typo would otherwise check nothing and pass."""
    rules = getattr(getattr(config, "config", config), "subjects", ())
    named = [(index, rule) for index, rule in enumerate(rules) if rule.file is not None]
    if not named:
        return
    prefix = getattr(config, "prefix", "")
    present = set(head_paths)
    present.update(base_paths)
    missing = [(index, rule) for index, rule in named if prefix + rule.file not in present]
    if not missing:
        return
    from gate.config import ConfigFileError, ConfigProblem

    raise ConfigFileError(
        [
            ConfigProblem(
                _config_name(config),
                rule.file_line or rule.line or None,
                f"subjects[{index}].file",
                f"{rule.file!r} exists neither at {base_label} nor at {head_label}, so subject "
                f"{rule.subject!r} would check nothing",
                "correct the path (relative to the folder of gate.yaml; check its spelling and "
                "that the file is committed or staged), or remove the entry",
            )
            for index, rule in missing
        ]
    )


def _candidate_templates(template: str) -> list[str]:
    """Templates like `template` that name a file by its whole path, most alike first."""
    patterns = (
        r"\{dir\}[^{}]*\{stem\}",
        r"\{dir\}[^{}]*\{name\}",
        r"\{stem\}",
        r"\{name\}",
        r"\{dir\}",
    )
    out = [
        re.sub(pattern, "{path}", template, count=1)
        for pattern in patterns
        if re.search(pattern, template)
    ]
    if not re.search(r"\{(?:stem|name|dir|path)\}", template):
        out.append("{path}")  # a glob bound to a fixed name: every file gets the same subject
    return list(dict.fromkeys(t for t in out if t != template))


def _proposal(
    config: Configured, rules: list[SubjectRule], entries: list[tuple[str, SubjectBinding]]
) -> tuple[str, dict[str, str]] | None:
    """A template that, given to every rule of `rules`, leaves no two of `entries` (the files of
    the run, with their bindings) with one subject; with the subjects it gives `entries`."""
    from gate.config import subject_name

    bound_by = {path: config.rule_for(binding.path) for path, binding in entries}
    for candidate in _candidate_templates(rules[0].subject):
        names: dict[str, str] = {}
        taken: set[str] = set()
        for path, binding in entries:
            name = binding.subject
            rule = bound_by[path]
            if rule is not None and rule in rules:
                name = subject_name(candidate, binding.path)
            if name in taken:
                break
            taken.add(name)
            names[path] = name
        else:
            return candidate, names
    return None


def _collision_error(
    config: Configured,
    subject: str,
    first: tuple[str, SubjectBinding],
    second: tuple[str, SubjectBinding],
    entries: list[tuple[str, SubjectBinding]],
) -> ConfigError:
    """Two files bound to one subject: both named, with a template verified to part them."""
    (first_path, first_binding), (second_path, second_binding) = first, second
    what = f"two files map to subject {subject!r}"
    both = f"{first_path} and {second_path}"
    name = _config_name(config)
    first_rule = config.rule_for(first_binding.path)
    second_rule = config.rule_for(second_binding.path)
    rule = second_rule
    if rule is None or rule.files is None:
        rule = first_rule
    generic = (
        "give each file its own subject: a `file:` entry above the glob, or a subject template "
        "that tells them apart ({path} is the file's path without its extension)"
    )
    if rule is None or (rule.line and rule.files is None):
        return ConfigError(what, both, generic)
    if not rule.line:
        # the built-in rules, without a gate.yaml: both of them are given the template
        rules = [r for r in (first_rule, second_rule) if r is not None]
        found = _proposal(config, list(dict.fromkeys(rules)), entries)
        if found is None:
            return ConfigError(what, both, generic)
        template, names = found
        lines = ["version: 1", "subjects:"]
        for built_in in dict.fromkeys(rules):
            glob = str(built_in.files)
            if glob == "**/*.json":
                # a configured `.json` rule binds every .json file it matches: only their folder
                folder = posixpath.commonpath(
                    [posixpath.dirname(first_binding.path), posixpath.dirname(second_binding.path)]
                )
                glob = f"{folder}/**/*.json" if folder else glob
            lines += [f'  - files: "{glob}"', f'    subject: "{template}"']
        snippet = "\n".join(f"    {line}" for line in lines)
        return ConfigError(
            what,
            both,
            "without a gate.yaml a file's subject is its name without the extension ({stem}); "
            f"create gate.yaml naming subjects by their whole path:\n{snippet}\n"
            f"  which names them {names[first_path]!r} and {names[second_path]!r} "
            "({path} is the file's path without its extension, each / written .; with a "
            "gate.yaml, only the files its subjects: rules match are subjects)",
        )
    found = _proposal(config, [rule], entries)
    where = f"{name}:{rule.line}"
    if found is None:
        return ConfigError(what, f"{both} (subjects rule at {where})", generic)
    template, names = found
    return ConfigError(
        what,
        f"{both} (subjects rule at {where})",
        f'in {where}, change subject: "{rule.subject}" to subject: "{template}", which '
        f"names them {names[first_path]!r} and {names[second_path]!r} ({{path}} is the file's "
        "path without its extension, each / written .)",
    )


# --------------------------------------------------------------------------- file references

# a file of these kinds is read by no schema of another file
_NEVER_REFERENCED = (".avsc",)
_YAML = (".yaml", ".yml")  # read as JSON Schema when they declare `$schema`
_MAX_REFERENCED_FILES = 10_000
_MAX_NAMING_ROUNDS = 8


def _same_objects(
    pairs: list[tuple[str | None, str | None, SubjectBinding]],
    head_ids: Mapping[str, str],
    base_ids: Mapping[str, str],
) -> dict[str, SchemaType | None]:
    """The files that are the same object at both sides, each with its schema type (None: not
    known from its path)."""
    return {
        path: _type_from_path(binding, path)
        for path, base_path, binding in pairs
        if path is not None
        and path == base_path
        and path in head_ids
        and head_ids[path] == base_ids.get(path)
    }


def _reads_files(schema_type: SchemaType | None) -> bool:
    """Whether a schema of this type may read other files (None: the type is not known yet)."""
    return schema_type is None or get_format(schema_type).reads_files


def _reading_types(types: Iterable[SchemaType | None]) -> set[SchemaType | None]:
    """Those of `types` whose schemas may read other files, each asked once (see `_reads_files`)."""
    return {t for t in set(types) if _reads_files(t)}


def _files_naming(
    targets: Sequence[str], trees: Sequence[Tree], documents: Sequence[str]
) -> set[str] | None:
    """Every file that names one of `targets`, or a file that does, and so on (a `$ref` to a
    file or an `import` holds its name), found by the trees' own search; None when a tree cannot
    search, or the chain is longer than is worth following: then every candidate is read."""
    searches = [search for tree in trees if (search := getattr(tree, "grep", None)) is not None]
    if len(searches) < len(trees):
        return None
    found: set[str] = set()
    frontier = set(targets)
    for _ in range(_MAX_NAMING_ROUNDS):
        needles: set[str] = set()
        for path in frontier:
            name = posixpath.basename(path)
            needles |= {name, quote(name)}
        named = set().union(*(search(needles, documents) for search in searches))
        frontier = named - found - set(targets)
        if not frontier:
            return found
        found |= frontier
    return None


def _referring_suffixes() -> tuple[str, ...]:
    """The file name endings of the schemas that may read other files: the extensions of the
    formats that do, and YAML (a JSON Schema may be written in it)."""
    suffixes = [
        extension
        for schema_type in supported_types()
        if (fmt := get_format(schema_type)).reads_files
        for extension in fmt.extensions
    ]
    return tuple(dict.fromkeys((*suffixes, *_YAML)))


def _referring_documents(config: Configured) -> list[str]:
    """git pathspecs of the files a reference may be followed from (JSON Schema `$ref`s, Protobuf
    imports): the files named like such schemas, unless some subject rule gives a format that
    reads other files to files named otherwise (then every file)."""
    suffixes = _referring_suffixes()
    rules = getattr(getattr(config, "config", config), "subjects", ())
    for rule in rules:
        named = getattr(rule, "file", None) or getattr(rule, "files", None) or ""
        schema_type = getattr(rule, "type", None)
        if (
            schema_type is not None
            and _reads_files(schema_type)
            and not named.lower().endswith(suffixes)
        ):
            return []
    return [f"*{suffix}" for suffix in suffixes]


def _may_refer(binding: SubjectBinding, path: str) -> bool:
    """Whether the subject of a file may read other files (by its configured type or, without
    one, its name)."""
    if binding.type is not None:
        return _reads_files(binding.type)
    return path.lower().endswith(_referring_suffixes())


def _reach_type(path: str) -> SchemaType:
    """The format a file's references are read by when nothing else tells: by its name, JSON
    Schema otherwise."""
    return default_type(path)


def file_references(
    path: str,
    text: str,
    options: CheckOptions | None = None,
    schema_type: SchemaType | None = None,
) -> list[str]:
    """The repository paths of the files that `text` (the file at `path`, of `schema_type`, or
    the type its name tells) may read: JSON Schema relative `$ref`s (fragments, URLs, absolute
    paths and paths leaving the repository are not files of the repository), Protobuf imports."""
    fmt = get_format(schema_type or _reach_type(path))
    return fmt.file_references(path, text, options or CheckOptions())


def _reference_changes(
    pairs: list[tuple[str | None, str | None, SubjectBinding]],
    types: Mapping[tuple[str | None, str | None], SchemaType | None],
    head_data: Mapping[str, bytes],
    base_data: Mapping[str, bytes],
    head: Tree,
    base: Tree,
    options: CheckOptions,
) -> set[tuple[str | None, str | None]]:
    """The (head path, base path) pairs whose schemas reach, through the files they read (the
    format's `file_references`) at the head or at the base, a file whose bytes differ between
    the two sides."""
    out: set[tuple[str | None, str | None]] = set()
    for schema_type in dict.fromkeys(types.values()):
        if schema_type is None or not _reads_files(schema_type):
            continue
        fmt = get_format(schema_type)

        def references(path: str, data: bytes | None, fmt: SchemaFormat = fmt) -> list[str]:
            if not data:
                return []
            found: list[str] = fmt.file_references(path, data.decode("utf-8", "replace"), options)
            return found

        chosen = [p for p in pairs if types.get((p[0], p[1])) is schema_type]
        out |= _reach_changes(chosen, references, head_data, base_data, head, base)
    return out


def _reach_changes(
    pairs: list[tuple[str | None, str | None, SubjectBinding]],
    references: Callable[[str, bytes | None], list[str]],
    head_data: Mapping[str, bytes],
    base_data: Mapping[str, bytes],
    head: Tree,
    base: Tree,
) -> set[tuple[str | None, str | None]]:
    """`_reference_changes` for the schemas of one format, whose `references` name the files
    each file reads."""
    edges: dict[tuple[str, bool], list[str]] = {}  # (path, at head) -> paths it references
    contents: dict[tuple[str, bool], bytes | None] = {}
    frontier: set[tuple[str, bool]] = set()
    for head_path, base_path, _ in pairs:
        for path, at_head, data in ((head_path, True, head_data), (base_path, False, base_data)):
            if path is not None and path in data:
                contents[(path, at_head)] = data[path]
                refs = references(path, data[path])
                edges[(path, at_head)] = refs
                frontier.update((ref, at_head) for ref in refs)
    if not frontier:
        return set()
    # read what is referenced, on both sides, until nothing new is reached
    while frontier and len(contents) < _MAX_REFERENCED_FILES:
        wanted = {path for path, _ in frontier}
        missing_head = sorted(p for p in wanted if (p, True) not in contents)
        missing_base = sorted(p for p in wanted if (p, False) not in contents)
        read_head = head.read(missing_head) if missing_head else {}
        read_base = base.read(missing_base) if missing_base else {}
        frontier = set()
        for side, missing, read in (
            (True, missing_head, read_head),
            (False, missing_base, read_base),
        ):
            for path in missing:
                found = read.get(path)
                contents[(path, side)] = found
                refs = references(path, found)
                edges[(path, side)] = refs
                frontier.update((ref, side) for ref in refs if (ref, side) not in contents)
        # the other side of every file reached is compared too
        frontier.update(
            (path, not side) for path, side in list(contents) if (path, not side) not in contents
        )
    differs = {
        path
        for path, side in contents
        if side and contents.get((path, True)) != contents.get((path, False))
    } | {path for path, side in contents if not side and (path, True) not in contents}

    def reaches_change(start: str, side: bool) -> bool:
        seen: set[str] = set()
        stack = list(edges.get((start, side), ()))
        while stack:
            path = stack.pop()
            if path in seen:
                continue
            seen.add(path)
            if path in differs:
                return True
            stack.extend(edges.get((path, side), ()))
        return False

    out: set[tuple[str | None, str | None]] = set()
    for head_path, base_path, _ in pairs:
        if (head_path is not None and reaches_change(head_path, True)) or (
            base_path is not None and reaches_change(base_path, False)
        ):
            out.add((head_path, base_path))
    return out


def in_shard(subject: str, index: int, count: int) -> bool:
    """A stable partition: the same subject lands in the same shard on every machine."""
    digest = hashlib.sha256(subject.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count == index - 1
