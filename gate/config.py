"""gate.yaml -> a validated, frozen `Config`.

The file is read with PyYAML's composer, so every value keeps the line it came from, then checked
against the JSON Schema shipped in `gate/schemas/config.schema.json` (by gate/configschema.py, not
the `jsonschema` library, which is slow to import), then converted to frozen records. Every
problem names the file, the line and the key:

    gate.yaml:7: subjects[1].type: 'AVROO' is not one of AVRO, JSON, PROTOBUF

Decisions worth knowing:

- YAML aliases (`*name`) and merge keys (`<<`) are rejected outright: they are rarely needed in a
  small file, and an alias is how a "billion laughs" document blows up memory.
- `${NAME}` in a string value is replaced by the environment variable; `$${` writes `${`. An unset
  variable is an error, except in `registry.url/user/password/token`, where it means "not
  configured" (None), so one file serves CI (with secrets) and laptops (without).
- Paths are relative to the file's directory (the repository root) and may neither be absolute
  nor contain `..`; only `registry.ca_bundle/client_cert/client_key` may point anywhere, since
  certificates live outside repositories.
- Without a `subjects:` key the rules of `default_config` apply, so a file that only configures
  the registry still checks every schema file.
- Subject templates: `{stem}` (file name without its last extension), `{name}` (file name),
  `{dir}` (name of the directory holding the file, "" at the root), `{path}` (the path relative
  to gate.yaml's folder without the file's last extension, each `/` written `.`, so
  `events/orders/v1/created.avsc` is `events.orders.v1.created`; dots already in names stay).
  In a `samples:` glob `{path}` keeps its `/`: there it names files.
- A path is bound by the `file:` rule naming it (two `file:` rules naming one file are an error:
  one of them would check nothing), else by the first `files:` glob (in file order) matching it:
  write specific globs above general ones.
- Globs are anchored at the root: `*` and `?` stay within one directory, `**` spans any number
  of directories (`**/*.avsc` matches `a.avsc` and `x/y/a.avsc`).
- A subject's `references:` (Confluent schema references: a `subject` at `version` `latest` or
  a number, or a `file`) are checked here for shape and for cycles among `file:` rules; their
  targets are resolved at each revision by gate/references.py, which finds the cycles that
  pass through `files:` globs.

A file that cannot be read at all is a `SourceError` (exit 3); anything wrong inside it is a
`ConfigError` (exit 2), raised as `ConfigFileError` carrying every `ConfigProblem` found.
"""

from __future__ import annotations

import functools
import json
import os
import re
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.errors import ConfigError, SourceError
from gate.model import JsonPolicy, Mode, SchemaType
from gate.records import Record
from gate.records import field as record_field

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    import yaml

    from gate.configschema import ConfigSchema
    from gate.declarations import (
        Consumer,
        Contract,
        Producer,
        RegistryConfig,
        SchemaReference,
        Waiver,
    )

CONFIG_NAMES = ("gate.yaml", "gate.yml")
TEMPLATE_FIELDS = ("stem", "name", "dir", "path")
CONFIG_VERSION = 1

_MAX_PROBLEMS_SHOWN = 20
# patterns only a gate.yaml is checked with: compiled (and cached by `re`) when one is read
_VARIABLE = r"[A-Za-z_][A-Za-z0-9_]*"
_URL = r"(?i)https?://[^/\s]+"
_GLOB_OR_TEMPLATE = r"[*?\[{]"
_DRIVE = re.compile(r"[A-Za-z]:[\\/]")
_MATCH_CACHE_SIZE = 1 << 16  # paths remembered by `Config.match` (a run asks for most twice)
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# values that are only credentials or endpoints: an unset ${VAR} means "not configured", and no
# message ever repeats them
_OPTIONAL_KEYS = frozenset({"url", "user", "password", "token"})
_HEADER_KEYS = (
    ("target_sr_cluster", "target-sr-cluster"),
    ("identity_pool_id", "Confluent-Identity-Pool-Id"),
)
_ENUM_KEYS = frozenset({"type", "compatibility", "json_policy"})
_SCHEMA_HINT = "every key is described by the JSON Schema in gate/schemas/config.schema.json"

Key = tuple[str | int, ...]


# ---------------------------------------------------------------------------------- the values


class SubjectBinding(NamedTuple):
    """A file bound to a subject by a rule: what the pipeline needs to judge that file (the rule
    itself: `Config.rule_for`)."""

    subject: str
    path: str  # relative to the configuration's folder, normalized
    type: SchemaType | None  # None: infer from the extension and content
    compatibility: Mode | None  # None: the registry's level, else the default
    json_policy: JsonPolicy | None
    samples: tuple[str, ...]  # globs of sample payloads, templates already expanded
    line: int | None  # the rule's line in gate.yaml; None for the built-in rules
    references: tuple[SchemaReference, ...] = ()


class SubjectRule(Record):
    """One entry of `subjects:`: a `file` or a `files` glob, and a subject name template."""

    subject: str
    file: str | None
    files: str | None
    type: SchemaType | None = None
    compatibility: Mode | None = None
    json_policy: JsonPolicy | None = None
    samples: tuple[str, ...] = ()
    line: int = 0  # 0 for the built-in rules
    references: tuple[SchemaReference, ...] = ()
    file_line: int = record_field(default=0, compare=False)  # the line of `file:` itself

    def matches(self, path: str) -> bool:
        if self.file is not None:
            return path == self.file
        return self.files is not None and _glob_regex(self.files).fullmatch(path) is not None

    def bind(self, path: str) -> SubjectBinding:
        """The binding of `path`, a normal path (`_normalize`'s) this rule matches: templates
        expanded."""
        if self.subject == "{stem}" and not self.samples:
            # the built-in rules' template (a run binds every schema file of the repository): a
            # normal path's name is its last part
            return SubjectBinding(
                _stem(path[path.rfind("/") + 1 :]),
                path,
                self.type,
                self.compatibility,
                self.json_policy,
                (),
                self.line or None,
                self.references,
            )
        values = template_values(path)
        if "{path" in self.subject or any("{path" in glob for glob in self.samples):
            values["path"] = path_value(path)
        return SubjectBinding(
            subject=subject_name(self.subject, path, values),
            path=path,
            type=self.type,
            compatibility=self.compatibility,
            json_policy=self.json_policy,
            samples=tuple(expand_template(glob, values) for glob in self.samples)
            if self.samples
            else (),
            line=self.line or None,
            references=self.references,
        )


class SimulationConfig(Record):
    """Payload simulation: how many random payloads beyond the deterministic ones, and the seed."""

    random_count: int = 20
    seed: int = 0
    enabled: bool = True


_SIMULATION_DEFAULTS = SimulationConfig()  # what gate.yaml does not say


def _default_rules() -> tuple[SubjectRule, ...]:
    from gate.formats import subject_extensions

    return (
        # one rule per format extension (`**/*.avsc`, `**/*.json`, `**/*.proto`); type None: a
        # .json file is a subject only if it turns out to be a schema (JSON Schema or Avro)
        *(
            SubjectRule(subject="{stem}", file=None, files=f"**/*{extension}", type=schema_type)
            for extension, schema_type in subject_extensions()
        ),
        # and a YAML file only if it declares `$schema`: a JSON Schema written in YAML
        SubjectRule(subject="{stem}", file=None, files="**/*.yaml", type=None),
        SubjectRule(subject="{stem}", file=None, files="**/*.yml", type=None),
    )


class Config(Record):
    """The whole configuration of a run, validated; `path` is None when there is no file."""

    path: Path | None
    root: Path
    version: int = CONFIG_VERSION
    registry: RegistryConfig | None = None
    default_compatibility: Mode = Mode.BACKWARD
    json_policy: JsonPolicy = JsonPolicy.STRICT
    subjects: tuple[SubjectRule, ...] = ()
    contracts: tuple[Contract, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    waivers_file: Path | None = None
    allow_remote_refs: bool = False
    simulation: SimulationConfig = _SIMULATION_DEFAULTS
    # `protobuf: import_paths:`, relative to the configuration's folder, normalized: where a
    # `.proto` import is looked for before the repository root and the importing file's folder
    protobuf_import_paths: tuple[str, ...] = ()

    def match(self, path: str) -> SubjectBinding | None:
        """The binding of a repository-relative path: `file:` rules first, then `files:` globs.

        Within each kind the first rule in file order wins; None when no rule matches. A run
        matches every file of the repository at both revisions, so answers are remembered.
        """
        cache = self._matched
        if path in cache:
            return cache[path]
        if len(cache) >= _MATCH_CACHE_SIZE:
            cache.clear()
        binding = cache[path] = self._match(path)
        return binding

    def match_all(self, paths: Iterable[str]) -> dict[str, SubjectBinding]:
        """The bindings of those of `paths` a rule matches, as `match` gives them. A path that
        is normal already and ends with none of the glob rules' suffixes is passed over at once:
        most files of a repository are no schema."""
        by_file, by_glob = self._rules
        suffixes = self._glob_suffixes
        found: dict[str, SubjectBinding] = {}
        for path in paths:
            if (
                suffixes is not None
                and path not in by_file
                and _already_normal(path)
                and path[0] not in "/\\"
                and not _DRIVE.match(path)
            ):
                # `_normalize` gives such a path back as it is, and only a `files:` rule
                # can match it (`rule_for`, without asking again what is known here)
                if path.endswith(suffixes):
                    for rule in by_glob:
                        if _normal_path_test(rule.files)(path):
                            found[path] = rule.bind(path)
                            break
                continue
            binding = self.match(path)
            if binding is not None:
                found[path] = binding
        return found

    def _match(self, path: str) -> SubjectBinding | None:
        normalized = _normalize(path)
        if normalized is None:
            return None
        rule = self.rule_for(normalized)
        return None if rule is None else rule.bind(normalized)

    def rule_for(self, normalized: str) -> SubjectRule | None:
        """The rule that binds a normal path (a binding's `path`), if one does."""
        by_file, by_glob = self._rules
        rule = by_file.get(normalized)
        if rule is not None:
            return rule
        suffixes = self._glob_suffixes
        if suffixes is not None and not normalized.endswith(suffixes):
            return None  # most files of a repository are no schema
        for rule in by_glob:
            # compiled once (and only when reached: a bad class such as [z-a] raises here, as
            # it always did)
            if _normal_path_test(rule.files)(normalized):
                return rule
        return None

    # Computed once per Config (the instance is frozen: `_replace` makes a new one,
    # with fresh caches); kept out of the fields, so out of ==, hash and repr.

    @functools.cached_property
    def _rules(self) -> tuple[dict[str, SubjectRule], tuple[SubjectRule, ...]]:
        """`file:` rules by file (loading refuses two of one file), then the `files:` rules."""
        by_file: dict[str, SubjectRule] = {}
        for rule in self.subjects:
            if rule.file is not None:
                by_file.setdefault(rule.file, rule)
        return by_file, tuple(rule for rule in self.subjects if rule.files is not None)

    @property
    def declares_references(self) -> bool:
        """Whether a subjects rule declares `references:` (only then are any resolved)."""
        return any(rule.references for rule in self.subjects)

    @functools.cached_property
    def _glob_suffixes(self) -> tuple[str, ...] | None:
        """The suffixes of the `files:` rules when each is a `**/*<suffix>` glob (the built-in
        rules are): a path that ends with none of them matches none of these rules."""
        suffixes: list[str] = []
        for rule in self._rules[1]:
            shape = _ANY_FOLDER_SUFFIX.fullmatch(rule.files or "")
            if shape is None:
                return None
            suffixes.append(shape["suffix"])
        return tuple(suffixes)

    @functools.cached_property
    def _matched(self) -> dict[str, SubjectBinding | None]:
        return {}

    def candidate_globs(self) -> tuple[str, ...]:
        """Globs of every file a source should list: subjects' files and contract schemas."""
        globs: list[str] = []
        for rule in self.subjects:
            if rule.file is not None:
                globs.append(escape_glob(rule.file))
            elif rule.files is not None:
                globs.append(rule.files)
        for contract in self.contracts:
            globs += [escape_glob(p.file) for p in contract.producers if p.file is not None]
            globs += [escape_glob(c.reader) for c in contract.consumers if not c.is_pinned]
        for rule in self.subjects:
            globs += [escape_glob(r.file) for r in rule.references if r.file is not None]
        return tuple(dict.fromkeys(globs))

    def is_candidate(self, path: str) -> bool:
        """True when `path` matches one of `candidate_globs()`."""
        normalized = _normalize(path)
        return normalized is not None and any(
            glob_match(glob, normalized) for glob in self.candidate_globs()
        )


def default_config(root: Path) -> Config:
    """The configuration without a file: every `**/*.avsc` is an AVRO subject named `{stem}`,
    every `**/*.proto` a PROTOBUF one (each format's `extensions`); every `**/*.json`,
    `**/*.yaml` and `**/*.yml` is a candidate whose type is inferred (None: a JSON Schema when
    it declares `$schema`); BACKWARD unless the registry says otherwise."""
    return Config(path=None, root=root, subjects=_default_rules())


# ---------------------------------------------------------------------------------- globs


def escape_glob(path: str) -> str:
    """A glob matching exactly `path`."""
    return re.sub(r"([*?\[])", r"[\1]", path)


# `**/*<suffix>` (the built-in rules' shape, and the commonest written one) as wcmatch translates
# it: built here without importing wcmatch, which costs a tenth of a run that checks one file
_ANY_FOLDER_SUFFIX = re.compile(r"\*\*/\*(?P<suffix>[A-Za-z0-9._-]+)")
_ANY_FOLDER_SUFFIX_REGEX = (
    r"^(?s:(?:(?!(?:[/]|^)(?:\.{{1,2}})(?:$|[/])).)*?(?:^|[/]+)(?=[^/])(?!\.{{1,2}}(?:$|[/]))"
    r"[^/]*?{suffix}[/]*?)$"
)


@functools.lru_cache(maxsize=1024)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """`pattern` as wcmatch reads a glob: `**` spans directories, `*` matches dot files too, no
    braces and no negation (a `files:` glob is one pattern)."""
    shape = _ANY_FOLDER_SUFFIX.fullmatch(pattern)
    if shape is not None:
        return re.compile(_ANY_FOLDER_SUFFIX_REGEX.format(suffix=re.escape(shape["suffix"])))
    from wcmatch import glob as wcglob

    flags = wcglob.GLOBSTAR | wcglob.DOTGLOB | wcglob.FORCEUNIX
    include, _ = wcglob.translate(pattern, flags=flags)
    return re.compile(include[0])


@functools.lru_cache(maxsize=1024)
def _normal_path_test(pattern: str) -> Callable[[str], bool]:
    """Whether a normal path (`_normalize`'s: no empty, `.` or `..` part) matches `pattern`. For
    `**/*<suffix>` that is whether the path ends with the suffix: a run matches every file of
    the repository at both revisions, and a test of its end costs a fiftieth of the regex."""
    shape = _ANY_FOLDER_SUFFIX.fullmatch(pattern)
    if shape is not None:
        suffix: str = shape["suffix"]
        return lambda path: path.endswith(suffix)
    regex = _glob_regex(pattern)
    return lambda path: regex.fullmatch(path) is not None


def glob_match(pattern: str, path: str) -> bool:
    """Whether a repository-relative posix `path` matches `pattern` (anchored, `**` aware)."""
    return _glob_regex(pattern).fullmatch(path) is not None


# ---------------------------------------------------------------------------------- templates


def template_values(path: str) -> dict[str, str]:
    """`stem`, `name` and `dir` of a posix path, as `PurePosixPath` reads them.

    Plain string work (`PurePosixPath` costs several microseconds a path, and a run binds every
    schema file of the repository twice): empty and `.` parts are dropped as pathlib drops them.
    """
    parts = [part for part in path.split("/") if part and part != "."]
    name = parts[-1] if parts else ""
    return {"stem": _stem(name), "name": name, "dir": parts[-2] if len(parts) > 1 else ""}


def path_value(path: str) -> str:
    """`{path}` of a posix path: its parts without the last extension of the file name."""
    parts = [part for part in path.split("/") if part and part != "."]
    if not parts:
        return ""
    return "/".join([*parts[:-1], _stem(parts[-1])])


def subject_name(template: str, path: str, values: Mapping[str, str] | None = None) -> str:
    """The subject `template` names the file at `path`: `{path}` with `/` written `.` (a `/`
    in a subject name would have to be escaped in every registry URL)."""
    if values is None:
        values = template_values(path)
    if "{path" in template:
        values = {**values, "path": values.get("path", path_value(path)).replace("/", ".")}
    return expand_template(template, values)


def _stem(name: str) -> str:
    """`PurePosixPath(name).stem`: the name without its last extension."""
    if name.startswith(".") or name.endswith("."):
        # what a leading or trailing dot means changes between Python versions: ask pathlib
        return PurePosixPath(name).stem
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


@functools.lru_cache(maxsize=256)
def _template_parts(template: str) -> tuple[tuple[str, str | None, str, str | None], ...]:
    import string  # not for the built-in rules' `{stem}`: most runs never need it

    return tuple(
        (literal, field, spec or "", conversion)
        for literal, field, spec, conversion in string.Formatter().parse(template)
    )


def expand_template(template: str, values: Mapping[str, str]) -> str:
    """Replace `{stem}`, `{name}`, `{dir}`, `{path}` (`{{` and `}}` are literal braces)."""
    out: list[str] = []
    for literal, field, _spec, _conversion in _template_parts(template):
        out.append(literal)
        if field is not None:
            out.append(values.get(field, ""))
    return "".join(out)


def _template_problem(template: str) -> str | None:
    try:
        parts = _template_parts(template)
    except ValueError:
        return "unbalanced braces in the template; write {{ or }} for a literal brace"
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in TEMPLATE_FIELDS or spec or conversion:
            import difflib  # only for a problem: not at start-up

            near = difflib.get_close_matches(field, TEMPLATE_FIELDS, n=1)
            guess = f"; did you mean {{{near[0]}}}?" if near else ""
            return (
                f"unknown placeholder {{{field}}}{guess} "
                "(use {stem}, {name}, {dir} or {path})"
            )
    return None


# ---------------------------------------------------------------------------------- paths


def _normalize(path: str) -> str | None:
    """A repository-relative posix path without `.`/empty parts; None if absolute or `..`."""
    if path.startswith(("/", "\\")) or _DRIVE.match(path):
        return None
    if _already_normal(path):
        return path  # no empty part, and no part starting with a dot
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _already_normal(path: str) -> bool:
    """No empty part and no part starting with a dot (so no `.` or `..` part either)."""
    return (
        bool(path) and "//" not in path and "/." not in path and path[0] != "." and path[-1] != "/"
    )


def display_path(path: Path) -> str:
    """`path` as messages show it: relative to the working directory when below it."""
    return _display(path)


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


# ---------------------------------------------------------------------------------- errors


class ConfigProblem(Record):
    """One thing wrong in a configuration file, where it is, and what to do about it."""

    file: str
    line: int | None
    key: str  # "subjects[1].type"; "" for the file as a whole
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigFileError(ConfigError):
    """Every problem found in a configuration file (exit 2), first ones first."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        ordered = sorted(problems, key=lambda p: (p.file, p.line or 0))
        shown = [str(problem) for problem in ordered[:_MAX_PROBLEMS_SHOWN]]
        if len(ordered) > _MAX_PROBLEMS_SHOWN:
            shown.append(f"... and {len(ordered) - _MAX_PROBLEMS_SHOWN} more")
        hint = next((p.hint for p in ordered if p.hint), _SCHEMA_HINT)
        super().__init__("invalid configuration", "\n".join(shown), hint)
        self.problems = tuple(ordered)


def key_text(key: Key) -> str:
    """`("subjects", 1, "type")` -> `subjects[1].type`."""
    text = ""
    for part in key:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


# ---------------------------------------------------------------------------------- YAML


class _AliasFound(Exception):
    def __init__(self, line: int, anchor: str) -> None:
        super().__init__(anchor)
        self.line = line
        self.anchor = anchor


def _compose(text: str, file: str) -> yaml.Node | None:
    """The YAML node tree of `text` (None for an empty document); aliases are refused."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise _AliasFound(event.start_mark.line + 1, str(event.anchor))
            return super().compose_node(parent, index)

    try:
        loader = Loader(text)
    except yaml.reader.ReaderError as error:
        # the reader refuses control characters before any parsing, with a character offset
        line = text.count("\n", 0, error.position) + 1
        raise ConfigFileError(
            [
                ConfigProblem(
                    file,
                    line,
                    "",
                    f"invalid YAML: character 0x{error.character:02x} is not allowed",
                    "remove the control character (or write it as an escape in a quoted string)",
                )
            ]
        ) from None
    try:
        return loader.get_single_node()
    except _AliasFound as alias:
        raise ConfigFileError(
            [
                ConfigProblem(
                    file,
                    alias.line,
                    "",
                    f"YAML aliases (*{alias.anchor}) are not supported in gate's configuration",
                    "write the value out in full instead of using an anchor and an alias",
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        detail = ": ".join(part for part in (error.context, error.problem) if part)
        raise ConfigFileError(
            [
                ConfigProblem(
                    file,
                    mark.line + 1 if mark is not None else None,
                    "",
                    f"invalid YAML: {detail or error}",
                    "fix the YAML syntax (indentation, quoting, a missing ':')",
                )
            ]
        ) from None
    except yaml.YAMLError as error:
        raise ConfigFileError(
            [ConfigProblem(file, None, "", f"invalid YAML: {error}", "fix the YAML syntax")]
        ) from None
    finally:
        loader.dispose()


class _Document:
    """A YAML document turned into plain values, with the line of every key and value."""

    def __init__(self, file: str, environ: Mapping[str, str], optional: frozenset[Key]) -> None:
        import yaml

        self._yaml = yaml
        self._constructor = yaml.constructor.SafeConstructor()
        self.file = file
        self.environ = environ
        self.optional = optional
        self.lines: dict[Key, int] = {}
        self.key_lines: dict[Key, int] = {}
        self.originals: dict[Key, Any] = {}
        self.raw: dict[Key, str] = {}  # the text of plain scalars YAML read as numbers
        self.broken: set[Key] = set()  # values already reported: no second problem for them
        self.problems: list[ConfigProblem] = []

    def problem(self, key: Key, message: str, hint: str = "", line: int | None = None) -> None:
        if key in self.broken:
            return
        if line is None:
            line = self.line(key)
        self.problems.append(ConfigProblem(self.file, line, key_text(key), message, hint))

    def line(self, key: Key) -> int | None:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def value(self, node: Any, key: Key) -> Any:
        yaml = self._yaml
        self.lines[key] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self.problem(key, f"unsupported YAML tag {node.tag}")
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if key_node.tag == _MERGE_TAG:
                    self.problem(key, "YAML merge keys (<<) are not supported", line=line)
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problem(key, "keys must be plain names", line=line)
                    continue
                name = str(key_node.value)
                child = (*key, name)
                if name in mapping:
                    self.problem(
                        child,
                        f"duplicate key (first written on line {self.key_lines[child]})",
                        "remove one of the two",
                        line=line,
                    )
                    continue
                self.key_lines[child] = line
                mapping[name] = self.value(value_node, child)
            return mapping
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self.problem(key, f"unsupported YAML tag {node.tag}")
            return [self.value(item, (*key, index)) for index, item in enumerate(node.value)]
        try:
            scalar = self._constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError) as error:
            reason = getattr(error, "problem", None) or str(error)
            self.problem(key, f"invalid value {node.value!r}: {reason}")
            return node.value
        if isinstance(scalar, datetime | date):
            return scalar.isoformat()
        if isinstance(scalar, bytes):
            self.problem(key, "binary values are not supported")
            return None
        if isinstance(scalar, str) and node.tag == _STR_TAG:
            return self.interpolate(scalar, key)
        if isinstance(scalar, int | float) and not isinstance(scalar, bool) and not node.style:
            self.raw[key] = str(node.value)
        return scalar

    def interpolate(self, text: str, key: Key) -> str | None:
        if "$" not in text:
            return text
        out: list[str] = []
        unset: list[str] = []
        position = 0
        while True:
            dollar = text.find("$", position)
            if dollar < 0:
                out.append(text[position:])
                break
            out.append(text[position:dollar])
            if text.startswith("$${", dollar):
                out.append("${")
                position = dollar + 3
            elif text.startswith("${", dollar):
                end = text.find("}", dollar + 2)
                if end < 0:
                    self.problem(
                        key, "unterminated ${", "close it with }, or write $${ for a literal ${"
                    )
                    self.broken.add(key)
                    return text
                name = text[dollar + 2 : end]
                if not re.fullmatch(_VARIABLE, name):
                    self.problem(
                        key,
                        f"invalid environment variable name {name!r} in ${{...}}",
                        "names are letters, digits and _, not starting with a digit; write $${ "
                        "for a literal ${",
                    )
                    self.broken.add(key)
                    return text
                value = self.environ.get(name)
                if value is None:
                    unset.append(name)
                else:
                    out.append(value)
                position = end + 1
            else:
                out.append("$")
                position = dollar + 1
        if unset:
            if key in self.optional:
                return None
            self.problem(
                key,
                f"environment variable {unset[0]} is not set",
                f"set {unset[0]} in the environment, or write $${{ for a literal ${{",
            )
            self.broken.add(key)
            return text
        return "".join(out)


def _load_document(
    path: Path, file: str, environ: Mapping[str, str], optional: frozenset[Key]
) -> tuple[Any, _Document]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(
            "configuration file not found", str(path), "check the path given to --config"
        ) from None
    except OSError as error:
        raise SourceError(
            f"could not read the configuration file ({error.strerror})",
            str(path),
            "check that it is a readable file",
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigFileError(
            [ConfigProblem(file, line, "", "the file is not UTF-8 text", "save it as UTF-8")]
        ) from None
    document = _Document(file, environ, optional)
    try:
        node = _compose(text, file)
        return (None if node is None else document.value(node, ())), document
    except RecursionError:
        raise ConfigFileError(
            [ConfigProblem(file, None, "", "the YAML is nested too deeply", "flatten it")]
        ) from None


# ---------------------------------------------------------------------------------- schema


@functools.cache
def _schema() -> dict[str, Any]:
    from importlib.resources import files

    text = files("gate").joinpath("schemas/config.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


@functools.cache
def _validator(definition: str | None) -> ConfigSchema:
    """A validator of the whole file (None) or of one of its `$defs`.

    gate's own (gate/configschema.py), not `jsonschema`, whose import would cost a third of the
    start-up; it yields the same errors in the same order (tests/test_config_validator.py).
    """
    from gate.configschema import ConfigSchema

    return ConfigSchema(_schema(), definition)


_TYPE_WORDS = {
    "string": "a string",
    "array": "a list",
    "object": "a mapping",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _describe(value: object, secret: bool = False) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if secret:
        return _TYPE_WORDS["string"] if isinstance(value, str) else "a number"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_secret(key: Key) -> bool:
    return len(key) == 2 and key[0] == "registry" and key[1] in _OPTIONAL_KEYS


def _set(instance: Any, key: Key, value: object) -> None:
    for part in key[:-1]:
        instance = instance[part]
    instance[key[-1]] = value


def _schema_problems(instance: object, document: _Document, definition: str | None) -> None:
    """Add a problem per schema violation, in words a user of gate.yaml understands.

    A plain scalar YAML reads as a number where a string belongs (a subject `123`, a fingerprint
    `01234567`, which YAML 1.1 would even read as octal) is taken as the text written.
    """
    validator = _validator(definition)
    for error in validator.iter_errors(instance):
        key: Key = tuple(error.absolute_path)
        expected = error.validator_value if error.validator == "type" else None
        if key and key in document.raw and expected in ("string", ["string", "null"]):
            _set(instance, key, document.raw[key])
    seen: set[tuple[int | None, str]] = set()
    for error in validator.iter_errors(instance):
        for key, line, message, hint in _explain(error, document):
            if (line, key_text(key)) in seen:
                continue
            seen.add((line, key_text(key)))
            document.problem(key, message, hint, line=line)


def _explain(error: Any, document: _Document) -> Iterator[tuple[Key, int | None, str, str]]:
    key: Key = tuple(error.absolute_path)
    line = document.line(key)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    custom = schema.get("x-error")
    secret = _is_secret(key)
    value = error.instance
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        for name in value:
            if name in allowed:
                continue
            import difflib  # only for a problem: not at start-up

            near = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            if near:
                message = f"unknown key '{name}'; did you mean '{near[0]}'?"
            else:
                message = f"unknown key '{name}' (expected one of {', '.join(allowed)})"
            child = (*key, name)
            yield child, document.key_lines.get(child, line), message, ""
    elif kind == "required":
        missing = [f"'{name}'" for name in error.validator_value if name not in value]
        plural = "s" if len(missing) > 1 else ""
        yield key, line, f"missing required key{plural} {', '.join(missing)}", ""
    elif kind == "enum":
        original = document.originals.get(key, value)
        shown = _describe(original, secret)
        yield key, line, f"{shown} is not one of {', '.join(map(str, error.validator_value))}", ""
    elif kind == "type":
        expected = error.validator_value
        wanted = [expected] if isinstance(expected, str) else list(expected)
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in wanted if t != "null")
        message = f"expected {words}, got {_describe(value, secret)}"
        hint = ""
        if isinstance(value, bool) and "string" in wanted:
            hint = "YAML reads yes/no/on/off/true/false as booleans: quote the value"
        yield key, line, message, hint
    elif custom:
        yield key, line, str(custom), ""
    elif kind == "minLength":
        yield key, line, "must not be empty", ""
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }[kind]
        yield key, line, f"must be {words} {error.validator_value}, got {_describe(value)}", ""
    elif kind == "const":
        yield key, line, f"must be {error.validator_value!r}", ""
    else:
        yield key, line, str(error.message), ""


def _normalize_enums(value: object, document: _Document, key: Key = ()) -> None:
    """Upper-case enum values (the CLI accepts any case too), remembering what was written."""
    if isinstance(value, dict):
        for name, item in value.items():
            child = (*key, name)
            if (
                name in _ENUM_KEYS
                and isinstance(item, str)
                and key[:1] in (("subjects",), ("defaults",))
            ):
                document.originals[child] = item
                upper = item.strip().upper()
                value[name] = "JSON" if name == "type" and upper == "JSONSCHEMA" else upper
            else:
                _normalize_enums(item, document, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _normalize_enums(item, document, (*key, index))


# ---------------------------------------------------------------------------------- building


class _Builder:
    """Turns a schema-valid document into frozen values, adding the cross-field problems."""

    def __init__(self, document: _Document, root: Path) -> None:
        self.doc = document
        self.root = root
        self.real_root = os.path.realpath(root)

    def repo_path(self, key: Key, value: str, must_exist: bool = False) -> str | None:
        """A path inside the repository, normalized; a problem (and None) otherwise."""
        text = value.strip()
        if text.startswith(("/", "\\", "~")) or re.match(r"[A-Za-z]:[\\/]", text):
            self.doc.problem(
                key,
                f"{text!r} is an absolute path; paths are relative to the repository root",
                "write the path relative to the directory of the configuration file",
            )
            return None
        parts = text.replace("\\", "/").split("/")
        if ".." in parts:
            self.doc.problem(
                key,
                f"{text!r} leaves the repository ('..' is not allowed)",
                "write the path relative to the directory of the configuration file",
            )
            return None
        normalized = "/".join(part for part in parts if part not in ("", ".")) or "."
        full = os.path.join(self.root, normalized)
        if not os.path.lexists(full) and must_exist:
            self.doc.problem(key, f"{text!r} does not exist", "check the path")
            return None
        # a glob or a template is checked up to its first wildcard or placeholder, so that a
        # linked directory cannot carry `samples/*.json` out of the repository either
        literal = []
        for part in normalized.split("/"):
            if re.search(_GLOB_OR_TEMPLATE, part):
                break
            literal.append(part)
        while literal and not os.path.lexists(os.path.join(self.root, *literal)):
            literal.pop()
        real = os.path.realpath(os.path.join(self.root, *literal))
        if real != self.real_root and not real.startswith(self.real_root.rstrip(os.sep) + os.sep):
            self.doc.problem(key, f"{text!r} leads outside the repository through a symbolic link")
            return None
        return normalized

    def local_file(self, key: Key, value: str | None) -> Path | None:
        if value is None:
            return None
        path = Path(os.path.expanduser(value))
        return path if path.is_absolute() else self.root / path

    def optional(self, value: object) -> str | None:
        return value if isinstance(value, str) and value.strip() else None

    def import_paths(self, raw: dict[str, Any] | None) -> tuple[str, ...]:
        """`protobuf: import_paths:`: folders inside the repository, in order."""
        out: list[str] = []
        for index, entry in enumerate((raw or {}).get("import_paths") or ()):
            key: Key = ("protobuf", "import_paths", index)
            folder = self.repo_path(key, entry)
            if folder is None:
                continue
            if os.path.isfile(os.path.join(self.root, folder)):
                self.doc.problem(
                    key,
                    f"{entry!r} is a file; an import path is a folder imports are looked for in",
                    "name the folder that holds the imported files (e.g. proto/)",
                )
                continue
            out.append("" if folder == "." else folder)
        return tuple(dict.fromkeys(out))

    def registry(self, raw: dict[str, Any] | None) -> RegistryConfig | None:
        if raw is None:
            return None
        from gate.declarations import RegistryConfig

        key: Key = ("registry",)
        url = self.optional(raw.get("url"))
        if url is not None:
            url = url.strip().rstrip("/")
            if not re.match(_URL, url):
                self.doc.problem((*key, "url"), "must be an http:// or https:// URL")
        snapshot = raw.get("snapshot")
        if snapshot is not None:
            snapshot = self.repo_path((*key, "snapshot"), snapshot)
        user, password = self.optional(raw.get("user")), self.optional(raw.get("password"))
        token = self.optional(raw.get("token"))
        if token is not None and (user is not None or password is not None):
            self.doc.problem(
                (*key, "token"),
                "set either token or user and password, not both",
                "a bearer token and basic authentication exclude each other",
            )
        elif (user is None) != (password is None):
            missing = "password" if password is None else "user"
            self.doc.problem(
                (*key, missing),
                f"registry.{missing} is not set (or empty) while the other half of basic "
                "authentication is",
                "set both user and password, or neither",
            )
        client_cert = self.local_file((*key, "client_cert"), raw.get("client_cert"))
        client_key = self.local_file((*key, "client_key"), raw.get("client_key"))
        if client_key is not None and client_cert is None:
            self.doc.problem((*key, "client_key"), "client_key needs client_cert")
        headers = tuple(
            (header, str(raw[name])) for name, header in _HEADER_KEYS if raw.get(name) is not None
        )
        return RegistryConfig(
            url=url,
            snapshot=snapshot,
            user=user,
            password=password,
            token=token,
            headers=headers,
            ca_bundle=self.local_file((*key, "ca_bundle"), raw.get("ca_bundle")),
            client_cert=client_cert,
            client_key=client_key,
            timeout=float(raw.get("timeout", RegistryConfig.timeout)),
            retries=int(raw.get("retries", RegistryConfig.retries)),
            concurrency=int(raw.get("concurrency", RegistryConfig.concurrency)),
            context=raw.get("context"),
        )

    def globs(self, key: Key, raw: str | list[str] | None) -> tuple[str, ...]:
        items = [raw] if isinstance(raw, str) else list(raw or [])
        out = []
        for index, glob in enumerate(items):
            item_key = key if isinstance(raw, str) else (*key, index)
            problem = _template_problem(glob)
            if problem is not None:
                self.doc.problem(item_key, problem)
                continue
            normalized = self.repo_path(item_key, glob)
            if normalized is not None:
                out.append(normalized)
        return tuple(out)

    def subjects(self, raw: list[dict[str, Any]] | None) -> tuple[SubjectRule, ...]:
        if raw is None:
            return _default_rules()
        rules: list[SubjectRule] = []
        bound: dict[str, tuple[str, int]] = {}  # subject -> (file, line) of `file:` entries
        files_bound: dict[str, tuple[str, int]] = {}  # file -> (subject, line)
        for index, item in enumerate(raw):
            key: Key = ("subjects", index)
            line = self.doc.line(key) or 0
            file, files = item.get("file"), item.get("files")
            if file is not None and files is not None:
                self.doc.problem(key, "use either file or files, not both")
                continue
            if file is None and files is None:
                self.doc.problem(key, "missing required key 'file' or 'files'")
                continue
            template = item["subject"]
            problem = _template_problem(template)
            if problem is not None:
                self.doc.problem((*key, "subject"), problem)
                continue
            if file is not None:
                file = self.repo_path((*key, "file"), file)
                if file is None:
                    continue
                subject = subject_name(template, file)
                if file in files_bound:
                    # a second `file:` entry would be ignored: the file is checked under one
                    # subject, and the other's registered versions never would be
                    other_subject, other_line = files_bound[file]
                    self.doc.problem(
                        (*key, "file"),
                        f"{file} is already bound to subject '{other_subject}' by the entry on "
                        f"line {other_line}; a file has one subject, so subject '{subject}' "
                        "would check nothing",
                        "remove one of the two entries (a file is checked under one subject)",
                    )
                    continue
                files_bound[file] = (subject, line)
                if subject in bound and bound[subject][0] != file:
                    other, other_line = bound[subject]
                    self.doc.problem(
                        (*key, "subject"),
                        f"subject '{subject}' is already bound to {other} (line {other_line})",
                        "give each file its own subject",
                    )
                    continue
                bound[subject] = (file, line)
            else:
                files = self.repo_path((*key, "files"), str(files))
                if files is None:
                    continue
            rules.append(
                SubjectRule(
                    subject=template,
                    file=file,
                    files=files,
                    type=SchemaType(item["type"]) if "type" in item else None,
                    compatibility=Mode(item["compatibility"]) if "compatibility" in item else None,
                    json_policy=JsonPolicy(item["json_policy"]) if "json_policy" in item else None,
                    samples=self.globs((*key, "samples"), item.get("samples")),
                    line=line,
                    references=self.references((*key, "references"), item.get("references")),
                    file_line=(self.doc.line((*key, "file")) or line) if file is not None else 0,
                )
            )
        self.reference_cycles(rules)
        return tuple(rules)

    def references(self, key: Key, raw: list[dict[str, Any]] | None) -> tuple[SchemaReference, ...]:
        from gate.declarations import SchemaReference

        out: list[SchemaReference] = []
        names: dict[str, int] = {}
        for index, item in enumerate(raw or []):
            item_key: Key = (*key, index)
            line = self.doc.line(item_key) or 0
            name = item["name"].strip()
            subject, file, version = item.get("subject"), item.get("file"), item.get("version")
            if (subject is None) == (file is None):
                self.doc.problem(
                    item_key,
                    "a reference names either a subject or a file"
                    + (", not both" if subject is not None else ""),
                    "write `subject: <name>` (with `version: latest` or a number) or "
                    "`file: <path>`",
                )
                continue
            if file is not None and version is not None:
                self.doc.problem(
                    (*item_key, "version"),
                    "a file reference has no version: it is read at each revision compared",
                    "remove `version`, or reference the file's subject instead",
                )
                continue
            if name in names:
                self.doc.problem(
                    (*item_key, "name"),
                    f"reference name {name!r} is already used on line {names[name]}",
                    "give each reference of a subject its own name",
                )
                continue
            names[name] = line
            if file is not None:
                file = self.repo_path((*item_key, "file"), file)
                if file is None:
                    continue
            number = None if version is None or version == "latest" else int(version)
            out.append(SchemaReference(name, subject, number, file, line))
        return tuple(out)

    def reference_cycles(self, rules: Sequence[SubjectRule]) -> None:
        """A subject that reaches itself through the references of `file:` rules (the subjects
        of `files:` globs are known only once the trees are listed: gate.references checks
        those)."""
        by_subject: dict[str, SubjectRule] = {}
        by_file: dict[str, SubjectRule] = {}
        for rule in rules:
            if rule.file is not None:
                by_file.setdefault(rule.file, rule)
                by_subject.setdefault(
                    expand_template(rule.subject, template_values(rule.file)), rule
                )

        def step(reference: SchemaReference) -> SubjectRule | None:
            if reference.file is not None:
                return by_file.get(reference.file)
            if reference.version is not None:
                return None  # a registered version: its references are the registry's
            return by_subject.get(reference.subject or "")

        reported: set[str] = set()
        for start in rules:
            if start.file is None or not start.references or start.file in reported:
                continue
            # depth first, remembering the path: a reference back onto it closes a cycle
            stack: list[tuple[SubjectRule, list[tuple[SubjectRule, SchemaReference]]]] = [
                (start, [])
            ]
            seen: set[str] = set()
            while stack:
                rule, path = stack.pop()
                for reference in rule.references:
                    target = step(reference)
                    if target is None or target.file is None:
                        continue
                    chain = [*path, (rule, reference)]
                    if target.file == start.file:
                        names = " -> ".join(f"{r.target} (line {r.line})" for _, r in chain)
                        self.doc.problem(
                            (),
                            f"schema references form a cycle: {start.file} -> {names}",
                            "a schema cannot depend on itself: move the shared types into a "
                            "schema of their own that both reference",
                            line=chain[0][1].line,
                        )
                        reported.update(r.file for r, _ in chain if r.file is not None)
                        stack.clear()
                        break
                    if target.file not in seen:
                        seen.add(target.file)
                        stack.append((target, chain))

    def contracts(self, raw: list[dict[str, Any]] | None) -> tuple[Contract, ...]:
        from gate.declarations import PIN, Consumer, Contract, Producer

        contracts: list[Contract] = []
        for index, item in enumerate(raw or []):
            key: Key = ("contracts", index)
            producers: list[Producer] = []
            for number, producer in enumerate(item.get("producers") or []):
                pkey: Key = (*key, "producers", number)
                file = producer.get("file")
                if file is not None:
                    file = self.repo_path((*pkey, "file"), file)
                producers.append(Producer(producer["name"], file, self.doc.line(pkey) or 0))
            consumers: list[Consumer] = []
            names: dict[str, int] = {}
            for number, consumer in enumerate(item.get("consumers") or []):
                ckey: Key = (*key, "consumers", number)
                name = consumer["name"]
                line = self.doc.line(ckey) or 0
                if name in names:
                    self.doc.problem(
                        (*ckey, "name"),
                        f"consumer '{name}' is already declared on line {names[name]}",
                        "give each consumer of a subject its own name",
                    )
                names[name] = line
                reader = consumer["reader"].strip()
                if PIN.fullmatch(reader) is None:
                    reader = self.repo_path((*ckey, "reader"), reader) or reader
                consumers.append(Consumer(name, reader, consumer.get("environment"), line))
            contracts.append(
                Contract(
                    item["subject"], tuple(producers), tuple(consumers), self.doc.line(key) or 0
                )
            )
        return tuple(contracts)

    def waivers(self, raw: list[dict[str, Any]] | None, file: str, key: Key) -> list[Waiver]:
        from gate.declarations import Waiver

        waivers: list[Waiver] = []
        for index, item in enumerate(raw or []):
            item_key: Key = (*key, index)
            try:
                expires = date.fromisoformat(item["expires"])
            except ValueError:
                self.doc.problem((*item_key, "expires"), f"{item['expires']!r} is not a valid date")
                continue
            waivers.append(
                Waiver(
                    rule=item["rule"],
                    subject=item["subject"],
                    fingerprint=item["fingerprint"].lower(),
                    reason=item["reason"],
                    owner=item["owner"],
                    expires=expires,
                    line=self.doc.line(item_key) or 0,
                    file=file,
                )
            )
        return waivers


def _fail_on(document: _Document) -> None:
    if document.problems:
        raise ConfigFileError(document.problems)


def _load_waivers_file(
    path: Path, relative: str, environ: Mapping[str, str], root: Path
) -> list[Waiver]:
    file = _display(path)
    value, document = _load_document(path, file, environ, frozenset())
    if value is None:
        return []
    if not isinstance(value, list):
        document.problem((), f"a waivers file must be a list of waivers, not {_describe(value)}")
    else:
        _schema_problems(value, document, "waivers")
    _fail_on(document)
    builder = _Builder(document, root)
    waivers = builder.waivers(value, relative, ())
    _fail_on(document)
    return waivers


def load_config(path: Path, environ: Mapping[str, str]) -> Config:
    """Read, validate and convert the configuration file at `path`.

    Raises `SourceError` when the file cannot be read, `ConfigFileError` (a ConfigError, exit 2)
    listing every problem otherwise.
    """
    path = Path(path)
    file = _display(path)
    optional = frozenset(("registry", name) for name in _OPTIONAL_KEYS)
    value, document = _load_document(path, file, environ, optional)
    if not isinstance(value, dict):
        shape = "empty" if value is None else f"{_describe(value)}"
        document.problem(
            (),
            f"the configuration must be a mapping of keys (version, subjects, ...), not {shape}",
            "start the file with `version: 1`",
            line=1,
        )
        _fail_on(document)
    _normalize_enums(value, document)
    _schema_problems(value, document, None)
    _fail_on(document)

    root = path.resolve().parent
    builder = _Builder(document, root)
    defaults = value.get("defaults") or {}
    simulation = value.get("simulation") or {}
    waivers = builder.waivers(value.get("waivers"), path.name, ("waivers",))
    waivers_file: Path | None = None
    relative = value.get("waivers_file")
    if relative is not None:
        relative = builder.repo_path(("waivers_file",), relative, must_exist=True)
        if relative is not None:
            waivers_file = root / relative
    config = Config(
        path=path.resolve(),
        root=root,
        version=int(value.get("version", CONFIG_VERSION)),
        registry=builder.registry(value.get("registry", None)),
        default_compatibility=Mode(defaults.get("compatibility", Mode.BACKWARD.value)),
        json_policy=JsonPolicy(defaults.get("json_policy", JsonPolicy.STRICT.value)),
        subjects=builder.subjects(value.get("subjects")),
        contracts=builder.contracts(value.get("contracts")),
        waivers=tuple(waivers),
        waivers_file=waivers_file,
        allow_remote_refs=bool(defaults.get("allow_remote_refs", False)),
        simulation=SimulationConfig(
            random_count=int(simulation.get("random", _SIMULATION_DEFAULTS.random_count)),
            seed=int(simulation.get("seed", _SIMULATION_DEFAULTS.seed)),
            enabled=bool(simulation.get("enabled", _SIMULATION_DEFAULTS.enabled)),
        ),
        protobuf_import_paths=builder.import_paths(value.get("protobuf")),
    )
    _fail_on(document)
    if waivers_file is not None and relative is not None:
        extra = _load_waivers_file(waivers_file, relative, environ, root)
        config = config._replace(waivers=config.waivers + tuple(extra))
    return config


def find_config(start: Path) -> Path | None:
    """The nearest gate.yaml (or gate.yml) at or above `start`, not above the git top level.

    The walk stops at the first directory holding `.git` (a directory, or a file in worktrees
    and submodules) or at the filesystem root. Both names in one directory is an error, and so
    is a file that a symbolic link leads out of the repository (or, outside git, out of the
    directory it was found in).
    """
    current = start.resolve()
    if current.is_file():
        current = current.parent
    for directory in (current, *current.parents):
        found = [directory / name for name in CONFIG_NAMES if (directory / name).is_file()]
        if len(found) > 1:
            raise ConfigError(
                "both gate.yaml and gate.yml exist",
                str(directory),
                "keep one of them (gate would otherwise ignore the other)",
            )
        if found:
            top = next((d for d in (directory, *directory.parents) if (d / ".git").exists()), None)
            real = os.path.realpath(found[0])
            if not real.startswith(os.path.realpath(top or directory).rstrip(os.sep) + os.sep):
                # found by walking up, it must belong to the repository it was found in: a link
                # out of it would make a file anywhere on the machine the configuration
                raise ConfigError(
                    "the configuration file is a symbolic link leading out of the repository; "
                    "not read",
                    str(found[0]),
                    "replace the link by the file itself, or pass --config explicitly",
                )
            return found[0]
        if (directory / ".git").exists():
            return None
    return None
